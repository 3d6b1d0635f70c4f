/* Signals to a container: kill (and --all), and the kills that other
 * operations end a container with. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "spacer/utils.h"
#include "container-internal.h"

/* The end of a process that is not our child, through its pidfd
 * (spc_state_open_init_pidfd pins the init). */
static int
wait_pidfd_exit (int pidfd, int timeout_ms)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0 ? 0 : -1;
}

void
spc_container_kill_and_reap (pid_t pid)
{
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* The pid namespace of pid, by the inode of /proc/PID/ns/pid. */
static bool
pid_ns_of (pid_t pid, struct stat *sb)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  return stat (path, sb) == 0;
}

/* Is pid the first process (pid 1) of its innermost pid namespace? The
 * last field of NSpid in /proc/PID/status says. */
static bool
pid_one_of_its_namespace (pid_t pid)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  _cleanup_fclose_ FILE *f = fopen (path, "re");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  while (f && getline (&line, &cap, f) > 0)
    {
      if (strncmp (line, "NSpid:", 6) != 0)
        continue;
      char *last = strrchr (line, '\t');
      return last && strtol (last + 1, NULL, 10) == 1;
    }
  return false;
}

/* The pid namespace of the container, when it has one of its own: one
 * whose pid 1 is the init, which then ends every process in it when it
 * dies. A pid namespace joined by path (the init is not its pid 1) holds
 * processes not the container's, and counts as none. False also when the
 * init is gone. The init is checked alive after the looks, so they were
 * at its /proc. */
static bool
container_pid_ns (const struct spc_state *st, struct stat *ns)
{
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  return pidfd >= 0 && pid_ns_of (st->pid, ns) && pid_one_of_its_namespace (st->pid)
         && syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

bool
spc_container_owns_pid (const struct spc_state *st, bool has_ns, const struct stat *ns, pid_t pid)
{
  struct stat sb;
  if (pid == st->pid)
    return true;
  return has_ns && pid_ns_of (pid, &sb) && sb.st_ino == ns->st_ino && sb.st_dev == ns->st_dev;
}

void
spc_container_keep_own_pids (const struct spc_state *st, pid_t *pids, size_t *n)
{
  struct stat ns;
  bool has_ns = container_pid_ns (st, &ns);
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  size_t kept = 0;
  for (size_t i = 0; i < *n; i++)
    if ((pids[i] == st->pid && pidfd >= 0)
        || (pids[i] != st->pid && spc_container_owns_pid (st, has_ns, &ns, pids[i])))
      pids[kept++] = pids[i];
  *n = kept;
}

/* Signal pid of a cgroup the container joined, if it is the container's:
 * through a pidfd opened before the check, so that a pid reused meanwhile
 * is not signalled (the pidfd's process is then gone: ESRCH). */
static int
signal_if_own (const struct spc_state *st, bool has_ns, const struct stat *ns, pid_t pid,
               int signo, spc_err_t *err)
{
  _cleanup_close_ int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0 || !spc_container_owns_pid (st, has_ns, ns, pid))
    return 0;
  if (syscall (SYS_pidfd_send_signal, fd, signo, NULL, 0) < 0 && errno != ESRCH)
    return spc_error_errno (err, "kill %d", (int) pid);
  return 0;
}

/* kill --all: every process in the container's cgroup. A frozen cgroup
 * handles a signal only once thawed, which is the caller's to do. In a
 * cgroup the container joined (it existed before) other processes may
 * run: runc signals them all, spacer only those in the container's pid
 * namespace, and without one only the init (signalled by the caller):
 * without a pid namespace nothing tells the container's processes apart
 * from the others there. */
static int
signal_cgroup (const struct spc_state *st, int signo, spc_err_t *err)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  bool shared = false;
  if (st->cgroup.n_dirs == 0)
    return spc_error_make (err, 0, "kill --all: container `%s` has no cgroup", st->id);
  if (spc_cgroup_pids (&st->cgroup, &pids, &n, &shared, err) < 0)
    return -1;
  struct stat ns;
  bool has_ns = shared && container_pid_ns (st, &ns);
  if (shared && !has_ns)
    return 0;
  for (size_t i = 0; i < n; i++)
    {
      if (pids[i] == st->pid)
        continue;
      if (shared)
        {
          if (signal_if_own (st, has_ns, &ns, pids[i], signo, err) < 0)
            return -1;
        }
      else if (kill (pids[i], signo) < 0 && errno != ESRCH)
        return spc_error_errno (err, "kill %d", (int) pids[i]);
    }
  return 0;
}

/* The signal that stops the container when none is named: the image's
 * (the annotation `spacer bundle` copies from its StopSignal, as
 * containerd and podman set it), else SIGTERM. One it cannot parse is an
 * error rather than a guess: the caller can name a signal. */
static int
stop_signal_of (const struct spc_state *st, spc_err_t *err)
{
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, SPC_STOP_SIGNAL_ANNOTATION) == 0)
      {
        int signo = spc_parse_signal (st->annotations[i].value, err);
        if (signo < 0)
          return spc_error_prefix (err, "kill container `%s`: annotations.%s", st->id,
                                   SPC_STOP_SIGNAL_ANNOTATION);
        return signo;
      }
  return SIGTERM;
}

int
spc_container_kill (const char *root, const char *id, int signo, bool all, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_SH, &st, err);
  if (dirfd < 0)
    return -1;
  if (signo == SPC_STOP_SIGNAL && (signo = stop_signal_of (&st, err)) < 0)
    return -1;
  enum spc_status s = spc_status_of (dirfd, &st);
  /* As runc: --all goes on to whatever the init left in its cgroups, and
   * finding none is no error (containerd sends it after the task died). */
  if (s == SPC_STATUS_STOPPED && all)
    {
      if (st.cgroup.n_dirs == 0 || signal_cgroup (&st, signo, err) == 0)
        return 0;
      if (!spc_error_is (err, ENOENT))
        return -1;
      spc_error_free (err);
      return 0;
    }
  if (s == SPC_STATUS_STOPPED)
    return spc_error_make (err, 0, "cannot kill container `%s`: it is not running", id);
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (&st);
  if (pidfd < 0)
    return spc_error_make (err, 0, "cannot kill container `%s`: it is not running", id);
  spc_debug ("%s: signal %d to pid %d%s", id, signo, (int) st.pid, all ? " and the rest" : "");
  if (syscall (SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0)
    return spc_error_errno (err, "kill container `%s`", id);
  return all ? signal_cgroup (&st, signo, err) : 0;
}

/* A poststart hook failed after start released the init: the container
 * is stopped as runc stops it, SIGKILL to the init and to the rest of its
 * processes (those `kill --all` reaches), and left for `delete`, which
 * runs poststop. start is not the init's parent: it waits on the pidfd. */
void
spc_container_kill_after_poststart (const struct spc_state *st)
{
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  if (pidfd < 0)
    return; /* gone already */
  syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  spc_err_t ignored = NULL;
  if (st->cgroup.n_dirs && signal_cgroup (st, SIGKILL, &ignored) < 0)
    spc_warn ("poststart failed: %s", ignored->msg);
  spc_error_free (&ignored);
  if (wait_pidfd_exit (pidfd, 10000) < 0)
    spc_warn ("poststart failed: container `%s` did not exit within 10 s of SIGKILL", st->id);
}

int
spc_container_kill_and_wait (const struct spc_state *st, spc_err_t *err)
{
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  if (pidfd < 0)
    return 0; /* already gone */
  if (syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
    return spc_error_errno (err, "kill container `%s`", st->id);
  if (wait_pidfd_exit (pidfd, 10000) < 0)
    return spc_error_make (err, ETIMEDOUT, "container `%s` did not exit after SIGKILL", st->id);
  return 0;
}
