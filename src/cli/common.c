#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* A command's usage, for its errors. */
static const char *
usage_of (const char *cmd, char *buf, size_t size)
{
  const struct spc_cli_command *c = spc_cli_find_command (cmd);
  if (c == NULL)
    return "";
  spc_cli_synopsis (c, buf, size);
  return buf;
}

int
spc_cli_usage_error (spc_err_t *err, const char *cmd)
{
  char usage[256];
  return spc_error_make (err, 0, "%s: usage: %s (see spacer help %s)", cmd,
                         usage_of (cmd, usage, sizeof usage), cmd);
}

/* What getopt returns for --help and -help: a value no command's own
 * options use. */
#define OPT_HELP 0x10000

/* The command's options and --help after them. The copy is what getopt
 * reads, so it lives in the caller's frame. */
static int
with_help (const struct option *opts, struct option *all, size_t max)
{
  size_t n = 0;
  while (opts[n].name && n < max - 2)
    n++;
  memcpy (all, opts, n * sizeof *opts);
  all[n] = (struct option){ "help", no_argument, NULL, OPT_HELP };
  all[n + 1] = (struct option){ 0 };
  return opts[n].name ? -1 : 0;
}

/* For the test that every flag has help (cli.bats): with
 * SPACER_LIST_OPTIONS=CMD ("global" for spacer's own), CMD prints the long
 * options of its getopt table, "--NAME" or "--NAME VALUE", and exits.
 * The table is what the command really parses; nothing else lists it. */
static void
list_options_if_asked (const struct option *opts, const char *cmd)
{
  const char *want = getenv ("SPACER_LIST_OPTIONS");
  if (want == NULL || strcmp (want, cmd ? cmd : "global") != 0)
    return;
  for (; opts->name; opts++)
    printf ("--%s%s\n", opts->name, opts->has_arg == required_argument ? " VALUE" : "");
  exit (EXIT_SUCCESS);
}

static int
getopt_error (int c, char **argv, const char *cmd, spc_err_t *err)
{
  char shortopt[3] = { '-', (char) optopt, '\0' };
  const char *bad = optopt && !(optind > 0 && strncmp (argv[optind - 1], "--", 2) == 0)
                        ? shortopt
                        : argv[optind - 1];
  const char *what = c == ':' ? "needs a value" : "is unknown";
  if (cmd == NULL)
    return spc_error_make (err, 0, "option `%s` %s (see spacer --help)", bad, what);
  return spc_error_make (err, 0, "%s: option `%s` %s (see spacer help %s)", cmd, bad, what, cmd);
}

int
spc_cli_getopt (int argc, char **argv, const char *optstring, const struct option *opts,
                const char *cmd, spc_err_t *err)
{
  list_options_if_asked (opts, cmd);
  /* A leading ':' (after any '+') makes getopt report a missing value
   * apart from an unknown option, and opterr = 0 keeps getopt's own
   * two-line complaint off stderr: the error is ours, on one line.
   * Commands also take -h (spacer's own -h is in its table). */
  char colon_first[40];
  bool plus = optstring[0] == '+';
  snprintf (colon_first, sizeof colon_first, "%s:%s%s", plus ? "+" : "", optstring + plus,
            cmd ? "h" : "");
  struct option all[64];
  if (cmd && with_help (opts, all, sizeof all / sizeof *all) < 0)
    {
      spc_error_make (err, 0, "%s: too many options", cmd);
      return '?';
    }
  opterr = 0;
  int c = getopt_long_only (argc, argv, colon_first, cmd ? all : opts, NULL);
  if (cmd && (c == OPT_HELP || c == 'h'))
    {
      spc_cli_print_help (stdout, spc_cli_find_command (cmd));
      exit (EXIT_SUCCESS);
    }
  if (c != '?' && c != ':')
    return c;
  getopt_error (c, argv, cmd, err);
  return '?';
}

int
spc_cli_take_id (int argc, char **argv, const char *cmd, const char **id, spc_err_t *err)
{
  if (optind != argc - 1)
    return spc_cli_usage_error (err, cmd);
  *id = argv[optind];
  return 0;
}

int
spc_cli_parse_id_only (int argc, char **argv, const char *cmd, const char **id,
                       spc_err_t *err)
{
  if (spc_cli_getopt (argc, argv, "", (struct option[]){ { 0 } }, cmd, err) != -1)
    return spc_cli_usage_error (err, cmd);
  return spc_cli_take_id (argc, argv, cmd, id, err);
}

