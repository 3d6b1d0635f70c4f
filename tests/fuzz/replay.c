/* Runs saved fuzzer inputs through LLVMFuzzerTestOneInput without libFuzzer,
 * so `make check` replays the corpus with any compiler. Arguments are files
 * or directories (whose regular files are replayed in name order). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_file (const char *path)
{
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      fprintf (stderr, "replay: %s: %s\n", path, strerror (errno));
      return -1;
    }
  size_t size = (size_t) st.st_size;
  /* An exact-size copy, so ASan catches reads past the input's end. */
  _cleanup_free_ uint8_t *data = malloc (size ? size : 1);
  if (data == NULL || read (fd, data, size) != (ssize_t) size)
    {
      fprintf (stderr, "replay: %s: short read\n", path);
      return -1;
    }
  LLVMFuzzerTestOneInput (data, size);
  return 0;
}

static int
replay_directory (const char *dir, size_t *count)
{
  struct dirent **entries = NULL;
  int n = scandir (dir, &entries, NULL, alphasort);
  int r = 0;
  if (n < 0)
    {
      fprintf (stderr, "replay: %s: %s\n", dir, strerror (errno));
      return -1;
    }
  for (int i = 0; i < n; i++)
    {
      _cleanup_free_ char *path = NULL;
      struct stat st;
      if (entries[i]->d_name[0] != '.' && asprintf (&path, "%s/%s", dir, entries[i]->d_name) >= 0
          && stat (path, &st) == 0 && S_ISREG (st.st_mode))
        {
          if (replay_file (path) < 0)
            r = -1;
          (*count)++;
        }
      free (entries[i]);
    }
  free (entries);
  return r;
}

int
main (int argc, char **argv)
{
  size_t count = 0;
  int r = 0;
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE|DIR...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      struct stat st;
      if (stat (argv[i], &st) == 0 && S_ISDIR (st.st_mode))
        r |= replay_directory (argv[i], &count);
      else
        {
          r |= replay_file (argv[i]);
          count++;
        }
    }
  printf ("replayed %zu inputs\n", count);
  return r < 0 ? 1 : 0;
}
