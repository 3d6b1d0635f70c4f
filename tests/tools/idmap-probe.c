/* idmap-probe DIR: can DIR's filesystem be idmapped here? Exits 0 if the
 * kernel idmaps a detached bind mount of DIR; else prints why and exits 1.
 * The bats tests of idmapped mounts skip on the answer: it comes from the
 * kernel, not from spacer, so a spacer that broke them still fails them.
 * Needs root (CAP_SYS_ADMIN for open_tree and mount_setattr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int
write_file (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = write (fd, text, strlen (text));
  close (fd);
  return n == (ssize_t) strlen (text) ? 0 : -1;
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: idmap-probe DIR\n");
      return 2;
    }
  /* A user namespace to map through: a child's that waits to be killed. */
  int ready[2];
  if (pipe (ready) < 0)
    return perror ("pipe"), 1;
  pid_t child = fork ();
  if (child < 0)
    return perror ("fork"), 1;
  if (child == 0)
    {
      char c = unshare (CLONE_NEWUSER) == 0 ? 'y' : 'n';
      if (write (ready[1], &c, 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  char c = 'n', path[64];
  int rc = 1;
  if (read (ready[0], &c, 1) != 1 || c != 'y')
    {
      printf ("cannot make a user namespace\n");
      goto out;
    }
  snprintf (path, sizeof path, "/proc/%d/uid_map", (int) child);
  if (write_file (path, "0 100000 65536\n") < 0)
    {
      printf ("uid_map: %s\n", strerror (errno));
      goto out;
    }
  snprintf (path, sizeof path, "/proc/%d/gid_map", (int) child);
  if (write_file (path, "0 100000 65536\n") < 0)
    {
      printf ("gid_map: %s\n", strerror (errno));
      goto out;
    }
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) child);
  int userns = open (path, O_RDONLY | O_CLOEXEC);
  int tree = (int) syscall (SYS_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (userns < 0 || tree < 0)
    {
      printf ("%s: %s\n", userns < 0 ? path : "open_tree", strerror (errno));
      goto out;
    }
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (__u64) userns };
  if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    printf ("mount_setattr(MOUNT_ATTR_IDMAP): %s\n", strerror (errno));
  else
    rc = 0;
out:
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  return rc;
}
