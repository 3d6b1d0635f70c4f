#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "spacer/process.h"
#include "spacer/procfs.h"
#include "spacer/utils.h"

int
spc_process_apply_rlimits (const struct spc_process *p, spc_err_t *err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      const struct spc_rlimit *r = &p->rlimits[i];
      struct rlimit lim = { .rlim_cur = r->soft, .rlim_max = r->hard };
      if (setrlimit (r->resource, &lim) < 0)
        return spc_error_errno (err, "process.rlimits[%zu]: setrlimit %s (soft %llu, hard %llu)",
                                i, r->type, (unsigned long long) r->soft,
                                (unsigned long long) r->hard);
    }
  return 0;
}

int
spc_process_apply_oom_score_adj (const struct spc_process *p, int procfd, spc_err_t *err)
{
  if (!p->has_oom_score_adj)
    return 0;
  char buf[16];
  int len = snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
  if (spc_procfs_write (procfd, "self/oom_score_adj", buf, (size_t) len, err) < 0)
    return spc_error_prefix (err, "process.oomScoreAdj");
  return 0;
}

/* A capability the runtime itself does not hold (this host's bounding set,
 * say) cannot be granted; leave it out rather than fail the container. */
static uint64_t
held_permitted (int last_cap)
{
  uint64_t held = 0;
  cap_t cur = cap_get_proc ();
  if (cur == NULL)
    return ~0ULL;
  for (int cap = 0; cap <= last_cap && cap < 64; cap++)
    {
      cap_flag_value_t v = CAP_CLEAR;
      if (cap_get_flag (cur, cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
        held |= 1ULL << cap;
    }
  cap_free (cur);
  return held;
}

void
spc_process_check_capabilities (const struct spc_process *p)
{
  const struct spc_capabilities *c = &p->capabilities;
  if (!c->present)
    return;
  uint64_t wanted = c->bounding | c->effective | c->permitted | c->inheritable | c->ambient;
  /* The bounding set, not the permitted one: an unprivileged runtime holds
   * nothing, yet its container gets every capability of the bounding set
   * inside its user namespace. */
  int last_cap = cap_max_bits () - 1;
  for (int cap = 0; cap < 64; cap++)
    {
      if (!(wanted & (UINT64_C (1) << cap)))
        continue;
      if (cap > last_cap)
        spc_warn ("process.capabilities: %s: the running kernel does not have it, dropped",
                  spc_capability_name (cap));
      else if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
        spc_warn ("process.capabilities: %s: not in spacer's own bounding set, dropped",
                  spc_capability_name (cap));
    }
}

static int
drop_bounding_set (uint64_t keep, int last_cap, spc_err_t *err)
{
  for (int cap = 0; cap <= last_cap && cap < 64; cap++)
    {
      if (keep & (1ULL << cap))
        continue;
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
        return spc_error_errno (err, "drop capability %d from the bounding set", cap);
    }
  return 0;
}

static void
set_flag (cap_t caps, cap_flag_t flag, uint64_t mask, int last_cap)
{
  for (int cap = 0; cap <= last_cap && cap < 64; cap++)
    if (mask & (1ULL << cap))
      {
        cap_value_t v = cap;
        cap_set_flag (caps, flag, 1, &v, CAP_SET);
      }
}

static int
apply_capabilities (const struct spc_capabilities *c, uint64_t held, int last_cap, spc_err_t *err)
{
  cap_t caps = cap_init ();
  if (caps == NULL)
    return spc_error_errno (err, "cap_init");
  set_flag (caps, CAP_EFFECTIVE, c->effective & held, last_cap);
  set_flag (caps, CAP_PERMITTED, c->permitted & held, last_cap);
  set_flag (caps, CAP_INHERITABLE, c->inheritable & held, last_cap);
  int r = cap_set_proc (caps);
  int saved = errno;
  cap_free (caps);
  if (r < 0)
    return spc_error_make (err, saved, "set capabilities");

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return spc_error_errno (err, "clear ambient capabilities");
  /* The kernel raises an ambient capability only when it is permitted and
   * inheritable too. `runc spec` lists ambient capabilities without
   * inheritable ones; runc and crun run such configs, so skip those. */
  for (int cap = 0; cap <= last_cap && cap < 64; cap++)
    {
      uint64_t bit = 1ULL << cap;
      if (!(c->ambient & held & bit))
        continue;
      if (!(c->inheritable & c->permitted & bit))
        spc_debug ("process.capabilities.ambient: capability %d is not inheritable and "
                   "permitted, not raised", cap);
      else if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        return spc_error_errno (err, "raise ambient capability %d", cap);
    }
  return 0;
}

static int
switch_user (const struct spc_user *u, spc_err_t *err)
{
  /* Drop the supplementary groups inherited from the runtime's caller. A
   * user namespace whose gid map a plain user wrote itself has setgroups(2)
   * disabled (one newgidmap mapped a subgid range into keeps it allowed):
   * there is then nothing we may drop, and only asking for groups is an
   * error. */
  if (setgroups (u->n_additional_gids, u->additional_gids) < 0
      && !(errno == EPERM && u->n_additional_gids == 0))
    return spc_error_errno (err, "process.user.additionalGids: setgroups");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return spc_error_errno (err, "process.user.gid: setgid %u", u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return spc_error_errno (err, "process.user.uid: setuid %u", u->uid);
  return 0;
}

int
spc_process_apply_identity (const struct spc_process *p, spc_err_t *err)
{
  const struct spc_capabilities *c = &p->capabilities;
  int last_cap = cap_max_bits () - 1;
  uint64_t held = c->present ? held_permitted (last_cap) : 0;

  if (c->present && drop_bounding_set (c->bounding, last_cap, err) < 0)
    return -1;
  /* Keep the permitted set across setuid to a non-zero uid; the sets are
   * then cut down to exactly what the config asks for. */
  if (c->present && prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return spc_error_errno (err, "prctl PR_SET_KEEPCAPS");
  if (switch_user (&p->user, err) < 0)
    return -1;
  if (c->present)
    {
      if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return spc_error_errno (err, "prctl PR_SET_KEEPCAPS");
      if (apply_capabilities (c, held, last_cap, err) < 0)
        return spc_error_prefix (err, "process.capabilities");
    }
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return spc_error_errno (err, "process.noNewPrivileges: prctl");
  return 0;
}

static char *
home_from_passwd (uid_t uid)
{
  _cleanup_fclose_ FILE *f = fopen ("/etc/passwd", "re");
  if (f == NULL)
    return NULL;
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) > 0)
    {
      /* name:pw:uid:gid:gecos:home:shell */
      char *fields[7] = { 0 };
      char *save = NULL, *p = line;
      int n = 0;
      for (; n < 7; n++)
        {
          fields[n] = strsep (&p, ":");
          if (fields[n] == NULL)
            break;
        }
      (void) save;
      if (n < 6 || fields[2] == NULL || fields[5] == NULL)
        continue;
      char *end;
      unsigned long id = strtoul (fields[2], &end, 10);
      if (*end == '\0' && id == uid && fields[5][0])
        return strdup (fields[5]);
    }
  return NULL;
}

int
spc_process_build_env (const struct spc_process *p, unsigned listen_fds, char ***env,
                       spc_err_t *err)
{
  bool has_home = false;
  for (size_t i = 0; i < p->n_env; i++)
    if (strncmp (p->env[i], "HOME=", 5) == 0)
      has_home = true;
  if (has_home && listen_fds == 0)
    {
      *env = p->env;
      return 0;
    }
  /* The init execs or exits soon: what is built here is never freed. */
  char **out = calloc (p->n_env + 4, sizeof *out);
  size_t n = p->n_env;
  if (out == NULL)
    return spc_error_errno (err, "calloc");
  memcpy (out, p->env, n * sizeof *out);
  _cleanup_free_ char *home = has_home ? NULL : home_from_passwd (p->user.uid);
  if ((!has_home && asprintf (&out[n++], "HOME=%s", home ? home : "/") < 0)
      || (listen_fds && (asprintf (&out[n++], "LISTEN_FDS=%u", listen_fds) < 0
                         || (out[n++] = strdup ("LISTEN_PID=1")) == NULL)))
    return spc_error_errno (err, "asprintf");
  *env = out;
  return 0;
}

/* Words a user can act on, and that engines sort by: podman turns "permission
 * denied" into exit status 126 (found, cannot be run) and "no such file or
 * directory" or "executable file not found in" into 127 (missing), as a shell
 * would. "not found" is said only of files that are missing. */
int
spc_process_find_executable (const struct spc_process *p, char *const env[], char **path,
                             spc_err_t *err)
{
  const char *name = p->args[0];
  *path = spc_find_executable (name, env);
  if (*path)
    return 0;
  bool searched = strchr (name, '/') == NULL;
  switch (errno)
    {
    case ENOENT:
      if (searched)
        return spc_error_classed (err, ENOENT,
                                  "process.args[0]: `%s`: executable file not found in $PATH",
                                  name);
      return spc_error_errno (err, "process.args[0]: executable `%s` not found in the container",
                              name);
    case EISDIR:
      return spc_error_make (err, EACCES, "process.args[0]: cannot execute `%s`: it is a directory",
                             name);
    default:
      return spc_error_errno (err, "process.args[0]: cannot execute `%s`%s", name,
                              searched ? " (found in $PATH)" : "");
    }
}

int
spc_process_exec (const struct spc_process *p, const char *exe, char *const env[], spc_err_t *err)
{
  execve (exe, p->args, env);
  /* The file was there a moment ago: ENOENT now means what it names
   * cannot be loaded. */
  if (errno == ENOENT)
    return spc_error_errno (err, "process.args[0]: exec `%s`: its #! interpreter or dynamic "
                                 "loader is missing",
                            exe);
  return spc_error_errno (err, "process.args[0]: exec `%s`", exe);
}

/* glibc has no wrapper for sched_setattr(2). */
struct sched_attr_v1
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

int
spc_process_apply_scheduling (const struct spc_process *p, spc_err_t *err)
{
  if (p->has_scheduler)
    {
      struct sched_attr_v1 attr = {
        .size = sizeof attr,
        .sched_policy = (uint32_t) p->sched_policy,
        .sched_flags = p->sched_flags,
        .sched_nice = p->sched_nice,
        .sched_priority = (uint32_t) p->sched_priority,
        .sched_runtime = p->sched_runtime,
        .sched_deadline = p->sched_deadline,
        .sched_period = p->sched_period,
      };
      if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
        return spc_error_errno (err, "process.scheduler: sched_setattr");
    }
  if (p->has_io_priority
      && syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
                  (p->io_class << IOPRIO_CLASS_SHIFT) | p->io_priority)
             < 0)
    return spc_error_errno (err, "process.ioPriority: ioprio_set");
  return 0;
}

int
spc_process_apply_personality (const struct spc_linux *l, spc_err_t *err)
{
  if (!l->has_personality)
    return 0;
  unsigned long persona = strcmp (l->personality_domain, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX;
  if (personality (persona) < 0)
    return spc_error_errno (err, "linux.personality: %s", l->personality_domain);
  return 0;
}
