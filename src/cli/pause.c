#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"

/* pause and resume: the same shape, opposite directions. */
static int
freeze_command (struct spc_global *g, int argc, char **argv, const char *cmd,
                int (*op) (const char *, const char *, spc_err_t *), spc_err_t *err)
{
  const char *id;
  if (spc_cli_getopt (argc, argv, "", (struct option[]){ { 0 } }, cmd, "ID", err) != -1
      || spc_cli_take_id (argc, argv, cmd, "ID", &id, err) < 0)
    return spc_cli_usage_error (err, cmd, "ID");
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
