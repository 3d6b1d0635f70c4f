/* A --pidfd-socket receiver for the tests, standing in for containerd's
 * shim: it listens on a unix socket, takes the one fd a runtime sends over
 * it (SCM_RIGHTS) and reports what it got, so that a test can compare it
 * with the process it should be:
 *   msg=BYTES         the bytes that came with the fd (runc: "standard", "setns")
 *   fd=anon_inode:[pidfd]   what the fd is (readlink of /proc/self/fd/N)
 *   pid=N             the process it refers to (fdinfo's Pid, our pid namespace)
 * With SIGNAL it then sends that signal through the fd (pidfd_send_signal)
 * and waits up to 10 s for the process to exit (the pidfd polls readable):
 *   exited
 *   recvpidfd SOCKET [SIGNAL]
 * Started in the background, it is ready once SOCKET exists. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "recvpidfd: %s: %s\n", what, strerror (errno));
  exit (1);
}

/* The fd and the bytes that came with it (NUL-terminated in msg). */
static int
receive_fd (int conn, char *msg, size_t size)
{
  struct iovec iov = { .iov_base = msg, .iov_len = size - 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                      .msg_controllen = sizeof control.buf };
  ssize_t n = recvmsg (conn, &m, MSG_CMSG_CLOEXEC);
  if (n <= 0)
    die ("recvmsg");
  msg[n] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR (&m);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN (sizeof (int)))
    {
      fprintf (stderr, "recvpidfd: no fd received\n");
      exit (1);
    }
  int fd;
  memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

/* The Pid line of /proc/self/fdinfo/FD: only a pidfd has one. */
static long
pid_of (int fd)
{
  char path[64], line[256];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen (path, "re");
  long pid = -1;
  if (f == NULL)
    die ("fdinfo");
  while (fgets (line, sizeof line, f))
    if (sscanf (line, "Pid: %ld", &pid) == 1)
      break;
  fclose (f);
  return pid;
}

int
main (int argc, char **argv)
{
  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: recvpidfd SOCKET [SIGNAL]\n");
      return 2;
    }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (argv[1]) >= sizeof addr.sun_path)
    return 2;
  strcpy (addr.sun_path, argv[1]);
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || bind (sock, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (sock, 1) < 0)
    die ("listen");
  int conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  char msg[256];
  int fd = receive_fd (conn, msg, sizeof msg);
  close (conn);
  close (sock);
  unlink (argv[1]);

  char path[64], target[256];
  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink (path, target, sizeof target - 1);
  if (n < 0)
    die ("readlink");
  target[n] = '\0';
  printf ("msg=%s\nfd=%s\npid=%ld\n", msg, target, pid_of (fd));
  fflush (stdout);
  if (argc < 3)
    return 0;

  if (syscall (SYS_pidfd_send_signal, fd, atoi (argv[2]), NULL, 0) < 0)
    die ("pidfd_send_signal");
  struct pollfd p = { .fd = fd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, 10000);
  while (r < 0 && errno == EINTR);
  if (r <= 0)
    {
      fprintf (stderr, "recvpidfd: the process did not exit within 10 s\n");
      return 1;
    }
  printf ("exited\n");
  return 0;
}
