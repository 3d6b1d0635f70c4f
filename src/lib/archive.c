/* Tarballs (root filesystems, image layers), extracted safely.
 *
 * libarchive only decodes the stream; it never touches the disk. Its
 * archive_write_disk checks names (SECURE_NODOTDOT, SECURE_SYMLINKS) by
 * path, with a lstat per component that a concurrent rename or an entry it
 * did not expect can get around. Here every entry is made with *at() calls
 * on the fd of its parent directory, and that parent is resolved by the
 * kernel with openat2(RESOLVE_IN_ROOT) below the root fd: a symlink the
 * archive planted ("evil -> /etc", then "evil/passwd") resolves inside the
 * tree, as it would for the container. The last component is never
 * followed (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW).
 *
 * libarchive is loaded with dlopen() when it is first needed, not linked:
 * it drags in a dozen libraries (libxml2, ICU, the compressors) whose
 * loading would add about two milliseconds to every `create` and `run`,
 * none of which ever extract anything. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "spacer/archive.h"
#include "spacer/cleanup.h"
#include "spacer/path.h"
#include "spacer/utils.h"

volatile sig_atomic_t spc_archive_cancel;

/* The functions we call, typed from libarchive's own prototypes. */
#define LIBARCHIVE_FUNCTIONS(X)                                                               \
  X (archive_entry_atime)                                                                     \
  X (archive_entry_atime_is_set)                                                              \
  X (archive_entry_atime_nsec)                                                                \
  X (archive_entry_filetype)                                                                  \
  X (archive_entry_gid)                                                                       \
  X (archive_entry_hardlink)                                                                  \
  X (archive_entry_mode)                                                                      \
  X (archive_entry_mtime)                                                                     \
  X (archive_entry_mtime_is_set)                                                              \
  X (archive_entry_mtime_nsec)                                                                \
  X (archive_entry_pathname)                                                                  \
  X (archive_entry_rdevmajor)                                                                 \
  X (archive_entry_rdevminor)                                                                 \
  X (archive_entry_size)                                                                      \
  X (archive_entry_size_is_set)                                                               \
  X (archive_entry_symlink)                                                                   \
  X (archive_entry_uid)                                                                       \
  X (archive_entry_xattr_next)                                                                \
  X (archive_entry_xattr_reset)                                                               \
  X (archive_error_string)                                                                    \
  X (archive_read_data_block)                                                                 \
  X (archive_read_free)                                                                       \
  X (archive_read_new)                                                                        \
  X (archive_read_next_header)                                                                \
  X (archive_read_open)                                                                       \
  X (archive_read_support_filter_all)                                                         \
  X (archive_read_support_format_all)                                                         \

static struct
{
#define DECLARE(name) __typeof__ (name) *name;
  LIBARCHIVE_FUNCTIONS (DECLARE)
#undef DECLARE
} la;

int
spc_archive_load (spc_err_t *err)
{
  static void *handle;
  if (handle)
    return 0;
  void *h = dlopen (LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return spc_error_make (err, 0, "%s: %s (install the Debian package libarchive13)",
                           LIBARCHIVE_SONAME, dlerror ());
#define RESOLVE(name)                                                                         \
  if ((la.name = (__typeof__ (name) *) dlsym (h, #name)) == NULL)                             \
    {                                                                                         \
      dlclose (h);                                                                            \
      return spc_error_make (err, 0, "%s: no symbol %s", LIBARCHIVE_SONAME, #name);           \
    }
  LIBARCHIVE_FUNCTIONS (RESOLVE)
#undef RESOLVE
  handle = h;
  return 0;
}

static void
archive_read_freep (struct archive **a)
{
  if (*a)
    la.archive_read_free (*a);
}
#define _cleanup_archive_read_ __attribute__ ((cleanup (archive_read_freep)))

/* A directory whose mode and times wait until every entry is in: its
 * children would change its mtime, and a read-only mode would stop them
 * being made (as non-root). Keyed by path; a later entry replaces it. */
struct deferred_dir
{
  char *path; /* first: the tsearch key */
  mode_t mode;
  struct timespec times[2];
};

struct spc_extractor
{
  int rootfd;
  struct spc_archive_opts opts;
  struct spc_archive_stats stats;
  bool root; /* ownership, devices and setuid bits as in the archive */
  bool root_entry; /* the archive said what the tree's root is ("./") */
  bool have_first;
  struct timespec first_times[2]; /* the root's, without "./" */
  void *dirs; /* tsearch tree of struct deferred_dir */
  size_t n_dirs;
  void *layer; /* the current layer's paths (for opaque directories) */
  /* The parent directory of the previous entry, kept open: entries come
   * grouped by directory. Dropped whenever anything is removed. */
  char *cached_parent;
  int cached_fd;
  uint64_t raw_base; /* raw bytes of earlier archives, for progress */
};

static int
cmp_str_key (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

spc_extractor *
spc_extractor_new (int rootfd, const struct spc_archive_opts *opts)
{
  spc_extractor *x = calloc (1, sizeof *x);
  if (x == NULL)
    return NULL;
  x->rootfd = rootfd;
  if (opts)
    x->opts = *opts;
  if (x->opts.max_size == 0)
    x->opts.max_size = SPC_ARCHIVE_DEFAULT_MAX_SIZE;
  x->root = geteuid () == 0;
  x->cached_fd = -1;
  return x;
}

const struct spc_archive_stats *
spc_extractor_stats (const spc_extractor *x)
{
  return &x->stats;
}

static void
free_deferred (void *p)
{
  struct deferred_dir *d = p;
  free (d->path);
  free (d);
}

static void
drop_parent_cache (spc_extractor *x)
{
  free (x->cached_parent);
  x->cached_parent = NULL;
  if (x->cached_fd >= 0)
    close (x->cached_fd);
  x->cached_fd = -1;
}

void
spc_extractor_free (spc_extractor *x)
{
  if (x == NULL)
    return;
  drop_parent_cache (x);
  tdestroy (x->dirs, free_deferred);
  tdestroy (x->layer, free);
  free (x);
}

/* The entry's name as a clean relative path ("" for the root itself):
 * "./" prefixes, "." components and repeated or trailing slashes dropped.
 * Absolute names and ".." are refused: a well-made image has neither. */
static int
clean_path (const char *in, char **out, spc_err_t *err)
{
  if (in == NULL)
    return spc_error_make (err, EINVAL, "entry without a usable name");
  if (in[0] == '/')
    return spc_error_make (err, EPERM, "`%s`: absolute path in the archive", in);
  size_t n = strlen (in);
  char *buf = malloc (n + 1);
  if (buf == NULL)
    return spc_error_errno (err, "malloc");
  size_t len = 0;
  for (const char *p = in; *p;)
    {
      size_t c = strcspn (p, "/");
      if (c == 2 && p[0] == '.' && p[1] == '.')
        {
          free (buf);
          return spc_error_make (err, EPERM, "`%s`: \"..\" in the archive", in);
        }
      if (c > 0 && !(c == 1 && p[0] == '.'))
        {
          if (len)
            buf[len++] = '/';
          memcpy (buf + len, p, c);
          len += c;
        }
      p += c;
      p += strspn (p, "/");
    }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

/* Split a clean path into its parent (a new string, "" for the root) and
 * its last name (pointing into path). */
static char *
split_parent (const char *path, const char **name)
{
  const char *slash = strrchr (path, '/');
  *name = slash ? slash + 1 : path;
  return strndup (path, slash ? (size_t) (slash - path) : 0);
}

/* What a directory costs on disk, whatever its entry's size says. */
#define DIR_COST 4096

static int defer_dir (spc_extractor *x, const char *path, mode_t mode,
                      const struct timespec times[2], spc_err_t *err);
static int count_written (spc_extractor *x, uint64_t n, spc_err_t *err);
static void entry_times (struct archive_entry *e, struct timespec times[2]);

/* Each directory made for `parent` costs a block, and one long name, or
 * a symlink on its way to a long target, can ask for a couple of thousand
 * of them: all are counted, along the path as it resolves inside the
 * root, or a small archive of deep names fills the disk under
 * --max-size. */
static int
count_missing_dirs (spc_extractor *x, const char *parent, spc_err_t *err)
{
  _cleanup_free_ char *canonical = NULL;
  if (spc_root_canonical (x->rootfd, parent, &canonical, err) < 0)
    return spc_error_prefix (err, "`%s`", parent);
  /* From the end: usually only the last directory or two are missing. */
  uint64_t n = 0;
  for (size_t len = strlen (canonical); len > 0; len--)
    {
      if (canonical[len - 1] == '/' || (canonical[len] != '/' && canonical[len] != '\0'))
        continue;
      canonical[len] = '\0';
      _cleanup_error_ spc_error_t *ignored = NULL;
      int fd = spc_root_open_no_symlinks (x->rootfd, canonical, &ignored);
      if (fd >= 0)
        {
          close (fd);
          break;
        }
      n++;
    }
  return count_written (x, n * DIR_COST, err);
}

/* An fd of directory `parent` below the root, made (with its parents,
 * mode 0755, the entry's times) if missing. */
static int
open_parent (spc_extractor *x, const char *parent, const struct timespec times[2],
             spc_err_t *err)
{
  if (x->cached_parent && strcmp (x->cached_parent, parent) == 0)
    return x->cached_fd;
  drop_parent_cache (x);
  _cleanup_error_ spc_error_t *lookup_err = NULL;
  int fd = spc_root_open_dir_strict (x->rootfd, parent, &lookup_err);
  if (fd < 0 && spc_error_is (&lookup_err, ENOENT))
    {
      /* The first missing directory on the way: it and those below it are
       * made here, and get the entry's time rather than now, so that the
       * same archive always gives the same tree. */
      _cleanup_free_ char *missing = strdup (parent);
      if (missing == NULL)
        return spc_error_errno (err, "strdup");
      size_t first = 0;
      for (char *slash = missing; (slash = strchr (slash, '/')) != NULL; slash++)
        {
          *slash = '\0';
          _cleanup_error_ spc_error_t *ignored = NULL;
          int dfd = spc_root_open_dir_strict (x->rootfd, missing, &ignored);
          *slash = '/';
          if (dfd < 0)
            break;
          close (dfd);
          first = (size_t) (slash - missing) + 1;
        }
      if (count_missing_dirs (x, parent, err) < 0)
        return -1;
      int made = spc_root_open (x->rootfd, parent, SPC_PATH_CREATE_DIR, err);
      if (made < 0)
        return spc_error_prefix (err, "`%s`", parent);
      close (made);
      for (size_t end = first;; end++)
        if (missing[end] == '/' || missing[end] == '\0')
          {
            char c = missing[end];
            missing[end] = '\0';
            if (defer_dir (x, missing, 0755, times, err) < 0)
              return -1;
            missing[end] = c;
            if (c == '\0')
              break;
          }
      fd = spc_root_open_dir_strict (x->rootfd, parent, err);
    }
  else if (fd < 0)
    return spc_error_classed (err, lookup_err->errno_, "%s", lookup_err->msg);
  if (fd < 0)
    return -1;
  x->cached_parent = strdup (parent);
  if (x->cached_parent == NULL)
    {
      close (fd);
      return spc_error_errno (err, "strdup");
    }
  x->cached_fd = fd;
  return fd;
}

static int
remember_layer_path (spc_extractor *x, const char *path)
{
  char *copy = strdup (path);
  if (copy == NULL)
    return -1;
  char **node = tsearch (copy, &x->layer, (int (*) (const void *, const void *)) strcmp);
  if (node == NULL)
    {
      free (copy);
      return -1;
    }
  if (*node != copy)
    free (copy);
  return 0;
}

static int
defer_dir (spc_extractor *x, const char *path, mode_t mode, const struct timespec times[2],
           spc_err_t *err)
{
  struct deferred_dir *d = calloc (1, sizeof *d);
  if (d == NULL || (d->path = strdup (path)) == NULL)
    {
      free (d);
      return spc_error_errno (err, "malloc");
    }
  d->mode = mode;
  d->times[0] = times[0];
  d->times[1] = times[1];
  struct deferred_dir **node = tsearch (d, &x->dirs, cmp_str_key);
  if (node == NULL)
    {
      free_deferred (d);
      return spc_error_errno (err, "malloc");
    }
  if (*node != d)
    {
      (*node)->mode = mode;
      (*node)->times[0] = times[0];
      (*node)->times[1] = times[1];
      free_deferred (d);
    }
  else
    x->n_dirs++;
  return 0;
}

/* Remove whatever is at parentfd/name (a tree included). */
static int
remove_at (spc_extractor *x, int parentfd, const char *name, spc_err_t *err)
{
  /* parentfd may be the cached fd: keep it open, only forget the path. */
  free (x->cached_parent);
  x->cached_parent = NULL;
  int r = spc_rm_rf_at (parentfd, name, err);
  if (parentfd != x->cached_fd && x->cached_fd >= 0)
    {
      close (x->cached_fd);
      x->cached_fd = -1;
    }
  return r;
}

/* Everything in directory `path` (fd parentfd/name) that this layer did
 * not put there goes: an opaque directory hides the lower layers'. */
static int
make_opaque (spc_extractor *x, int dirfd, const char *path, spc_err_t *err)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", path);
  _cleanup_closedir_ DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return spc_error_errno (err, "open `%s`", path);
    }
  /* Collect first: removing while reading may skip entries. */
  _cleanup_strv_ char **victims = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      _cleanup_free_ char *child = NULL;
      if (asprintf (&child, "%s%s%s", path, *path ? "/" : "", de->d_name) < 0)
        return spc_error_errno (err, "malloc");
      char *key = child;
      if (tfind (key, &x->layer, (int (*) (const void *, const void *)) strcmp))
        continue;
      char **nv = realloc (victims, (n + 2) * sizeof *nv);
      if (nv == NULL)
        return spc_error_errno (err, "malloc");
      victims = nv;
      if ((victims[n] = strdup (de->d_name)) == NULL)
        return spc_error_errno (err, "malloc");
      victims[++n] = NULL;
    }
  if (errno)
    return spc_error_errno (err, "read `%s`", path);
  for (size_t i = 0; i < n; i++)
    if (remove_at (x, dirfd, victims[i], err) < 0)
      return -1;
  return 0;
}

static int
check_cancel (spc_err_t *err)
{
  if (spc_archive_cancel)
    return spc_error_make (err, EINTR, "interrupted by signal %d", (int) spc_archive_cancel);
  return 0;
}

static int
count_written (spc_extractor *x, uint64_t n, spc_err_t *err)
{
  x->stats.written += n;
  if (x->stats.written > x->opts.max_size)
    return spc_error_make (err, EFBIG,
                           "more than %llu bytes unpacked: over the size limit (--max-size)",
                           (unsigned long long) x->opts.max_size);
  return 0;
}

static int
write_data (spc_extractor *x, struct archive *in, int fd, const char *path, int64_t size,
            spc_err_t *err)
{
  bool sparse = false;
  for (;;)
    {
      const void *buf;
      size_t len;
      la_int64_t offset;
      if (check_cancel (err) < 0)
        return -1;
      int r = la.archive_read_data_block (in, &buf, &len, &offset);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return spc_error_make (err, 0, "read `%s`: %s", path, la.archive_error_string (in));
      if (count_written (x, len, err) < 0)
        return -1;
      const char *p = buf;
      while (len > 0)
        {
          ssize_t w = pwrite (fd, p, len, offset);
          if (w < 0 && errno == EINTR)
            {
              if (check_cancel (err) < 0)
                return -1;
              continue;
            }
          if (w < 0)
            return spc_error_errno (err, "write `%s`", path);
          p += w;
          len -= (size_t) w;
          offset += w;
        }
      sparse = true;
    }
  /* A sparse file's last hole leaves no data block to write. */
  if (sparse && size > 0 && ftruncate (fd, size) < 0)
    return spc_error_errno (err, "truncate `%s`", path);
  return 0;
}

static int
set_xattrs (spc_extractor *x, struct archive_entry *e, int fd, const char *path, spc_err_t *err)
{
  const char *key;
  const void *value;
  size_t size;
  la.archive_entry_xattr_reset (e);
  while (la.archive_entry_xattr_next (e, &key, &value, &size) == ARCHIVE_OK)
    {
      if (fsetxattr (fd, key, value, size, 0) == 0)
        continue;
      /* Not every file system takes every namespace, and trusted.* or
       * security.* need privilege: what cannot be kept is left out, as
       * tar does. */
      if (errno == ENOTSUP || errno == EPERM || (!x->root && errno == EACCES))
        continue;
      return spc_error_errno (err, "set xattr %s on `%s`", key, path);
    }
  return 0;
}

static void
entry_times (struct archive_entry *e, struct timespec times[2])
{
  times[1].tv_sec = la.archive_entry_mtime_is_set (e) ? la.archive_entry_mtime (e) : 0;
  times[1].tv_nsec = la.archive_entry_mtime_is_set (e) ? la.archive_entry_mtime_nsec (e) : 0;
  if (la.archive_entry_atime_is_set (e))
    {
      times[0].tv_sec = la.archive_entry_atime (e);
      times[0].tv_nsec = la.archive_entry_atime_nsec (e);
    }
  else
    times[0] = times[1];
  if (times[1].tv_nsec < 0 || times[1].tv_nsec >= 1000000000)
    times[1].tv_nsec = 0;
  if (times[0].tv_nsec < 0 || times[0].tv_nsec >= 1000000000)
    times[0].tv_nsec = 0;
}

/* Ownership and mode of a file made at parentfd/name, by fd when there is
 * one. Not root: the caller owns everything, and setuid/setgid bits go. */
static mode_t
entry_perm (spc_extractor *x, struct archive_entry *e)
{
  mode_t perm = la.archive_entry_mode (e) & 07777;
  if (!x->root && (perm & (S_ISUID | S_ISGID)))
    {
      perm &= ~(mode_t) (S_ISUID | S_ISGID);
      x->stats.setid_dropped++;
    }
  return perm;
}

static int
extract_regular (spc_extractor *x, struct archive *in, struct archive_entry *e, int parentfd,
                 const char *name, const char *path, spc_err_t *err)
{
  _cleanup_close_ int fd = openat (parentfd, name,
                                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return spc_error_errno (err, "create `%s`", path);
  if (write_data (x, in, fd, path, la.archive_entry_size (e), err) < 0)
    return -1;
  if (x->root && fchown (fd, la.archive_entry_uid (e), la.archive_entry_gid (e)) < 0)
    return spc_error_errno (err, "chown `%s`", path);
  if (set_xattrs (x, e, fd, path, err) < 0)
    return -1;
  /* After chown, which clears setuid bits. */
  if (fchmod (fd, entry_perm (x, e)) < 0)
    return spc_error_errno (err, "chmod `%s`", path);
  struct timespec times[2];
  entry_times (e, times);
  if (futimens (fd, times) < 0)
    return spc_error_errno (err, "set times of `%s`", path);
  return 0;
}

static int
extract_dir (spc_extractor *x, struct archive_entry *e, int parentfd, const char *name,
             const char *path, spc_err_t *err)
{
  _cleanup_close_ int fd = -1;
  if (*path == '\0')
    {
      fd = openat (x->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      x->root_entry = true;
    }
  else
    {
      /* 0700 until finish: we must be able to write into it. */
      if (mkdirat (parentfd, name, 0700) == 0)
        {
          if (count_written (x, DIR_COST, err) < 0)
            return -1;
        }
      else if (errno != EEXIST)
        return spc_error_errno (err, "mkdir `%s`", path);
      fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", path);
  if (x->root && fchown (fd, la.archive_entry_uid (e), la.archive_entry_gid (e)) < 0)
    return spc_error_errno (err, "chown `%s`", path);
  if (set_xattrs (x, e, fd, path, err) < 0)
    return -1;
  struct timespec times[2];
  entry_times (e, times);
  return defer_dir (x, path, entry_perm (x, e), times, err);
}

/* Symlinks, device nodes, FIFOs: no fd to hold, so metadata by name with
 * AT_SYMLINK_NOFOLLOW on the parent fd. */
static int
finish_by_name (spc_extractor *x, struct archive_entry *e, int parentfd, const char *name,
                const char *path, bool is_link, spc_err_t *err)
{
  if (x->root
      && fchownat (parentfd, name, la.archive_entry_uid (e), la.archive_entry_gid (e),
                   AT_SYMLINK_NOFOLLOW)
             < 0)
    return spc_error_errno (err, "chown `%s`", path);
  if (!is_link && fchmodat (parentfd, name, entry_perm (x, e), 0) < 0)
    return spc_error_errno (err, "chmod `%s`", path);
  struct timespec times[2];
  entry_times (e, times);
  if (utimensat (parentfd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return spc_error_errno (err, "set times of `%s`", path);
  return 0;
}

static int
extract_hardlink (spc_extractor *x, const char *target, int parentfd, const char *name,
                  const char *path, spc_err_t *err)
{
  _cleanup_free_ char *clean = NULL;
  if (clean_path (target, &clean, err) < 0)
    return spc_error_prefix (err, "hard link `%s`", path);
  if (*clean == '\0')
    return spc_error_make (err, EPERM, "hard link `%s` to the root", path);
  const char *tname;
  _cleanup_free_ char *tparent = split_parent (clean, &tname);
  if (tparent == NULL)
    return spc_error_errno (err, "malloc");
  /* The target's directory, resolved inside the root like any parent; the
   * target itself is linked, never followed. */
  _cleanup_error_ spc_error_t *lookup_err = NULL;
  _cleanup_close_ int tfd = spc_root_open_dir_strict (x->rootfd, tparent, &lookup_err);
  if (tfd < 0)
    return spc_error_classed (err, lookup_err->errno_, "hard link `%s` to `%s`: %s", path, target,
                              lookup_err->msg);
  if (linkat (tfd, tname, parentfd, name, 0) < 0)
    return spc_error_errno (err, "hard link `%s` to `%s`", path, target);
  return 0;
}

static int
extract_entry (spc_extractor *x, struct archive *in, struct archive_entry *e, spc_err_t *err)
{
  _cleanup_free_ char *path = NULL;
  if (clean_path (la.archive_entry_pathname (e), &path, err) < 0)
    return -1;
  if (count_written (x, 512, err) < 0)
    return -1;
  x->stats.entries++;
  const char *name;
  _cleanup_free_ char *parent = split_parent (path, &name);
  if (parent == NULL)
    return spc_error_errno (err, "malloc");
  struct timespec times[2];
  entry_times (e, times);
  if (!x->have_first)
    {
      x->first_times[0] = times[0];
      x->first_times[1] = times[1];
      x->have_first = true;
    }
  int parentfd = *path ? open_parent (x, parent, times, err) : x->rootfd;
  if (parentfd < 0)
    return -1;

  if (x->opts.whiteouts && strncmp (name, ".wh.", 4) == 0)
    {
      if (strcmp (name, ".wh..wh..opq") == 0)
        return make_opaque (x, parentfd, parent, err);
      const char *victim = name + 4;
      if (*victim == '\0' || strcmp (victim, ".") == 0 || strcmp (victim, "..") == 0)
        return spc_error_make (err, EPERM, "`%s`: bad whiteout", path);
      return remove_at (x, parentfd, victim, err);
    }
  if (x->opts.whiteouts && *path && remember_layer_path (x, path) < 0)
    return spc_error_errno (err, "malloc");

  const char *hardlink = la.archive_entry_hardlink (e);
  mode_t type = hardlink ? 0 : la.archive_entry_filetype (e);
  if (type == AE_IFSOCK)
    return 0; /* tar cannot carry a socket's meaning, only its name */
  if ((type == AE_IFCHR || type == AE_IFBLK) && !x->root)
    {
      x->stats.devices_skipped++;
      return 0;
    }

  if (*path)
    {
      struct stat st;
      if (fstatat (parentfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        {
          if (!(type == AE_IFDIR && S_ISDIR (st.st_mode))
              && remove_at (x, parentfd, name, err) < 0)
            return -1;
        }
      else if (errno != ENOENT)
        return spc_error_errno (err, "stat `%s`", path);
    }
  else if (type != AE_IFDIR)
    return spc_error_make (err, EPERM, "the archive's root is not a directory");

  if (hardlink)
    return extract_hardlink (x, hardlink, parentfd, name, path, err);
  switch (type)
    {
    case AE_IFREG:
      return extract_regular (x, in, e, parentfd, name, path, err);
    case AE_IFDIR:
      return extract_dir (x, e, parentfd, name, path, err);
    case AE_IFLNK:
      {
        const char *target = la.archive_entry_symlink (e);
        if (target == NULL || symlinkat (target, parentfd, name) < 0)
          return spc_error_errno (err, "symlink `%s`", path);
        return finish_by_name (x, e, parentfd, name, path, true, err);
      }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      {
        dev_t dev = makedev (la.archive_entry_rdevmajor (e), la.archive_entry_rdevminor (e));
        if (mknodat (parentfd, name, type | 0600, type == AE_IFIFO ? 0 : dev) < 0)
          return spc_error_errno (err, "mknod `%s`", path);
        return finish_by_name (x, e, parentfd, name, path, false, err);
      }
    default:
      return spc_error_make (err, EINVAL, "`%s`: unknown file type 0%o", path, (unsigned) type);
    }
}

/* The raw stream, read by us so it can be hashed and counted whole. */
struct reader
{
  spc_extractor *x;
  int fd;
  bool hash; /* a digest was asked for: the hash costs more than tar's parsing */
  struct spc_sha256 sha;
  uint64_t n;
  int error; /* errno of a failed read */
  char buf[128 * 1024];
};

static la_ssize_t
read_cb (struct archive *a, void *data, const void **out)
{
  struct reader *r = data;
  (void) a;
  for (;;)
    {
      if (spc_archive_cancel)
        {
          r->error = EINTR;
          return -1;
        }
      ssize_t n = read (r->fd, r->buf, sizeof r->buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          r->error = errno;
          return -1;
        }
      if (r->hash)
        spc_sha256_update (&r->sha, r->buf, (size_t) n);
      r->n += (uint64_t) n;
      if (r->x->opts.progress)
        r->x->opts.progress (r->x->opts.progress_data, r->x->raw_base + r->n);
      *out = r->buf;
      return n;
    }
}

static int
drain (struct reader *r, spc_err_t *err)
{
  const void *buf;
  la_ssize_t n;
  while ((n = read_cb (NULL, r, &buf)) > 0)
    ;
  if (n < 0)
    return spc_error_make (err, r->error, "read");
  return 0;
}

int
spc_extractor_apply (spc_extractor *x, int fd, const char *name,
                     uint8_t digest[SPC_SHA256_SIZE], uint64_t *raw_size, spc_err_t *err)
{
  if (spc_archive_load (err) < 0)
    return -1;
  _cleanup_free_ struct reader *r = calloc (1, sizeof *r);
  if (r == NULL)
    return spc_error_errno (err, "malloc");
  r->x = x;
  r->fd = fd;
  r->hash = digest != NULL;
  spc_sha256_init (&r->sha);
  tdestroy (x->layer, free);
  x->layer = NULL;

  _cleanup_archive_read_ struct archive *in = la.archive_read_new ();
  if (in == NULL)
    return spc_error_errno (err, "libarchive");
  la.archive_read_support_filter_all (in);
  la.archive_read_support_format_all (in);
  if (la.archive_read_open (in, r, NULL, read_cb, NULL) != ARCHIVE_OK)
    {
      if (check_cancel (err) < 0)
        return -1;
      return spc_error_make (err, r->error, "`%s`: %s", name, la.archive_error_string (in));
    }
  for (;;)
    {
      if (check_cancel (err) < 0)
        return -1;
      struct archive_entry *e;
      int ret = la.archive_read_next_header (in, &e);
      if (ret == ARCHIVE_EOF)
        break;
      if (ret < ARCHIVE_WARN)
        {
          if (check_cancel (err) < 0)
            return -1;
          return spc_error_make (err, r->error, "`%s`: %s", name, la.archive_error_string (in));
        }
      if (extract_entry (x, in, e, err) < 0)
        return spc_error_prefix (err, "`%s`", name);
    }
  if (drain (r, err) < 0)
    return spc_error_prefix (err, "`%s`", name);
  x->raw_base += r->n;
  if (digest)
    spc_sha256_final (&r->sha, digest);
  if (raw_size)
    *raw_size = r->n;
  return 0;
}

static int
cmp_deferred_desc (const void *a, const void *b)
{
  const struct deferred_dir *const *da = a, *const *db = b;
  return strcmp ((*db)->path, (*da)->path);
}

static struct deferred_dir **collect_dst;
static size_t collect_n;
static void
collect_dirs (const void *node, VISIT which, int depth)
{
  (void) depth;
  if (which == postorder || which == leaf)
    collect_dst[collect_n++] = *(struct deferred_dir *const *) node;
}

int
spc_extractor_finish (spc_extractor *x, spc_err_t *err)
{
  drop_parent_cache (x);
  _cleanup_free_ struct deferred_dir **dirs = calloc (x->n_dirs + 1, sizeof *dirs);
  if (dirs == NULL)
    return spc_error_errno (err, "malloc");
  collect_dst = dirs;
  collect_n = 0;
  twalk (x->dirs, collect_dirs);
  /* Children before their parents: a parent made read-only (or
   * unsearchable) last cannot stop the children's updates. */
  qsort (dirs, collect_n, sizeof *dirs, cmp_deferred_desc);
  /* The tree stayed private (0700) while it was written: nobody could
   * open a file in it half-made, or before its mode was right. */
  if (!x->root_entry && fchmod (x->rootfd, 0755) < 0)
    return spc_error_errno (err, "chmod the tree's root");
  /* Nor its time "now": the first entry's, the same on every run. */
  if (!x->root_entry && x->have_first && futimens (x->rootfd, x->first_times) < 0)
    return spc_error_errno (err, "set times of the tree's root");
  for (size_t i = 0; i < collect_n; i++)
    {
      /* Exactly the directory that was made at that path: a later entry
       * may have replaced it (with a symlink, even), and that is left. */
      _cleanup_error_ spc_error_t *ignored = NULL;
      _cleanup_close_ int fd = spc_root_open_no_symlinks (x->rootfd, dirs[i]->path, &ignored);
      struct stat st;
      if (fd < 0 || fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
        continue;
      char proc[SPC_FD_PATH_MAX];
      if (chmod (spc_fd_path (fd, proc), dirs[i]->mode) < 0)
        return spc_error_errno (err, "chmod `%s`", dirs[i]->path);
      if (utimensat (AT_FDCWD, proc, dirs[i]->times, 0) < 0)
        return spc_error_errno (err, "set times of `%s`", dirs[i]->path);
    }
  return 0;
}

int
spc_archive_tmpdir (const char *dest, char **tmp, spc_err_t *err)
{
  _cleanup_free_ char *d1 = strdup (dest), *d2 = strdup (dest);
  if (d1 == NULL || d2 == NULL)
    return spc_error_errno (err, "malloc");
  size_t n = strlen (d2);
  while (n > 1 && d2[n - 1] == '/')
    d2[--n] = '\0';
  while (n > 1 && d1[n - 1] == '/')
    d1[--n] = '\0';
  const char *dir = dirname (d1), *base = basename (d2);
  char *t;
  if (asprintf (&t, "%s/.%s.XXXXXX", dir, base) < 0)
    return spc_error_errno (err, "malloc");
  if (mkdtemp (t) == NULL)
    {
      int e = errno;
      free (t);
      return spc_error_make (err, e, "make a directory beside `%s`", dest);
    }
  *tmp = t;
  return 0;
}

int
spc_archive_open_tmpdir (const char *tmp, spc_err_t *err)
{
  /* Whoever can write to its parent can rename it away and put a symlink
   * (to /etc, say) or a directory of theirs in its place between
   * mkdtemp() and here: what is opened must be the private directory
   * mkdtemp() made, or the tree would be written wherever they chose. */
  int fd = open (tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno != ENOTDIR && errno != ELOOP)
    return spc_error_errno (err, "open `%s`", tmp);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || st.st_uid != geteuid () || (st.st_mode & 077) != 0)
    {
      if (fd >= 0)
        close (fd);
      return spc_error_make (err, EPERM, "`%s` was replaced while it was being made", tmp);
    }
  return fd;
}

void
spc_archive_discard (const char *path)
{
  _cleanup_error_ spc_error_t *ignored = NULL;
  spc_rm_rf_at (AT_FDCWD, path, &ignored);
}

int
spc_archive_commit (const char *tmp, const char *dest, spc_err_t *err)
{
  /* rename() replaces an empty directory and refuses a full one. */
  if (rename (tmp, dest) < 0)
    {
      if (errno == ENOTEMPTY || errno == EEXIST)
        return spc_error_make (err, EEXIST, "`%s` exists and is not empty", dest);
      return spc_error_errno (err, "rename to `%s`", dest);
    }
  return 0;
}

/* `dest` missing, or an empty directory: what can be replaced. */
int
spc_archive_check_dest (const char *dest, spc_err_t *err)
{
  struct stat st;
  if (lstat (dest, &st) < 0)
    return errno == ENOENT ? 0 : spc_error_errno (err, "`%s`", dest);
  if (!S_ISDIR (st.st_mode))
    return spc_error_make (err, EEXIST, "`%s` exists and is not a directory", dest);
  _cleanup_closedir_ DIR *d = opendir (dest);
  if (d == NULL)
    return spc_error_errno (err, "open `%s`", dest);
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      return spc_error_make (err, EEXIST, "`%s` exists and is not empty", dest);
  return 0;
}

int
spc_archive_extract (const char *archive, const char *dest, const struct spc_archive_opts *opts,
                     struct spc_archive_stats *st, spc_err_t *err)
{
  if (spc_archive_load (err) < 0 || spc_archive_check_dest (dest, err) < 0)
    return -1;
  _cleanup_close_ int fd = strcmp (archive, "-") == 0 ? dup (0)
                                                      : open (archive, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", archive);
  _cleanup_free_ char *tmp = NULL;
  if (spc_archive_tmpdir (dest, &tmp, err) < 0)
    return -1;
  int ret = -1;
  spc_extractor *x = NULL;
  int rootfd = spc_archive_open_tmpdir (tmp, err);
  if (rootfd < 0)
    ;
  else if ((x = spc_extractor_new (rootfd, opts)) == NULL)
    spc_error_errno (err, "malloc");
  else if (spc_extractor_apply (x, fd, archive, NULL, NULL, err) == 0
           && spc_extractor_finish (x, err) == 0)
    ret = spc_archive_commit (tmp, dest, err);
  if (x && st)
    *st = x->stats;
  spc_extractor_free (x);
  if (rootfd >= 0)
    close (rootfd);
  if (ret < 0)
    spc_archive_discard (tmp);
  return ret;
}
