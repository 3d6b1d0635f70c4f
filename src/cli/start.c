#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"

int
spc_cmd_start (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  const char *id;
  if (spc_cli_getopt (argc, argv, "", (struct option[]){ { 0 } }, "start", "ID", err) != -1
      || spc_cli_take_id (argc, argv, "start", "ID", &id, err) < 0)
    return spc_cli_usage_error (err, "start", "ID");
  if (spc_container_start (g->root, id, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
