/* config.json loader: the top level, process, root, mounts and hooks.
 * linux.* lives in config-linux.c, config-resources.c and config-seccomp.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/hooks.h"
#include "spacer/log.h"
#include "spacer/utils.h"
#include "config-internal.h"

#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

/* ---- process ---------------------------------------------------------- */

static const struct
{
  const char *name;
  int resource;
} rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static int
rlimit_resource_from_name (const char *name)
{
  for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
    if (strcmp (rlimit_names[i].name, name) == 0)
      return rlimit_names[i].resource;
  return -1;
}

static int
parse_rlimit (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_rlimit *rl = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "type", p, &rl->type, err));
  if (rl->type && (rl->resource = rlimit_resource_from_name (rl->type)) < 0)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "type"), err, "unknown rlimit \"%s\"",
                                  rl->type));
  CONFIG_TRY (&st, config_req_uint64 (v, "soft", p, &rl->soft, err));
  CONFIG_TRY (&st, config_req_uint64 (v, "hard", p, &rl->hard, err));
  if (st.failed)
    return -1;
  if (rl->soft > rl->hard)
    return config_fail (p, err, "soft limit exceeds hard limit");
  return 0;
}

/* setrlimit() would just apply the last one; a repeated type is almost
 * certainly a generator bug, so say so instead. */
static int
check_rlimits_unique (const struct spc_process *proc, const struct jpath *p, spc_err_t *err)
{
  uint64_t seen = 0;
  for (size_t i = 0; i < proc->n_rlimits; i++)
    {
      uint64_t bit = UINT64_C (1) << proc->rlimits[i].resource;
      if (seen & bit)
        return config_fail (JPATH_MEMBER_OF (JPATH_INDEX_OF (JPATH_MEMBER_OF (p, "rlimits"), i), "type"),
                            err, "duplicate rlimit \"%s\"", proc->rlimits[i].type);
      seen |= bit;
    }
  return 0;
}

/* Every capability Linux defines, by number. The names are checked here,
 * not by libcap: a config written for a newer kernel must not fail on an
 * older libcap. Whether the running kernel has a capability is checked at
 * create (spc_process_check_capabilities). */
static const char *const capability_names[] = {
  "CAP_CHOWN",           "CAP_DAC_OVERRIDE",  "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
  "CAP_FSETID",          "CAP_KILL",          "CAP_SETGID",          "CAP_SETUID",
  "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",       "CAP_NET_RAW",       "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",     "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",     "CAP_SYS_BOOT",        "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",      "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
  "CAP_LEASE",           "CAP_AUDIT_WRITE",   "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",     "CAP_SYSLOG",          "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",    "CAP_PERFMON",         "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

const char *
spc_capability_name (int cap)
{
  if (cap < 0 || (size_t) cap >= sizeof capability_names / sizeof *capability_names)
    return NULL;
  return capability_names[cap];
}

static int
capability_from_name (const char *name)
{
  for (size_t i = 0; i < sizeof capability_names / sizeof *capability_names; i++)
    if (strcmp (capability_names[i], name) == 0)
      return (int) i;
  return -1;
}

static int
parse_capability_set (const spc_json *obj, const char *key, const struct jpath *p,
                      uint64_t *mask, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  const struct jpath *here = JPATH_MEMBER_OF (p, key);
  if (v == NULL)
    return 0;
  if (config_expect (v, SPC_JSON_ARRAY, here, err) < 0)
    return -1;
  struct config_steps st = CONFIG_STEPS (p, err);
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      const struct jpath *at = JPATH_INDEX_OF (here, i);
      _cleanup_free_ char *name = NULL;
      CONFIG_TRY (&st, config_to_string (v->u.array.items[i], at, &name, err));
      if (name == NULL)
        continue;
      int cap = capability_from_name (name);
      if (cap < 0)
        CONFIG_TRY (&st, config_fail (at, err, "unknown capability \"%s\"", name));
      else
        *mask |= UINT64_C (1) << cap;
    }
  return st.failed ? -1 : 0;
}

static int
parse_capabilities (const spc_json *v, const struct jpath *p, struct spc_capabilities *caps,
                    spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  caps->present = true;
  CONFIG_TRY (&st, parse_capability_set (v, "bounding", p, &caps->bounding, err));
  CONFIG_TRY (&st, parse_capability_set (v, "effective", p, &caps->effective, err));
  CONFIG_TRY (&st, parse_capability_set (v, "inheritable", p, &caps->inheritable, err));
  CONFIG_TRY (&st, parse_capability_set (v, "permitted", p, &caps->permitted, err));
  CONFIG_TRY (&st, parse_capability_set (v, "ambient", p, &caps->ambient, err));
  return st.failed ? -1 : 0;
}

static int
parse_gid (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  uint64_t gid;
  if (config_to_uint64 (v, p, UINT32_MAX, &gid, err) < 0)
    return -1;
  *(gid_t *) elem = (gid_t) gid;
  return 0;
}

static int
parse_user (const spc_json *v, const struct jpath *p, struct spc_user *user, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_uint32 (v, "uid", p, NULL, &user->uid, err));
  CONFIG_TRY (&st, config_opt_uint32 (v, "gid", p, NULL, &user->gid, err));
  CONFIG_TRY (&st, config_opt_uint32 (v, "umask", p, &user->has_umask, &user->umask, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "additionalGids", p, parse_gid, &user->additional_gids,
                                     &user->n_additional_gids, err));
  CONFIG_TRY (&st, config_opt_string (v, "username", p, &user->username, err));
  return st.failed ? -1 : 0;
}

static int
parse_console_size (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                    spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_uint32 (v, "height", p, &proc->console_height, err));
  CONFIG_TRY (&st, config_req_uint32 (v, "width", p, &proc->console_width, err));
  if (st.failed)
    return -1;
  proc->has_console_size = true;
  return 0;
}

static int
parse_process_args (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                    spc_err_t *err)
{
  const spc_json *args = config_member (v, "args");
  const struct jpath *here = JPATH_MEMBER_OF (p, "args");
  if (args == NULL)
    return config_fail (here, err, "required");
  if (args->type == SPC_JSON_ARRAY && args->u.array.len == 0)
    return config_fail (here, err, "must be a non-empty array");
  return config_opt_strv (v, "args", p, &proc->args, &proc->n_args, err);
}

static int
parse_process_cwd (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                   spc_err_t *err)
{
  if (config_req_string (v, "cwd", p, &proc->cwd, err) < 0)
    return -1;
  if (!config_is_absolute (proc->cwd))
    return config_fail (JPATH_MEMBER_OF (p, "cwd"), err, "must be an absolute path");
  return 0;
}

static int
parse_oom_score_adj (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                     spc_err_t *err)
{
  const spc_json *adj = config_member (v, "oomScoreAdj");
  int64_t value;
  if (adj == NULL)
    return 0;
  /* The kernel's own bounds (OOM_SCORE_ADJ_MIN/MAX). */
  if (config_to_int64 (adj, JPATH_MEMBER_OF (p, "oomScoreAdj"), -1000, 1000, &value, err) < 0)
    return -1;
  proc->has_oom_score_adj = true;
  proc->oom_score_adj = (int) value;
  return 0;
}

static int
name_value (const char *name, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (names[i] && strcmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

/* Indexed by the kernel's values (SCHED_OTHER 0, ... SCHED_DEADLINE 6). */
static const char *const sched_policies[]
    = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE",
        "SCHED_DEADLINE" };
/* Bit numbers of SCHED_FLAG_*. */
static const char *const sched_flags[]
    = { "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
        "SCHED_FLAG_KEEP_POLICY",   "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
        "SCHED_FLAG_UTIL_CLAMP_MAX" };
/* Indexed by IOPRIO_CLASS_*. */
static const char *const io_classes[]
    = { NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
#define N_NAMES(a) (sizeof (a) / sizeof *(a))

static int
parse_sched_flags (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                   spc_err_t *err)
{
  _cleanup_strv_ char **flags = NULL;
  size_t n = 0;
  struct config_steps st = CONFIG_STEPS (p, err);
  /* Indexes below are the document's only when every flag is a string. */
  if (config_opt_strv (v, "flags", p, &flags, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      int bit = name_value (flags[i], sched_flags, N_NAMES (sched_flags));
      if (bit < 0)
        CONFIG_TRY (&st, config_fail (JPATH_INDEX_OF (JPATH_MEMBER_OF (p, "flags"), i), err,
                                      "unknown flag \"%s\"", flags[i]));
      else
        proc->sched_flags |= UINT64_C (1) << bit;
    }
  return st.failed ? -1 : 0;
}

static int
parse_scheduler (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                 spc_err_t *err)
{
  _cleanup_free_ char *policy = NULL;
  int64_t nice = 0, priority = 0;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "policy", p, &policy, err));
  if (policy
      && (proc->sched_policy = name_value (policy, sched_policies, N_NAMES (sched_policies))) < 0)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "policy"), err, "unknown policy \"%s\"",
                                  policy));
  CONFIG_TRY (&st, config_opt_int64 (v, "nice", p, NULL, &nice, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "priority", p, NULL, &priority, err));
  CONFIG_TRY (&st, parse_sched_flags (v, p, proc, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "runtime", p, NULL, &proc->sched_runtime, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "deadline", p, NULL, &proc->sched_deadline, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "period", p, NULL, &proc->sched_period, err));
  if (nice < -20 || nice > 19)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "nice"), err, "must be between -20 and 19"));
  if (priority < 0 || priority > 99)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "priority"), err,
                                  "must be between 0 and 99"));
  if (st.failed)
    return -1;
  proc->sched_nice = (int32_t) nice;
  proc->sched_priority = (int32_t) priority;
  proc->has_scheduler = true;
  return 0;
}

static int
parse_io_priority (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                   spc_err_t *err)
{
  _cleanup_free_ char *class = NULL;
  int64_t priority = 0;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "class", p, &class, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "priority", p, NULL, &priority, err));
  if (class && (proc->io_class = name_value (class, io_classes, N_NAMES (io_classes))) < 0)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "class"), err, "unknown class \"%s\"",
                                  class));
  if (priority < 0 || priority > 7)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "priority"), err,
                                  "must be between 0 and 7"));
  if (st.failed)
    return -1;
  proc->io_priority = (int) priority;
  proc->has_io_priority = true;
  return 0;
}

/* An execCPUAffinity list: checked now, applied by exec. "" reads as
 * absent, as the spec's "omitted or empty". */
static int
parse_cpu_list (const spc_json *v, const char *key, const struct jpath *p, char **out,
                spc_err_t *err)
{
  char why[256];
  unsigned long mask[CPU_SETSIZE / SPC_BITS_PER_LONG];
  if (config_opt_string (v, key, p, out, err) < 0)
    return -1;
  if (*out && (*out)[0] == '\0')
    free (steal_pointer (out));
  if (*out && spc_parse_index_list (*out, mask, CPU_SETSIZE, why, sizeof why) < 0)
    return config_fail (JPATH_MEMBER_OF (p, key), err, "%s", why);
  return 0;
}

static int
parse_exec_cpu_affinity (const spc_json *v, const struct jpath *p, struct spc_process *proc,
                         spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, parse_cpu_list (v, "initial", p, &proc->exec_cpus_initial, err));
  CONFIG_TRY (&st, parse_cpu_list (v, "final", p, &proc->exec_cpus_final, err));
  return st.failed ? -1 : 0;
}

static int
parse_process (const spc_json *v, const struct jpath *p, struct spc_process *proc,
               spc_err_t *err)
{
  const spc_json *member;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_bool (v, "terminal", p, NULL, &proc->terminal, err));
  if ((member = config_member (v, "consoleSize")))
    CONFIG_TRY (&st, parse_console_size (member, JPATH_MEMBER_OF (p, "consoleSize"), proc, err));
  if ((member = config_member (v, "user")))
    CONFIG_TRY (&st, parse_user (member, JPATH_MEMBER_OF (p, "user"), &proc->user, err));
  CONFIG_TRY (&st, parse_process_args (v, p, proc, err));
  CONFIG_TRY (&st, config_opt_strv (v, "env", p, &proc->env, &proc->n_env, err));
  CONFIG_TRY (&st, parse_process_cwd (v, p, proc, err));
  int rlimits = CONFIG_OPT_ARRAY (v, "rlimits", p, parse_rlimit, &proc->rlimits,
                                  &proc->n_rlimits, err);
  CONFIG_TRY (&st, rlimits);
  /* Duplicates are judged among rlimits that all parsed. */
  if (rlimits == 0)
    CONFIG_TRY (&st, check_rlimits_unique (proc, p, err));
  CONFIG_TRY (&st, config_opt_bool (v, "noNewPrivileges", p, NULL, &proc->no_new_privileges, err));
  CONFIG_TRY (&st, parse_oom_score_adj (v, p, proc, err));
  if ((member = config_member (v, "capabilities")))
    CONFIG_TRY (&st, parse_capabilities (member, JPATH_MEMBER_OF (p, "capabilities"),
                                         &proc->capabilities, err));
  CONFIG_TRY (&st, config_opt_string (v, "apparmorProfile", p, &proc->apparmor_profile, err));
  CONFIG_TRY (&st, config_opt_string (v, "selinuxLabel", p, &proc->selinux_label, err));
  if ((member = config_member (v, "scheduler")))
    CONFIG_TRY (&st, parse_scheduler (member, JPATH_MEMBER_OF (p, "scheduler"), proc, err));
  if ((member = config_member (v, "ioPriority")))
    CONFIG_TRY (&st, parse_io_priority (member, JPATH_MEMBER_OF (p, "ioPriority"), proc, err));
  if ((member = config_member (v, "execCPUAffinity")))
    CONFIG_TRY (&st, parse_exec_cpu_affinity (member, JPATH_MEMBER_OF (p, "execCPUAffinity"), proc,
                                              err));
  return st.failed ? -1 : 0;
}

/* ---- root --------------------------------------------------------------- */

static int
parse_root (const spc_json *config, const struct jpath *p, struct spc_root *root, spc_err_t *err)
{
  const spc_json *v = config_member (config, "root");
  const struct jpath *here = JPATH_MEMBER_OF (p, "root");
  struct config_steps st = CONFIG_STEPS (p, err);
  if (v == NULL)
    return config_fail (here, err, "required");
  if (config_expect (v, SPC_JSON_OBJECT, here, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "path", here, &root->path, err));
  if (root->path && root->path[0] == '\0')
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (here, "path"), err, "must not be empty"));
  CONFIG_TRY (&st, config_opt_bool (v, "readonly", here, NULL, &root->readonly, err));
  return st.failed ? -1 : 0;
}

/* ---- mounts ------------------------------------------------------------- */

static const struct
{
  const char *name;
  bool clear; /* the option removes the flag rather than setting it */
  unsigned long flag;
} mount_flag_options[] = {
  { "defaults", false, 0 },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "suid", true, MS_NOSUID },
  { "nosuid", false, MS_NOSUID },
  { "dev", true, MS_NODEV },
  { "nodev", false, MS_NODEV },
  { "exec", true, MS_NOEXEC },
  { "noexec", false, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },
  { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "lazytime", false, MS_LAZYTIME },
  { "nolazytime", true, MS_LAZYTIME },
  { "silent", false, MS_SILENT },
  { "loud", true, MS_SILENT },
  { "iversion", false, MS_I_VERSION },
  { "noiversion", true, MS_I_VERSION },
  { "bind", false, MS_BIND },
  { "rbind", false, MS_BIND | MS_REC },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "symfollow", true, MS_NOSYMFOLLOW },
};

/* runc's recursive variants (Linux 5.12, mount_setattr): the flag for
 * every mount of the tree, not only its top. */
static const struct
{
  const char *name;
  bool clear;
  unsigned long flag;
} recursive_flag_options[] = {
  { "rro", false, MS_RDONLY },
  { "rrw", true, MS_RDONLY },
  { "rnosuid", false, MS_NOSUID },
  { "rsuid", true, MS_NOSUID },
  { "rnodev", false, MS_NODEV },
  { "rdev", true, MS_NODEV },
  { "rnoexec", false, MS_NOEXEC },
  { "rexec", true, MS_NOEXEC },
  { "rnodiratime", false, MS_NODIRATIME },
  { "rdiratime", true, MS_NODIRATIME },
  { "rnoatime", false, MS_NOATIME },
  { "ratime", true, MS_NOATIME },
  { "rrelatime", false, MS_RELATIME },
  { "rnorelatime", true, MS_RELATIME },
  { "rstrictatime", false, MS_STRICTATIME },
  { "rnostrictatime", true, MS_STRICTATIME },
  { "rnosymfollow", false, MS_NOSYMFOLLOW },
  { "rsymfollow", true, MS_NOSYMFOLLOW },
};

static const struct
{
  const char *name;
  unsigned long flags;
} propagation_options[] = {
  { "private", MS_PRIVATE },
  { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },
  { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },
  { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE },
  { "runbindable", MS_UNBINDABLE | MS_REC },
};

unsigned long
config_propagation_from_name (const char *name)
{
  for (size_t i = 0; i < sizeof propagation_options / sizeof propagation_options[0]; i++)
    if (strcmp (propagation_options[i].name, name) == 0)
      return propagation_options[i].flags;
  return 0;
}

/* Options that are neither a flag nor a propagation but mean something to
 * spacer all the same. */
enum mount_extension
{
  /* A crun extension that engines may pass; spacer has no use for it and
   * it must not reach the kernel as fs data. */
  MOUNT_TMPCOPYUP,
  /* runtime-spec 1.2: an idmapped bind mount, of its top mount or of
   * every mount below it. */
  MOUNT_IDMAP,
  MOUNT_RIDMAP,
};
static const char *const mount_extension_options[] = {
  [MOUNT_TMPCOPYUP] = "tmpcopyup",
  [MOUNT_IDMAP] = "idmap",
  [MOUNT_RIDMAP] = "ridmap",
};

const char *
spc_config_mount_option_name (size_t i)
{
  if (i < N_NAMES (mount_flag_options))
    return mount_flag_options[i].name;
  i -= N_NAMES (mount_flag_options);
  if (i < N_NAMES (recursive_flag_options))
    return recursive_flag_options[i].name;
  i -= N_NAMES (recursive_flag_options);
  if (i < N_NAMES (propagation_options))
    return propagation_options[i].name;
  i -= N_NAMES (propagation_options);
  return i < N_NAMES (mount_extension_options) ? mount_extension_options[i] : NULL;
}

/* Later options override earlier ones, as with mount(8): "ro,rw". */
static void
set_or_clear (unsigned long *set, unsigned long *clear, unsigned long flag, bool clears)
{
  if (clears)
    {
      *set &= ~flag;
      *clear |= flag;
    }
  else
    {
      *set |= flag;
      *clear &= ~flag;
    }
}

static bool
apply_mount_flag_option (struct spc_mount *m, const char *option)
{
  for (size_t i = 0; i < N_NAMES (mount_flag_options); i++)
    if (strcmp (mount_flag_options[i].name, option) == 0)
      {
        set_or_clear (&m->flags, &m->clear_flags, mount_flag_options[i].flag,
                      mount_flag_options[i].clear);
        return true;
      }
  for (size_t i = 0; i < N_NAMES (recursive_flag_options); i++)
    if (strcmp (recursive_flag_options[i].name, option) == 0)
      {
        set_or_clear (&m->rec_flags, &m->rec_clear_flags, recursive_flag_options[i].flag,
                      recursive_flag_options[i].clear);
        return true;
      }
  return false;
}

static int
append_mount_data (struct spc_mount *m, const char *option, spc_err_t *err)
{
  char *data = NULL;
  int r = m->data ? asprintf (&data, "%s,%s", m->data, option) : asprintf (&data, "%s", option);
  if (r < 0)
    return spc_error_make (err, ENOMEM, "asprintf");
  free (m->data);
  m->data = data;
  return 0;
}

static int
derive_mount_flags (struct spc_mount *m, spc_err_t *err)
{
  if (m->type && strcmp (m->type, "bind") == 0)
    m->flags |= MS_BIND;
  for (size_t i = 0; i < m->n_options; i++)
    {
      const char *option = m->options[i];
      unsigned long propagation;
      if (apply_mount_flag_option (m, option))
        continue;
      if ((propagation = config_propagation_from_name (option)) != 0)
        {
          m->propagation = propagation;
          continue;
        }
      switch (name_value (option, mount_extension_options, N_NAMES (mount_extension_options)))
        {
        case MOUNT_TMPCOPYUP:
          break;
        case MOUNT_IDMAP:
        case MOUNT_RIDMAP:
          m->idmap = true;
          m->idmap_recursive = strcmp (option, "ridmap") == 0;
          break;
        default:
          if (append_mount_data (m, option, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
parse_mount_destination (const spc_json *v, const struct jpath *p, struct spc_mount *m,
                         spc_err_t *err)
{
  if (config_req_string (v, "destination", p, &m->destination, err) < 0)
    return -1;
  if (config_is_absolute (m->destination))
    return 0;
  /* Tolerated for old configs (runc does the same); the container root is
   * the only sensible base. */
  config_warn (JPATH_MEMBER_OF (p, "destination"), "relative path \"%s\", using \"/%s\"",
               m->destination, m->destination);
  char *absolute = NULL;
  if (asprintf (&absolute, "/%s", m->destination) < 0)
    return spc_error_make (err, ENOMEM, "asprintf");
  free (m->destination);
  m->destination = absolute;
  return 0;
}

static int
parse_mount (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_mount *m = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, parse_mount_destination (v, p, m, err));
  CONFIG_TRY (&st, config_opt_string (v, "type", p, &m->type, err));
  CONFIG_TRY (&st, config_opt_string (v, "source", p, &m->source, err));
  CONFIG_TRY (&st, config_opt_strv (v, "options", p, &m->options, &m->n_options, err));
  int uid_maps = CONFIG_OPT_ARRAY (v, "uidMappings", p, config_parse_id_mapping,
                                   &m->uid_mappings, &m->n_uid_mappings, err);
  CONFIG_TRY (&st, uid_maps);
  int gid_maps = CONFIG_OPT_ARRAY (v, "gidMappings", p, config_parse_id_mapping,
                                   &m->gid_mappings, &m->n_gid_mappings, err);
  CONFIG_TRY (&st, gid_maps);
  if (uid_maps == 0)
    CONFIG_TRY (&st, config_check_id_mappings (m->uid_mappings, m->n_uid_mappings,
                                               JPATH_MEMBER_OF (p, "uidMappings"), err));
  if (gid_maps == 0)
    CONFIG_TRY (&st, config_check_id_mappings (m->gid_mappings, m->n_gid_mappings,
                                               JPATH_MEMBER_OF (p, "gidMappings"), err));
  if (st.failed)
    return -1;
  if (derive_mount_flags (m, err) < 0)
    return -1;
  if (m->n_uid_mappings || m->n_gid_mappings)
    m->idmap = true;
  if (m->idmap && !(m->flags & MS_BIND))
    return config_fail (p, err, "idmapped mounts must be bind mounts");
  return 0;
}

/* ---- hooks -------------------------------------------------------------- */

static const char *const hook_kind_names[SPC_HOOK_KIND_COUNT] = {
  [SPC_HOOK_PRESTART] = "prestart",
  [SPC_HOOK_CREATE_RUNTIME] = "createRuntime",
  [SPC_HOOK_CREATE_CONTAINER] = "createContainer",
  [SPC_HOOK_START_CONTAINER] = "startContainer",
  [SPC_HOOK_POSTSTART] = "poststart",
  [SPC_HOOK_POSTSTOP] = "poststop",
};

const char *
spc_hook_kind_name (enum spc_hook_kind kind)
{
  return (unsigned) kind < SPC_HOOK_KIND_COUNT ? hook_kind_names[kind] : "unknown";
}

static int
parse_hook_timeout (const spc_json *v, const struct jpath *p, struct spc_hook *hook,
                    spc_err_t *err)
{
  const spc_json *timeout = config_member (v, "timeout");
  int64_t seconds;
  if (timeout == NULL)
    return 0;
  const struct jpath *here = JPATH_MEMBER_OF (p, "timeout");
  if (config_to_int64 (timeout, here, INT64_MIN, INT64_MAX, &seconds, err) < 0)
    return -1;
  if (seconds <= 0)
    return config_fail (here, err, "must be greater than 0");
  if (seconds > INT32_MAX)
    return config_fail (here, err, "out of range");
  hook->has_timeout = true;
  hook->timeout = (int) seconds;
  return 0;
}

static int
parse_hook (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_hook *hook = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "path", p, &hook->path, err));
  if (hook->path && !config_is_absolute (hook->path))
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "path"), err, "must be an absolute path"));
  CONFIG_TRY (&st, config_opt_strv (v, "args", p, &hook->args, &hook->n_args, err));
  CONFIG_TRY (&st, config_opt_strv (v, "env", p, &hook->env, &hook->n_env, err));
  CONFIG_TRY (&st, parse_hook_timeout (v, p, hook, err));
  return st.failed ? -1 : 0;
}

static int
parse_hooks (const spc_json *v, const struct jpath *p, struct spc_hooks *hooks, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  for (int kind = 0; kind < SPC_HOOK_KIND_COUNT; kind++)
    CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, hook_kind_names[kind], p, parse_hook,
                                       &hooks->hooks[kind], &hooks->n_hooks[kind], err));
  return st.failed ? -1 : 0;
}

int
spc_config_parse_hooks (const spc_json *v, const char *name, struct spc_hooks *hooks,
                        spc_err_t *err)
{
  const struct jpath file = { .kind = JPATH_FILE, .key = name };
  if (parse_hooks (v, JPATH_MEMBER_OF (&file, "hooks"), hooks, err) < 0)
    {
      spc_hooks_free (hooks);
      return -1;
    }
  return 0;
}

static void
write_strv (spc_json_writer *w, const char *key, char **v)
{
  spc_jw_key (w, key);
  spc_jw_begin_array (w);
  for (; v && *v; v++)
    spc_jw_string (w, *v);
  spc_jw_end_array (w);
}

void
spc_config_write_hooks (spc_json_writer *w, const struct spc_hooks *hooks, unsigned kinds)
{
  spc_jw_begin_object (w);
  for (int kind = 0; kind < SPC_HOOK_KIND_COUNT; kind++)
    {
      if (!(kinds & (1u << kind)) || hooks->n_hooks[kind] == 0)
        continue;
      spc_jw_key (w, hook_kind_names[kind]);
      spc_jw_begin_array (w);
      for (size_t i = 0; i < hooks->n_hooks[kind]; i++)
        {
          const struct spc_hook *h = &hooks->hooks[kind][i];
          spc_jw_begin_object (w);
          spc_jw_key (w, "path");
          spc_jw_string (w, h->path);
          write_strv (w, "args", h->args);
          write_strv (w, "env", h->env);
          if (h->has_timeout)
            {
              spc_jw_key (w, "timeout");
              spc_jw_int (w, h->timeout);
            }
          spc_jw_end_object (w);
        }
      spc_jw_end_array (w);
    }
  spc_jw_end_object (w);
}

/* ---- top level ---------------------------------------------------------- */

/* SemVer 2.0.0 (semver.org), which the runtime-spec requires of
 * ociVersion: MAJOR.MINOR.PATCH without leading zeros, then an optional
 * -PRERELEASE and +BUILD of dot-separated [0-9A-Za-z-] identifiers. */
static bool
semver_digit (char c)
{
  return c >= '0' && c <= '9';
}

static bool
semver_number (const char **s, unsigned long *out)
{
  const char *p = *s;
  char *end;
  if (!semver_digit (p[0]) || (p[0] == '0' && semver_digit (p[1])))
    return false;
  errno = 0;
  *out = strtoul (p, &end, 10);
  *s = end;
  return errno == 0;
}

/* Numeric prerelease identifiers, unlike build ones, take no leading
 * zero: they are compared as numbers. */
static bool
semver_identifiers (const char **s, bool prerelease)
{
  const char *p = *s;
  for (;;)
    {
      const char *start = p;
      bool numeric = true;
      for (; semver_digit (*p) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-';
           p++)
        numeric &= semver_digit (*p);
      if (p == start || (prerelease && numeric && start[0] == '0' && p - start > 1))
        return false;
      if (*p != '.')
        break;
      p++;
    }
  *s = p;
  return true;
}

static bool
parse_semver (const char *text, unsigned long *major, unsigned long *minor)
{
  const char *p = text;
  unsigned long patch;
  if (!semver_number (&p, major) || *p++ != '.' || !semver_number (&p, minor) || *p++ != '.'
      || !semver_number (&p, &patch))
    return false;
  if (*p == '-' && (p++, !semver_identifiers (&p, true)))
    return false;
  if (*p == '+' && (p++, !semver_identifiers (&p, false)))
    return false;
  return *p == '\0';
}

/* A version that is not SemVer is not a runtime-spec config (or a typo in
 * one) and is refused. A well-formed version spacer does not know is only
 * advisory: newer minor versions add fields we ignore, so refusing them
 * would break engines for nothing. 1.3's additions are ignored (see
 * SPC_RUNTIME_SPEC_VERSION), so up to 1.3 nothing is said. */
static int
check_oci_version (const char *version, const struct jpath *p, spc_err_t *err)
{
  unsigned long major, minor;
  if (!parse_semver (version, &major, &minor))
    return config_fail (p, err, "\"%s\" is not a SemVer version such as \"%s\"", version,
                        SPC_RUNTIME_SPEC_VERSION);
  if (major != 1 || minor > 3)
    config_warn (p, "unsupported version \"%s\", continuing", version);
  return 0;
}

/* Setting the host's own names from inside a container would rename the
 * host; runc refuses the same. A uts namespace joined by path is fine (pod
 * containers join their sandbox's) unless it is the host's, which is
 * checked once it is open (spc_linux_check_joined). */
static int
check_uts_names (const struct spc_config *c, const struct jpath *p, spc_err_t *err)
{
  if (spc_config_namespace (c, SPC_NS_UTS))
    return 0;
  if (c->hostname && c->hostname[0])
    return config_fail (JPATH_MEMBER_OF (p, "hostname"), err, "requires a uts namespace");
  if (c->domainname && c->domainname[0])
    return config_fail (JPATH_MEMBER_OF (p, "domainname"), err, "requires a uts namespace");
  return 0;
}

static int
parse_config (const spc_json *v, const struct jpath *p, struct spc_config *c, spc_err_t *err)
{
  const spc_json *member;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "ociVersion", p, &c->oci_version, err));
  if (c->oci_version)
    CONFIG_TRY (&st, check_oci_version (c->oci_version, JPATH_MEMBER_OF (p, "ociVersion"), err));
  CONFIG_TRY (&st, parse_root (v, p, &c->root, err));
  if ((member = config_member (v, "process")))
    {
      c->has_process = true;
      CONFIG_TRY (&st, parse_process (member, JPATH_MEMBER_OF (p, "process"), &c->process, err));
    }
  int names = config_opt_string (v, "hostname", p, &c->hostname, err);
  CONFIG_TRY (&st, names);
  int domain = config_opt_string (v, "domainname", p, &c->domainname, err);
  CONFIG_TRY (&st, domain);
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "mounts", p, parse_mount, &c->mounts, &c->n_mounts, err));
  if ((member = config_member (v, "hooks")))
    CONFIG_TRY (&st, parse_hooks (member, JPATH_MEMBER_OF (p, "hooks"), &c->hooks, err));
  CONFIG_TRY (&st, CONFIG_OPT_STRING_MAP (v, "annotations", p, &c->annotations,
                                          &c->n_annotations, err));
  int linux_ = 0;
  if ((member = config_member (v, "linux")))
    {
      c->has_linux = true;
      linux_ = config_parse_linux (member, JPATH_MEMBER_OF (p, "linux"), &c->linux_, err);
      CONFIG_TRY (&st, linux_);
    }
  /* The names against the namespaces, once both have parsed. */
  if (names == 0 && domain == 0 && linux_ == 0)
    CONFIG_TRY (&st, check_uts_names (c, p, err));
  return st.failed ? -1 : 0;
}

int
spc_config_load_buffer (const char *buf, size_t len, const char *name, struct spc_config **out,
                        spc_err_t *err)
{
  _cleanup_json_ spc_json *doc = NULL;
  if (spc_json_parse (buf, len, &doc, err) < 0)
    return spc_error_prefix (err, "%s", name);

  _cleanup_config_ struct spc_config *c = calloc (1, sizeof *c);
  if (c == NULL)
    return spc_error_make (err, ENOMEM, "%s", name);
  const struct jpath file = { .kind = JPATH_FILE, .key = name };
  if (parse_config (doc, &file, c, err) < 0)
    return -1;
  *out = steal_pointer (&c);
  return 0;
}

int
spc_config_check (const spc_json *doc, struct spc_diags *diags, struct spc_config **out,
                  spc_err_t *err)
{
  struct config_collect collect = { .doc = doc, .diags = diags };
  const struct jpath file = { .kind = JPATH_FILE, .key = "config.json", .collect = &collect };
  _cleanup_config_ struct spc_config *c = calloc (1, sizeof *c);
  if (c == NULL)
    return spc_error_make (err, ENOMEM, "calloc");
  /* Every failure of the input is in diags; only a system error reaches
   * *err. */
  if (parse_config (doc, &file, c, err) < 0 && *err)
    return -1;
  if (out)
    *out = steal_pointer (&c);
  return 0;
}

/* One read into one buffer: this runs on every container start. */
static int
read_whole_fd (int fd, const char *name, char **out, size_t *out_len, spc_err_t *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_make (err, errno, "%s: stat", name);
  /* +1 so a file of exactly st_size bytes is seen to end without a
   * second allocation; files that lie about their size still work. */
  size_t cap = (st.st_size > 0 ? (size_t) st.st_size : 4096) + 1;
  _cleanup_free_ char *buf = malloc (cap);
  size_t len = 0;
  if (buf == NULL)
    return spc_error_make (err, ENOMEM, "%s: read", name);
  for (;;)
    {
      if (len == cap)
        {
          char *bigger = realloc (buf, cap * 2);
          if (bigger == NULL)
            return spc_error_make (err, ENOMEM, "%s: read", name);
          buf = bigger;
          cap *= 2;
        }
      ssize_t n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return spc_error_make (err, errno, "%s: read", name);
      if (n == 0)
        break;
      len += (size_t) n;
    }
  *out = steal_pointer (&buf);
  *out_len = len;
  return 0;
}

/* The whole of the regular file at path (called `name` in errors). */
static int
read_regular_file (const char *path, const char *name, char **buf, size_t *len, spc_err_t *err)
{
  /* O_NONBLOCK: a FIFO in the file's place must not block the open (a
   * regular file reads the same either way). */
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return spc_error_make (err, errno, "%s: open", name);
  /* A FIFO would block the read forever, a device never end. */
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_make (err, errno, "%s: stat", name);
  if (!S_ISREG (st.st_mode))
    return spc_error_make (err, 0, "%s: not a regular file: refused", name);
  return read_whole_fd (fd, name, buf, len, err);
}

int
spc_config_read_file (const char *path, const char *name, char **buf, size_t *len,
                      spc_err_t *err)
{
  return read_regular_file (path, name, buf, len, err);
}

int
spc_config_load_file (const char *path, const char *name, struct spc_config **out,
                      spc_err_t *err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (read_regular_file (path, name, &buf, &len, err) < 0)
    return -1;
  return spc_config_load_buffer (buf, len, name, out, err);
}

int
spc_config_load_resources_buffer (const char *buf, size_t len, const char *name,
                                  struct spc_resources *out, spc_err_t *err)
{
  _cleanup_json_ spc_json *doc = NULL;
  if (spc_json_parse (buf, len, &doc, err) < 0)
    return spc_error_prefix (err, "%s", name);
  const struct jpath file = { .kind = JPATH_FILE, .key = name };
  if (config_parse_resources (doc, &file, out, err) < 0)
    {
      config_resources_free (out);
      return -1;
    }
  return 0;
}

int
spc_config_load_resources (const char *path, const char *name, struct spc_resources *out,
                           spc_err_t *err)
{
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return spc_error_make (err, errno, "%s: open", name);
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (read_whole_fd (fd, name, &buf, &len, err) < 0)
    return -1;
  return spc_config_load_resources_buffer (buf, len, name, out, err);
}

/* A runtime-spec `process` object in a file of its own (exec --process):
 * the same parser as config.json's, errors naming the file and the path
 * inside it ("process.json: args: required"). */
int
spc_config_load_process (const char *path, const char *name, struct spc_process *out,
                         spc_err_t *err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  _cleanup_json_ spc_json *doc = NULL;
  if (read_regular_file (path, name, &buf, &len, err) < 0)
    return -1;
  if (spc_json_parse (buf, len, &doc, err) < 0)
    return spc_error_prefix (err, "%s", name);
  struct spc_process proc = { 0 };
  const struct jpath file = { .kind = JPATH_FILE, .key = name };
  if (parse_process (doc, &file, &proc, err) < 0)
    {
      spc_process_clear (&proc);
      return -1;
    }
  *out = proc;
  return 0;
}

void
spc_resources_free (struct spc_resources *r)
{
  config_resources_free (r);
  memset (r, 0, sizeof *r);
}

/* ---- release ------------------------------------------------------------ */

static void process_free (struct spc_process *proc);

void
spc_process_clear (struct spc_process *proc)
{
  process_free (proc);
  memset (proc, 0, sizeof *proc);
}

static void
process_free (struct spc_process *proc)
{
  free (proc->user.additional_gids);
  free (proc->user.username);
  config_strv_free (proc->args);
  config_strv_free (proc->env);
  free (proc->cwd);
  for (size_t i = 0; i < proc->n_rlimits; i++)
    free (proc->rlimits[i].type);
  free (proc->rlimits);
  free (proc->apparmor_profile);
  free (proc->selinux_label);
  free (proc->exec_cpus_initial);
  free (proc->exec_cpus_final);
}

static void
mount_free (struct spc_mount *m)
{
  free (m->destination);
  free (m->type);
  free (m->source);
  config_strv_free (m->options);
  free (m->data);
  free (m->uid_mappings);
  free (m->gid_mappings);
}

void
spc_hooks_free (struct spc_hooks *hooks)
{
  for (int kind = 0; kind < SPC_HOOK_KIND_COUNT; kind++)
    {
      for (size_t i = 0; i < hooks->n_hooks[kind]; i++)
        {
          free (hooks->hooks[kind][i].path);
          config_strv_free (hooks->hooks[kind][i].args);
          config_strv_free (hooks->hooks[kind][i].env);
        }
      free (hooks->hooks[kind]);
      hooks->hooks[kind] = NULL;
      hooks->n_hooks[kind] = 0;
    }
}

void
spc_config_free (struct spc_config *c)
{
  if (c == NULL)
    return;
  free (c->oci_version);
  free (c->root.path);
  process_free (&c->process);
  free (c->hostname);
  free (c->domainname);
  for (size_t i = 0; i < c->n_mounts; i++)
    mount_free (&c->mounts[i]);
  free (c->mounts);
  spc_hooks_free (&c->hooks);
  for (size_t i = 0; i < c->n_annotations; i++)
    {
      free (c->annotations[i].key);
      free (c->annotations[i].value);
    }
  free (c->annotations);
  config_linux_free (&c->linux_);
  free (c);
}

const char *
spc_config_annotation (const struct spc_config *c, const char *key)
{
  /* Backwards: a key given twice resolves to its last value. */
  for (size_t i = c->n_annotations; i > 0; i--)
    if (strcmp (c->annotations[i - 1].key, key) == 0)
      return c->annotations[i - 1].value;
  return NULL;
}
