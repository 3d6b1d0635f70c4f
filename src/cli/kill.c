#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"
#include "spacer/utils.h"

int
spc_cmd_kill (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  static const struct option opts[] = {
    { "all", no_argument, NULL, 'a' },
    { 0 },
  };
  int c;
  bool all = false;
  while ((c = spc_cli_getopt (argc, argv, "a", opts, "kill", err)) != -1)
    {
      if (c != 'a')
        return spc_cli_usage_error (err, "kill");
      all = true;
    }
  int left = argc - optind;
  if (left < 1 || left > 2)
    return spc_cli_usage_error (err, "kill");
  const char *id = argv[optind];
  /* runc's default is SIGTERM; the image's stop signal comes first. */
  int signo = SPC_STOP_SIGNAL;
  if (left == 2 && (signo = spc_parse_signal (argv[optind + 1], err)) < 0)
    return spc_error_prefix (err, "kill");
  if (spc_container_kill (g->root, id, signo, all, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
