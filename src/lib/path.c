#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/path.h"

#define MAX_SYMLINKS 40

const char *
spc_fd_path (int fd, char buf[SPC_FD_PATH_MAX])
{
  snprintf (buf, SPC_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

/* openat2 below rootfd, as if rootfd were "/", /proc's magic links
 * refused, with `resolve` flags besides. An empty or "/" path means the
 * root itself. */
static int
openat2_below (int rootfd, const char *path, int flags, uint64_t resolve)
{
  struct open_how how = {
    .flags = (uint64_t) flags | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
  };
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  int fd;
  do
    fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

static int
openat2_in_root (int rootfd, const char *path, int flags)
{
  return openat2_below (rootfd, path, flags, 0);
}

/* Append one component to a canonical path held in buf. */
static int
push_component (char *buf, size_t *len, const char *comp, size_t clen)
{
  if (*len + 1 + clen + 1 > PATH_MAX)
    return -1;
  buf[(*len)++] = '/';
  memcpy (buf + *len, comp, clen);
  *len += clen;
  buf[*len] = '\0';
  return 0;
}

static void
pop_component (char *buf, size_t *len)
{
  char *slash = strrchr (buf, '/');
  *len = slash ? (size_t) (slash - buf) : 0;
  buf[*len] = '\0';
}

static bool
on_procfs (int rootfd, const char *relative)
{
  struct statfs sfs;
  int fd = openat (rootfd, relative, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  bool proc = fd >= 0 && fstatfs (fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
  if (fd >= 0)
    close (fd);
  return proc;
}

/* Walk the path lexically, reading each symlink we meet, as the kernel would
 * inside a chroot, but refuse a ".." that climbs above the root: that is the
 * only way a symlink can "escape" when absolute targets are root-relative. */
int
spc_root_canonical (int rootfd, const char *path, char **out, spc_err_t *err)
{
  _cleanup_free_ char *todo = strdup (path);
  if (todo == NULL)
    return spc_error_errno (err, "strdup");
  char resolved[PATH_MAX] = "";
  size_t rlen = 0;
  int links = 0;

  char *p = todo;
  while (*p)
    {
      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      char *end = strchrnul (p, '/');
      size_t clen = (size_t) (end - p);

      if (clen == 1 && p[0] == '.')
        {
          p = end;
          continue;
        }
      if (clen == 2 && p[0] == '.' && p[1] == '.')
        {
          if (rlen == 0)
            return spc_error_make (err, EXDEV, "`%s`: leads outside the container root", path);
          pop_component (resolved, &rlen);
          p = end;
          continue;
        }
      if (push_component (resolved, &rlen, p, clen) < 0)
        return spc_error_make (err, ENAMETOOLONG, "`%s`", path);

      char target[PATH_MAX];
      ssize_t tlen = readlinkat (rootfd, resolved + 1, target, sizeof target - 1);
      if (tlen < 0)
        {
          /* Not a symlink, or not there yet (it will be created): keep it. */
          p = end;
          continue;
        }
      target[tlen] = '\0';
      if (++links > MAX_SYMLINKS)
        return spc_error_make (err, ELOOP, "`%s`", path);
      /* A link in procfs (/proc/self/fd/N, /proc/self/cwd) is a handle on
       * a file, not a path: its text may name something of the host's. */
      if (on_procfs (rootfd, resolved + 1))
        return spc_error_make (err, ELOOP, "`%s`: goes through a /proc link", path);

      pop_component (resolved, &rlen);
      if (target[0] == '/')
        rlen = 0, resolved[0] = '\0';

      _cleanup_free_ char *rest = NULL;
      if (asprintf (&rest, "%s/%s", target, end) < 0)
        return spc_error_errno (err, "asprintf");
      free (todo);
      todo = steal_pointer (&rest);
      p = todo;
    }

  *out = strdup (rlen ? resolved : "/");
  return *out ? 0 : spc_error_errno (err, "strdup");
}

/* mkdir -p of a canonical (symlink-free) path, one component at a time with
 * O_NOFOLLOW: a symlink swapped in behind our back makes this fail instead of
 * redirecting it. Returns an O_PATH fd of the last directory made. */
static int
mkdir_all_in_root (int rootfd, const char *canonical, size_t len, spc_err_t *err)
{
  _cleanup_close_ int dirfd = openat2_in_root (rootfd, "/", O_PATH | O_DIRECTORY);
  if (dirfd < 0)
    return spc_error_errno (err, "open container root");
  const char *p = canonical, *stop = canonical + len;
  while (p < stop)
    {
      while (p < stop && *p == '/')
        p++;
      if (p >= stop)
        break;
      const char *end = strchrnul (p, '/');
      if (end > stop)
        end = stop;
      char name[NAME_MAX + 1];
      size_t nlen = (size_t) (end - p);
      if (nlen > NAME_MAX)
        return spc_error_make (err, ENAMETOOLONG, "`%s`", canonical);
      memcpy (name, p, nlen);
      name[nlen] = '\0';
      if (mkdirat (dirfd, name, 0755) < 0 && errno != EEXIST)
        return spc_error_errno (err, "mkdir `%.*s`", (int) (end - canonical), canonical);
      int next = openat (dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return spc_error_errno (err, "open `%.*s`", (int) (end - canonical), canonical);
      close (dirfd);
      dirfd = next;
      p = end;
    }
  return spc_steal_fd (&dirfd);
}

static int
create_in_root (int rootfd, const char *canonical, enum spc_path_create create, spc_err_t *err)
{
  if (create == SPC_PATH_CREATE_DIR)
    {
      int fd = mkdir_all_in_root (rootfd, canonical, strlen (canonical), err);
      if (fd >= 0)
        close (fd);
      return fd < 0 ? -1 : 0;
    }
  const char *slash = strrchr (canonical, '/');
  _cleanup_close_ int parent = mkdir_all_in_root (rootfd, canonical, (size_t) (slash - canonical), err);
  if (parent < 0)
    return -1;
  _cleanup_close_ int fd
      = openat (parent, slash + 1, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0 && errno != EEXIST && errno != EISDIR)
    return spc_error_errno (err, "create `%s`", canonical);
  return 0;
}

int
spc_root_open (int rootfd, const char *path, enum spc_path_create create, spc_err_t *err)
{
  _cleanup_free_ char *canonical = NULL;
  if (spc_root_canonical (rootfd, path, &canonical, err) < 0)
    return -1;

  int fd = openat2_in_root (rootfd, canonical, O_PATH);
  if (fd >= 0 || errno != ENOENT || create == SPC_PATH_NO_CREATE)
    {
      if (fd < 0)
        return spc_error_errno (err, "open `%s`", path);
      return fd;
    }

  if (create_in_root (rootfd, canonical, create, err) < 0)
    return -1;
  fd = openat2_in_root (rootfd, canonical, O_PATH);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", path);
  return fd;
}

int
spc_root_open_dir_strict (int rootfd, const char *path, spc_err_t *err)
{
  int fd = openat2_below (rootfd, path, O_PATH | O_DIRECTORY, 0);
  if (fd < 0)
    return spc_error_errno (err, "`/%s`", path + strspn (path, "/"));
  return fd;
}

int
spc_root_open_no_symlinks (int rootfd, const char *path, spc_err_t *err)
{
  int fd = openat2_below (rootfd, path, O_PATH, RESOLVE_NO_SYMLINKS);
  if (fd >= 0)
    return fd;
  path += strspn (path, "/");
  if (errno == ELOOP)
    return spc_error_make (err, ELOOP, "`/%s` goes through a symlink", path);
  return spc_error_errno (err, "`/%s`", path);
}

int
spc_root_check_no_symlinks (int rootfd, const char *path, spc_err_t *err)
{
  _cleanup_close_ int fd = spc_root_open_no_symlinks (rootfd, path, err);
  if (fd < 0 && spc_error_is (err, ENOENT))
    {
      spc_error_free (err);
      return 0;
    }
  return fd < 0 ? -1 : 0;
}

int
spc_root_open_parent (int rootfd, const char *path, char **name, spc_err_t *err)
{
  _cleanup_free_ char *canonical = NULL;
  if (spc_root_canonical (rootfd, path, &canonical, err) < 0)
    return -1;
  const char *slash = strrchr (canonical, '/');
  if (slash[1] == '\0')
    return spc_error_make (err, EINVAL, "`%s`: not a file path", path);
  *name = strdup (slash + 1);
  if (*name == NULL)
    return spc_error_errno (err, "strdup");
  int fd = mkdir_all_in_root (rootfd, canonical, (size_t) (slash - canonical), err);
  if (fd < 0)
    {
      free (*name);
      *name = NULL;
    }
  return fd;
}
