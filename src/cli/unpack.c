#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spacer/archive.h"

int
spc_cmd_unpack (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  enum
  {
    OPT_MAX_SIZE = 256
  };
  static const struct option opts[] = {
    { "max-size", required_argument, NULL, OPT_MAX_SIZE },
    { 0 },
  };
  struct spc_archive_opts o = { 0 };
  int c;
  while ((c = spc_cli_getopt (argc, argv, "", opts, "unpack", err)) != -1)
    switch (c)
      {
      case OPT_MAX_SIZE:
        if (spc_cli_parse_max_size (optarg, &o.max_size, err) < 0)
          return spc_error_prefix (err, "unpack");
        break;
      default:
        return spc_cli_usage_error (err, "unpack");
      }
  if (argc - optind != 2)
    return spc_cli_usage_error (err, "unpack");
  const char *archive = argv[optind], *dest = argv[optind + 1];
  struct spc_archive_stats st = { 0 };
  spc_cli_cancel_on_signals ();
  if (spc_archive_extract (archive, dest, &o, &st, err) < 0)
    {
      spc_cli_reraise_cancel ();
      return spc_error_prefix (err, "unpack");
    }
  if (st.devices_skipped)
    fprintf (stderr, "unpack: %llu device nodes left out: only root makes them\n",
             (unsigned long long) st.devices_skipped);
  (void) g;
  return EXIT_SUCCESS;
}
