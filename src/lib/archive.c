/* Root filesystem tarballs, extracted with libarchive.
 *
 * libarchive is loaded with dlopen() when `unpack` runs, not linked: it
 * drags in a dozen libraries (libxml2, ICU, the compressors) whose loading
 * would add about two milliseconds to every `create` and `run`, none of
 * which ever extract anything. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spacer/archive.h"
#include "spacer/cleanup.h"

/* The functions we call, typed from libarchive's own prototypes. */
#define LIBARCHIVE_FUNCTIONS(X)                                                               \
  X (archive_entry_pathname)                                                                  \
  X (archive_entry_size)                                                                      \
  X (archive_error_string)                                                                    \
  X (archive_read_data_block)                                                                 \
  X (archive_read_free)                                                                       \
  X (archive_read_new)                                                                        \
  X (archive_read_next_header)                                                                \
  X (archive_read_open_filename)                                                              \
  X (archive_read_support_filter_all)                                                         \
  X (archive_read_support_format_all)                                                         \
  X (archive_write_close)                                                                     \
  X (archive_write_data_block)                                                                \
  X (archive_write_disk_new)                                                                  \
  X (archive_write_disk_set_options)                                                          \
  X (archive_write_disk_set_standard_lookup)                                                  \
  X (archive_write_finish_entry)                                                              \
  X (archive_write_free)                                                                      \
  X (archive_write_header)

static struct
{
#define DECLARE(name) __typeof__ (name) *name;
  LIBARCHIVE_FUNCTIONS (DECLARE)
#undef DECLARE
} la;

static int
load_libarchive (spc_err_t *err)
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
static void
archive_write_freep (struct archive **a)
{
  if (*a)
    la.archive_write_free (*a);
}
#define _cleanup_archive_read_ __attribute__ ((cleanup (archive_read_freep)))
#define _cleanup_archive_write_ __attribute__ ((cleanup (archive_write_freep)))

static int
copy_data (struct archive *in, struct archive *out, const char *name, spc_err_t *err)
{
  for (;;)
    {
      const void *buf;
      size_t size;
      la_int64_t offset;
      int r = la.archive_read_data_block (in, &buf, &size, &offset);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_OK)
        return spc_error_make (err, 0, "read `%s`: %s", name, la.archive_error_string (in));
      if (la.archive_write_data_block (out, buf, size, offset) < ARCHIVE_OK)
        return spc_error_make (err, 0, "write `%s`: %s", name, la.archive_error_string (out));
    }
}

static int
extract_entries (struct archive *in, struct archive *out, const char *archive, spc_err_t *err)
{
  for (;;)
    {
      struct archive_entry *entry;
      int r = la.archive_read_next_header (in, &entry);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        return spc_error_make (err, 0, "`%s`: %s", archive, la.archive_error_string (in));
      const char *name = la.archive_entry_pathname (entry);
      if (la.archive_write_header (out, entry) < ARCHIVE_OK)
        return spc_error_make (err, 0, "extract `%s`: %s", name, la.archive_error_string (out));
      if (la.archive_entry_size (entry) > 0 && copy_data (in, out, name, err) < 0)
        return -1;
      if (la.archive_write_finish_entry (out) < ARCHIVE_WARN)
        return spc_error_make (err, 0, "extract `%s`: %s", name, la.archive_error_string (out));
    }
}

int
spc_archive_extract (const char *archive, const char *dest, spc_err_t *err)
{
  if (load_libarchive (err) < 0)
    return -1;
  _cleanup_close_ int destfd = open (dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (destfd < 0)
    return spc_error_errno (err, "open `%s`", dest);
  _cleanup_close_ int cwd = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  _cleanup_archive_read_ struct archive *in = la.archive_read_new ();
  _cleanup_archive_write_ struct archive *out = la.archive_write_disk_new ();
  if (in == NULL || out == NULL)
    return spc_error_errno (err, "libarchive");
  la.archive_read_support_filter_all (in);
  la.archive_read_support_format_all (in);
  /* An image is untrusted input: no absolute paths, no "..", and no
   * writing through a symlink the archive itself planted. */
  int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER
              | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT
              | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
  la.archive_write_disk_set_options (out, flags);
  la.archive_write_disk_set_standard_lookup (out);

  const char *source = strcmp (archive, "-") == 0 ? NULL : archive;
  if (la.archive_read_open_filename (in, source, 64 * 1024) != ARCHIVE_OK)
    return spc_error_make (err, 0, "open `%s`: %s", archive, la.archive_error_string (in));

  /* libarchive extracts relative to the working directory. */
  if (fchdir (destfd) < 0)
    return spc_error_errno (err, "chdir `%s`", dest);
  int ret = extract_entries (in, out, archive, err);
  if (ret == 0 && la.archive_write_close (out) != ARCHIVE_OK)
    ret = spc_error_make (err, 0, "finish `%s`: %s", dest, la.archive_error_string (out));
  if (cwd >= 0 && fchdir (cwd) < 0 && ret == 0)
    ret = spc_error_errno (err, "chdir back");
  return ret;
}
