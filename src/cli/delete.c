#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"

int
spc_cmd_delete (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  static const struct option opts[] = {
    { "force", no_argument, NULL, 'f' },
    { 0 },
  };
  int c;
  bool force = false;
  while ((c = spc_cli_getopt (argc, argv, "f", opts, "delete", err)) != -1)
    {
      if (c != 'f')
        return spc_cli_usage_error (err, "delete");
      force = true;
    }
  const char *id;
  if (spc_cli_take_id (argc, argv, "delete", &id, err) < 0)
    return -1;
  if (spc_container_delete (g->root, id, force, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
