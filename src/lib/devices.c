#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/devices.h"
#include "spacer/mounts.h"
#include "spacer/path.h"

static const struct spc_device default_devices[] = {
  { .path = (char *) "/dev/null", .type = 'c', .major = 1, .minor = 3 },
  { .path = (char *) "/dev/zero", .type = 'c', .major = 1, .minor = 5 },
  { .path = (char *) "/dev/full", .type = 'c', .major = 1, .minor = 7 },
  { .path = (char *) "/dev/random", .type = 'c', .major = 1, .minor = 8 },
  { .path = (char *) "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
  { .path = (char *) "/dev/tty", .type = 'c', .major = 5, .minor = 0 },
};

static const struct
{
  const char *target, *path;
} default_links[] = {
  { "/proc/self/fd", "/dev/fd" },
  { "/proc/self/fd/0", "/dev/stdin" },
  { "/proc/self/fd/1", "/dev/stdout" },
  { "/proc/self/fd/2", "/dev/stderr" },
};

static mode_t
device_type_bits (char type)
{
  switch (type)
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

/* Without CAP_MKNOD over the host (a user namespace) a node cannot be made;
 * bind-mount the host's node over an empty file instead, as runc does. */
static int
bind_host_device (int rootfd, const struct spc_device *d, spc_err_t *err)
{
  _cleanup_close_ int fd = spc_root_open (rootfd, d->path, SPC_PATH_CREATE_FILE, err);
  if (fd < 0)
    return -1;
  char buf[SPC_FD_PATH_MAX];
  if (mount (d->path, spc_fd_path (fd, buf), NULL, MS_BIND, NULL) < 0)
    return spc_error_errno (err, "bind mount device `%s`", d->path);
  return 0;
}

static int
create_device (int rootfd, const struct spc_device *d, spc_err_t *err)
{
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dirfd = spc_root_open_parent (rootfd, d->path, &name, err);
  if (dirfd < 0)
    return -1;

  /* Whatever the image put at this path (a regular file, a stale node) must
   * not stand in for the device. */
  struct stat st;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (S_ISDIR (st.st_mode))
        return spc_error_make (err, EISDIR, "device `%s`", d->path);
      if (unlinkat (dirfd, name, 0) < 0)
        return spc_error_errno (err, "remove `%s`", d->path);
    }

  mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
  dev_t dev = d->type == 'p' ? 0 : makedev ((unsigned) d->major, (unsigned) d->minor);
  if (mknodat (dirfd, name, device_type_bits (d->type) | perm, dev) < 0)
    {
      if (errno == EPERM && d->type != 'p')
        return bind_host_device (rootfd, d, err);
      return spc_error_errno (err, "mknod `%s`", d->path);
    }
  /* mknod applies the umask; the config's mode is the mode. */
  if (fchmodat (dirfd, name, perm, 0) < 0)
    return spc_error_errno (err, "chmod `%s`", d->path);
  uid_t uid = d->has_uid ? d->uid : 0;
  gid_t gid = d->has_gid ? d->gid : 0;
  if ((uid || gid) && fchownat (dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return spc_error_errno (err, "chown `%s`", d->path);
  return 0;
}

static int
create_link (int rootfd, const char *target, const char *path, spc_err_t *err)
{
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dirfd = spc_root_open_parent (rootfd, path, &name, err);
  if (dirfd < 0)
    return -1;
  if (symlinkat (target, dirfd, name) < 0 && errno != EEXIST)
    return spc_error_errno (err, "symlink `%s`", path);
  return 0;
}

static bool
configured (const struct spc_config *c, const char *path)
{
  for (size_t i = 0; i < c->linux_.n_devices; i++)
    if (strcmp (c->linux_.devices[i].path, path) == 0)
      return true;
  return false;
}

int
spc_devices_setup (const struct spc_config *c, int rootfd, spc_err_t *err)
{
  /* A /dev bind-mounted from the host is used as it is. */
  const struct spc_mount *dev = spc_mounts_find (c, "/dev");
  if (dev && (dev->flags & MS_BIND))
    return 0;

  for (size_t i = 0; i < sizeof default_devices / sizeof *default_devices; i++)
    if (!configured (c, default_devices[i].path)
        && create_device (rootfd, &default_devices[i], err) < 0)
      return -1;
  for (size_t i = 0; i < c->linux_.n_devices; i++)
    if (create_device (rootfd, &c->linux_.devices[i], err) < 0)
      return spc_error_prefix (err, "linux.devices[%zu]", i);

  for (size_t i = 0; i < sizeof default_links / sizeof *default_links; i++)
    if (create_link (rootfd, default_links[i].target, default_links[i].path, err) < 0)
      return -1;
  if (spc_mounts_find (c, "/dev/pts"))
    {
      /* /dev/ptmx must be the container's own devpts instance. */
      _cleanup_free_ char *name = NULL;
      _cleanup_close_ int dirfd = spc_root_open_parent (rootfd, "/dev/ptmx", &name, err);
      if (dirfd < 0)
        return -1;
      unlinkat (dirfd, name, 0);
      if (symlinkat ("pts/ptmx", dirfd, name) < 0)
        return spc_error_errno (err, "symlink /dev/ptmx");
    }
  return 0;
}
