/* libspacer's processes: spacer_exec runs `spacer exec` in the foreground
 * (it forwards signals to the program and exits with its status, 128+N
 * for signal N), learns the program's pid from --pid-file and returns once
 * the program runs. The handle keeps two pidfds: the spacer child's, to
 * wait for (its status is the program's), and the program's, to signal. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "api-internal.h"

struct spacer_process
{
  pid_t pid;           /* the program's */
  int program_pidfd;   /* -1: it had ended before we could open one */
  struct api_child child;
  bool ended;
  int exit_code;
};

/* A private directory for the pid file: `spacer exec` writes it there by
 * rename, which inotify reports. */
struct pid_dir
{
  char path[PATH_MAX];
  char file[PATH_MAX + 8];
  bool made;
};

static void
pid_dir_remove (struct pid_dir *d)
{
  if (!d->made)
    return;
  unlink (d->file);
  rmdir (d->path);
}

static int
pid_dir_make (struct pid_dir *d, spacer_error **err)
{
  const char *tmp = getenv ("TMPDIR");
  if (tmp == NULL || tmp[0] != '/')
    tmp = "/tmp";
  if (snprintf (d->path, sizeof d->path, "%s/spacer-exec-XXXXXX", tmp) >= (int) sizeof d->path)
    return api_error_new (err, ENAMETOOLONG, NULL, "TMPDIR is too long");
  if (mkdtemp (d->path) == NULL)
    return api_error_new (err, errno, NULL, "mkdtemp %s: %s", d->path, strerror (errno));
  d->made = true;
  snprintf (d->file, sizeof d->file, "%s/pid", d->path);
  return 0;
}

/* The pid in the pid file; 0 while it is not there. */
static pid_t
read_pid (const char *file)
{
  _cleanup_fclose_ FILE *f = fopen (file, "re");
  long pid = 0;
  if (f == NULL || fscanf (f, "%ld", &pid) != 1 || pid <= 0 || pid > INT_MAX)
    return 0;
  return (pid_t) pid;
}

static int
push_arg (const char ***args, size_t *n, size_t *cap, const char *arg)
{
  if (*n + 2 > *cap)
    {
      size_t grown_cap = *cap ? *cap * 2 : 32;
      const char **grown = realloc (*args, grown_cap * sizeof *grown);
      if (grown == NULL)
        return -1;
      *args = grown;
      *cap = grown_cap;
    }
  (*args)[(*n)++] = arg;
  (*args)[*n] = NULL;
  return 0;
}

/* Strings made for the arguments, freed together. */
struct owned
{
  char **v;
  size_t n;
};

static void
owned_free (struct owned *o)
{
  for (size_t i = 0; i < o->n; i++)
    free (o->v[i]);
  free (o->v);
}

static const char *
own (struct owned *o, char *s)
{
  char **grown = s ? realloc (o->v, (o->n + 1) * sizeof *grown) : NULL;
  if (grown == NULL)
    {
      free (s);
      return NULL;
    }
  o->v = grown;
  return o->v[o->n++] = s;
}

static char *
format (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static char *
format (const char *fmt, ...)
{
  char *s = NULL;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    s = NULL;
  va_end (ap);
  return s;
}

/* `exec --pid-file FILE [flags] -- ID ARGS...` for the options. */
static int
exec_args (const char *id, const struct spacer_exec_options *o, const char *pid_file,
           struct owned *strings, const char ***out, spacer_error **err)
{
  const char **args = NULL;
  size_t n = 0, cap = 0;
  bool ok = push_arg (&args, &n, &cap, "exec") == 0
            && push_arg (&args, &n, &cap, "--pid-file") == 0
            && push_arg (&args, &n, &cap, pid_file) == 0;
  if (ok && o->cwd)
    ok = push_arg (&args, &n, &cap, "--cwd") == 0 && push_arg (&args, &n, &cap, o->cwd) == 0;
  for (size_t i = 0; ok && o->env && o->env[i]; i++)
    ok = push_arg (&args, &n, &cap, "--env") == 0 && push_arg (&args, &n, &cap, o->env[i]) == 0;
  if (ok && o->has_user)
    {
      const char *user = own (strings, format ("%u:%u", o->uid, o->gid));
      ok = user && push_arg (&args, &n, &cap, "--user") == 0
           && push_arg (&args, &n, &cap, user) == 0;
    }
  for (size_t i = 0; ok && i < o->n_additional_gids; i++)
    {
      const char *gid = own (strings, format ("%u", (unsigned) o->additional_gids[i]));
      ok = gid && push_arg (&args, &n, &cap, "--additional-gids") == 0
           && push_arg (&args, &n, &cap, gid) == 0;
    }
  if (ok && o->n_extra_fds)
    {
      const char *count = own (strings, format ("%zu", o->n_extra_fds));
      ok = count && push_arg (&args, &n, &cap, "--preserve-fds") == 0
           && push_arg (&args, &n, &cap, count) == 0;
    }
  if (ok && o->process)
    {
      const char *file
          = own (strings, format ("/proc/self/fd/%d", api_child_private_fd (o->n_extra_fds, 0)));
      ok = file && push_arg (&args, &n, &cap, "--process") == 0
           && push_arg (&args, &n, &cap, file) == 0;
    }
  ok = ok && push_arg (&args, &n, &cap, "--") == 0 && push_arg (&args, &n, &cap, id) == 0;
  for (size_t i = 0; ok && !o->process && o->args[i]; i++)
    ok = push_arg (&args, &n, &cap, o->args[i]) == 0;
  if (!ok)
    {
      free (args);
      return api_error_new (err, ENOMEM, NULL, "out of memory");
    }
  *out = args;
  return 0;
}

/* Until the pid file appears (the program runs) or the spacer child ends
 * (exec failed, or the program ended that fast). */
static int
await_pid (struct api_child *child, int inotify_fd, const char *pid_file, pid_t *pid,
           spacer_error **err)
{
  for (;;)
    {
      if ((*pid = read_pid (pid_file)) > 0)
        return 0;
      struct pollfd p[2] = { { .fd = inotify_fd, .events = POLLIN },
                             { .fd = child->pidfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return api_error_new (err, errno, NULL, "poll: %s", strerror (errno));
        }
      if (p[0].revents & POLLIN)
        {
          char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
          while (read (inotify_fd, buf, sizeof buf) > 0)
            ;
        }
      if (p[1].revents & POLLIN)
        {
          *pid = read_pid (pid_file);
          return 0;
        }
    }
}

static int
exec_with (spacer_context *ctx, const char *id, const struct spacer_exec_options *o,
           spacer_process **out, spacer_error **err)
{
  _cleanup_close_ int process_fd = -1;
  if (o->process && (process_fd = api_sealed_memfd ("spacer-process", o->process, err)) < 0)
    return -1;
  __attribute__ ((cleanup (pid_dir_remove))) struct pid_dir dir = { .made = false };
  if (pid_dir_make (&dir, err) < 0)
    return -1;
  _cleanup_close_ int inotify_fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd < 0 || inotify_add_watch (inotify_fd, dir.path, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
    return api_error_new (err, errno, NULL, "inotify: %s", strerror (errno));

  __attribute__ ((cleanup (owned_free))) struct owned strings = { 0 };
  _cleanup_free_ const char **args = NULL;
  if (exec_args (id, o, dir.file, &strings, &args, err) < 0)
    return -1;
  struct api_child_fds fds = {
    .stdio = { o->stdin_fd, o->stdout_fd, o->stderr_fd },
    .extra = o->extra_fds,
    .n_extra = o->n_extra_fds,
    .private_fds = &process_fd,
    .n_private = o->process ? 1 : 0,
  };
  spacer_process *p = calloc (1, sizeof *p);
  if (p == NULL)
    return api_error_new (err, ENOMEM, NULL, "out of memory");
  p->program_pidfd = -1;
  if (api_spawn (ctx, args, &fds, &p->child, err) < 0)
    {
      free (p);
      return -1;
    }

  pid_t pid = 0;
  if (await_pid (&p->child, inotify_fd, dir.file, &pid, err) < 0)
    {
      /* Never leave it running unseen: it is ours and ends here. */
      kill (p->child.pid, SIGKILL);
      spacer_process_free (p);
      return -1;
    }
  if (pid > 0)
    {
      p->pid = pid;
      p->program_pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
      /* spacer exec reaps the program only right before it exits: while
       * it still runs after the pidfd was opened, the pid was the
       * program's, unless it was reaped in the instant between and the
       * whole pid space cycled in that instant. Once spacer has ended,
       * the pid may be anyone's: no pidfd then, and signals fail with
       * ESRCH. */
      siginfo_t info;
      if (p->program_pidfd >= 0
          && (api_child_wait (&p->child, WEXITED | WNOHANG | WNOWAIT, &info) < 0
              || info.si_pid != 0))
        close (spc_steal_fd (&p->program_pidfd));
      api_child_deliver_log (ctx, &p->child);
      *out = p;
      return 0;
    }

  /* No pid file and the child has ended: exec failed. */
  siginfo_t info;
  if (api_child_wait (&p->child, WEXITED, &info) < 0)
    api_error_new (err, errno, NULL, "wait for spacer exec: %s", strerror (errno));
  else
    {
      p->ended = true; /* reaped: nothing left for free to wait for */
      api_child_finish (ctx, &p->child, true, info.si_code, info.si_status, "exec", err);
    }
  spacer_process_free (p);
  return -1;
}

int
spacer_exec (spacer_context *ctx, const char *id, const struct spacer_exec_options *opts,
             spacer_process **out, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  struct spacer_exec_options o = {
    .size = sizeof o, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
  };
  if (opts == NULL)
    return api_error_new (err, EINVAL, NULL, "exec: no options (args or process is needed)");
  if (api_read_options (&o, sizeof o, opts, opts->size, "spacer_exec_options", err) < 0)
    return -1;
  if (id == NULL)
    return api_error_new (err, EINVAL, NULL, "exec: no container ID");
  if ((o.args == NULL || o.args[0] == NULL) == (o.process == NULL))
    return api_error_new (err, EINVAL, NULL, "exec: give either args or process");
  if (o.n_extra_fds && o.extra_fds == NULL)
    return api_error_new (err, EINVAL, NULL, "exec: n_extra_fds without extra_fds");
  if (o.n_additional_gids && o.additional_gids == NULL)
    return api_error_new (err, EINVAL, NULL, "exec: n_additional_gids without additional_gids");
  return exec_with (ctx, id, &o, out, err);
}

pid_t
spacer_process_pid (const spacer_process *p)
{
  return p->pid;
}

int
spacer_process_fd (const spacer_process *p)
{
  return p->child.pidfd;
}

int
spacer_process_signal (spacer_process *p, int signo, spacer_error **err)
{
  if (p->ended || p->program_pidfd < 0)
    return api_error_new (err, ESRCH, NULL, "signal %d: the program has ended", signo);
  if (syscall (SYS_pidfd_send_signal, p->program_pidfd, signo, NULL, 0) < 0)
    return api_error_new (err, errno, NULL, "signal %d: %s", signo, strerror (errno));
  return 0;
}

int
spacer_process_wait (spacer_process *p, unsigned flags, int *exit_code, spacer_error **err)
{
  if (flags & ~(unsigned) SPACER_WAIT_NOHANG)
    return api_error_new (err, EINVAL, NULL, "wait: unknown flags %#x", flags);
  if (!p->ended)
    {
      siginfo_t info;
      int options = WEXITED | (flags & SPACER_WAIT_NOHANG ? WNOHANG : 0);
      if (api_child_wait (&p->child, options, &info) < 0)
        return api_error_new (err, errno, NULL, "wait: %s", strerror (errno));
      if (info.si_pid == 0)
        return 0;
      p->ended = true;
      /* spacer exec exits with the program's status, 128+N for signal N;
       * a spacer killed itself is reported the same way. */
      p->exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
      if (p->program_pidfd >= 0)
        close (spc_steal_fd (&p->program_pidfd));
    }
  if (exit_code)
    *exit_code = p->exit_code;
  return 1;
}

/* Reaps a spacer child whose handle was freed while it ran, so that it
 * does not stay a zombie for the rest of the caller's life. */
static void *
reaper (void *arg)
{
  int pidfd = (int) (intptr_t) arg;
  siginfo_t info;
  while (waitid (P_PIDFD, (id_t) pidfd, &info, WEXITED) < 0 && errno == EINTR)
    ;
  close (pidfd);
  return NULL;
}

void
spacer_process_free (spacer_process *p)
{
  if (p == NULL)
    return;
  if (p->program_pidfd >= 0)
    close (p->program_pidfd);
  if (!p->ended && p->child.pidfd >= 0)
    {
      /* The program goes on running (spacer.h). A detached thread waits
       * for its spacer child, which is ours to reap; if no thread can be
       * made, the child is left for the caller's own wait(). */
      pthread_t t;
      pthread_attr_t attr;
      int pidfd = spc_steal_fd (&p->child.pidfd);
      bool started = false;
      if (pthread_attr_init (&attr) == 0)
        {
          /* With every signal blocked, so it never runs a handler of the
           * caller's in place of the threads that expect to. */
          sigset_t all, saved;
          sigfillset (&all);
          pthread_sigmask (SIG_SETMASK, &all, &saved);
          started = pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED) == 0
                    && pthread_create (&t, &attr, reaper, (void *) (intptr_t) pidfd) == 0;
          pthread_sigmask (SIG_SETMASK, &saved, NULL);
          pthread_attr_destroy (&attr);
        }
      if (!started)
        close (pidfd);
    }
  api_child_close (&p->child);
  free (p);
}
