/* A console-socket receiver for the tests, standing in for conmon or
 * containerd's shim: it listens on a unix socket, takes the pty master a
 * runtime sends over it (SCM_RIGHTS), types INPUT into it, and copies what
 * the container writes to stdout until the pty closes.
 *   recvtty SOCKET [INPUT]
 * Started in the background, it is ready once SOCKET exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  exit (1);
}

static int
receive_fd (int conn)
{
  char name[256];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  if (recvmsg (conn, &msg, 0) <= 0)
    die ("recvmsg");
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    {
      fprintf (stderr, "recvtty: no fd received\n");
      exit (1);
    }
  int fd;
  memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

int
main (int argc, char **argv)
{
  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: recvtty SOCKET [INPUT]\n");
      return 2;
    }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (argv[1]) >= sizeof addr.sun_path)
    return 2;
  strcpy (addr.sun_path, argv[1]);
  int sock = socket (AF_UNIX, SOCK_STREAM, 0);
  if (sock < 0 || bind (sock, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (sock, 1) < 0)
    die ("listen");

  int conn = accept (sock, NULL, NULL);
  if (conn < 0)
    die ("accept");
  int master = receive_fd (conn);
  close (conn);
  close (sock);
  unlink (argv[1]);

  if (argc == 3 && write (master, argv[2], strlen (argv[2])) < 0)
    die ("write");
  char buf[4096];
  ssize_t n;
  /* A pty master reads EIO once the last slave is closed. */
  while ((n = read (master, buf, sizeof buf)) > 0)
    if (fwrite (buf, 1, (size_t) n, stdout) != (size_t) n)
      die ("write stdout");
  return 0;
}
