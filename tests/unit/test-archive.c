/* Unit tests for archive.c: sizes as --max-size takes them, and layers
 * applied one over another (replacement, whiteouts, opaque directories,
 * directory modes applied last) on tarballs written here byte by byte. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/archive.h"
#include "spacer/cleanup.h"
#include "spacer/error.h"
#include "spacer/utils.h"
#include "unit.h"

static bool
sizes_take_binary_suffixes_and_refuse_the_rest (void)
{
  uint64_t v = 0;
  CHECK (spc_parse_size ("123", &v) == 0 && v == 123);
  CHECK (spc_parse_size ("64K", &v) == 0 && v == 64 << 10);
  CHECK (spc_parse_size ("512m", &v) == 0 && v == 512ULL << 20);
  CHECK (spc_parse_size ("16G", &v) == 0 && v == 16ULL << 30);
  CHECK (spc_parse_size ("2GiB", &v) == 0 && v == 2ULL << 30);
  CHECK (spc_parse_size ("0", &v) < 0);
  CHECK (spc_parse_size ("-1", &v) < 0);
  CHECK (spc_parse_size ("1.5G", &v) < 0);
  CHECK (spc_parse_size ("G", &v) < 0);
  CHECK (spc_parse_size ("99999999999T", &v) < 0);
  CHECK (spc_parse_size ("", &v) < 0);
  return true;
}

/* A ustar member: name, type ('0' file, '5' dir), mode, content. */
static size_t
tar_member (char *out, const char *name, char type, unsigned mode, const char *data)
{
  size_t len = data ? strlen (data) : 0;
  char *h = out;
  memset (h, 0, 512);
  snprintf (h, 100, "%s", name);
  snprintf (h + 100, 8, "%07o", mode);
  snprintf (h + 108, 8, "%07o", 0);
  snprintf (h + 116, 8, "%07o", 0);
  snprintf (h + 124, 12, "%011o", (unsigned) len);
  snprintf (h + 136, 12, "%011o", 1700000000);
  h[156] = type;
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += (unsigned char) h[i];
  snprintf (h + 148, 8, "%06o", sum);
  size_t n = 512;
  if (len)
    {
      memset (out + n, 0, (len + 511) / 512 * 512);
      memcpy (out + n, data, len);
      n += (len + 511) / 512 * 512;
    }
  return n;
}

/* An fd holding the tarball of `members` (NULL-name terminated). */
struct member
{
  const char *name;
  char type;
  unsigned mode;
  const char *data;
};

static int
tarball (const struct member *m)
{
  static char buf[64 * 1024];
  size_t n = 0;
  for (; m->name; m++)
    n += tar_member (buf + n, m->name, m->type, m->mode, m->data);
  memset (buf + n, 0, 1024);
  n += 1024;
  int fd = memfd_create ("tar", MFD_CLOEXEC);
  if (fd < 0 || spc_write_all (fd, buf, n) < 0 || lseek (fd, 0, SEEK_SET) < 0)
    return -1;
  return fd;
}

static bool
layers_replace_white_out_and_make_directories_opaque (void)
{
  char dir[] = "/tmp/spacer-test-archive.XXXXXX";
  CHECK (mkdtemp (dir) != NULL);
  _cleanup_close_ int rootfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct spc_archive_opts o = { .whiteouts = true };
  spc_extractor *x = spc_extractor_new (rootfd, &o);
  spc_err_t err = NULL;
  const struct member lower[] = {
    { "a", '5', 0555, NULL },      { "a/old", '0', 0644, "old" }, { "b", '5', 0755, NULL },
    { "b/f", '0', 0644, "lower" }, { "gone", '0', 0644, "x" },    { NULL },
  };
  const struct member upper[] = {
    { "a/.wh..wh..opq", '0', 0644, NULL }, { "a/new", '0', 0644, "new" },
    { "b/f", '0', 0600, "upper" },         { ".wh.gone", '0', 0644, NULL },
    { NULL },
  };
  int fd1 = tarball (lower), fd2 = tarball (upper);
  uint8_t digest[SPC_SHA256_SIZE];
  uint64_t size = 0;
  bool ok = x && fd1 >= 0 && fd2 >= 0 && spc_extractor_apply (x, fd1, "lower", NULL, NULL, &err) == 0
            && spc_extractor_apply (x, fd2, "upper", digest, &size, &err) == 0
            && spc_extractor_finish (x, &err) == 0;
  if (err)
    printf ("#   %s\n", err->msg);
  spc_extractor_free (x);
  close (fd1);
  close (fd2);
  struct stat st;
  char *f = NULL;
  size_t len;
  bool tree = ok && fstatat (rootfd, "a/old", &st, 0) < 0 && fstatat (rootfd, "gone", &st, 0) < 0
              && spc_read_file_at (rootfd, "a/new", &f, &len, &err) == 0 && strcmp (f, "new") == 0;
  free (f);
  f = NULL;
  tree = tree && spc_read_file_at (rootfd, "b/f", &f, &len, &err) == 0 && strcmp (f, "upper") == 0
         && fstatat (rootfd, "a", &st, 0) == 0 && (st.st_mode & 07777) == 0555
         && st.st_mtime == 1700000000;
  free (f);
  spc_error_free (&err);
  spc_archive_discard (dir);
  CHECK (ok);
  CHECK (tree);
  /* The whole stream was counted: 4 headers, 2 data blocks, the end. */
  CHECK (size == 6 * 512 + 1024);
  return true;
}

int
main (void)
{
  RUN (sizes_take_binary_suffixes_and_refuse_the_rest);
  RUN (layers_replace_white_out_and_make_directories_opaque);
  return unit_summary ();
}
