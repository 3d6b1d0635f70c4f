#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/features.h"

int
spc_cmd_features (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  if (spc_cli_getopt (argc, argv, "", (struct option[]){ { 0 } }, "features", err) != -1
      || optind != argc)
    return spc_cli_usage_error (err, "features");
  _cleanup_free_ char *json = NULL;
  if (spc_features_json (&json, err) < 0)
    return -1;
  printf ("%s\n", json);
  (void) g;
  return EXIT_SUCCESS;
}
