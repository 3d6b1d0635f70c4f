/* run: create, start and, in the foreground, wait for the container while
 * forwarding signals to it; then delete it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/sealed.h"
#include "spacer/sync.h"
#include "spacer/terminal.h"
#include "container-internal.h"

/* The init of the foreground run, for the signal handler: a pidfd, so a
 * signal never reaches a process that took a reaped init's pid. */
static volatile sig_atomic_t forward_pidfd = -1;
static volatile sig_atomic_t forward_pid;
static volatile sig_atomic_t forward_to_ns_init;
/* The last stop request forwarded (INT, TERM, HUP, QUIT), for the error
 * of a run it ended before the program started. */
static volatile sig_atomic_t forward_stop_signal;

/* The hex mask after `key` in a /proc/PID/status text has sig; true when
 * the line is missing (when in doubt, the process handles it). */
static bool
status_mask_has (const char *status, const char *key, int sig)
{
  const char *p = strstr (status, key);
  if (p == NULL)
    return true;
  unsigned long long mask = 0;
  for (p += strlen (key); *p == '\t' || *p == ' '; p++)
    ;
  for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
    mask = (mask << 4) | (unsigned) (*p <= '9' ? *p - '0' : *p - 'a' + 10);
  return (mask >> (sig - 1)) & 1;
}

/* pid catches or ignores sig. Async-signal-safe: no stdio, no malloc. */
static bool
handles_signal (pid_t pid, int sig)
{
  char path[32] = "/proc/", digits[12], status[4096];
  char *p = path + 6;
  int n = 0;
  for (unsigned v = (unsigned) pid; v || n == 0; v /= 10)
    digits[n++] = (char) ('0' + v % 10);
  while (n)
    *p++ = digits[--n];
  memcpy (p, "/status", sizeof "/status");
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;
  ssize_t len = read (fd, status, sizeof status - 1);
  close (fd);
  if (len <= 0)
    return true;
  status[len] = '\0';
  return status_mask_has (status, "SigIgn:", sig) || status_mask_has (status, "SigCgt:", sig);
}

/* Signals to a foreground run are the container's, as with runc. The
 * kernel drops a signal to a pid namespace's init that has no handler for
 * it, so a stop request to `sleep` run as that init would go unheard and
 * `timeout spacer run ...` would never end: such a request ends the
 * container with SIGKILL instead. An init that ignores the signal on
 * purpose (an interactive shell ignores TERM) keeps that choice. */
static void
forward_signal (int sig)
{
  int saved = errno;
  int pidfd = forward_pidfd;
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
    forward_stop_signal = sig;
  /* The handler interrupts the only thread that reaps: once the signal
   * went through the pidfd, the pid is still the init's for /proc. */
  if (pidfd >= 0 && syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0
      && forward_to_ns_init && (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
      && !handles_signal ((pid_t) forward_pid, sig))
    syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  errno = saved;
}

static const int forwarded_signals[]
    = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
#define N_FORWARDED (sizeof forwarded_signals / sizeof *forwarded_signals)

/* While a foreground run waits, the caller's handlers of the forwarded
 * signals are replaced; they come back when it returns. */
struct forwarding
{
  int pidfd;
  struct sigaction saved[N_FORWARDED];
};

static void
forwarding_stop (struct forwarding *f)
{
  if (f->pidfd < 0)
    return;
  for (size_t i = 0; i < N_FORWARDED; i++)
    sigaction (forwarded_signals[i], &f->saved[i], NULL);
  forward_pidfd = -1;
  close (f->pidfd);
  f->pidfd = -1;
}
#define _cleanup_forwarding_ __attribute__ ((cleanup (forwarding_stop)))

static int
forwarding_start (struct forwarding *f, pid_t pid, bool ns_init, spc_err_t *err)
{
  f->pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (f->pidfd < 0)
    return spc_error_errno (err, "pidfd_open container init");
  forward_pid = pid;
  forward_to_ns_init = ns_init;
  forward_pidfd = f->pidfd;
  struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
  sigemptyset (&sa.sa_mask);
  for (size_t i = 0; i < N_FORWARDED; i++)
    sigaction (forwarded_signals[i], &sa, &f->saved[i]);
  return 0;
}

/* A stop request that comes while a foreground run makes the container
 * would end the runtime with the default action and leave a created
 * container behind. The forwarded signals are blocked from before the
 * create until their handlers are in place: one that came meanwhile is
 * then delivered and forwarded to the init, and the run ends as it would
 * for a running container. Put back on every return (a signal still
 * pending then meets the caller's own disposition, once the container
 * has been removed). */
struct held_signals
{
  bool held;
  sigset_t saved;
};

static void
held_signals_release (struct held_signals *h)
{
  if (h->held)
    sigprocmask (SIG_SETMASK, &h->saved, NULL);
  h->held = false;
}
#define _cleanup_held_signals_ __attribute__ ((cleanup (held_signals_release)))

static void
held_signals_hold (struct held_signals *h)
{
  sigset_t set;
  sigemptyset (&set);
  for (size_t i = 0; i < N_FORWARDED; i++)
    sigaddset (&set, forwarded_signals[i]);
  h->held = sigprocmask (SIG_BLOCK, &set, &h->saved) == 0;
}

/* A foreground run takes in what the container orphans when it has no pid
 * namespace of its own to reap them (runc's subreaper). The setting is the
 * calling process's: it is put back afterwards for programs that embed
 * libspacer. */
struct subreaper
{
  bool set;
  int before;
};

static void
subreaper_restore (struct subreaper *sr)
{
  if (!sr->set)
    return;
  /* Orphans that ended meanwhile are ours to reap. */
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  prctl (PR_SET_CHILD_SUBREAPER, sr->before, 0, 0, 0);
}
#define _cleanup_subreaper_ __attribute__ ((cleanup (subreaper_restore)))

static int
subreaper_enable (struct subreaper *sr, spc_err_t *err)
{
  if (prctl (PR_GET_CHILD_SUBREAPER, &sr->before, 0, 0, 0) < 0
      || prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return spc_error_errno (err, "prctl PR_SET_CHILD_SUBREAPER");
  sr->set = true;
  return 0;
}

/* Wait for the init; as a subreaper, reap the orphans that end first. */
static int
wait_for_init (pid_t pid, bool reap_all, int *status, spc_err_t *err)
{
  for (;;)
    {
      pid_t r = waitpid (reap_all ? -1 : pid, status, 0);
      if (r == pid)
        return 0;
      if (r < 0 && errno != EINTR)
        return spc_error_errno (err, "wait for container init");
    }
}

/* A foreground run's container may be deleted meanwhile (delete --force
 * from another shell) and its ID taken by a new container: the run tears
 * down only what is still its own, under the container's lock, so nothing
 * of the new one is touched and poststop runs once. */
static int
destroy_own_container (const char *root, struct spc_state *mine, spc_err_t *err)
{
  _cleanup_state_ struct spc_state now = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, mine->id, LOCK_EX, &now, err);
  if (dirfd < 0 && (*err)->errno_ == ENOENT)
    {
      spc_error_free (err);
      return 0;
    }
  if (dirfd < 0)
    return -1;
  if (now.pid != mine->pid || now.start_time != mine->start_time)
    return 0;
  return spc_container_destroy (root, dirfd, mine, err);
}

/* Release the init and see it exec the program; on failure the container
 * is stopped and, unless kept, deleted. */
static int
start_for_run (const char *root, const struct spc_create_options *o, struct spc_created *cr,
               int master, spc_err_t *err)
{
  if ((cr->terminal_fd < 0 || master >= 0) && spc_sync_send (cr->sync_fd, SPC_SYNC_START, err) == 0
      && spc_sync_wait_exec (cr->sync_fd, err) == 0)
    return 0;
  int stop = forward_stop_signal;
  if (stop)
    {
      /* The init ended of the forwarded request, which is the news. */
      spc_error_free (err);
      spc_error_make (err, 0, "%s before the program started", strsignal (stop));
    }
  else
    spc_error_prefix (err, "%s", cr->config_name);
  spc_container_kill_and_reap (cr->pid);
  if (o->keep)
    return -1;
  spc_err_t ignored = NULL;
  destroy_own_container (root, &cr->state, &ignored);
  spc_error_free (&ignored);
  return -1;
}

int
spc_container_run (const char *root, const char *id, const struct spc_create_options *o,
                   int *exit_code, spc_err_t *err)
{
  if (spc_sealed_ensure (err) < 0)
    return -1;
  _cleanup_subreaper_ struct subreaper sr = { 0 };
  if (!o->detach && !o->no_subreaper && subreaper_enable (&sr, err) < 0)
    return -1;
  _cleanup_held_signals_ struct held_signals held = { 0 };
  if (!o->detach)
    {
      forward_stop_signal = 0;
      held_signals_hold (&held);
    }
  struct spc_created cr;
  if (spc_container_make (root, id, o, true, &cr, err) < 0)
    return -1;
  _cleanup_state_ struct spc_state st = cr.state;
  _cleanup_close_ int sync_fd = cr.sync_fd;
  _cleanup_close_ int terminal_fd = cr.terminal_fd;
  _cleanup_free_ char *config_name = cr.config_name;
  _cleanup_close_ int master = -1;
  _cleanup_forwarding_ struct forwarding fwd = { .pidfd = -1 };

  if (!o->detach && forwarding_start (&fwd, cr.pid, cr.pid_ns_init, err) < 0)
    {
      spc_container_kill_and_reap (cr.pid);
      spc_err_t ignored = NULL;
      destroy_own_container (root, &st, &ignored);
      spc_error_free (&ignored);
      return -1;
    }
  held_signals_release (&held);
  if (terminal_fd >= 0 && (master = spc_terminal_receive (terminal_fd, err)) >= 0)
    spc_terminal_copy_size (master);
  if (start_for_run (root, o, &cr, master, err) < 0)
    return -1;
  if (spc_container_run_poststart (&st, err) < 0)
    {
      /* As runc's run: killed, and deleted unless kept (poststop runs). */
      spc_container_kill_and_reap (cr.pid);
      if (o->keep)
        return spc_container_poststart_error (id, "; kept, stopped", err);
      spc_err_t ignored = NULL;
      destroy_own_container (root, &st, &ignored);
      spc_error_free (&ignored);
      return spc_container_poststart_error (id, " and deleted", err);
    }
  if (o->detach)
    {
      *exit_code = 0;
      return 0;
    }
  if (master >= 0 && spc_terminal_proxy (master, fwd.pidfd, err) < 0)
    spc_error_free (err); /* the container still runs: wait for it */

  int status;
  if (wait_for_init (cr.pid, sr.set, &status, err) < 0)
    return -1;
  forwarding_stop (&fwd);
  *exit_code = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
  if (o->keep)
    return 0;
  return destroy_own_container (root, &st, err);
}
