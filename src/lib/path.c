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

/* ---- one lookup per mount target ----
 * The kernel resolves the path once, below the root; everything after
 * works on the file descriptors that lookup and the creation of what was
 * missing handed back. */

/* The path the fd has in the mount namespace, as /proc/self/fd says. */
static int
fd_link (int fd, char buf[PATH_MAX], spc_err_t *err)
{
  char link[SPC_FD_PATH_MAX];
  ssize_t n = readlink (spc_fd_path (fd, link), buf, PATH_MAX);
  if (n < 0)
    return spc_error_errno (err, "readlink `%s`", link);
  if (n >= PATH_MAX)
    return spc_error_make (err, ENAMETOOLONG, "readlink `%s`", link);
  buf[n] = '\0';
  return 0;
}

int
spc_root_fd_path (int rootfd, int fd, char **out, spc_err_t *err)
{
  char root[PATH_MAX], file[PATH_MAX];
  struct stat st;
  if (fd_link (rootfd, root, err) < 0 || fd_link (fd, file, err) < 0)
    return -1;
  /* A file removed meanwhile reads as "PATH (deleted)": no path at all. */
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "stat `%s`", file);
  if (st.st_nlink == 0)
    return spc_error_make (err, ENOENT, "`%s` was removed", file);
  size_t n = strcmp (root, "/") == 0 ? 0 : strlen (root);
  if (strncmp (file, root, n) != 0 || (file[n] != '/' && file[n] != '\0'))
    return spc_error_make (err, EXDEV, "`%s` is not below the container root", file);
  *out = strdup (file[n] ? file + n : "/");
  return *out ? 0 : spc_error_errno (err, "strdup");
}

/* Length of path without its last component (and the slashes before). */
static size_t
parent_length (const char *path, size_t len)
{
  while (len > 0 && path[len - 1] == '/')
    len--;
  while (len > 0 && path[len - 1] != '/')
    len--;
  return len;
}

/* The deepest existing directory on path: its fd and the offset of what
 * follows, in one kernel lookup each (the first that succeeds is kept). */
static int
open_existing_prefix (int rootfd, const char *path, uint64_t resolve, size_t *used,
                      spc_err_t *err)
{
  size_t len = strlen (path);
  for (;;)
    {
      _cleanup_free_ char *prefix = strndup (path, len);
      if (prefix == NULL)
        return spc_error_errno (err, "strndup");
      int fd = openat2_below (rootfd, prefix, O_PATH, resolve);
      if (fd >= 0)
        {
          *used = len;
          return fd;
        }
      if (errno == ELOOP && (resolve & RESOLVE_NO_SYMLINKS))
        return spc_error_make (err, ELOOP, "goes through a symlink");
      if (errno != ENOENT || len == 0)
        return spc_error_errno (err, "open `%s`", len ? prefix : "/");
      len = parent_length (path, len);
    }
}

/* Add symlink `target`, met at `dir` (canonical), to the path: refused
 * when its ".." would climb above the root. */
static int
follow_link (const char *dir, const char *target, const char *after, char **out, spc_err_t *err)
{
  const char *base = target[0] == '/' ? "" : dir;
  long depth = 0;
  for (const char *p = base; *p; p++)
    depth += *p == '/' && p[1] && p[1] != '/';
  for (const char *p = target; *p;)
    {
      size_t n = strcspn (p, "/");
      if (n == 2 && p[0] == '.' && p[1] == '.' && --depth < 0)
        return spc_error_make (err, EXDEV, "leads outside the container root");
      if (n > 0 && !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.'))
        depth++;
      p += n + (p[n] == '/');
    }
  if (asprintf (out, "%s/%s/%s", base, target, after) < 0)
    return spc_error_errno (err, "asprintf");
  return 0;
}

int
spc_root_lookup (int rootfd, const char *path, uint64_t resolve, int *fd, char **rest,
                 spc_err_t *err)
{
  _cleanup_free_ char *todo = strdup (path);
  if (todo == NULL)
    return spc_error_errno (err, "strdup");
  *rest = NULL;
  for (int links = 0;; links++)
    {
      size_t used = 0;
      _cleanup_close_ int dir = open_existing_prefix (rootfd, todo, resolve, &used, err);
      if (dir < 0)
        return -1;
      const char *missing = todo + used + strspn (todo + used, "/");
      if (*missing == '\0')
        {
          *fd = spc_steal_fd (&dir);
          return 0;
        }
      /* The first missing name may be a symlink to something missing (an
       * absolute one always is, seen from inside the root): what is made
       * goes where it leads, inside the root. */
      size_t n = strcspn (missing, "/");
      char name[NAME_MAX + 1], target[PATH_MAX];
      if (n > NAME_MAX)
        return spc_error_make (err, ENAMETOOLONG, "a name");
      memcpy (name, missing, n);
      name[n] = '\0';
      ssize_t tlen = readlinkat (dir, name, target, sizeof target - 1);
      if (tlen < 0)
        {
          *rest = strdup (missing);
          if (*rest == NULL)
            return spc_error_errno (err, "strdup");
          *fd = spc_steal_fd (&dir);
          return 0;
        }
      target[tlen] = '\0';
      if (resolve & RESOLVE_NO_SYMLINKS)
        return spc_error_make (err, ELOOP, "goes through a symlink");
      if (links >= MAX_SYMLINKS)
        return spc_error_make (err, ELOOP, "too many symlinks");
      _cleanup_free_ char *dirpath = NULL, *next = NULL;
      if (spc_root_fd_path (rootfd, dir, &dirpath, err) < 0
          || follow_link (strcmp (dirpath, "/") == 0 ? "" : dirpath, target, missing + n, &next, err)
                 < 0)
        return -1;
      free (todo);
      todo = steal_pointer (&next);
    }
}

/* Does `rest` have a ".." component? */
static bool
has_dotdot (const char *rest)
{
  for (const char *p = rest; *p;)
    {
      size_t n = strcspn (p, "/");
      if (n == 2 && p[0] == '.' && p[1] == '.')
        return true;
      p += n + (p[n] == '/');
    }
  return false;
}

int
spc_root_create (int dirfd, const char *rest, enum spc_path_create kind, spc_err_t *err)
{
  /* Below a directory still to be made, ".." is only the way back up; it
   * is refused before anything is made. */
  if (has_dotdot (rest))
    return spc_error_make (err, EINVAL, "`..` after the missing `%s`", rest);
  _cleanup_close_ int cur = fcntl (dirfd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0)
    return spc_error_errno (err, "dup");
  for (const char *p = rest + strspn (rest, "/"); *p; p += strspn (p, "/"))
    {
      size_t n = strcspn (p, "/");
      bool last = p[n + strspn (p + n, "/")] == '\0';
      char name[NAME_MAX + 1];
      if (n > NAME_MAX)
        return spc_error_make (err, ENAMETOOLONG, "`%s`", rest);
      memcpy (name, p, n);
      name[n] = '\0';
      p += n;
      if (strcmp (name, ".") == 0)
        continue;
      int next;
      if (last && kind == SPC_PATH_CREATE_FILE)
        {
          /* O_EXCL: an empty regular file of ours, whatever was meant to
           * be opened; found there meanwhile, it is taken as it is, but
           * never through a symlink. */
          next = openat (cur, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                         0644);
          if (next < 0 && errno == EEXIST)
            next = openat (cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
          struct stat st;
          if (next >= 0 && fstat (next, &st) == 0 && S_ISLNK (st.st_mode))
            {
              close (next);
              return spc_error_make (err, ELOOP, "create `%s`: a symlink appeared", rest);
            }
        }
      else
        {
          if (mkdirat (cur, name, 0755) < 0 && errno != EEXIST)
            return spc_error_errno (err, "mkdir `%s` of `%s`", name, rest);
          /* O_NOFOLLOW: a symlink swapped in for the directory fails. */
          next = openat (cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      if (next < 0)
        return spc_error_errno (err, "open `%s` of `%s`", name, rest);
      close (cur);
      cur = next;
    }
  return spc_steal_fd (&cur);
}
