/* Running the spacer binary for create and exec (see spacer.h on
 * CVE-2019-5736): posix_spawn, never a re-execution of the caller. Its
 * records, the error among them, come back through a memfd it logs to in
 * JSON; nothing it reports reaches the caller's stdio. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/json.h"
#include "api-internal.h"

extern char **environ;

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

int
api_sealed_memfd (const char *name, const char *text, spacer_error **err)
{
  _cleanup_close_ int fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return api_error_new (err, errno, NULL, "memfd_create: %s", strerror (errno));
  size_t len = strlen (text);
  for (size_t done = 0; done < len;)
    {
      ssize_t n = write (fd, text + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return api_error_new (err, errno, NULL, "write %s: %s", name, strerror (errno));
      done += (size_t) n;
    }
  if (fcntl (fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return api_error_new (err, errno, NULL, "seal %s: %s", name, strerror (errno));
  return spc_steal_fd (&fd);
}

/* The caller's environment for the child, without what would change what
 * spacer does behind the library's back (SPACER_LIST_OPTIONS makes it
 * print its flags and exit), and with its stderr quiet. */
static char **
child_environ (void)
{
  size_t n = 0;
  while (environ && environ[n])
    n++;
  char **env = calloc (n + 2, sizeof *env);
  if (env == NULL)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp (environ[i], "SPACER_LOG_NO_STDERR=", 21) != 0
        && strncmp (environ[i], "SPACER_LIST_OPTIONS=", 20) != 0
        /* The caller's socket activation: its fds are not where it
         * says in the child, whose fds 3... are the extra_fds alone. */
        && strncmp (environ[i], "LISTEN_", 7) != 0)
      env[k++] = environ[i];
  /* spc_log_fatal_error: the error goes to the log only, since the
   * child's stderr is the container's, the caller's to read. */
  env[k++] = (char *) "SPACER_LOG_NO_STDERR=1";
  env[k] = NULL;
  return env;
}

struct dup_list
{
  int fds[64];
  size_t n;
};

static void
dup_list_close (struct dup_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    close (l->fds[i]);
}

/* A copy of fd above every target fd number, so that placing one never
 * overwrites the source of another (the caller's stdout may be fd 0). */
static int
high_copy (struct dup_list *l, int fd, int above, spacer_error **err)
{
  if (l->n == sizeof l->fds / sizeof *l->fds)
    return api_error_new (err, EMFILE, NULL, "too many fds to pass");
  int c = fcntl (fd, F_DUPFD_CLOEXEC, above);
  if (c < 0)
    return api_error_new (err, errno, NULL, "fd %d: %s", fd, strerror (errno));
  l->fds[l->n++] = c;
  return c;
}

int
api_spawn (const spacer_context *ctx, const char *const *cmd_args,
           const struct api_child_fds *fds, struct api_child *child, spacer_error **err)
{
  *child = (struct api_child){ .pid = -1, .pidfd = -1, .logfd = -1 };
  if (fds->n_extra + fds->n_private > 60)
    return api_error_new (err, EMFILE, NULL, "too many fds to pass");
  int n_targets = (int) (3 + fds->n_extra + 1 + fds->n_private);
  _cleanup_close_ int logfd = memfd_create ("spacer-log", MFD_CLOEXEC);
  if (logfd < 0)
    return api_error_new (err, errno, NULL, "memfd_create: %s", strerror (errno));

  char logpath[64];
  snprintf (logpath, sizeof logpath, "/proc/self/fd/%d", (int) (3 + fds->n_extra));
  size_t n_cmd = 0;
  while (cmd_args[n_cmd])
    n_cmd++;
  _cleanup_free_ const char **argv = calloc (n_cmd + 10, sizeof *argv);
  _cleanup_free_ char **env = child_environ ();
  if (argv == NULL || env == NULL)
    return api_error_new (err, ENOMEM, NULL, "out of memory");
  size_t a = 0;
  argv[a++] = ctx->binary;
  argv[a++] = "--root";
  argv[a++] = ctx->root;
  argv[a++] = "--log-format";
  argv[a++] = "json";
  argv[a++] = "--log";
  argv[a++] = logpath;
  if (ctx->log && ctx->log_level >= SPACER_LOG_DEBUG)
    argv[a++] = "--debug";
  for (size_t i = 0; i < n_cmd; i++)
    argv[a++] = cmd_args[i];
  argv[a] = NULL;

  __attribute__ ((cleanup (dup_list_close))) struct dup_list copies = { .n = 0 };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  if (posix_spawn_file_actions_init (&fa) != 0)
    return api_error_new (err, ENOMEM, NULL, "out of memory");
  if (posix_spawnattr_init (&attr) != 0)
    {
      posix_spawn_file_actions_destroy (&fa);
      return api_error_new (err, ENOMEM, NULL, "out of memory");
    }
  int r = 0;
  for (int i = 0; i < 3 && r == 0; i++)
    {
      if (fds->stdio[i] < 0)
        r = posix_spawn_file_actions_addopen (&fa, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY,
                                              0);
      else
        {
          int c = high_copy (&copies, fds->stdio[i], n_targets, err);
          r = c < 0 ? -1 : posix_spawn_file_actions_adddup2 (&fa, c, i);
        }
    }
  for (size_t i = 0; i < fds->n_extra && r == 0; i++)
    {
      int c = high_copy (&copies, fds->extra[i], n_targets, err);
      r = c < 0 ? -1 : posix_spawn_file_actions_adddup2 (&fa, c, (int) (3 + i));
    }
  if (r == 0)
    {
      int c = high_copy (&copies, logfd, n_targets, err);
      r = c < 0 ? -1 : posix_spawn_file_actions_adddup2 (&fa, c, (int) (3 + fds->n_extra));
    }
  for (size_t i = 0; i < fds->n_private && r == 0; i++)
    {
      int c = high_copy (&copies, fds->private_fds[i], n_targets, err);
      r = c < 0 ? -1
                : posix_spawn_file_actions_adddup2 (&fa, c, api_child_private_fd (fds->n_extra, i));
    }
  /* Nothing else of the caller's reaches spacer (or, through it, the
   * container). */
  if (r == 0)
    r = posix_spawn_file_actions_addclosefrom_np (&fa, n_targets);

  /* The child starts with default dispositions and no blocked signal
   * whatever the caller has: spacer exec must see the signals it
   * forwards. The caller's own stay as they are. */
  sigset_t all, none;
  sigfillset (&all);
  sigemptyset (&none);
  if (r == 0)
    r = posix_spawnattr_setsigdefault (&attr, &all);
  if (r == 0)
    r = posix_spawnattr_setsigmask (&attr, &none);
  if (r == 0)
    r = posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  if (r == 0)
    {
      r = posix_spawn (&pid, ctx->binary, &fa, &attr, (char *const *) argv, env);
      if (r != 0)
        api_error_new (err, r, NULL, "run %s: %s", ctx->binary, strerror (r));
    }
  else if (r > 0)
    api_error_new (err, r, NULL, "posix_spawn: %s", strerror (r));
  posix_spawn_file_actions_destroy (&fa);
  posix_spawnattr_destroy (&attr);
  if (r != 0)
    return -1;

  /* Our child, not yet waited for: its pid cannot name another process
   * before it is waited for, so the pidfd is of this child. (A caller
   * that reaps every child, waitpid(-1) in a SIGCHLD handler, breaks
   * that, and the library's waits with it.) */
  int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    {
      int saved = errno;
      kill (pid, SIGKILL);
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
      return api_error_new (err, saved, NULL, "pidfd_open: %s", strerror (saved));
    }
  child->pid = pid;
  child->pidfd = pidfd;
  child->logfd = spc_steal_fd (&logfd);
  return 0;
}

int
api_child_wait (struct api_child *child, int options, siginfo_t *info)
{
  memset (info, 0, sizeof *info);
  int r;
  while ((r = waitid (P_PIDFD, (id_t) child->pidfd, info, options)) < 0 && errno == EINTR)
    ;
  return r;
}

static enum spacer_log_level
level_of (const char *name)
{
  if (strcmp (name, "error") == 0)
    return SPACER_LOG_ERROR;
  if (strcmp (name, "warning") == 0)
    return SPACER_LOG_WARNING;
  if (strcmp (name, "info") == 0)
    return SPACER_LOG_INFO;
  return SPACER_LOG_DEBUG;
}

/* The child's records from child->log_read on: each one to the callback
 * (error records only when errors is NULL), the last error into *errors. */
static void
read_records (const spacer_context *ctx, struct api_child *child, spacer_error **errors,
              bool *got_error)
{
  struct stat st;
  if (child->logfd < 0 || fstat (child->logfd, &st) < 0
      || (size_t) st.st_size <= child->log_read)
    return;
  size_t len = (size_t) st.st_size - child->log_read;
  _cleanup_free_ char *buf = malloc (len + 1);
  if (buf == NULL)
    return;
  ssize_t n = pread (child->logfd, buf, len, (off_t) child->log_read);
  if (n <= 0)
    return;
  /* Only whole lines: a record being written is read next time. */
  char *end = memrchr (buf, '\n', (size_t) n);
  if (end == NULL)
    return;
  child->log_read += (size_t) (end - buf) + 1;
  *end = '\0';
  for (char *line = buf, *next; line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      _cleanup_json_ spc_json *rec = NULL;
      spc_err_t ignored = NULL;
      if (*line == '\0' || spc_json_parse (line, strlen (line), &rec, &ignored) < 0
          || rec->type != SPC_JSON_OBJECT)
        {
          spc_error_free (&ignored);
          continue;
        }
      const spc_json *lv = spc_json_get (rec, "level"), *msg = spc_json_get (rec, "msg");
      if (lv == NULL || lv->type != SPC_JSON_STRING || msg == NULL || msg->type != SPC_JSON_STRING)
        continue;
      enum spacer_log_level level = level_of (lv->u.string.str);
      if (level == SPACER_LOG_ERROR && errors)
        {
          const spc_json *no = spc_json_get (rec, "errno"), *path = spc_json_get (rec, "path");
          int64_t code = 0;
          if (no == NULL || no->type != SPC_JSON_NUMBER || spc_json_to_int64 (no, &code) < 0
              || code < 0 || code > 4095)
            code = 0;
          spacer_error_free (*errors);
          *errors = NULL;
          api_error_new (errors, (int) code,
                         path && path->type == SPC_JSON_STRING ? path->u.string.str : NULL, "%s",
                         msg->u.string.str);
          *got_error = true;
          continue;
        }
      if (ctx->log && level <= ctx->log_level)
        ctx->log (ctx->log_data, level, msg->u.string.str);
    }
}

void
api_child_deliver_log (const spacer_context *ctx, struct api_child *child)
{
  read_records (ctx, child, NULL, NULL);
}

int
api_child_finish (const spacer_context *ctx, struct api_child *child, bool failed, int how,
                  int status, const char *cmd, spacer_error **err)
{
  spacer_error *e = NULL;
  bool got = false;
  read_records (ctx, child, failed ? &e : NULL, &got);
  if (!failed)
    return 0;
  if (got)
    {
      if (err)
        *err = e;
      else
        spacer_error_free (e);
      return -1;
    }
  if (how == CLD_EXITED)
    return api_error_new (err, EIO, NULL, "spacer %s failed with status %d and said nothing",
                          cmd, status);
  return api_error_new (err, EINTR, NULL, "spacer %s was killed by signal %d", cmd, status);
}

void
api_child_close (struct api_child *child)
{
  if (child->pidfd >= 0)
    close (spc_steal_fd (&child->pidfd));
  if (child->logfd >= 0)
    close (spc_steal_fd (&child->logfd));
}
