#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/procfs.h"
#include "spacer/utils.h"

/* The inode number of every procfs root (fs/proc/root.c). */
#define PROC_ROOT_INO 1

/* ---- the handle ---- */

/* A procfs instance of our own, attached nowhere: nothing can be mounted
 * on it. It shows the pid namespace this process is in. */
static int
new_procfs (void)
{
  _cleanup_close_ int fs = fsopen ("proc", FSOPEN_CLOEXEC);
  if (fs < 0 || fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  return fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

/* The /proc mount alone, copied without what is mounted below it. */
static int
clone_of_proc (void)
{
  return open_tree (AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
}

static int
check_procfs_root (int fd, const char *what, spc_err_t *err)
{
  struct statfs sfs;
  struct stat st;
  if (fstatfs (fd, &sfs) < 0 || fstat (fd, &st) < 0)
    return spc_error_errno (err, "procfs handle: stat %s", what);
  if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO)
    return spc_error_make (err, 0, "procfs handle: %s is not the root of a procfs", what);
  return 0;
}

int
spc_procfs_open (spc_err_t *err)
{
  const char *what = "a new procfs";
  _cleanup_close_ int fd = new_procfs ();
  if (fd < 0)
    {
      what = "a copy of the /proc mount";
      fd = clone_of_proc ();
    }
  if (fd < 0)
    {
      what = "/proc";
      fd = open ("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return spc_error_errno (err, "procfs handle: open /proc");
  if (check_procfs_root (fd, what, err) < 0)
    return -1;
  return spc_steal_fd (&fd);
}

/* ---- files below it ---- */

/* `path` with a leading "self" or "thread-self" replaced by what that
 * link says through the handle ("1234", "1234/task/1234"). */
static int
expand_self (int procfd, const char *path, char **out, spc_err_t *err)
{
  size_t n = strcspn (path, "/");
  char name[16], target[64];
  if ((n == 4 && strncmp (path, "self", 4) == 0) || (n == 11 && strncmp (path, "thread-self", 11) == 0))
    {
      memcpy (name, path, n);
      name[n] = '\0';
      ssize_t len = readlinkat (procfd, name, target, sizeof target - 1);
      if (len < 0)
        return spc_error_errno (err, "read /proc/%s", name);
      target[len] = '\0';
      if (asprintf (out, "%s%s", target, path + n) < 0)
        return spc_error_errno (err, "asprintf");
      return 0;
    }
  *out = strdup (path);
  return *out ? 0 : spc_error_errno (err, "strdup");
}

static int
open_below (int procfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = (uint64_t) flags | O_CLOEXEC | O_NOCTTY,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
  };
  int fd;
  do
    fd = (int) syscall (SYS_openat2, procfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

int
spc_procfs_open_file (int procfd, const char *path, int flags, spc_err_t *err)
{
  _cleanup_free_ char *real = NULL;
  if (expand_self (procfd, path, &real, err) < 0)
    return -1;
  _cleanup_close_ int fd = open_below (procfd, real, flags);
  if (fd < 0 && errno == EXDEV)
    return spc_error_make (err, EXDEV, "/proc/%s: crosses a mount or leaves procfs on the way "
                                       "(refused)",
                           path);
  if (fd < 0 && errno == ELOOP)
    return spc_error_make (err, ELOOP, "/proc/%s: goes through a symlink (refused)", path);
  if (fd < 0)
    return spc_error_errno (err, "open /proc/%s", path);
  struct statfs sfs;
  if (fstatfs (fd, &sfs) < 0)
    return spc_error_errno (err, "statfs /proc/%s", path);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return spc_error_make (err, 0, "/proc/%s: not on procfs (refused)", path);
  return spc_steal_fd (&fd);
}

int
spc_procfs_write (int procfd, const char *path, const char *data, size_t len, spc_err_t *err)
{
  /* No O_TRUNC: procfs files take a write at offset 0 whole, and a file
   * that turns out not to be on procfs must be left as it was. */
  _cleanup_close_ int fd = spc_procfs_open_file (procfd, path, O_WRONLY, err);
  if (fd < 0)
    return -1;
  if (spc_write_all (fd, data, len) < 0)
    return spc_error_errno (err, "write /proc/%s", path);
  return 0;
}

/* ---- what the config may mount inside /proc ---- */

/* What tools like lxcfs mount over /proc to show a container its own
 * view: runc's list (libcontainer/rootfs_linux.go, checkProcMount). */
static const char *const lxcfs_files[] = {
  "/proc/cpuinfo", "/proc/diskstats",           "/proc/meminfo",
  "/proc/stat",    "/proc/swaps",               "/proc/uptime",
  "/proc/loadavg", "/proc/slabinfo",            "/proc/sys/kernel/ns_last_pid",
  "/proc/sys/crypto/fips_enabled",
};

static bool
is_under (const char *dir, const char *path)
{
  size_t n = strlen (dir);
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool
source_is_procfs (const struct spc_mount *m)
{
  struct statfs sfs;
  return m->source && statfs (m->source, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

const char *
spc_procfs_mount_refusal (const struct spc_mount *m, const char *dest, bool check_source)
{
  if (!is_under ("/proc", dest))
    return NULL;
  if (strcmp (dest, "/proc") == 0)
    {
      bool bind = m->flags & MS_BIND;
      if ((!bind && m->type && strcmp (m->type, "proc") == 0)
          || (bind && (!check_source || source_is_procfs (m))))
        return NULL;
      return "only procfs may be mounted at /proc";
    }
  for (size_t i = 0; i < sizeof lxcfs_files / sizeof *lxcfs_files; i++)
    if (strcmp (dest, lxcfs_files[i]) == 0)
      return NULL;
  return "inside /proc, where nothing may be mounted but procfs at /proc and the files lxcfs "
         "emulates (/proc/cpuinfo, /proc/meminfo, ...)";
}

const char *
spc_procfs_target_refusal (const char *dest, int fd)
{
  struct statfs sfs;
  if (is_under ("/proc", dest))
    return NULL;
  if (fstatfs (fd, &sfs) < 0)
    return "statfs failed, so it may be on a procfs";
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return NULL;
  return "on a procfs mounted outside /proc, where nothing may be mounted either";
}

/* `path` as an absolute path without empty, "." or ".." components, read
 * as text: "/proc//sys/./fs/../kernel" is "/proc/sys/kernel". */
static char *
lexically_clean (const char *path)
{
  char *out = malloc (strlen (path) + 2);
  size_t len = 0;
  if (out == NULL)
    return NULL;
  for (const char *p = path; *p;)
    {
      size_t n = strcspn (p, "/");
      if (n == 2 && p[0] == '.' && p[1] == '.')
        while (len > 0 && out[--len] != '/')
          ;
      else if (n > 0 && !(n == 1 && p[0] == '.'))
        {
          out[len++] = '/';
          memcpy (out + len, p, n);
          len += n;
        }
      p += n + (p[n] == '/');
    }
  if (len == 0)
    out[len++] = '/';
  out[len] = '\0';
  return out;
}

int
spc_procfs_check_mounts (const struct spc_config *c, spc_err_t *err)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct spc_mount *m = &c->mounts[i];
      _cleanup_free_ char *dest = lexically_clean (m->destination);
      if (dest == NULL)
        return spc_error_errno (err, "malloc");
      bool absolute_source = m->source && m->source[0] == '/';
      const char *why = spc_procfs_mount_refusal (m, dest, absolute_source);
      if (why)
        return spc_error_make (err, 0, "mounts[%zu].destination: `%s`: %s", i, m->destination,
                               why);
    }
  return 0;
}
