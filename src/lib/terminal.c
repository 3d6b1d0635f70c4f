#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/mounts.h"
#include "spacer/path.h"
#include "spacer/terminal.h"
#include "spacer/utils.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

int
spc_terminal_connect (const char *path, spc_err_t *err)
{
  return spc_unix_connect (path, "--console-socket", err);
}

int
spc_terminal_receive (int sock, spc_err_t *err)
{
  int fd = spc_recv_fd (sock, NULL, 0, err);
  return fd < 0 ? spc_error_prefix (err, "process.terminal: receive the pty master") : fd;
}

/* Open the pty pair through the container's /dev/ptmx. TIOCGPTPEER gives
 * the slave without a path lookup in /dev/pts, which the container could
 * have replaced. */
static int
open_pty (int *master, int *slave, spc_err_t *err)
{
  int unlock = 0;
  *master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0)
    return spc_error_errno (err, "process.terminal: open /dev/ptmx");
  if (ioctl (*master, TIOCSPTLCK, &unlock) < 0)
    return spc_error_errno (err, "process.terminal: unlock the pty");
  *slave = ioctl (*master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (*slave < 0)
    return spc_error_errno (err, "process.terminal: open the pty slave");
  return 0;
}

/* The file at /dev/console to mount the pty on: made here, or a file or
 * device already there. Never a symlink, which would take the mount
 * elsewhere (CVE-2025-52565): refused. */
static int
open_console_target (int dev, spc_err_t *err)
{
  int fd = openat (dev, "console", O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                   0600);
  if (fd >= 0 || errno != EEXIST)
    return fd >= 0 ? fd : spc_error_errno (err, "process.terminal: create /dev/console");
  _cleanup_close_ int existing = openat (dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (existing < 0 || fstat (existing, &st) < 0)
    return spc_error_errno (err, "process.terminal: open /dev/console");
  if (S_ISLNK (st.st_mode))
    return spc_error_make (err, ELOOP, "process.terminal: /dev/console is a symlink: refused, "
                                       "not followed");
  if (!S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode))
    return spc_error_make (err, EINVAL, "process.terminal: /dev/console is neither a file nor a "
                                        "device");
  return spc_steal_fd (&existing);
}

/* /dev/console is the pty, as the runtime-spec asks of process.terminal:
 * the slave bind-mounted by fd onto the file open_console_target gives. */
static int
mount_console (int slave, spc_err_t *err)
{
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int dev = -1, console = -1;
  if (root < 0)
    return spc_error_errno (err, "process.terminal: open /");
  if ((dev = spc_root_open_dir_strict (root, "/dev", err)) < 0)
    return spc_error_prefix (err, "process.terminal");
  if ((console = open_console_target (dev, err)) < 0)
    return -1;
  if (spc_mounts_bind_fd (slave, console, err) < 0)
    return spc_error_prefix (err, "process.terminal: mount the pty on /dev/console");
  return 0;
}

/* The master to the console socket; the slave becomes the controlling
 * terminal of this process, a session leader (setsid), and its stdio. */
static int
hand_over (int sock, int master, int slave, spc_err_t *err)
{
  /* The payload is the pty's name, as runc sends it; receivers use the fd. */
  if (spc_send_fd (sock, master, "/dev/ptmx", strlen ("/dev/ptmx"), err) < 0)
    return spc_error_prefix (err, "process.terminal: send the pty master");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return spc_error_errno (err, "process.terminal: make the pty the controlling terminal");
  for (int fd = 0; fd <= 2; fd++)
    if (dup2 (slave, fd) < 0)
      return spc_error_errno (err, "process.terminal: dup2");
  return 0;
}

int
spc_terminal_setup (int sock, uint32_t height, uint32_t width, spc_err_t *err)
{
  _cleanup_close_ int master = -1, slave = -1;
  if (open_pty (&master, &slave, err) < 0 || mount_console (slave, err) < 0)
    return -1;
  if (height || width)
    {
      struct winsize ws = { .ws_row = (unsigned short) height, .ws_col = (unsigned short) width };
      if (ioctl (master, TIOCSWINSZ, &ws) < 0)
        return spc_error_errno (err, "process.consoleSize");
    }
  return hand_over (sock, master, slave, err);
}

/* exec -t: a pty of its own from the container's /dev/ptmx, like the
 * init's but without /dev/console, which stays the init's. The caller is
 * a session leader already. */
int
spc_terminal_setup_exec (int sock, spc_err_t *err)
{
  _cleanup_close_ int master = -1, slave = -1;
  if (open_pty (&master, &slave, err) < 0)
    return -1;
  return hand_over (sock, master, slave, err);
}

/* ---- the foreground proxy ---- */

static void
copy_window_size (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

/* Move what is readable on `from` to `to`. Returns false at end-of-file or
 * on an error (a pty master reads EIO once every slave is closed). */
static bool
pump (int from, int to)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  return spc_write_all (to, buf, (size_t) n) == 0;
}

struct raw_terminal
{
  int fd;
  struct termios saved;
  bool changed;
};

static void
enter_raw_mode (struct raw_terminal *t)
{
  t->changed = false;
  if (!isatty (t->fd) || tcgetattr (t->fd, &t->saved) < 0)
    return;
  struct termios raw = t->saved;
  cfmakeraw (&raw);
  t->changed = tcsetattr (t->fd, TCSANOW, &raw) == 0;
}

static void
leave_raw_mode (struct raw_terminal *t)
{
  if (t->changed)
    tcsetattr (t->fd, TCSANOW, &t->saved);
}

void
spc_terminal_copy_size (int master)
{
  if (isatty (STDIN_FILENO))
    copy_window_size (STDIN_FILENO, master);
}

int
spc_terminal_proxy (int master, int pidfd, spc_err_t *err)
{
  sigset_t winch, saved_mask;
  sigemptyset (&winch);
  sigaddset (&winch, SIGWINCH);
  if (sigprocmask (SIG_BLOCK, &winch, &saved_mask) < 0)
    return spc_error_errno (err, "sigprocmask");
  _cleanup_close_ int sigfd = signalfd (-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
  struct raw_terminal term = { .fd = STDIN_FILENO };
  enter_raw_mode (&term);
  spc_terminal_copy_size (master);

  bool input_open = true, exited = false;
  for (;;)
    {
      struct pollfd p[4] = {
        { .fd = master, .events = POLLIN },
        { .fd = input_open ? STDIN_FILENO : -1, .events = POLLIN },
        { .fd = sigfd, .events = POLLIN },
        { .fd = exited ? -1 : pidfd, .events = POLLIN },
      };
      /* Once the container is gone, only drain what the pty still holds. */
      if (poll (p, 4, exited ? 0 : -1) < 0 && errno != EINTR)
        break;
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          if (!pump (master, STDOUT_FILENO))
            break;
        }
      else if (exited)
        break;
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        input_open = pump (STDIN_FILENO, master);
      if (p[2].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          while (read (sigfd, &si, sizeof si) == sizeof si)
            ;
          copy_window_size (STDIN_FILENO, master);
        }
      if (p[3].revents & POLLIN)
        exited = true;
    }
  leave_raw_mode (&term);
  sigprocmask (SIG_SETMASK, &saved_mask, NULL);
  return 0;
}
