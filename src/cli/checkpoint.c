/* checkpoint and restore, with runc's flags: parsed (so that a caller's
 * mistake is told apart from the refusal) and refused with the reason
 * this host gives (criu.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spacer/container.h"
#include "spacer/criu.h"

enum
{
  OPT_IMAGE_PATH = 256,
  OPT_WORK_PATH,
  OPT_PARENT_PATH,
  OPT_LEAVE_RUNNING,
  OPT_TCP_ESTABLISHED,
  OPT_TCP_SKIP_IN_FLIGHT,
  OPT_LINK_REMAP,
  OPT_EXT_UNIX_SK,
  OPT_SHELL_JOB,
  OPT_LAZY_PAGES,
  OPT_STATUS_FD,
  OPT_PAGE_SERVER,
  OPT_FILE_LOCKS,
  OPT_PRE_DUMP,
  OPT_MANAGE_CGROUPS_MODE,
  OPT_EMPTY_NS,
  OPT_AUTO_DEDUP,
  OPT_CONSOLE_SOCKET,
  OPT_PID_FILE,
  OPT_NO_SUBREAPER,
  OPT_NO_PIVOT,
  OPT_LSM_PROFILE,
  OPT_LSM_MOUNT_CONTEXT,
};

/* The values runc checks itself, before it asks CRIU anything. */
static int
check_value (const char *cmd, int opt, const char *arg, spc_err_t *err)
{
  static const char *const modes[] = { "soft", "full", "strict", "ignore" };
  if (opt == OPT_MANAGE_CGROUPS_MODE)
    {
      for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        if (strcmp (arg, modes[i]) == 0)
          return 0;
      return spc_error_make (err, 0, "%s: --manage-cgroups-mode: `%s` is not soft, full, strict "
                                     "or ignore",
                             cmd, arg);
    }
  if (opt == OPT_STATUS_FD)
    {
      char *end;
      errno = 0;
      long fd = strtol (arg, &end, 10);
      if (errno || end == arg || *end || fd < -1 || fd > 65535)
        return spc_error_make (err, 0, "%s: --status-fd: `%s` is not an fd", cmd, arg);
    }
  return 0;
}

/* Parse the flags of opts, then the ID; the values go nowhere. */
static int
parse (int argc, char **argv, const char *cmd, const char *optstring, const struct option *opts,
       const char **id, spc_err_t *err)
{
  int c;
  while ((c = spc_cli_getopt (argc, argv, optstring, opts, cmd, err)) != -1)
    {
      if (c == '?')
        return -1;
      if (check_value (cmd, c, optarg, err) < 0)
        return -1;
    }
  return spc_cli_take_id (argc, argv, cmd, id, err);
}

int
spc_cmd_checkpoint (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  static const struct option opts[] = {
    { "image-path", required_argument, NULL, OPT_IMAGE_PATH },
    { "work-path", required_argument, NULL, OPT_WORK_PATH },
    { "parent-path", required_argument, NULL, OPT_PARENT_PATH },
    { "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
    { "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
    { "tcp-skip-in-flight", no_argument, NULL, OPT_TCP_SKIP_IN_FLIGHT },
    { "link-remap", no_argument, NULL, OPT_LINK_REMAP },
    { "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
    { "shell-job", no_argument, NULL, OPT_SHELL_JOB },
    { "lazy-pages", no_argument, NULL, OPT_LAZY_PAGES },
    { "status-fd", required_argument, NULL, OPT_STATUS_FD },
    { "page-server", required_argument, NULL, OPT_PAGE_SERVER },
    { "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
    { "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
    { "manage-cgroups-mode", required_argument, NULL, OPT_MANAGE_CGROUPS_MODE },
    { "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
    { "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
    { 0 },
  };
  const char *id;
  if (parse (argc, argv, "checkpoint", "", opts, &id, err) < 0)
    return -1;
  /* As runc: the container is looked at first, and only a running one
   * could be checkpointed. */
  enum spc_status status;
  pid_t pid;
  if (spc_container_status (g->root, id, &status, &pid, err) < 0)
    return -1;
  if (status != SPC_STATUS_RUNNING && status != SPC_STATUS_PAUSED)
    return spc_error_make (err, 0, "checkpoint: container `%s` is %s, not running", id,
                           spc_status_name (status));
  return spc_criu_refuse ("checkpoint", g->criu, err);
}

int
spc_cmd_restore (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  static const struct option opts[] = {
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "image-path", required_argument, NULL, OPT_IMAGE_PATH },
    { "work-path", required_argument, NULL, OPT_WORK_PATH },
    { "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
    { "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
    { "shell-job", no_argument, NULL, OPT_SHELL_JOB },
    { "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
    { "manage-cgroups-mode", required_argument, NULL, OPT_MANAGE_CGROUPS_MODE },
    { "bundle", required_argument, NULL, 'b' },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
    { "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
    { "lazy-pages", no_argument, NULL, OPT_LAZY_PAGES },
    { "lsm-profile", required_argument, NULL, OPT_LSM_PROFILE },
    { "lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT_CONTEXT },
    { 0 },
  };
  const char *id;
  if (parse (argc, argv, "restore", "b:d", opts, &id, err) < 0)
    return -1;
  /* A restore makes the container: its ID must be free, as for create. */
  enum spc_status status;
  pid_t pid;
  if (spc_container_status (g->root, id, &status, &pid, err) == 0)
    return spc_error_classed (err, EEXIST, "restore: container `%s` exists already", id);
  if (!spc_error_is (err, ENOENT))
    return -1;
  spc_error_free (err);
  return spc_criu_refuse ("restore", g->criu, err);
}
