#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spacer/archive.h"
#include "spacer/cleanup.h"

static void
archive_read_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}
static void
archive_write_freep (struct archive **a)
{
  if (*a)
    archive_write_free (*a);
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
      int r = archive_read_data_block (in, &buf, &size, &offset);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_OK)
        return spc_error_make (err, 0, "read `%s`: %s", name, archive_error_string (in));
      if (archive_write_data_block (out, buf, size, offset) < ARCHIVE_OK)
        return spc_error_make (err, 0, "write `%s`: %s", name, archive_error_string (out));
    }
}

int
spc_archive_extract (const char *archive, const char *dest, spc_err_t *err)
{
  _cleanup_close_ int destfd = open (dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (destfd < 0)
    return spc_error_errno (err, "open `%s`", dest);
  _cleanup_close_ int cwd = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  _cleanup_archive_read_ struct archive *in = archive_read_new ();
  _cleanup_archive_write_ struct archive *out = archive_write_disk_new ();
  if (in == NULL || out == NULL)
    return spc_error_errno (err, "libarchive");
  archive_read_support_filter_all (in);
  archive_read_support_format_all (in);
  int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER
              | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT
              | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
  archive_write_disk_set_options (out, flags);
  archive_write_disk_set_standard_lookup (out);

  const char *source = strcmp (archive, "-") == 0 ? NULL : archive;
  if (archive_read_open_filename (in, source, 64 * 1024) != ARCHIVE_OK)
    return spc_error_make (err, 0, "open `%s`: %s", archive, archive_error_string (in));

  /* libarchive extracts relative to the working directory. */
  if (fchdir (destfd) < 0)
    return spc_error_errno (err, "chdir `%s`", dest);
  int ret = 0;
  for (;;)
    {
      struct archive_entry *entry;
      int r = archive_read_next_header (in, &entry);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          ret = spc_error_make (err, 0, "`%s`: %s", archive, archive_error_string (in));
          break;
        }
      const char *name = archive_entry_pathname (entry);
      if (archive_write_header (out, entry) < ARCHIVE_OK)
        {
          ret = spc_error_make (err, 0, "extract `%s`: %s", name, archive_error_string (out));
          break;
        }
      if (archive_entry_size (entry) > 0 && (ret = copy_data (in, out, name, err)) < 0)
        break;
      if (archive_write_finish_entry (out) < ARCHIVE_WARN)
        {
          ret = spc_error_make (err, 0, "extract `%s`: %s", name, archive_error_string (out));
          break;
        }
    }
  if (ret == 0 && archive_write_close (out) != ARCHIVE_OK)
    ret = spc_error_make (err, 0, "finish `%s`: %s", dest, archive_error_string (out));
  if (cwd >= 0 && fchdir (cwd) < 0 && ret == 0)
    ret = spc_error_errno (err, "chdir back");
  return ret;
}
