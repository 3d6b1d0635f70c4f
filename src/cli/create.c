#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "spacer/container.h"

static int
parse_fd_count (const char *text, unsigned *out)
{
  char *end;
  errno = 0;
  unsigned long n = strtoul (text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || n > 65536)
    return -1;
  *out = (unsigned) n;
  return 0;
}

/* Flags shared by create and run; run adds --detach. */
int
spc_cli_parse_create_flags (int argc, char **argv, const char *cmd, struct spc_create_options *o,
                            bool allow_detach, spc_err_t *err)
{
  enum
  {
    OPT_PID_FILE = 256,
    OPT_CONSOLE_SOCKET,
    OPT_PRESERVE_FDS,
    OPT_IGNORED,
    OPT_IGNORED_VALUE,
  };
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "detach", no_argument, NULL, 'd' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    /* runc flags with no meaning for spacer: pivot_root is always used and
     * no session keyring is created. */
    { "no-pivot", no_argument, NULL, OPT_IGNORED },
    { "no-new-keyring", no_argument, NULL, OPT_IGNORED },
    { "no-subreaper", no_argument, NULL, OPT_IGNORED },
    { "keep", no_argument, NULL, OPT_IGNORED },
    { 0 },
  };
  int c;
  while ((c = spc_cli_getopt (argc, argv, allow_detach ? "b:d" : "b:", opts, cmd, err)) != -1)
    switch (c)
      {
      case 'b':
        o->bundle = optarg;
        break;
      case OPT_PID_FILE:
        o->pid_file = optarg;
        break;
      case 'd':
        if (!allow_detach)
          return spc_cli_usage_error (err, cmd);
        o->detach = true;
        break;
      case OPT_CONSOLE_SOCKET:
        o->console_socket = optarg;
        break;
      case OPT_PRESERVE_FDS:
        if (parse_fd_count (optarg, &o->preserve_fds) < 0)
          return spc_error_make (err, 0, "%s: --preserve-fds: `%s` is not a count of fds", cmd,
                                 optarg);
        break;
      case OPT_IGNORED:
        break;
      default:
        return spc_cli_usage_error (err, cmd);
      }
  return 0;
}

int
spc_cmd_create (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  struct spc_create_options o = { .systemd_cgroup = g->systemd_cgroup, .argv = g->argv };
  const char *id;
  if (spc_cli_parse_create_flags (argc, argv, "create", &o, false, err) < 0
      || spc_cli_take_id (argc, argv, "create", &id, err) < 0)
    return -1;
  if (spc_container_create (g->root, id, &o, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
