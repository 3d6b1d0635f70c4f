#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/container.h"

int
spc_cmd_state (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  const char *id;
  if (spc_cli_getopt (argc, argv, "", (struct option[]){ { 0 } }, "state", "ID", err) != -1
      || spc_cli_take_id (argc, argv, "state", "ID", &id, err) < 0)
    return spc_cli_usage_error (err, "state", "ID");
  _cleanup_free_ char *json = NULL;
  if (spc_container_state (g->root, id, &json, err) < 0)
    return -1;
  printf ("%s\n", json);
  return EXIT_SUCCESS;
}
