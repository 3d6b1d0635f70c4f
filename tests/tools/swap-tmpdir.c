/* swap-tmpdir.so (LD_PRELOAD): the attacker who can write to the parent of
 * spacer's target directory, winning the race after mkdtemp() every time.
 *
 * Each directory mkdtemp() makes is renamed to NAME.moved and a symlink to
 * $SWAP_TMPDIR_TO put at its name, as a user watching the parent with
 * inotify could do in the microseconds before spacer opens it; with
 * $SWAP_TMPDIR_UID instead, a directory of that user's (mode 0700). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

char *
mkdtemp (char *template)
{
  char *(*real) (char *) = (char *(*) (char *)) dlsym (RTLD_NEXT, "mkdtemp");
  char *r = real (template);
  const char *to = getenv ("SWAP_TMPDIR_TO"), *uid = getenv ("SWAP_TMPDIR_UID");
  char moved[4096];
  if (r == NULL || (to == NULL && uid == NULL)
      || snprintf (moved, sizeof moved, "%s.moved", r) >= (int) sizeof moved || rename (r, moved) < 0)
    return r;
  if (to ? symlink (to, r) < 0
         : mkdir (r, 0700) < 0 || chown (r, (uid_t) atoi (uid), (gid_t) atoi (uid)) < 0)
    abort ();
  return r;
}
