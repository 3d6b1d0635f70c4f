#include "config.h"

#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"

int
spc_cmd_run (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  struct spc_create_options o = {
    .systemd_cgroup = g->systemd_cgroup,
    .rootless = g->rootless,
  };
  const char *id;
  if (spc_cli_parse_create_flags (argc, argv, "run", &o, true, err) < 0
      || spc_cli_take_id (argc, argv, "run", &id, err) < 0)
    return -1;
  int status = 0;
  if (spc_container_run (g->root, id, &o, &status, err) < 0)
    return -1;
  return status;
}
