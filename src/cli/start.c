#include "config.h"

#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"

int
spc_cmd_start (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  const char *id;
  if (spc_cli_parse_id_only (argc, argv, "start", &id, err) < 0)
    return -1;
  if (spc_container_start (g->root, id, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
