#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/container.h"

int
spc_cmd_state (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  const char *id;
  if (spc_cli_parse_id_only (argc, argv, "state", &id, err) < 0)
    return -1;
  _cleanup_free_ char *json = NULL;
  if (spc_container_state (g->root, id, &json, err) < 0)
    return -1;
  printf ("%s\n", json);
  return EXIT_SUCCESS;
}
