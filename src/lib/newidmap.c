#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/newidmap.h"
#include "spacer/utils.h"

extern char **environ;

/* What a refusing helper said goes into the error: shadow's helpers say
 * why in one short line. */
#define SAID_MAX 512

/* Longest decimal of a pid or a 32-bit id, with its NUL. */
#define ARG_MAX_LEN 12

char *
spc_newidmap_find (const char *tool)
{
  return spc_find_executable (tool, environ);
}

/* argv of TOOL PID (ID HOST SIZE)...: the strings live in *text. */
static char **
helper_argv (const char *tool, pid_t pid, const struct spc_id_mapping *m, size_t n, char **text)
{
  size_t n_args = 2 + 3 * n;
  char **argv = calloc (n_args + 1, sizeof *argv);
  char *p = *text = malloc ((n_args - 1) * ARG_MAX_LEN);
  if (argv == NULL || p == NULL)
    {
      free (argv);
      free (*text);
      *text = NULL;
      return NULL;
    }
  argv[0] = (char *) tool;
  argv[1] = p;
  p += snprintf (p, ARG_MAX_LEN, "%d", (int) pid) + 1;
  for (size_t i = 0; i < n; i++)
    {
      const uint32_t fields[] = { m[i].container_id, m[i].host_id, m[i].size };
      for (size_t f = 0; f < 3; f++)
        {
          argv[2 + 3 * i + f] = p;
          p += snprintf (p, ARG_MAX_LEN, "%u", fields[f]) + 1;
        }
    }
  return argv;
}

/* The command line as the error shows it. */
static char *
join_argv (char **argv)
{
  size_t len = 1;
  for (char **a = argv; *a; a++)
    len += strlen (*a) + 1;
  char *line = malloc (len);
  if (line == NULL)
    return NULL;
  char *p = line;
  for (char **a = argv; *a; a++)
    p += sprintf (p, "%s%s", a == argv ? "" : " ", *a);
  return line;
}

static void __attribute__ ((noreturn))
exec_helper (const char *path, char **argv, int output_fd)
{
  /* Above the standard descriptors, so that dup2 below always makes a
   * copy without FD_CLOEXEC. */
  int out = fcntl (output_fd, F_DUPFD, STDERR_FILENO + 1);
  int null = open ("/dev/null", O_RDONLY);
  if (out < 0 || null < 0 || dup2 (null, STDIN_FILENO) < 0 || dup2 (out, STDOUT_FILENO) < 0
      || dup2 (out, STDERR_FILENO) < 0)
    _exit (126);
  spc_reset_signals ();
  /* A setuid program gets no environment of ours, as with runc. */
  char *no_env[] = { NULL };
  execve (path, argv, no_env);
  dprintf (STDERR_FILENO, "exec `%s`: %s", path, strerror (errno));
  _exit (127);
}

/* Keep the first SAID_MAX bytes of what the helper writes, drop the rest,
 * up to its end. */
static void
read_said (int fd, char said[SAID_MAX + 1])
{
  size_t len = 0;
  char drop[256];
  for (;;)
    {
      char *buf = len < SAID_MAX ? said + len : drop;
      size_t room = len < SAID_MAX ? SAID_MAX - len : sizeof drop;
      ssize_t r = read (fd, buf, room);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      if (buf != drop)
        len += (size_t) r;
    }
  /* One line for the error: the last newline goes, any other becomes ';'. */
  while (len > 0 && (said[len - 1] == '\n' || said[len - 1] == ' '))
    len--;
  said[len] = '\0';
  for (char *nl; (nl = strchr (said, '\n'));)
    *nl = ';';
}

/* Run the helper; *status is its wait status. */
static int
run_helper (const char *path, char **argv, int *status, char said[SAID_MAX + 1], spc_err_t *err)
{
  int out[2];
  if (pipe2 (out, O_CLOEXEC) < 0)
    return spc_error_errno (err, "pipe");
  pid_t child = fork ();
  if (child == 0)
    exec_helper (path, argv, out[1]);
  int saved = errno;
  close (out[1]);
  if (child < 0)
    {
      close (out[0]);
      return spc_error_make (err, saved, "fork");
    }
  read_said (out[0], said);
  close (out[0]);
  while (waitpid (child, status, 0) < 0)
    if (errno != EINTR)
      return spc_error_errno (err, "wait for `%s`", path);
  return 0;
}

int
spc_newidmap_write (const char *tool, pid_t pid, const struct spc_id_mapping *m, size_t n,
                    spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  _cleanup_free_ char **argv = helper_argv (tool, pid, m, n, &text);
  _cleanup_free_ char *line = argv ? join_argv (argv) : NULL;
  if (line == NULL)
    return spc_error_errno (err, "%s", tool);
  _cleanup_free_ char *path = spc_newidmap_find (tool);
  if (path == NULL && errno != ENOENT)
    return spc_error_errno (err, "`%s`: find %s on PATH", line, tool);
  if (path == NULL)
    return spc_error_classed (err, ENOENT,
                              "`%s`: %s is not on PATH (Debian's package uidmap has it): a plain "
                              "user maps ids other than its own only through it",
                              line, tool);
  argv[0] = path;
  int status = 0;
  char said[SAID_MAX + 1] = "";
  if (run_helper (path, argv, &status, said, err) < 0)
    return spc_error_prefix (err, "`%s`", line);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  char how[64];
  if (WIFEXITED (status))
    snprintf (how, sizeof how, "exited with status %d", WEXITSTATUS (status));
  else
    snprintf (how, sizeof how, "killed by signal %d", WTERMSIG (status));
  /* The usual refusal: a range /etc/subuid or /etc/subgid does not grant
   * the user, which the helper's own words say. */
  return spc_error_classed (err, EPERM, "`%s` %s%s%s (the user's ranges are in /etc/%s)", line,
                            how, *said ? ": " : "", said,
                            strcmp (tool, "newgidmap") == 0 ? "subgid" : "subuid");
}
