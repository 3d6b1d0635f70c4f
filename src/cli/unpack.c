#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "spacer/archive.h"
#include "spacer/utils.h"

int
spc_cmd_unpack (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  if (spc_cli_getopt (argc, argv, "", (struct option[]){ { 0 } }, "unpack", err) != -1
      || argc - optind != 2)
    return spc_cli_usage_error (err, "unpack");
  const char *archive = argv[optind], *dest = argv[optind + 1];
  if (spc_mkdir_p (dest, 0755, err) < 0 || spc_archive_extract (archive, dest, err) < 0)
    return spc_error_prefix (err, "unpack");
  (void) g;
  return EXIT_SUCCESS;
}
