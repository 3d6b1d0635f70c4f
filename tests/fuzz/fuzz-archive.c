/* libFuzzer entry point: any byte string, as an archive, is extracted into
 * a fresh directory (as an image layer, whiteouts on) and must either
 * extract or fail cleanly, and in both cases write nothing beside or above
 * the target: the sandbox around it is checked after every input. */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/archive.h"
#include "spacer/error.h"
#include "spacer/utils.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* sandbox/a/b/root is the target: "..", absolute names or links that got
 * out would land in b, a or sandbox, which must hold nothing else. */
static char sandbox[] = "/tmp/spacer-fuzz-archive.XXXXXX";
static char target[sizeof sandbox + 16];

static void
expect_only (const char *dir, const char *name)
{
  DIR *d = opendir (dir);
  if (d == NULL)
    abort ();
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, "..")
        && (name == NULL || strcmp (de->d_name, name)))
      {
        fprintf (stderr, "fuzz-archive: `%s` appeared in %s\n", de->d_name, dir);
        abort ();
      }
  closedir (d);
}

static void
remove_sandbox (void)
{
  spc_archive_discard (sandbox);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (target[0] == '\0')
    {
      char path[sizeof sandbox + 8];
      if (mkdtemp (sandbox) == NULL)
        abort ();
      atexit (remove_sandbox);
      snprintf (path, sizeof path, "%s/a", sandbox);
      mkdir (path, 0755);
      snprintf (path, sizeof path, "%s/a/b", sandbox);
      mkdir (path, 0755);
      snprintf (target, sizeof target, "%s/a/b/root", sandbox);
    }
  int fd = memfd_create ("archive", MFD_CLOEXEC);
  if (fd < 0 || spc_write_all (fd, data, size) < 0 || lseek (fd, 0, SEEK_SET) < 0)
    abort ();
  char *tmp = NULL;
  spc_err_t err = NULL;
  if (spc_archive_tmpdir (target, &tmp, &err) < 0)
    abort ();
  int rootfd = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct spc_archive_opts o = { .max_size = 8 << 20, .whiteouts = size > 0 && data[0] & 1 };
  spc_extractor *x = spc_extractor_new (rootfd, &o);
  if (rootfd < 0 || x == NULL)
    abort ();
  if (spc_extractor_apply (x, fd, "fuzz", NULL, NULL, &err) == 0)
    spc_extractor_finish (x, &err);
  spc_extractor_free (x);
  spc_error_free (&err);
  close (rootfd);
  close (fd);
  spc_archive_discard (tmp);
  free (tmp);

  char path[sizeof sandbox + 8];
  expect_only (sandbox, "a");
  snprintf (path, sizeof path, "%s/a", sandbox);
  expect_only (path, "b");
  snprintf (path, sizeof path, "%s/a/b", sandbox);
  expect_only (path, NULL);
  return 0;
}
