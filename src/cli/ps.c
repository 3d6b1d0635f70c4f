#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/container.h"
#include "spacer/json.h"

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* The column of `field` in ps's header line, or -1. */
static int
column_of (const char *header, const char *field)
{
  _cleanup_free_ char *copy = strdup (header);
  int col = 0;
  for (char *save = NULL, *w = copy ? strtok_r (copy, " \t\n", &save) : NULL; w;
       w = strtok_r (NULL, " \t\n", &save), col++)
    if (strcmp (w, field) == 0)
      return col;
  return -1;
}

static long
field_at (const char *line, int col)
{
  _cleanup_free_ char *copy = strdup (line);
  char *save = NULL, *w = copy ? strtok_r (copy, " \t\n", &save) : NULL;
  for (int i = 0; w && i < col; i++)
    w = strtok_r (NULL, " \t\n", &save);
  return w ? strtol (w, NULL, 10) : -1;
}

/* Like runc: run ps(1) with the given options (default -ef) and keep the
 * header and the lines of the container's processes. */
static int
print_table (const pid_t *pids, size_t n, char **ps_args, int n_args, spc_err_t *err)
{
  _cleanup_free_ char **argv = calloc ((size_t) n_args + 3, sizeof *argv);
  if (argv == NULL)
    return spc_error_errno (err, "calloc");
  argv[0] = (char *) "ps";
  if (n_args == 0)
    argv[1] = (char *) "-ef";
  for (int i = 0; i < n_args; i++)
    argv[i + 1] = ps_args[i];
  int pipefd[2];
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return spc_error_errno (err, "pipe");
  pid_t child = fork ();
  if (child == 0)
    {
      dup2 (pipefd[1], STDOUT_FILENO);
      execvp ("ps", argv);
      dprintf (STDERR_FILENO, "spacer: ps: exec ps: %s\n", strerror (errno));
      _exit (127);
    }
  close (pipefd[1]);
  _cleanup_fclose_ FILE *in = fdopen (pipefd[0], "r");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  int pid_col = -1;
  while (in && getline (&line, &cap, in) > 0)
    {
      if (pid_col < 0)
        {
          pid_col = column_of (line, "PID");
          fputs (line, stdout);
        }
      else if (has_pid (pids, n, field_at (line, pid_col)))
        fputs (line, stdout);
    }
  int status = 0;
  waitpid (child, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return spc_error_make (err, 0, "ps: ps(1) failed (is procps installed?)");
  if (pid_col < 0)
    return spc_error_make (err, 0, "ps: no PID column in ps(1)'s output");
  return 0;
}

static void
print_json (const pid_t *pids, size_t n)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_array (w);
  for (size_t i = 0; i < n; i++)
    spc_jw_int (w, pids[i]);
  spc_jw_end_array (w);
  printf ("%s\n", spc_jw_buffer (w, NULL));
}

int
spc_cmd_ps (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { 0 },
  };
  const char *format = "table";
  int c;
  while ((c = spc_cli_getopt (argc, argv, "+f:", opts, "ps", err)) != -1)
    {
      if (c != 'f')
        return spc_cli_usage_error (err, "ps");
      format = optarg;
    }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return spc_error_make (err, 0, "ps: --format: unknown format `%s` (table or json)", format);
  if (optind >= argc)
    return spc_cli_usage_error (err, "ps");
  const char *id = argv[optind++];
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  if (spc_container_pids (g->root, id, &pids, &n, err) < 0)
    return -1;
  if (strcmp (format, "json") == 0)
    {
      print_json (pids, n);
      return EXIT_SUCCESS;
    }
  if (print_table (pids, n, argv + optind, argc - optind, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
