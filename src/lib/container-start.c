/* start: the created init released through exec.fifo; and the poststart
 * hooks, which run shares. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/hooks.h"
#include "spacer/log.h"
#include "container-internal.h"

/* runtime-spec 1.3: a failing poststart hook is an error, after which the
 * runtime stops the container. The hooks after the failing one do not run
 * (as runc's and crun's). */
int
spc_container_run_poststart (const struct spc_state *st, spc_err_t *err)
{
  if (!spc_hooks_any (&st->hooks, SPC_HOOK_POSTSTART))
    return 0;
  _cleanup_free_ char *state = spc_state_to_json (st, SPC_STATUS_RUNNING, false);
  if (state == NULL)
    return spc_error_errno (err, "poststart: the state JSON");
  return spc_hooks_run (&st->hooks, SPC_HOOK_POSTSTART, state, err);
}

/* The error of a failed poststart, saying what became of the container. */
int
spc_container_poststart_error (const char *id, const char *what, spc_err_t *err)
{
  spc_err_t e = NULL;
  spc_error_classed (&e, (*err)->errno_, "container `%s`: %s (the container was killed%s)", id,
                     (*err)->msg, what);
  spc_error_free (err);
  *err = e;
  return -1;
}

/* After the release the init still holds exec.fifo open, close-on-exec:
 * end-of-file means the user program runs; anything written first is why
 * it could not (a startContainer hook, the exec itself). */
static int
wait_for_exec (int fd, const struct spc_state *st, spc_err_t *err)
{
  char msg[4096];
  size_t len = 0;
  if (fcntl (fd, F_SETFL, 0) < 0)
    return spc_error_errno (err, "exec.fifo");
  for (;;)
    {
      ssize_t n = read (fd, msg + len, sizeof msg - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return spc_error_errno (err, "read exec.fifo");
      if (n == 0 || (len += (size_t) n) == sizeof msg - 1)
        break;
    }
  if (len == 0)
    return 0;
  msg[len] = '\0';
  /* Named as create names the config in the init's errors. */
  return spc_error_make (err, 0, "%s/config.json: container init: %s", st->bundle, msg);
}

/* How long start waits for the init's byte on exec.fifo: it writes it as
 * soon as start opens the other end, unless it is gone or frozen. */
#define RELEASE_TIMEOUT_MS 10000

static int
already_running (int dirfd, const struct spc_state *st, spc_err_t *err)
{
  /* An earlier start released the init and was killed before removing
   * the fifo: the program runs. The stale fifo goes (we hold the lock). */
  unlinkat (dirfd, SPC_EXEC_FIFO, 0);
  return spc_error_make (err, 0, "cannot start container `%s`: it is already running", st->id);
}

static int
release_fifo (int dirfd, const struct spc_state *st, spc_err_t *err)
{
  /* Non-blocking open never hangs; the init, blocked opening the other end,
   * wakes up and writes one byte. Poll in slices so a dead init, or one an
   * interrupted start released already, is noticed; the wait is bounded. */
  _cleanup_close_ int fd = openat (dirfd, SPC_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return spc_error_errno (err, "open exec.fifo");
  for (int waited = 0;; waited += 100)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, 100);
      if (r < 0 && errno != EINTR)
        return spc_error_errno (err, "poll exec.fifo");
      char c;
      if (r > 0 && (p.revents & POLLIN) && read (fd, &c, 1) == 1)
        break;
      enum spc_status s = spc_status_of (dirfd, st);
      if (s == SPC_STATUS_STOPPED)
        return spc_error_make (err, 0, "container `%s`: init exited before start", st->id);
      /* The writer came and went without a byte for us: its byte went to
       * an earlier start, and it executed the program or is about to. */
      if (s == SPC_STATUS_RUNNING || s == SPC_STATUS_PAUSED || (r > 0 && (p.revents & POLLHUP)))
        return already_running (dirfd, st, err);
      if (waited >= RELEASE_TIMEOUT_MS)
        return spc_error_make (err, ETIMEDOUT,
                               "container `%s`: its init (pid %d) did not answer on exec.fifo "
                               "within %d s",
                               st->id, (int) st->pid, RELEASE_TIMEOUT_MS / 1000);
    }
  if (unlinkat (dirfd, SPC_EXEC_FIFO, 0) < 0)
    return spc_error_errno (err, "remove exec.fifo");
  return wait_for_exec (fd, st, err);
}

int
spc_container_start (const char *root, const char *id, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_EX, &st, err);
  if (dirfd < 0)
    return -1;
  enum spc_status s = spc_status_of (dirfd, &st);
  if (s == SPC_STATUS_RUNNING || s == SPC_STATUS_PAUSED)
    return already_running (dirfd, &st, err);
  if (s != SPC_STATUS_CREATED)
    return spc_error_make (err, 0, "cannot start container `%s`: it is %s, not created", id,
                           spc_status_name (s));
  spc_debug ("%s: releasing pid %d", id, (int) st.pid);
  if (release_fifo (dirfd, &st, err) < 0)
    return -1;
  if (spc_container_run_poststart (&st, err) < 0)
    {
      spc_container_kill_after_poststart (&st);
      return spc_container_poststart_error (id, "; it is stopped, delete removes it", err);
    }
  return 0;
}
