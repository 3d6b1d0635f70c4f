#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/exec.h"
#include "spacer/log.h"

enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_PIDFD_SOCKET,
  OPT_PID_FILE,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_APPARMOR,
  OPT_PROCESS_LABEL,
  OPT_PRESERVE_FDS,
  OPT_IGNORE_PAUSED,
  OPT_CGROUP,
};

/* What the flags collected: the lists grow as flags repeat. */
struct exec_lists
{
  char **env, **caps, **cgroups;
  size_t n_env, n_caps, n_cgroups;
  gid_t *gids;
  size_t n_gids;
};

static void
exec_lists_clear (struct exec_lists *l)
{
  free (l->env);
  free (l->caps);
  free (l->cgroups);
  free (l->gids);
}

static int
push (char ***v, size_t *n, char *item, spc_err_t *err)
{
  char **grown = realloc (*v, (*n + 2) * sizeof *grown);
  if (grown == NULL)
    return spc_error_errno (err, "realloc");
  grown[(*n)++] = item;
  grown[*n] = NULL;
  *v = grown;
  return 0;
}

static int
parse_id (const char *text, uint32_t *out)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul (text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || v > UINT32_MAX - 1)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

/* -u UID[:GID], numbers as runc takes them. */
static int
parse_user (const char *text, struct spc_exec_options *o, spc_err_t *err)
{
  _cleanup_free_ char *copy = strdup (text);
  if (copy == NULL)
    return spc_error_errno (err, "strdup");
  char *colon = strchr (copy, ':');
  if (colon)
    *colon = '\0';
  if (parse_id (copy, &o->uid) < 0 || (colon && parse_id (colon + 1, &o->gid) < 0))
    return spc_error_make (err, 0, "exec: --user `%s`: not UID or UID:GID", text);
  o->has_uid = true;
  o->has_gid = colon != NULL;
  return 0;
}

/* -g GID[,GID...], repeatable. */
static int
parse_gids (const char *text, struct exec_lists *l, spc_err_t *err)
{
  _cleanup_free_ char *copy = strdup (text);
  if (copy == NULL)
    return spc_error_errno (err, "strdup");
  for (char *save = NULL, *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      uint32_t gid;
      if (parse_id (t, &gid) < 0)
        return spc_error_make (err, 0, "exec: --additional-gids `%s`: not a gid", t);
      gid_t *grown = realloc (l->gids, (l->n_gids + 1) * sizeof *grown);
      if (grown == NULL)
        return spc_error_errno (err, "realloc");
      l->gids = grown;
      l->gids[l->n_gids++] = gid;
    }
  return 0;
}

static int
parse_fd_count (const char *text, unsigned *out, spc_err_t *err)
{
  char *end;
  errno = 0;
  unsigned long n = strtoul (text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || n > 65536)
    return spc_error_make (err, 0, "exec: --preserve-fds: `%s` is not a count of fds", text);
  *out = (unsigned) n;
  return 0;
}

static int
set_flag (int c, struct spc_exec_options *o, struct exec_lists *l, spc_err_t *err)
{
  switch (c)
    {
    case 'p':
      o->process_file = optarg;
      return 0;
    case OPT_CONSOLE_SOCKET:
      o->console_socket = optarg;
      return 0;
    case OPT_PIDFD_SOCKET:
      o->pidfd_socket = optarg;
      return 0;
    case OPT_PID_FILE:
      o->pid_file = optarg;
      return 0;
    case 'd':
      o->detach = true;
      return 0;
    case 't':
      o->tty = true;
      return 0;
    case OPT_CWD:
      o->cwd = optarg;
      return 0;
    case 'e':
      if (strchr (optarg, '=') == NULL)
        return spc_error_make (err, 0, "exec: --env `%s`: not KEY=VALUE", optarg);
      return push (&l->env, &l->n_env, optarg, err);
    case 'u':
      return parse_user (optarg, o, err);
    case 'g':
      o->has_additional_gids = true;
      return parse_gids (optarg, l, err);
    case 'c':
      return push (&l->caps, &l->n_caps, optarg, err);
    case OPT_NO_NEW_PRIVS:
      o->no_new_privs = true;
      return 0;
    case OPT_APPARMOR:
      o->apparmor = optarg;
      return 0;
    case OPT_PROCESS_LABEL:
      o->process_label = optarg;
      return 0;
    case OPT_PRESERVE_FDS:
      return parse_fd_count (optarg, &o->preserve_fds, err);
    case OPT_IGNORE_PAUSED:
      o->ignore_paused = true;
      return 0;
    case OPT_CGROUP:
      return push (&l->cgroups, &l->n_cgroups, optarg, err);
    default:
      return spc_cli_usage_error (err, "exec");
    }
}

/* runc's `exec [flags] ID [COMMAND [ARG...]]`: flags end at the ID, so the
 * command's own flags are its own. */
static int
parse_exec (int argc, char **argv, struct spc_exec_options *o, struct exec_lists *l,
            const char **id, spc_err_t *err)
{
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "detach", no_argument, NULL, 'd' },
    { "tty", no_argument, NULL, 't' },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { 0 },
  };
  int c;
  while ((c = spc_cli_getopt (argc, argv, "+p:dte:u:g:c:", opts, "exec", err)) != -1)
    if (set_flag (c, o, l, err) < 0)
      return -1;
  if (optind >= argc)
    return spc_cli_usage_error (err, "exec");
  *id = argv[optind];
  o->args = argv + optind + 1;
  o->n_args = (size_t) (argc - optind - 1);
  if (o->process_file && o->n_args)
    return spc_error_make (err, 0, "exec: --process FILE and a command are exclusive (see "
                                   "spacer help exec)");
  if (!o->process_file && o->n_args == 0)
    return spc_error_make (err, 0, "exec: no command: give one after the ID, or --process "
                                   "FILE (see spacer help exec)");
  o->env = l->env;
  o->n_env = l->n_env;
  o->caps = l->caps;
  o->n_caps = l->n_caps;
  o->cgroups = l->cgroups;
  o->n_cgroups = l->n_cgroups;
  o->additional_gids = l->gids;
  o->n_additional_gids = l->n_gids;
  return 0;
}

/* As runc's exec: its own failures exit 255, apart from any status the
 * program could have. */
#define EXEC_FAILED 255

int
spc_cmd_exec (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  struct spc_exec_options o = { 0 };
  __attribute__ ((cleanup (exec_lists_clear))) struct exec_lists l = { 0 };
  const char *id = NULL;
  if (parse_exec (argc, argv, &o, &l, &id, err) < 0)
    return -1;
  int status = 0;
  if (spc_container_exec (g->root, id, &o, &status, err) < 0)
    {
      spc_log_fatal_error (*err);
      spc_error_free (err);
      return EXEC_FAILED;
    }
  return status;
}
