#include "config.h"

#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"

/* pause and resume: the same shape, opposite directions. */
static int
freeze_command (struct spc_global *g, int argc, char **argv, const char *cmd,
                int (*op) (const char *, const char *, spc_err_t *), spc_err_t *err)
{
  const char *id;
  if (spc_cli_parse_id_only (argc, argv, cmd, &id, err) < 0)
    return -1;
  if (op (g->root, id, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}

int
spc_cmd_pause (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  return freeze_command (g, argc, argv, "pause", spc_container_pause, err);
}

int
spc_cmd_resume (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  return freeze_command (g, argc, argv, "resume", spc_container_resume, err);
}
