#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/hooks.h"
#include "spacer/log.h"
#include "spacer/utils.h"

/* What a failing hook printed last goes into the error; the rest is
 * dropped as it arrives so a chatty hook cannot grow our memory. */
#define OUTPUT_TAIL 512

struct hook_run
{
  const struct spc_hook *hook;
  const char *state;
  size_t state_left;
  int stdin_fd;  /* our end of the hook's stdin; -1 once all is written */
  int output_fd; /* our end of its stdout and stderr */
  int pidfd;
  pid_t pid;
  char tail[OUTPUT_TAIL + 1];
  size_t tail_len;
};

static void __attribute__ ((noreturn))
exec_hook (const struct spc_hook *hook, int stdin_fd, int output_fd)
{
  char *default_argv[] = { hook->path, NULL };
  char *const *argv = hook->n_args ? hook->args : default_argv;
  if (dup2 (stdin_fd, STDIN_FILENO) < 0 || dup2 (output_fd, STDOUT_FILENO) < 0
      || dup2 (output_fd, STDERR_FILENO) < 0)
    _exit (126);
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  setpgid (0, 0);
  execve (hook->path, argv, hook->env);
  dprintf (STDERR_FILENO, "exec: %s", strerror (errno));
  _exit (127);
}

static int
spawn (struct hook_run *r, spc_err_t *err)
{
  int in[2], out[2];
  /* A socket for stdin: send(MSG_NOSIGNAL) to a hook that exits without
   * reading fails with EPIPE instead of killing us with SIGPIPE. */
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
    return spc_error_errno (err, "socketpair");
  if (pipe2 (out, O_CLOEXEC) < 0)
    {
      close (in[0]);
      close (in[1]);
      return spc_error_errno (err, "pipe");
    }
  r->pid = fork ();
  if (r->pid == 0)
    exec_hook (r->hook, in[1], out[1]);
  int saved = errno;
  /* Its own process group, set on both sides so neither order races: a
   * timeout ends the hook and whatever it started (see finish). */
  if (r->pid > 0)
    setpgid (r->pid, r->pid);
  close (in[1]);
  close (out[1]);
  r->stdin_fd = in[0];
  r->output_fd = out[0];
  if (r->pid < 0)
    return spc_error_make (err, saved, "fork");
  r->pidfd = (int) syscall (SYS_pidfd_open, r->pid, 0);
  if (r->pidfd < 0)
    {
      saved = errno;
      kill (r->pid, SIGKILL);
      waitpid (r->pid, NULL, 0);
      return spc_error_make (err, saved, "pidfd_open");
    }
  return 0;
}

static void
keep_output (struct hook_run *r, const char *buf, size_t n)
{
  if (n >= OUTPUT_TAIL)
    {
      memcpy (r->tail, buf + n - OUTPUT_TAIL, OUTPUT_TAIL);
      r->tail_len = OUTPUT_TAIL;
      return;
    }
  size_t keep = r->tail_len + n > OUTPUT_TAIL ? OUTPUT_TAIL - n : r->tail_len;
  memmove (r->tail, r->tail + r->tail_len - keep, keep);
  memcpy (r->tail + keep, buf, n);
  r->tail_len = keep + n;
}

/* Returns what read(2) did: > 0 bytes kept, 0 end-of-file, < 0 error. */
static ssize_t
read_output (struct hook_run *r)
{
  char buf[4096];
  ssize_t n = read (r->output_fd, buf, sizeof buf);
  if (n > 0)
    keep_output (r, buf, (size_t) n);
  return n;
}

static void
write_state (struct hook_run *r)
{
  ssize_t n = send (r->stdin_fd, r->state, r->state_left, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n > 0)
    {
      r->state += n;
      r->state_left -= (size_t) n;
    }
  /* Done, or the hook does not read its stdin: either way it sees EOF. */
  if (r->state_left == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    {
      close (r->stdin_fd);
      r->stdin_fd = -1;
    }
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Feed stdin, collect output, until the hook exits or the deadline (< 0:
 * none) passes. Returns 0 when it exited, -1 on timeout. */
static int
supervise (struct hook_run *r, int64_t deadline)
{
  for (;;)
    {
      struct pollfd p[3] = {
        { .fd = r->pidfd, .events = POLLIN },
        { .fd = r->output_fd, .events = POLLIN },
        { .fd = r->stdin_fd, .events = POLLOUT }, /* poll skips fd -1 */
      };
      int timeout = -1;
      if (deadline >= 0)
        {
          int64_t left = deadline - now_ms ();
          if (left <= 0)
            return -1;
          timeout = (int) left;
        }
      if (poll (p, 3, timeout) < 0 && errno != EINTR)
        return 0;
      if (p[1].revents & POLLIN)
        read_output (r);
      else if (p[1].revents & (POLLHUP | POLLERR))
        {
          /* The hook closed its output but lives on: stop watching it. */
          close (r->output_fd);
          r->output_fd = -1;
        }
      if (r->stdin_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP)))
        write_state (r);
      if (p[0].revents & POLLIN)
        return 0;
    }
}

static void
trim_output (struct hook_run *r)
{
  while (r->tail_len > 0 && (r->tail[r->tail_len - 1] == '\n' || r->tail[r->tail_len - 1] == ' '))
    r->tail_len--;
  r->tail[r->tail_len] = '\0';
}

static int
finish (struct hook_run *r, bool timed_out, const char *label, spc_err_t *err)
{
  int status = 0;
  /* The group's id is the hook's pid, which cannot be reused before the
   * waitpid below: the children it left in its group die with it. One that
   * made a group or session of its own is not followed. */
  if (timed_out)
    {
      kill (-r->pid, SIGKILL);
      syscall (SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0);
    }
  while (waitpid (r->pid, &status, 0) < 0 && errno == EINTR)
    ;
  /* Whatever the hook wrote before it exited, to the end: its last words
   * are what the error shows. Without blocking, in case a child of the
   * hook keeps the pipe open. */
  if (r->output_fd >= 0 && fcntl (r->output_fd, F_SETFL, O_NONBLOCK) == 0)
    while (read_output (r) > 0)
      ;
  trim_output (r);
  const char *sep = r->tail_len ? ": " : "";
  if (timed_out)
    return spc_error_make (err, 0, "%s: timed out after %d s, killed%s%s", label,
                           r->hook->timeout, sep, r->tail);
  if (WIFSIGNALED (status))
    return spc_error_make (err, 0, "%s: killed by signal %d%s%s", label, WTERMSIG (status), sep,
                           r->tail);
  if (WEXITSTATUS (status) != 0)
    return spc_error_make (err, 0, "%s: exit status %d%s%s", label, WEXITSTATUS (status), sep,
                           r->tail);
  return 0;
}

static int
run_hook (const struct spc_hook *hook, const char *label, const char *state, spc_err_t *err)
{
  struct hook_run r = {
    .hook = hook,
    .state = state,
    .state_left = strlen (state),
    .stdin_fd = -1,
    .output_fd = -1,
    .pidfd = -1,
  };
  int ret = spawn (&r, err);
  if (ret == 0)
    {
      int64_t deadline = hook->has_timeout ? now_ms () + (int64_t) hook->timeout * 1000 : -1;
      ret = finish (&r, supervise (&r, deadline) < 0, label, err);
    }
  else
    spc_error_prefix (err, "%s", label);
  if (r.stdin_fd >= 0)
    close (r.stdin_fd);
  if (r.output_fd >= 0)
    close (r.output_fd);
  if (r.pidfd >= 0)
    close (r.pidfd);
  return ret;
}

int
spc_program_run (const struct spc_hook *program, const char *label, const char *input,
                 spc_err_t *err)
{
  return run_hook (program, label, input, err);
}

static int
run_one (const struct spc_hooks *h, enum spc_hook_kind kind, size_t i, const char *state,
         spc_err_t *err)
{
  const struct spc_hook *hook = &h->hooks[kind][i];
  char label[512];
  snprintf (label, sizeof label, "hooks.%s[%zu] `%s`", spc_hook_kind_name (kind), i, hook->path);
  spc_debug ("running %s", label);
  return run_hook (hook, label, state, err);
}

int
spc_hooks_run (const struct spc_hooks *h, enum spc_hook_kind kind, const char *state,
               spc_err_t *err)
{
  for (size_t i = 0; i < h->n_hooks[kind]; i++)
    if (run_one (h, kind, i, state, err) < 0)
      return -1;
  return 0;
}

void
spc_hooks_run_warn (const struct spc_hooks *h, enum spc_hook_kind kind, const char *state)
{
  for (size_t i = 0; i < h->n_hooks[kind]; i++)
    {
      _cleanup_error_ spc_err_t err = NULL;
      if (run_one (h, kind, i, state, &err) < 0)
        spc_warn ("%s", err->msg);
    }
}
