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

enum
{
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_PRESERVE_FDS,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
  OPT_CONFIG,
  OPT_PIDFD_SOCKET,
};

static int
set_flag (int c, struct spc_create_options *o, const char *cmd, spc_err_t *err)
{
  switch (c)
    {
    case 'b':
      o->bundle = optarg;
      break;
    case OPT_CONFIG:
      o->config_path = optarg;
      break;
    case OPT_PID_FILE:
      o->pid_file = optarg;
      break;
    case 'd':
      o->detach = true;
      break;
    case OPT_CONSOLE_SOCKET:
      o->console_socket = optarg;
      break;
    case OPT_PIDFD_SOCKET:
      o->pidfd_socket = optarg;
      break;
    case OPT_PRESERVE_FDS:
      if (parse_fd_count (optarg, &o->preserve_fds) < 0)
        return spc_error_make (err, 0, "%s: --preserve-fds: `%s` is not a count of fds", cmd,
                               optarg);
      break;
    case OPT_NO_PIVOT:
      o->no_pivot = true;
      break;
    case OPT_NO_NEW_KEYRING:
      o->no_new_keyring = true;
      break;
    case OPT_KEEP:
      o->keep = true;
      break;
    case OPT_NO_SUBREAPER:
      o->no_subreaper = true;
      break;
    default:
      return spc_cli_usage_error (err, cmd);
    }
  return 0;
}

/* Flags shared by create and run; run adds --detach, --keep and
 * --no-subreaper, as with runc. One table: create refuses those by name. */
int
spc_cli_parse_create_flags (int argc, char **argv, const char *cmd, struct spc_create_options *o,
                            bool is_run, spc_err_t *err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    { 0 },
  };
  int c;
  while ((c = spc_cli_getopt (argc, argv, "b:d", opts, cmd, err)) != -1)
    {
      if (!is_run && (c == 'd' || c == OPT_KEEP || c == OPT_NO_SUBREAPER))
        return spc_error_make (err, 0, "%s: option `%s` belongs to run only (see spacer help %s)",
                               cmd, argv[optind - 1], cmd);
      if (set_flag (c, o, cmd, err) < 0)
        return -1;
    }
  return 0;
}

int
spc_cmd_create (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  struct spc_create_options o = {
    .systemd_cgroup = g->systemd_cgroup,
    .rootless = g->rootless,
  };
  const char *id;
  if (spc_cli_parse_create_flags (argc, argv, "create", &o, false, err) < 0
      || spc_cli_take_id (argc, argv, "create", &id, err) < 0)
    return -1;
  if (spc_container_create (g->root, id, &o, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
