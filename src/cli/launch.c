/* spacer launch: run a rootfs (or an image) at once, from flags, as
 * bubblewrap does: no bundle to make, no config.json to write, nothing
 * left afterwards. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spacer/archive.h"
#include "spacer/cleanup.h"
#include "spacer/container.h"
#include "spacer/launch.h"
#include "spacer/log.h"
#include "spacer/sealed.h"
#include "spacer/status.h"
#include "spacer/utils.h"

/* As docker run: launch's own failures exit 125, apart from the
 * statuses of the program (126 and 127 included, the shell's). */
#define LAUNCH_FAILED 125

enum
{
  OPT_ROOTFS = 256,
  OPT_IMAGE,
  OPT_TAG,
  OPT_HOSTNAME,
  OPT_MEMORY,
  OPT_CPUS,
  OPT_PIDS_LIMIT,
  OPT_NETWORK,
  OPT_READ_ONLY,
  OPT_RM,
  OPT_NAME,
  OPT_PRINT_CONFIG,
};

/* What the flags collect; freed at the end. */
struct launch_flags
{
  char **env;
  size_t n_env;
  struct spc_spec_bind *binds;
  size_t n_binds;
  bool print_config;
  const char *name;
};

static void
launch_flags_clear (struct launch_flags *f)
{
  for (size_t i = 0; i < f->n_env; i++)
    free (f->env[i]);
  free (f->env);
  for (size_t i = 0; i < f->n_binds; i++)
    {
      free ((char *) f->binds[i].source);
      free ((char *) f->binds[i].destination);
    }
  free (f->binds);
}

static int
add_env (struct launch_flags *f, const char *text, spc_err_t *err)
{
  _cleanup_free_ char *entry = NULL;
  if (spc_launch_parse_env (text, &entry, err) < 0)
    return spc_error_prefix (err, "launch: -e");
  if (entry == NULL)
    return 0;
  /* A variable given again replaces its value: two entries of one name
   * would leave which one counts to each program's getenv. */
  size_t key = strcspn (entry, "=") + 1;
  for (size_t i = 0; i < f->n_env; i++)
    if (strncmp (f->env[i], entry, key) == 0)
      {
        free (f->env[i]);
        f->env[i] = steal_pointer (&entry);
        return 0;
      }
  char **v = realloc (f->env, (f->n_env + 2) * sizeof *v);
  if (v == NULL)
    return spc_error_errno (err, "realloc");
  f->env = v;
  f->env[f->n_env++] = steal_pointer (&entry);
  f->env[f->n_env] = NULL;
  return 0;
}

static int
add_volume (struct launch_flags *f, const char *text, spc_err_t *err)
{
  struct spc_spec_bind b = { 0 };
  char *src, *dst;
  if (spc_launch_parse_volume (text, &src, &dst, &b.readonly, err) < 0)
    return spc_error_prefix (err, "launch: -v");
  b.source = src;
  b.destination = dst;
  struct spc_spec_bind *v = realloc (f->binds, (f->n_binds + 1) * sizeof *v);
  if (v == NULL)
    {
      free (src);
      free (dst);
      return spc_error_errno (err, "realloc");
    }
  f->binds = v;
  f->binds[f->n_binds++] = b;
  return 0;
}

static int
parse_positive (const char *flag, const char *text, bool size, int64_t *out, spc_err_t *err)
{
  char *end;
  if (size)
    {
      uint64_t bytes;
      if (spc_parse_size (text, &bytes) < 0 || bytes > INT64_MAX)
        return spc_error_make (err, 0, "launch: %s: `%s` is not a size (like 512M or 2G)", flag,
                               text);
      *out = (int64_t) bytes;
      return 0;
    }
  errno = 0;
  long long v = strtoll (text, &end, 10);
  if (errno || end == text || *end || v <= 0)
    return spc_error_make (err, 0, "launch: %s: `%s` is not a positive number", flag, text);
  *out = v;
  return 0;
}

static int
parse_flags (int argc, char **argv, struct spc_launch_opts *o, struct launch_flags *f,
             spc_err_t *err)
{
  static const struct option opts[] = {
    { "rootfs", required_argument, NULL, OPT_ROOTFS },
    { "image", required_argument, NULL, OPT_IMAGE },
    { "tag", required_argument, NULL, OPT_TAG },
    { "hostname", required_argument, NULL, OPT_HOSTNAME },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "cpus", required_argument, NULL, OPT_CPUS },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "env", required_argument, NULL, 'e' },
    { "volume", required_argument, NULL, 'v' },
    { "user", required_argument, NULL, 'u' },
    { "network", required_argument, NULL, OPT_NETWORK },
    { "workdir", required_argument, NULL, 'w' },
    { "read-only", no_argument, NULL, OPT_READ_ONLY },
    { "rm", no_argument, NULL, OPT_RM },
    { "name", required_argument, NULL, OPT_NAME },
    { "tty", no_argument, NULL, 't' },
    { "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
    { 0 },
  };
  struct spc_spec_opts *s = &o->spec;
  int c;
  /* '+': the first operand is the program; its own flags are its own. */
  while ((c = spc_cli_getopt (argc, argv, "+e:v:u:w:t", opts, "launch", err)) != -1)
    switch (c)
      {
      case OPT_ROOTFS:
        o->rootfs = optarg;
        break;
      case OPT_IMAGE:
        o->image = optarg;
        break;
      case OPT_TAG:
        o->tag = optarg;
        break;
      case OPT_HOSTNAME:
        if (optarg[0] == '\0')
          return spc_error_make (err, 0, "launch: --hostname: empty");
        s->hostname = optarg;
        break;
      case OPT_MEMORY:
        s->has_memory_limit = true;
        if (parse_positive ("--memory", optarg, true, &s->memory_limit, err) < 0)
          return -1;
        break;
      case OPT_CPUS:
        s->has_cpu_quota = true;
        if (spc_launch_parse_cpus (optarg, &s->cpu_quota, &s->cpu_period, err) < 0)
          return spc_error_prefix (err, "launch: --cpus");
        break;
      case OPT_PIDS_LIMIT:
        s->has_pids_limit = true;
        if (parse_positive ("--pids-limit", optarg, false, &s->pids_limit, err) < 0)
          return -1;
        break;
      case 'e':
        if (add_env (f, optarg, err) < 0)
          return -1;
        break;
      case 'v':
        if (add_volume (f, optarg, err) < 0)
          return -1;
        break;
      case 'u':
        o->user = optarg;
        break;
      case OPT_NETWORK:
        if (strcmp (optarg, "none") == 0)
          s->network = SPC_SPEC_NETWORK_NONE;
        else if (strcmp (optarg, "host") == 0)
          s->network = SPC_SPEC_NETWORK_HOST;
        else
          return spc_error_make (err, 0, "launch: --network: `%s` is not none or host", optarg);
        break;
      case 'w':
        if (optarg[0] != '/')
          return spc_error_make (err, 0, "launch: -w: `%s` is not an absolute path", optarg);
        s->cwd = optarg;
        break;
      case OPT_READ_ONLY:
        s->readonly = true;
        break;
      case OPT_RM:
        /* What launch always does; taken for docker's muscle memory. */
        break;
      case OPT_NAME:
        if (spc_validate_id (optarg, err) < 0)
          return spc_error_prefix (err, "launch: --name");
        f->name = optarg;
        break;
      case 't':
        s->terminal = true;
        break;
      case OPT_PRINT_CONFIG:
        f->print_config = true;
        break;
      default:
        return -1;
      }
  if (!o->rootfs == !o->image)
    return spc_error_make (err, 0, "launch: give one of --rootfs DIR and --image SOURCE (see "
                                   "spacer help launch)");
  if (o->tag && !o->image)
    return spc_error_make (err, 0, "launch: --tag: only with --image");
  if (optind < argc)
    s->args = (const char *const *) argv + optind;
  s->env = (const char *const *) f->env;
  s->binds = f->binds;
  s->n_binds = f->n_binds;
  return 0;
}

static int
print_config (const char *text, spc_err_t *err)
{
  if (fputs (text, stdout) == EOF || fputc ('\n', stdout) == EOF || fflush (stdout) == EOF)
    return spc_error_errno (err, "launch: --print-config: write");
  return 0;
}

static int
launch (struct spc_global *g, int argc, char **argv, int *status, spc_err_t *err)
{
  struct spc_launch_opts o = {
    .spec = {
      .rootless = geteuid () != 0,
      .host_uid = getuid (),
      .host_gid = getgid (),
      /* A pty only when asked (-t): the program's stdio is then the
       * caller's own, and works in pipes. */
      .has_terminal = true,
      /* Writable unless --read-only: the rootfs is the caller's own. */
      .has_readonly = true,
      .network = SPC_SPEC_NETWORK_NONE,
    },
  };
  __attribute__ ((cleanup (launch_flags_clear))) struct launch_flags f = { 0 };
  if (parse_flags (argc, argv, &o, &f, err) < 0)
    return -1;

  /* Said before anything is made, and in launch's own terms. */
  if (o.spec.terminal && !f.print_config && !isatty (STDIN_FILENO))
    return spc_error_make (err, 0, "launch: -t: standard input is not a terminal");
  /* Run re-executes spacer the first time (sealed.h), which would start
   * this over and abandon an image unpacked by then: it is done first. */
  if (!f.print_config && spc_sealed_ensure (err) < 0)
    return -1;
  __attribute__ ((cleanup (spc_launch_release))) struct spc_launch l = { 0 };
  _cleanup_free_ char *config = NULL;
  if (isatty (STDERR_FILENO))
    o.progress = spc_cli_show_progress;
  /* INT, TERM or HUP while an image is unpacked stop it, leaving
   * nothing, and launch dies of the signal. */
  static const int cancel_signals[] = { SIGINT, SIGTERM, SIGHUP };
  struct sigaction saved[3];
  for (size_t i = 0; o.image && i < 3; i++)
    sigaction (cancel_signals[i], NULL, &saved[i]);
  if (o.image)
    spc_cli_cancel_on_signals ();
  int r = spc_launch_prepare (&o, &l, err);
  if (o.image && spc_archive_cancel)
    {
      spc_launch_release (&l);
      spc_cli_reraise_cancel ();
    }
  /* Back to what the caller gave (nohup's ignored HUP, say). */
  for (size_t i = 0; o.image && i < 3; i++)
    sigaction (cancel_signals[i], &saved[i], NULL);
  if (r < 0 || spc_launch_config (&o, &l, f.print_config, &config, err) < 0)
    return spc_error_prefix (err, "launch");
  if (f.print_config)
    return print_config (config, err);

  char generated[32];
  const char *id = f.name;
  if (id == NULL && spc_launch_new_id (generated, err) == 0)
    id = generated;
  if (id == NULL)
    return -1;
  if (spc_launch_bundle (&l, config, err) < 0)
    return spc_error_prefix (err, "launch");
  struct spc_create_options co = {
    .bundle = l.dir,
    .config = config,
    .config_name = "launch",
    .systemd_cgroup = g->systemd_cgroup,
    .rootless = g->rootless,
  };
  return spc_container_run (g->root, id, &co, status, err);
}

int
spc_cmd_launch (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  int status = 0;
  if (launch (g, argc, argv, &status, err) < 0)
    {
      spc_log_fatal_error (*err);
      spc_error_free (err);
      return LAUNCH_FAILED;
    }
  return status;
}
