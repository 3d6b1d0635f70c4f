#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/log.h"
#include "spacer/seccomp.h"

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_ROOTLESS,
  OPT_CRIU,
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

/* runc's lines, those that are true of spacer: no commit (a build does not
 * know it for sure), no go; libseccomp's as it runs. */
static void
print_version (void)
{
  char seccomp[32];
  spc_seccomp_library_version (seccomp, sizeof seccomp);
  printf ("spacer version %s\nspec: %s\nlibseccomp: %s\n", PACKAGE_VERSION,
          SPC_RUNTIME_SPEC_VERSION, seccomp);
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
    /* runc's path to criu: taken to refuse it with a reason, not as an
     * unknown option. */
    { "criu", required_argument, NULL, OPT_CRIU },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { 0 },
  };
  int c;
  /* '+': stop at the command name; its flags belong to it. */
  while ((c = spc_cli_getopt (argc, argv, "+vh", opts, NULL, err)) != -1)
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
      case OPT_CRIU:
        g->criu = optarg;
        break;
      case 'v':
        print_version ();
        exit (EXIT_SUCCESS);
      case 'h':
        spc_cli_print_usage (stdout);
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

/* -h, --help or -help among a command's arguments (before any "--"): as
 * spc_cli_getopt would see them, for when the command cannot even start. */
static bool
asks_for_help (int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0
        || strcmp (argv[i], "-help") == 0)
      return true;
  return false;
}

static int
fail (spc_err_t *err)
{
  spc_log_fatal_error (*err);
  spc_error_free (err);
  return EXIT_FAILURE;
}

int
main (int argc, char **argv)
{
  struct spc_global g = { 0 };
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
      spc_cli_print_usage (stderr);
      return EXIT_FAILURE;
    }
  const struct spc_cli_command *c = spc_cli_find_command (argv[first]);
  if (c == NULL)
    {
      spc_error_make (&err, 0, "unknown command `%s` (see spacer help)", argv[first]);
      return fail (&err);
    }
  /* Only checkpoint and restore use it, to say why they refuse; another
   * command taking it would let a caller believe checkpoints work. */
  if (g.criu && c->fn != spc_cmd_checkpoint && c->fn != spc_cmd_restore)
    {
      spc_error_make (&err, 0, "--criu: spacer has no checkpoint/restore, so %s takes no criu "
                               "binary (checkpoint and restore refuse, saying why)",
                      c->name);
      return fail (&err);
    }
  if (c->stateful && choose_root (&g, &root, &err) < 0)
    {
      /* Help needs no state directory: a plain user without
       * XDG_RUNTIME_DIR still gets it. */
      if (!asks_for_help (argc - first, argv + first))
        return fail (&err);
      spc_error_free (&err);
      spc_cli_print_help (stdout, c);
      return EXIT_SUCCESS;
    }
  /* Commands see argv[0] == their name, like a program of their own. */
  optind = 0;
  int r = c->fn (&g, argc - first, argv + first, &err);
  if (r < 0)
    return fail (&err);
  return r;
}
