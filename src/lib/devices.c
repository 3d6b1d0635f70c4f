#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
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

/* Is st the node d describes? */
static bool
is_device (const struct stat *st, const struct spc_device *d)
{
  if ((st->st_mode & S_IFMT) != device_type_bits (d->type))
    return false;
  return d->type == 'p' || st->st_rdev == makedev ((unsigned) d->major, (unsigned) d->minor);
}

/* Without CAP_MKNOD over the host (a user namespace) a node cannot be made;
 * the host's node is bind-mounted over an empty file instead, as runc does.
 * The host's node is checked to be the device asked for: a path that is a
 * symlink or a regular file on the host would put that file in the
 * container. */
static int
bind_host_device (int dirfd, const char *name, const struct spc_device *d, spc_err_t *err)
{
  _cleanup_close_ int source = open (d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (source < 0 || fstat (source, &st) < 0)
    return spc_error_errno (err, "open the host's `%s`", d->path);
  if (!is_device (&st, d))
    return spc_error_make (err, 0, "the host's `%s` is not the device %c %" PRId64 ":%" PRId64
                                   ", refused",
                           d->path, d->type, d->major, d->minor);
  _cleanup_close_ int target
      = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
  if (target < 0)
    return spc_error_errno (err, "create `%s`", d->path);
  if (spc_mounts_bind_fd (source, target, err) < 0)
    return spc_error_prefix (err, "bind mount device `%s`", d->path);
  return 0;
}

/* Whatever the image put at this path (a regular file, a stale node) must
 * not stand in for the device. */
static int
remove_existing (int dirfd, const char *name, const char *path, spc_err_t *err)
{
  struct stat st;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (S_ISDIR (st.st_mode))
    return spc_error_make (err, EISDIR, "device `%s`", path);
  if (unlinkat (dirfd, name, 0) < 0)
    return spc_error_errno (err, "remove `%s`", path);
  return 0;
}

/* The node, made with its exact mode and then reached by an fd that is
 * checked to be it: no later step looks its name up again, so a name
 * swapped for a symlink (a shared /dev) cannot pass the chown on to a file
 * of the host's. The umask is the init's own (it shares no fs_struct) and
 * is put back at once; the program's comes later. */
static int
make_node (int dirfd, const char *name, const struct spc_device *d, mode_t perm, spc_err_t *err)
{
  dev_t dev = d->type == 'p' ? 0 : makedev ((unsigned) d->major, (unsigned) d->minor);
  mode_t mask = umask (0);
  int r = mknodat (dirfd, name, device_type_bits (d->type) | perm, dev);
  int saved = errno;
  umask (mask);
  if (r < 0)
    {
      errno = saved;
      return -1;
    }
  int fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      spc_error_errno (err, "open the new node `%s`", d->path);
      if (fd >= 0)
        close (fd);
      return -2;
    }
  if (!is_device (&st, d) || (st.st_mode & 07777) != perm)
    {
      close (fd);
      spc_error_make (err, 0, "`%s` was replaced while it was made, refused", d->path);
      return -2;
    }
  return fd;
}

static int
create_device (int rootfd, const struct spc_device *d, spc_err_t *err)
{
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dirfd = spc_root_open_parent (rootfd, d->path, &name, err);
  if (dirfd < 0 || remove_existing (dirfd, name, d->path, err) < 0)
    return -1;

  mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
  _cleanup_close_ int node = make_node (dirfd, name, d, perm, err);
  if (node == -2)
    return -1;
  if (node < 0)
    {
      if (errno == EPERM && d->type != 'p')
        return bind_host_device (dirfd, name, d, err);
      return spc_error_errno (err, "mknod `%s`", d->path);
    }
  uid_t uid = d->has_uid ? d->uid : 0;
  gid_t gid = d->has_gid ? d->gid : 0;
  if ((uid || gid) && fchownat (node, "", uid, gid, AT_EMPTY_PATH) < 0)
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
