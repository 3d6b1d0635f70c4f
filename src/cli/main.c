#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/log.h"

static const struct
{
  const char *name;
  spc_command_fn fn;
  bool stateful; /* works on containers in the state directory */
  const char *summary;
} commands[] = {
  { "create", spc_cmd_create, true, "create a container" },
  { "start", spc_cmd_start, true, "start the user program of a created container" },
  { "run", spc_cmd_run, true, "create and start a container" },
  { "state", spc_cmd_state, true, "print the state of a container" },
  { "kill", spc_cmd_kill, true, "send a signal to the container's init" },
  { "delete", spc_cmd_delete, true, "delete a container and everything it holds" },
  { "list", spc_cmd_list, true, "list containers" },
  { "ps", spc_cmd_ps, true, "list the processes in a container" },
  { "pause", spc_cmd_pause, true, "freeze every process in a container" },
  { "resume", spc_cmd_resume, true, "thaw a paused container" },
  { "update", spc_cmd_update, true, "change a running container's resource limits" },
  { "events", spc_cmd_events, true, "resource statistics and OOM events of a container" },
  { "spec", spc_cmd_spec, false, "write a default config.json" },
  { "unpack", spc_cmd_unpack, false, "extract a rootfs tarball into a directory" },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: spacer [global options] COMMAND [options] [arguments]\n\n"
                "An OCI container runtime with runc's command line.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nGlobal options:\n"
                "  --root DIR           state directory (default " SPACER_DEFAULT_ROOT
                ", or $XDG_RUNTIME_DIR/spacer when not root)\n"
                "  --log FILE           write diagnostics to FILE\n"
                "  --log-format FORMAT  text or json\n"
                "  --debug              verbose diagnostics\n"
                "  --systemd-cgroup     cgroupsPath is slice:prefix:name (made through cgroupfs)\n"
                "  -v, --version        print the version\n"
                "  -h, --help           this help\n");
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_ROOTLESS,
  OPT_IGNORED_VALUE,
};

/* runc's --rootless true|false|auto. */
static int
parse_rootless (const char *text, enum spc_rootless *out, spc_err_t *err)
{
  if (strcmp (text, "auto") == 0)
    *out = SPC_ROOTLESS_AUTO;
  else if (strcmp (text, "true") == 0)
    *out = SPC_ROOTLESS_TRUE;
  else if (strcmp (text, "false") == 0)
    *out = SPC_ROOTLESS_FALSE;
  else
    return spc_error_make (err, 0, "--rootless: `%s` is not true, false or auto", text);
  return 0;
}

static int
parse_global (int argc, char **argv, struct spc_global *g, spc_err_t *err)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
    /* runc flags engines may pass that change nothing for us */
    { "criu", required_argument, NULL, OPT_IGNORED_VALUE },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { 0 },
  };
  int c;
  /* '+': stop at the command name; its flags belong to it. */
  while ((c = spc_cli_getopt (argc, argv, "+vh", opts, NULL, NULL, err)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        g->root = optarg;
        break;
      case OPT_LOG:
        g->log = optarg;
        break;
      case OPT_LOG_FORMAT:
        g->log_format = optarg;
        break;
      case OPT_DEBUG:
        g->debug = true;
        break;
      case OPT_SYSTEMD_CGROUP:
        g->systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
        if (parse_rootless (optarg, &g->rootless, err) < 0)
          return -1;
        break;
      case OPT_IGNORED_VALUE:
        break;
      case 'v':
        printf ("spacer version %s\nspec: 1.2.0\n", PACKAGE_VERSION);
        exit (EXIT_SUCCESS);
      case 'h':
        print_usage (stdout);
        exit (EXIT_SUCCESS);
      default:
        return -1;
      }
  return optind;
}

/* The state directory: --root, else /run/spacer for root and, as runc
 * does for rootless use, $XDG_RUNTIME_DIR/spacer for everyone else. It is
 * made absolute: create changes into the bundle directory, and later steps
 * of the same command (run's clean-up) must still find it. */
static int
choose_root (struct spc_global *g, char **owned, spc_err_t *err)
{
  if (g->root == NULL && geteuid () == 0)
    g->root = SPACER_DEFAULT_ROOT;
  if (g->root == NULL)
    {
      const char *runtime_dir = getenv ("XDG_RUNTIME_DIR");
      if (runtime_dir == NULL || runtime_dir[0] != '/')
        return spc_error_make (err, 0, "no state directory: pass --root DIR or set "
                                       "XDG_RUNTIME_DIR");
      if (asprintf (owned, "%s/spacer", runtime_dir) < 0)
        return spc_error_errno (err, "asprintf");
      g->root = *owned;
      return 0;
    }
  if (g->root[0] == '/')
    return 0;
  _cleanup_free_ char *cwd = getcwd (NULL, 0);
  if (cwd == NULL || asprintf (owned, "%s/%s", cwd, g->root) < 0)
    return spc_error_errno (err, "--root `%s`", g->root);
  g->root = *owned;
  return 0;
}

static int
fail (spc_err_t *err)
{
  spc_log_fatal ((*err)->msg);
  spc_error_free (err);
  return EXIT_FAILURE;
}

int
main (int argc, char **argv)
{
  struct spc_global g = { .argv = argv };
  _cleanup_free_ char *root = NULL;
  spc_err_t err = NULL;
  int first = parse_global (argc, argv, &g, &err);
  if (first < 0)
    return fail (&err);

  enum spc_log_format format = SPC_LOG_FORMAT_TEXT;
  if (g.log_format && strcmp (g.log_format, "json") == 0)
    format = SPC_LOG_FORMAT_JSON;
  else if (g.log_format && strcmp (g.log_format, "text") != 0)
    {
      spc_error_make (&err, 0, "--log-format: unknown format `%s` (text or json)", g.log_format);
      return fail (&err);
    }
  if (spc_log_init (g.log, format, g.debug) < 0)
    {
      spc_error_errno (&err, "--log: open `%s`", g.log);
      return fail (&err);
    }

  if (first >= argc)
    {
      print_usage (stderr);
      return EXIT_FAILURE;
    }
  const char *name = argv[first];
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    {
      if (strcmp (commands[i].name, name) != 0)
        continue;
      if (commands[i].stateful && choose_root (&g, &root, &err) < 0)
        return fail (&err);
      /* Commands see argv[0] == their name, like a program of their own. */
      optind = 0;
      int r = commands[i].fn (&g, argc - first, argv + first, &err);
      if (r < 0)
        return fail (&err);
      return r;
    }
  spc_error_make (&err, 0, "unknown command `%s` (see spacer --help)", name);
  return fail (&err);
}
