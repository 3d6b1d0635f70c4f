/* spacer-idle: the init the Python package gives a container it starts
 * empty, so that processes can be run in it with exec. It is bind-mounted
 * read-only from the host into the container's /dev tmpfs, so it must not
 * depend on anything in the rootfs: linked statically, no libraries, no
 * files, no user names.
 *
 *   spacer-idle [OWNER_FD]
 *
 * As a pid namespace's pid 1 it reaps the children that exec'd programs
 * orphan, and ends on SIGTERM, SIGINT or SIGHUP (the kernel drops a
 * signal to pid 1 that has no handler, so it must ask for them). With
 * OWNER_FD, the read end of a pipe whose write end only the owning
 * process holds, it also ends when that pipe reports hang-up: the owner
 * died without cleaning up (SIGKILL), and the container's programs die
 * with their pid namespace instead of running on unowned. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return 1;
  int sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    return 1;

  struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN }, { .fd = -1 } };
  nfds_t n = 1;
  if (argc > 1)
    {
      char *end;
      long fd = strtol (argv[1], &end, 10);
      if (*argv[1] == '\0' || *end != '\0' || fd < 0 || fd > 65535)
        return 2;
      fds[1] = (struct pollfd){ .fd = (int) fd, .events = POLLIN };
      n = 2;
    }

  for (;;)
    {
      if (poll (fds, n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return 1;
        }
      /* Any event on the owner's pipe ends it: nobody writes to it, so
         readable means EOF, and POLLHUP/POLLERR/POLLNVAL the same. */
      if (n == 2 && fds[1].revents)
        return 0;
      if (fds[0].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof si) != sizeof si)
            continue;
          if (si.ssi_signo != SIGCHLD)
            return 0;
          while (waitpid (-1, NULL, WNOHANG) > 0)
            ;
        }
    }
}
