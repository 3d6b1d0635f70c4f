/* linux.resources into the container's cgroup files, v1 and v2.
 *
 * Each section goes to the hierarchy spc_cgroup_find picks for its
 * controller (a v1 one first on hybrid hosts) and is written in that
 * hierarchy's terms: v1 files take the OCI values as they are, v2 files take
 * them converted the way runc and crun convert them (cpu.weight, io.weight,
 * memory.swap.max, cpu.max), so one config means the same on both.
 *
 * Only values that are given are written: `update` passes just what
 * changes. Every message names the value as config.json spells it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "cgroup-internal.h"

#define JP "linux.resources."

#define N_ELEMENTS(a) (sizeof (a) / sizeof (a)[0])

/* ---- files of one controller ---- */

/* The container's directory for one controller. */
struct ctl
{
  const struct spc_cgroup *cg;
  const struct spc_cgroup_dir *d;
  const char *name; /* "memory", "blkio", ... */
};

/* `where` is the JSON path of the first value that needs the controller. */
static int
find_ctl (const struct spc_cgroup *cg, const char *name, const char *where, struct ctl *c,
          spc_err_t *err)
{
  *c = (struct ctl){ .cg = cg, .d = spc_cgroup_find (cg, name), .name = name };
  if (c->d == NULL)
    return spc_error_make (err, 0, "%s: the host has no %s controller", where, name);
  return 0;
}

static bool
present (const struct ctl *c, const char *file)
{
  _cleanup_free_ char *path = NULL;
  return asprintf (&path, "%s/%s", c->d->path, file) >= 0 && access (path, F_OK) == 0;
}

/* A synthetic tree has only the files written so far: any file can be. */
static bool
usable (const struct ctl *c, const char *file)
{
  return c->cg->synthetic || present (c, file);
}

/* Of two files for the same thing (the second one: BFQ's), the one the
 * kernel offers; NULL when neither exists. */
static const char *
either (const struct ctl *c, const char *file, const char *alt)
{
  if (present (c, file))
    return file;
  if (present (c, alt))
    return alt;
  return c->cg->synthetic ? file : NULL;
}

/* A failed write as an error at `where`; a missing file is the host
 * lacking the feature, not an I/O problem. */
static int
report (const struct ctl *c, const char *file, const char *where, spc_err_t *failed,
        spc_err_t *err)
{
  if (*failed && (*failed)->errno_ == ENOENT && !c->cg->synthetic)
    return spc_error_make (err, 0, "%s: the host's %s controller has no %s (in `%s`)", where,
                           c->name, file, c->d->path);
  if (err && *err == NULL)
    *err = steal_pointer (failed);
  return spc_error_prefix (err, "%s", where);
}

static int
put (const struct ctl *c, const char *file, const char *value, const char *where, spc_err_t *err)
{
  _cleanup_error_ spc_err_t failed = NULL;
  if (spc_cgroup_write (c->cg, c->d->path, file, value, &failed) == 0)
    return 0;
  return report (c, file, where, &failed, err);
}

static int __attribute__ ((format (printf, 5, 6)))
putf (const struct ctl *c, const char *file, const char *where, spc_err_t *err, const char *fmt,
      ...)
{
  _cleanup_free_ char *value = NULL;
  va_list ap;
  va_start (ap, fmt);
  int r = vasprintf (&value, fmt, ap);
  va_end (ap);
  if (r < 0)
    return spc_error_errno (err, "%s: vasprintf", where);
  return put (c, file, value, where, err);
}

/* A write the kernel may refuse (EINVAL) for a reason the caller deals
 * with: with `tolerated`, a refusal is *refused rather than an error. Some
 * values are checked against others, so a refused one is written again
 * after the value it depends on, as runc does. */
static int
put_or_refused (const struct ctl *c, const char *file, const char *value, const char *where,
                bool tolerated, bool *refused, spc_err_t *err)
{
  _cleanup_error_ spc_err_t failed = NULL;
  *refused = false;
  if (spc_cgroup_write (c->cg, c->d->path, file, value, &failed) == 0)
    return 0;
  if (tolerated && failed && failed->errno_ == EINVAL)
    {
      *refused = true;
      return 0;
    }
  return report (c, file, where, &failed, err);
}

/* Deprecated values: the kernel may lack the file, or keep it and refuse
 * every write (EOPNOTSUPP); the container runs without the limit, as with
 * runc. */
static int
put_if_offered (const struct ctl *c, const char *file, const char *value, const char *where,
                spc_err_t *err)
{
  _cleanup_error_ spc_err_t failed = NULL;
  if (!usable (c, file))
    {
      spc_warn ("%s: the host's kernel has no %s; ignored", where, file);
      return 0;
    }
  if (spc_cgroup_write (c->cg, c->d->path, file, value, &failed) == 0)
    return 0;
  if (failed && failed->errno_ == EOPNOTSUPP)
    {
      spc_warn ("%s: the host's kernel no longer supports %s; ignored", where, file);
      return 0;
    }
  return report (c, file, where, &failed, err);
}

/* The number in a file (the first word), or `fallback`. */
static uint64_t
read_u64 (const struct ctl *c, const char *file, uint64_t fallback)
{
  _cleanup_free_ char *text = NULL;
  spc_err_t ignored = NULL;
  if (spc_cgroup_read (c->d->path, file, &text, &ignored) < 0)
    {
      spc_error_free (&ignored);
      return fallback;
    }
  char *end;
  errno = 0;
  uint64_t v = strtoull (text, &end, 10);
  return errno || end == text ? fallback : v;
}

/* ---- memory ---- */

typedef __typeof__ (((struct spc_resources *) 0)->memory) memory_t;

static const char *
memory_given (const memory_t *m)
{
  return m->has_limit                ? JP "memory.limit"
         : m->has_reservation        ? JP "memory.reservation"
         : m->has_swap               ? JP "memory.swap"
         : m->has_kernel             ? JP "memory.kernel"
         : m->has_kernel_tcp         ? JP "memory.kernelTCP"
         : m->has_swappiness         ? JP "memory.swappiness"
         : m->has_disable_oom_killer ? JP "memory.disableOOMKiller"
         : m->has_use_hierarchy      ? JP "memory.useHierarchy"
                                     : NULL;
}

/* OCI memory values: -1 is unlimited. */
static uint64_t
as_limit (int64_t v)
{
  return v < 0 ? UINT64_MAX : (uint64_t) v;
}

#define MEMSW "memory.memsw.limit_in_bytes"

/* A limit above memsw is refused (EINVAL): when no swap value came with
 * it, say which one is in the way. */
static int
memory_limit_v1 (const struct ctl *c, int64_t limit, bool with_swap, spc_err_t *err)
{
  _cleanup_error_ spc_err_t failed = NULL;
  char value[32];
  snprintf (value, sizeof value, "%" PRId64, limit);
  if (spc_cgroup_write (c->cg, c->d->path, "memory.limit_in_bytes", value, &failed) == 0)
    return 0;
  if (!with_swap && failed && failed->errno_ == EINVAL && present (c, MEMSW))
    return spc_error_make (err, 0,
                           JP "memory.limit: %s is above the memory+swap limit (%s: %" PRIu64
                              "); set " JP "memory.swap too",
                           value, MEMSW, read_u64 (c, MEMSW, 0));
  /* The kernel refuses a limit below what the cgroup already uses (its
   * processes keep allocating until it is written). */
  if (failed && failed->errno_ == EBUSY)
    return spc_error_make (err, EBUSY,
                           JP "memory.limit (%s bytes) is below what the container uses "
                              "already (%" PRIu64 " bytes)",
                           value, read_u64 (c, "memory.usage_in_bytes", 0));
  return report (c, "memory.limit_in_bytes", JP "memory.limit", &failed, err);
}

/* OCI swap is memory+swap, as v1's memsw. The kernel keeps memsw >= the
 * memory limit at every step, so with both changing the order matters: a
 * new limit above the current memsw needs the new memsw first (it is >=
 * the new limit, which is above the current one); otherwise the limit goes
 * first (the new limit fits under the current memsw). */
static int
memory_limit_and_swap_v1 (const struct ctl *c, const memory_t *m, spc_err_t *err)
{
  bool swap = m->has_swap && m->swap != 0; /* 0: unset, as in runc */
  int64_t swap_value = m->swap;
  /* An unlimited memory limit with no swap value lifts memsw too (runc):
   * a finite memsw would refuse it. */
  if (m->has_limit && m->limit < 0 && !swap && present (c, MEMSW))
    {
      swap = true;
      swap_value = -1;
    }
  if (swap && !usable (c, MEMSW))
    return spc_error_make (err, 0,
                           JP "memory.swap: the host's kernel does not account swap (no "
                              "%s; boot with swapaccount=1)",
                           MEMSW);
  bool swap_first = m->has_limit && swap && as_limit (m->limit) > read_u64 (c, MEMSW, UINT64_MAX);
  if (swap_first && putf (c, MEMSW, JP "memory.swap", err, "%" PRId64, swap_value) < 0)
    return -1;
  if (m->has_limit && memory_limit_v1 (c, m->limit, swap, err) < 0)
    return -1;
  if (swap && !swap_first && putf (c, MEMSW, JP "memory.swap", err, "%" PRId64, swap_value) < 0)
    return -1;
  return 0;
}

/* Kernels >= 5.x account hierarchically only and refuse "0" (EINVAL): the
 * same as on v2, a warning. */
static int
use_hierarchy_v1 (const struct ctl *c, const memory_t *m, spc_err_t *err)
{
  bool refused;
  if (!m->has_use_hierarchy)
    return 0;
  if (put_or_refused (c, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0",
                      JP "memory.useHierarchy", !m->use_hierarchy, &refused, err) < 0)
    return -1;
  if (refused)
    spc_warn (JP "memory.useHierarchy: the host's kernel has no non-hierarchical accounting; "
                 "ignored");
  return 0;
}

static int
memory_v1 (const struct ctl *c, const memory_t *m, spc_err_t *err)
{
  char value[32];
  if (m->has_swappiness && m->swappiness > 100)
    return spc_error_make (err, 0, JP "memory.swappiness: %" PRIu64 " is not in 0..100",
                           m->swappiness);
  if (memory_limit_and_swap_v1 (c, m, err) < 0)
    return -1;
  if (m->has_reservation
      && putf (c, "memory.soft_limit_in_bytes", JP "memory.reservation", err, "%" PRId64,
               m->reservation) < 0)
    return -1;
  if (m->has_kernel)
    {
      snprintf (value, sizeof value, "%" PRId64, m->kernel);
      if (put_if_offered (c, "memory.kmem.limit_in_bytes", value, JP "memory.kernel", err) < 0)
        return -1;
    }
  if (m->has_kernel_tcp)
    {
      snprintf (value, sizeof value, "%" PRId64, m->kernel_tcp);
      if (put_if_offered (c, "memory.kmem.tcp.limit_in_bytes", value, JP "memory.kernelTCP", err)
          < 0)
        return -1;
    }
  if (m->has_swappiness
      && putf (c, "memory.swappiness", JP "memory.swappiness", err, "%" PRIu64, m->swappiness) < 0)
    return -1;
  if (m->has_disable_oom_killer
      && put (c, "memory.oom_control", m->disable_oom_killer ? "1" : "0",
              JP "memory.disableOOMKiller", err) < 0)
    return -1;
  return use_hierarchy_v1 (c, m, err);
}

/* v2 limits swap alone: memory.swap.max = OCI swap (memory+swap) - limit,
 * runc's conversion, with its checks. Returns 0 and "" when there is
 * nothing to write. */
static int
swap_max_v2 (const memory_t *m, char *out, size_t size, spc_err_t *err)
{
  out[0] = '\0';
  if (!m->has_swap || m->swap == 0) /* 0: unset, as in runc */
    {
      /* Unlimited memory with no swap value: unlimited swap too (runc). */
      if (m->has_limit && m->limit < 0)
        snprintf (out, size, "max");
      return 0;
    }
  if (m->swap < 0)
    {
      snprintf (out, size, "max");
      return 0;
    }
  if (!m->has_limit || m->limit < 0)
    return spc_error_make (err, 0,
                           JP "memory.swap: cgroup v2 needs " JP "memory.limit too (it limits "
                              "swap alone: memory.swap.max = swap - limit)");
  if (m->swap < m->limit)
    return spc_error_make (err, 0,
                           JP "memory.swap: %" PRId64 " is below " JP "memory.limit %" PRId64
                              " (swap is memory+swap)",
                           m->swap, m->limit);
  snprintf (out, size, "%" PRId64, m->swap - m->limit);
  return 0;
}

static void
warn_v2_lacks (const char *where, const char *what)
{
  spc_warn ("%s: cgroup v2 has no %s; ignored", where, what);
}

static int
memory_v2 (const struct ctl *c, const memory_t *m, spc_err_t *err)
{
  char swap[32];
  if (swap_max_v2 (m, swap, sizeof swap, err) < 0)
    return -1;
  if (m->has_limit
      && (m->limit < 0 ? put (c, "memory.max", "max", JP "memory.limit", err)
                       : putf (c, "memory.max", JP "memory.limit", err, "%" PRId64, m->limit))
             < 0)
    return -1;
  /* The implied unlimited swap only where the kernel accounts swap. */
  bool implied = !m->has_swap || m->swap == 0;
  if (swap[0] && (!implied || usable (c, "memory.swap.max"))
      && put (c, "memory.swap.max", swap, JP "memory.swap", err) < 0)
    return -1;
  if (m->has_reservation
      && (m->reservation < 0
              ? put (c, "memory.low", "max", JP "memory.reservation", err)
              : putf (c, "memory.low", JP "memory.reservation", err, "%" PRId64, m->reservation))
             < 0)
    return -1;
  if (m->has_swappiness)
    warn_v2_lacks (JP "memory.swappiness", "memory.swappiness");
  if (m->has_kernel)
    warn_v2_lacks (JP "memory.kernel", "kernel memory limit (kernel memory is always counted)");
  if (m->has_kernel_tcp)
    warn_v2_lacks (JP "memory.kernelTCP", "TCP buffer limit (it is counted as memory)");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    warn_v2_lacks (JP "memory.disableOOMKiller", "switch for the OOM killer");
  if (m->has_use_hierarchy && !m->use_hierarchy)
    warn_v2_lacks (JP "memory.useHierarchy", "non-hierarchical accounting");
  return 0;
}

static int
apply_memory (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  const char *where = memory_given (&r->memory);
  struct ctl c;
  if (where == NULL)
    return 0;
  if (find_ctl (cg, "memory", where, &c, err) < 0)
    return -1;
  return c.d->v2 ? memory_v2 (&c, &r->memory, err) : memory_v1 (&c, &r->memory, err);
}

/* ---- cpu ---- */

typedef __typeof__ (((struct spc_resources *) 0)->cpu) cpu_t;

static const char *
cpu_given (const cpu_t *cpu)
{
  return cpu->has_shares             ? JP "cpu.shares"
         : cpu->has_quota            ? JP "cpu.quota"
         : cpu->has_period           ? JP "cpu.period"
         : cpu->has_burst            ? JP "cpu.burst"
         : cpu->has_realtime_runtime ? JP "cpu.realtimeRuntime"
         : cpu->has_realtime_period  ? JP "cpu.realtimePeriod"
         : cpu->has_idle             ? JP "cpu.idle"
                                     : NULL;
}

/* Period before quota. The kernel checks both against the parent's
 * bandwidth and the burst against the quota, so a new period or burst may
 * be refused until the new quota is in: then they are written again after
 * it (runc's order). */
static int
cfs_bandwidth_v1 (const struct ctl *c, const cpu_t *cpu, spc_err_t *err)
{
  char period[32], burst[32];
  bool period_later = false, burst_later = false;
  snprintf (period, sizeof period, "%" PRIu64, cpu->period);
  snprintf (burst, sizeof burst, "%" PRIu64, cpu->burst);
  if (cpu->has_period
      && put_or_refused (c, "cpu.cfs_period_us", period, JP "cpu.period", cpu->has_quota,
                         &period_later, err) < 0)
    return -1;
  if (cpu->has_burst && !usable (c, "cpu.cfs_burst_us"))
    spc_warn (JP "cpu.burst: the host's kernel has no cpu.cfs_burst_us; ignored");
  else if (cpu->has_burst
           && put_or_refused (c, "cpu.cfs_burst_us", burst, JP "cpu.burst", cpu->has_quota,
                              &burst_later, err) < 0)
    return -1;
  if (!cpu->has_quota)
    return 0;
  if (putf (c, "cpu.cfs_quota_us", JP "cpu.quota", err, "%" PRId64, cpu->quota) < 0
      || (period_later && put (c, "cpu.cfs_period_us", period, JP "cpu.period", err) < 0)
      || (burst_later && put (c, "cpu.cfs_burst_us", burst, JP "cpu.burst", err) < 0))
    return -1;
  return 0;
}

/* The runtime must fit in the period: a shorter period is refused until
 * the runtime is lowered, so a refused period is retried after it (runc). */
static int
rt_bandwidth_v1 (const struct ctl *c, const cpu_t *cpu, spc_err_t *err)
{
  char period[32];
  bool period_later = false;
  snprintf (period, sizeof period, "%" PRIu64, cpu->realtime_period);
  if (cpu->has_realtime_period
      && put_or_refused (c, "cpu.rt_period_us", period, JP "cpu.realtimePeriod",
                         cpu->has_realtime_runtime, &period_later, err) < 0)
    return -1;
  if (!cpu->has_realtime_runtime)
    return 0;
  if (putf (c, "cpu.rt_runtime_us", JP "cpu.realtimeRuntime", err, "%" PRId64,
            cpu->realtime_runtime) < 0
      || (period_later && put (c, "cpu.rt_period_us", period, JP "cpu.realtimePeriod", err) < 0))
    return -1;
  return 0;
}

static int
cpu_v1 (const struct ctl *c, const cpu_t *cpu, spc_err_t *err)
{
  if (cpu->has_shares
      && putf (c, "cpu.shares", JP "cpu.shares", err, "%" PRIu64, cpu->shares) < 0)
    return -1;
  if (cfs_bandwidth_v1 (c, cpu, err) < 0 || rt_bandwidth_v1 (c, cpu, err) < 0)
    return -1;
  if (cpu->has_idle && putf (c, "cpu.idle", JP "cpu.idle", err, "%" PRId64, cpu->idle) < 0)
    return -1;
  return 0;
}

/* v1 cpu.shares run 2..262144 (default 1024), v2 cpu.weight 1..10000
 * (default 100). runc and crun map one range onto the other linearly:
 *   weight = 1 + ((shares - 2) * 9999) / 262142
 * so 2 -> 1, 262144 -> 10000 and the v1 default 1024 -> 39 (the two
 * defaults are not on the line). Shares outside the v1 range are clamped
 * to it first, as the v1 kernel does. */
static uint64_t
shares_to_weight (uint64_t shares)
{
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

/* cpu.max is "QUOTA PERIOD" in one write; the one not given keeps its
 * current value (a new cgroup has "max 100000"). A negative quota (OCI:
 * -1) is "max". */
static int
cpu_max_v2 (const struct ctl *c, const cpu_t *cpu, spc_err_t *err)
{
  char quota[32] = "max";
  uint64_t period = 100000;
  _cleanup_free_ char *current = NULL;
  spc_err_t ignored = NULL;
  if (spc_cgroup_read (c->d->path, "cpu.max", &current, &ignored) == 0)
    sscanf (current, "%31s %" SCNu64, quota, &period);
  spc_error_free (&ignored);
  if (cpu->has_quota && cpu->quota < 0)
    snprintf (quota, sizeof quota, "max");
  else if (cpu->has_quota)
    snprintf (quota, sizeof quota, "%" PRId64, cpu->quota);
  if (cpu->has_period)
    period = cpu->period;
  return putf (c, "cpu.max", cpu->has_quota ? JP "cpu.quota" : JP "cpu.period", err,
               "%s %" PRIu64, quota, period);
}

static int
cpu_v2 (const struct ctl *c, const cpu_t *cpu, spc_err_t *err)
{
  if ((cpu->has_realtime_runtime && cpu->realtime_runtime != 0)
      || (cpu->has_realtime_period && cpu->realtime_period != 0))
    return spc_error_make (err, 0, "%s: cgroup v2 has no realtime CPU bandwidth "
                                   "(cpu.rt_period_us and cpu.rt_runtime_us are cgroup v1's)",
                           cpu->has_realtime_runtime ? JP "cpu.realtimeRuntime"
                                                     : JP "cpu.realtimePeriod");
  if (cpu->has_shares
      && putf (c, "cpu.weight", JP "cpu.shares", err, "%" PRIu64,
               shares_to_weight (cpu->shares)) < 0)
    return -1;
  /* The burst must fit in the quota: as in v1, a refused burst is written
   * again after cpu.max. */
  char burst[32];
  bool quota = cpu->has_quota || cpu->has_period, burst_later = false;
  snprintf (burst, sizeof burst, "%" PRIu64, cpu->burst);
  if (cpu->has_burst && !usable (c, "cpu.max.burst"))
    spc_warn (JP "cpu.burst: the host's kernel has no cpu.max.burst; ignored");
  else if (cpu->has_burst
           && put_or_refused (c, "cpu.max.burst", burst, JP "cpu.burst", quota, &burst_later,
                              err) < 0)
    return -1;
  if (quota && cpu_max_v2 (c, cpu, err) < 0)
    return -1;
  if (burst_later && put (c, "cpu.max.burst", burst, JP "cpu.burst", err) < 0)
    return -1;
  if (cpu->has_idle && putf (c, "cpu.idle", JP "cpu.idle", err, "%" PRId64, cpu->idle) < 0)
    return -1;
  return 0;
}

static int
apply_cpu (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  const char *where = cpu_given (&r->cpu);
  struct ctl c;
  if (where == NULL)
    return 0;
  if (find_ctl (cg, "cpu", where, &c, err) < 0)
    return -1;
  return c.d->v2 ? cpu_v2 (&c, &r->cpu, err) : cpu_v1 (&c, &r->cpu, err);
}

/* cpuset.cpus and cpuset.mems: the same files on v1 and v2. An empty
 * string is unset (writing it would leave a v1 cpuset unable to run
 * anything). */
static int
apply_cpuset (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  const char *cpus = r->cpu.cpus && r->cpu.cpus[0] ? r->cpu.cpus : NULL;
  const char *mems = r->cpu.mems && r->cpu.mems[0] ? r->cpu.mems : NULL;
  struct ctl c;
  if (cpus == NULL && mems == NULL)
    return 0;
  if (find_ctl (cg, "cpuset", cpus ? JP "cpu.cpus" : JP "cpu.mems", &c, err) < 0
      || (cpus && put (&c, "cpuset.cpus", cpus, JP "cpu.cpus", err) < 0)
      || (mems && put (&c, "cpuset.mems", mems, JP "cpu.mems", err) < 0))
    return -1;
  return 0;
}

/* ---- pids ---- */

/* runtime-spec 1.3: -1 means no limit ("max" on v1 and v2 alike), and 0
 * is a real limit the kernel takes (no fork at all), not "unset": an
 * absent limit is has_limit false. Below -1, as runc, also "max". */
static int
apply_pids (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  struct ctl c;
  if (!r->pids.has_limit)
    return 0;
  if (find_ctl (cg, "pids", JP "pids.limit", &c, err) < 0)
    return -1;
  if (r->pids.limit < 0)
    return put (&c, "pids.max", "max", JP "pids.limit", err);
  return putf (&c, "pids.max", JP "pids.limit", err, "%" PRId64, r->pids.limit);
}

/* ---- block I/O ---- */

typedef __typeof__ (((struct spc_resources *) 0)->block_io) block_io_t;

/* The four throttle lists, as one table. */
struct throttle_list
{
  const char *json;    /* "throttleReadBpsDevice" */
  const char *v1_file; /* "blkio.throttle.read_bps_device" */
  const char *v2_key;  /* "rbps" */
  const struct spc_throttle_device *devs;
  size_t n;
};

static void
throttle_lists (const block_io_t *b, struct throttle_list out[4])
{
  out[0] = (struct throttle_list){ "throttleReadBpsDevice", "blkio.throttle.read_bps_device",
                                   "rbps", b->throttle_read_bps, b->n_throttle_read_bps };
  out[1] = (struct throttle_list){ "throttleWriteBpsDevice", "blkio.throttle.write_bps_device",
                                   "wbps", b->throttle_write_bps, b->n_throttle_write_bps };
  out[2] = (struct throttle_list){ "throttleReadIOPSDevice", "blkio.throttle.read_iops_device",
                                   "riops", b->throttle_read_iops, b->n_throttle_read_iops };
  out[3] = (struct throttle_list){ "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device",
                                   "wiops", b->throttle_write_iops, b->n_throttle_write_iops };
}

static const char *
block_io_given (const block_io_t *b)
{
  if (b->has_weight)
    return JP "blockIO.weight";
  if (b->has_leaf_weight)
    return JP "blockIO.leafWeight";
  if (b->n_weight_device)
    return JP "blockIO.weightDevice";
  if (b->n_throttle_read_bps)
    return JP "blockIO.throttleReadBpsDevice";
  if (b->n_throttle_write_bps)
    return JP "blockIO.throttleWriteBpsDevice";
  if (b->n_throttle_read_iops)
    return JP "blockIO.throttleReadIOPSDevice";
  if (b->n_throttle_write_iops)
    return JP "blockIO.throttleWriteIOPSDevice";
  return NULL;
}

/* The weight file, CFQ's or else BFQ's (kernels >= 5.0 have only BFQ's). */
static int
weight_file (const struct ctl *c, const char *file, const char *bfq_file, const char *where,
             const char **out, spc_err_t *err)
{
  *out = either (c, file, bfq_file);
  if (*out == NULL)
    return spc_error_make (err, 0,
                           "%s: the host's %s controller has neither %s nor %s (no I/O "
                           "scheduler with weights)",
                           where, c->name, file, bfq_file);
  return 0;
}

static int
block_io_weights_v1 (const struct ctl *c, const block_io_t *b, spc_err_t *err)
{
  const char *file;
  if (b->has_weight
      && (weight_file (c, "blkio.weight", "blkio.bfq.weight", JP "blockIO.weight", &file, err) < 0
          || putf (c, file, JP "blockIO.weight", err, "%u", b->weight) < 0))
    return -1;
  if (b->has_leaf_weight
      && putf (c, "blkio.leaf_weight", JP "blockIO.leafWeight", err, "%u", b->leaf_weight) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct spc_weight_device *wd = &b->weight_device[i];
      char where[64];
      snprintf (where, sizeof where, JP "blockIO.weightDevice[%zu]", i);
      if (wd->has_weight
          && (weight_file (c, "blkio.weight_device", "blkio.bfq.weight_device", where, &file, err)
                  < 0
              || putf (c, file, where, err, "%" PRId64 ":%" PRId64 " %u", wd->major, wd->minor,
                       wd->weight) < 0))
        return -1;
      if (wd->has_leaf_weight
          && putf (c, "blkio.leaf_weight_device", where, err, "%" PRId64 ":%" PRId64 " %u",
                   wd->major, wd->minor, wd->leaf_weight) < 0)
        return -1;
    }
  return 0;
}

static int
block_io_v1 (const struct ctl *c, const block_io_t *b, spc_err_t *err)
{
  struct throttle_list lists[4];
  if (block_io_weights_v1 (c, b, err) < 0)
    return -1;
  throttle_lists (b, lists);
  for (size_t l = 0; l < N_ELEMENTS (lists); l++)
    for (size_t i = 0; i < lists[l].n; i++)
      {
        const struct spc_throttle_device *td = &lists[l].devs[i];
        char where[80];
        snprintf (where, sizeof where, JP "blockIO.%s[%zu]", lists[l].json, i);
        if (putf (c, lists[l].v1_file, where, err, "%" PRId64 ":%" PRId64 " %" PRIu64, td->major,
                  td->minor, td->rate) < 0)
          return -1;
      }
  return 0;
}

/* blkio.weight runs 10..1000 (default 500), io.weight 1..10000 (default
 * 100). crun's line between the ranges:
 *   io_weight = 1 + (weight - 10) * 9999 / 990
 * so 10 -> 1, 500 -> 4950, 1000 -> 10000. Weights outside 10..1000 are
 * clamped first. BFQ's io.bfq.weight has blkio's scale and takes the
 * weight as it is. */
static unsigned
blkio_to_io_weight (unsigned weight)
{
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

static int
io_weights_v2 (const struct ctl *c, const block_io_t *b, spc_err_t *err)
{
  const char *file = NULL;
  if ((b->has_weight || b->n_weight_device)
      && weight_file (c, "io.weight", "io.bfq.weight", b->has_weight ? JP "blockIO.weight"
                                                                     : JP "blockIO.weightDevice",
                      &file, err) < 0)
    return -1;
  bool bfq = file && strcmp (file, "io.bfq.weight") == 0;
  if (b->has_weight
      && putf (c, file, JP "blockIO.weight", err, "%u",
               bfq ? b->weight : blkio_to_io_weight (b->weight)) < 0)
    return -1;
  if (b->has_leaf_weight)
    warn_v2_lacks (JP "blockIO.leafWeight", "leaf weights");
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct spc_weight_device *wd = &b->weight_device[i];
      char where[64];
      snprintf (where, sizeof where, JP "blockIO.weightDevice[%zu]", i);
      if (wd->has_weight
          && putf (c, file, where, err, "%" PRId64 ":%" PRId64 " %u", wd->major, wd->minor,
                   bfq ? wd->weight : blkio_to_io_weight (wd->weight)) < 0)
        return -1;
      if (wd->has_leaf_weight)
        warn_v2_lacks (where, "leaf weights");
    }
  return 0;
}

static bool
same_device (const struct spc_throttle_device *a, const struct spc_throttle_device *b)
{
  return a->major == b->major && a->minor == b->minor;
}

/* Did the device come up before entry i of list l? */
static bool
throttled_before (const struct throttle_list *lists, size_t l, size_t i)
{
  const struct spc_throttle_device *dev = &lists[l].devs[i];
  for (size_t k = 0; k <= l; k++)
    for (size_t j = 0; j < (k == l ? i : lists[k].n); j++)
      if (same_device (&lists[k].devs[j], dev))
        return true;
  return false;
}

/* One io.max line for a device: "MAJ:MIN rbps=N wbps=N ...", with the keys
 * the lists give (the last entry for the device in each). v1's rate 0 is
 * "no limit", v2's is "max" (io.max refuses 0). */
static char *
io_max_line (const struct throttle_list *lists, const struct spc_throttle_device *dev)
{
  char *line = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&line, &len);
  if (f == NULL)
    return NULL;
  fprintf (f, "%" PRId64 ":%" PRId64, dev->major, dev->minor);
  for (size_t k = 0; k < 4; k++)
    {
      const struct spc_throttle_device *last = NULL;
      for (size_t j = 0; j < lists[k].n; j++)
        if (same_device (&lists[k].devs[j], dev))
          last = &lists[k].devs[j];
      if (last && last->rate)
        fprintf (f, " %s=%" PRIu64, lists[k].v2_key, last->rate);
      else if (last)
        fprintf (f, " %s=max", lists[k].v2_key);
    }
  if (fclose (f) != 0)
    {
      free (line);
      return NULL;
    }
  return line;
}

/* io.max takes one line per device: the four OCI lists merged by device. */
static int
io_max_v2 (const struct ctl *c, const block_io_t *b, spc_err_t *err)
{
  struct throttle_list lists[4];
  throttle_lists (b, lists);
  for (size_t l = 0; l < N_ELEMENTS (lists); l++)
    for (size_t i = 0; i < lists[l].n; i++)
      {
        if (throttled_before (lists, l, i))
          continue;
        char where[80];
        snprintf (where, sizeof where, JP "blockIO.%s[%zu]", lists[l].json, i);
        _cleanup_free_ char *line = io_max_line (lists, &lists[l].devs[i]);
        if (line == NULL)
          return spc_error_errno (err, "%s: open_memstream", where);
        if (put (c, "io.max", line, where, err) < 0)
          return -1;
      }
  return 0;
}

static int
apply_block_io (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  const char *where = block_io_given (&r->block_io);
  struct ctl c;
  if (where == NULL)
    return 0;
  /* v1 calls the controller blkio, v2 io. */
  const char *name = spc_cgroup_find (cg, "blkio") ? "blkio" : "io";
  if (spc_cgroup_find (cg, name) == NULL)
    return spc_error_make (err, 0, "%s: the host has no blkio (v1) or io (v2) controller", where);
  if (find_ctl (cg, name, where, &c, err) < 0)
    return -1;
  if (!c.d->v2)
    return block_io_v1 (&c, &r->block_io, err);
  if (io_weights_v2 (&c, &r->block_io, err) < 0 || io_max_v2 (&c, &r->block_io, err) < 0)
    return -1;
  return 0;
}

/* ---- hugetlb ---- */

/* The kernel names page sizes "64KB", "2MB", "1GB": a number and a unit. */
static bool
page_size_valid (const char *s)
{
  size_t digits = strspn (s, "0123456789");
  return digits > 0 && digits <= 12 && s[digits] != '\0' && strchr ("KMGTP", s[digits])
         && s[digits + 1] == 'B' && s[digits + 2] == '\0';
}

/* The page sizes with a limit file in the directory, as "2MB, 1GB" ("" when
 * none: the controller is not enabled for it). */
static void
page_sizes_offered (const struct ctl *c, char *out, size_t size)
{
  const char *suffix = c->d->v2 ? ".max" : ".limit_in_bytes";
  size_t slen = strlen (suffix), used = 0;
  _cleanup_closedir_ DIR *dir = opendir (c->d->path);
  struct dirent *de;
  out[0] = '\0';
  while (dir && (de = readdir (dir)))
    {
      const char *size_start = de->d_name + strlen ("hugetlb.");
      size_t len = strlen (de->d_name);
      if (strncmp (de->d_name, "hugetlb.", 8) != 0 || len < 8 + slen
          || strcmp (de->d_name + len - slen, suffix) != 0)
        continue;
      int n = (int) (len - 8 - slen);
      if (memchr (size_start, '.', (size_t) n)) /* hugetlb.2MB.rsvd.max */
        continue;
      int w = snprintf (out + used, size - used, "%s%.*s", used ? ", " : "", n, size_start);
      if (w < 0 || (size_t) w >= size - used)
        return;
      used += (size_t) w;
    }
}

static int
check_page_size (const struct ctl *c, const char *page_size, const char *file, const char *where,
                 spc_err_t *err)
{
  if (!page_size_valid (page_size))
    return spc_error_make (err, 0,
                           "%s: `%s` is not a page size as the kernel names it (\"2MB\", "
                           "\"1GB\")",
                           where, page_size);
  if (c->cg->synthetic || present (c, file))
    return 0;
  char offered[256];
  page_sizes_offered (c, offered, sizeof offered);
  if (offered[0] == '\0')
    return spc_error_make (err, 0,
                           "%s: the hugetlb controller is not enabled for the container's "
                           "cgroup (no hugetlb files in `%s`)",
                           where, c->d->path);
  return spc_error_make (err, 0, "%s: the host has no %s pages (it has %s)", where, page_size,
                         offered);
}

/* Reserved pages are limited with the faulted ones when the kernel tells
 * them apart (>= 5.7), as runc does. */
static int
apply_hugetlb (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  struct ctl c;
  if (r->n_hugepage_limits == 0)
    return 0;
  if (find_ctl (cg, "hugetlb", JP "hugepageLimits", &c, err) < 0)
    return -1;
  const char *limit = c.d->v2 ? "max" : "limit_in_bytes";
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      const struct spc_hugepage_limit *h = &r->hugepage_limits[i];
      char where[80], file[96], rsvd[96];
      snprintf (where, sizeof where, JP "hugepageLimits[%zu].pageSize", i);
      snprintf (file, sizeof file, "hugetlb.%s.%s", h->page_size, limit);
      snprintf (rsvd, sizeof rsvd, "hugetlb.%s.rsvd.%s", h->page_size, limit);
      if (check_page_size (&c, h->page_size, file, where, err) < 0)
        return -1;
      snprintf (where, sizeof where, JP "hugepageLimits[%zu].limit", i);
      if (putf (&c, file, where, err, "%" PRIu64, h->limit) < 0)
        return -1;
      if (present (&c, rsvd) && putf (&c, rsvd, where, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
  return 0;
}

/* ---- network (v1 only) ---- */

static int
apply_network (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  struct ctl c;
  if (r->network.has_class_id
      && (find_ctl (cg, "net_cls", JP "network.classID", &c, err) < 0
          || putf (&c, "net_cls.classid", JP "network.classID", err, "%" PRIu32,
                   r->network.class_id) < 0))
    return -1;
  if (r->network.n_priorities == 0)
    return 0;
  if (find_ctl (cg, "net_prio", JP "network.priorities", &c, err) < 0)
    return -1;
  for (size_t i = 0; i < r->network.n_priorities; i++)
    {
      const struct spc_net_priority *p = &r->network.priorities[i];
      char where[64];
      snprintf (where, sizeof where, JP "network.priorities[%zu].name", i);
      /* ifpriomap takes "IFNAME PRIO": a blank would shift the fields. */
      if (p->name[0] == '\0' || p->name[strcspn (p->name, " \t\n")] != '\0')
        return spc_error_make (err, 0, "%s: `%s` is not an interface name", where, p->name);
      if (putf (&c, "net_prio.ifpriomap", where, err, "%s %" PRIu32, p->name, p->priority) < 0)
        return -1;
    }
  return 0;
}

/* ---- devices ---- */

#define DEFAULT_DEVICE(maj, min)                                                              \
  {                                                                                           \
    .allow = true, .type = 'c', .has_major = true, .major = (maj), .has_minor = (min) >= 0,   \
    .minor = (min)                                                                            \
  }

#define MKNOD_ANY(t)                                                                          \
  {                                                                                           \
    .allow = true, .type = (t), .access = (char *) "m"                                        \
  }

/* What every container gets, whatever its rules: runc's list. mknod of
 * any node (a container with CAP_MKNOD may make one, not open it);
 * /dev/null, zero, full, random, urandom, tty, ptmx, the pts (/dev/console
 * is one of them) and tun. */
static const struct spc_device_cgroup_rule default_devices[] = {
  MKNOD_ANY ('c'),        MKNOD_ANY ('b'),        DEFAULT_DEVICE (1, 3),
  DEFAULT_DEVICE (1, 5),  DEFAULT_DEVICE (1, 7),  DEFAULT_DEVICE (1, 8),
  DEFAULT_DEVICE (1, 9),  DEFAULT_DEVICE (5, 0),  DEFAULT_DEVICE (5, 2),
  DEFAULT_DEVICE (136, -1), DEFAULT_DEVICE (10, 200),
};

/* The rule list, runc's way on v1 and v2 alike: everything is denied unless
 * a rule allows it; the config's rules apply in order (the last match
 * wins: v1 writes them one after the other, the v2 filter checks them from
 * the last); then what every container needs (/dev/null and the rest) and
 * the nodes linux.devices creates are allowed, whatever the rules said.
 * The rules share the config's strings. */
static int
device_rules (const struct spc_resources *r, const struct spc_device *created,
              size_t n_created, struct spc_device_cgroup_rule **out, size_t *n, spc_err_t *err)
{
  *n = r->n_devices + N_ELEMENTS (default_devices) + n_created;
  *out = calloc (*n, sizeof **out);
  if (*out == NULL)
    return spc_error_errno (err, JP "devices: calloc");
  struct spc_device_cgroup_rule *rule = *out;
  if (r->n_devices)
    memcpy (rule, r->devices, r->n_devices * sizeof *rule);
  rule += r->n_devices;
  memcpy (rule, default_devices, sizeof default_devices);
  rule += N_ELEMENTS (default_devices);
  for (size_t i = 0; i < n_created; i++, rule++)
    {
      /* A fifo needs no device access; 'u' is a character device. */
      char type = created[i].type == 'b' ? 'b' : 'c';
      *rule = (struct spc_device_cgroup_rule){ .allow = created[i].type != 'p', .type = type,
                                               .has_major = true, .major = created[i].major,
                                               .has_minor = true, .minor = created[i].minor };
    }
  return 0;
}

/* "c 1:3 rwm", as v1's devices.allow and devices.deny take it; a missing
 * (or negative) number is "*", missing access is "rwm". */
static void
format_rule (const struct spc_device_cgroup_rule *rule, char *out, size_t size)
{
  char major[24] = "*", minor[24] = "*";
  if (rule->has_major && rule->major >= 0)
    snprintf (major, sizeof major, "%" PRId64, rule->major);
  if (rule->has_minor && rule->minor >= 0)
    snprintf (minor, sizeof minor, "%" PRId64, rule->minor);
  char access[4] = "";
  for (const char *a = rule->access; a && *a && strlen (access) < 3; a++)
    if (*a != 'a' && strchr (access, *a) == NULL)
      strncat (access, a, 1); /* v1 knows no "a" access */
  snprintf (out, size, "%c %s:%s %s", rule->type, major, minor,
            rule->access == NULL || rule->access[0] == '\0' ? "rwm" : access);
}

/* Each rule is one write; devices.allow and devices.deny are opened once
 * each and take them all. */
struct rule_files
{
  int allow, deny;
};

static void
rule_files_close (struct rule_files *f)
{
  if (f->allow >= 0)
    close (f->allow);
  if (f->deny >= 0)
    close (f->deny);
}

static int
put_rule (const struct ctl *c, struct rule_files *f, bool allow, const char *rule,
          const char *where, spc_err_t *err)
{
  const char *file = allow ? "devices.allow" : "devices.deny";
  int *fd = allow ? &f->allow : &f->deny;
  _cleanup_error_ spc_err_t failed = NULL;
  /* A synthetic tree's files are plain files: each rule replaces the
   * last, as the tests read them. */
  if (c->cg->synthetic)
    return put (c, file, rule, where, err);
  if (*fd < 0)
    *fd = spc_cgroup_open_write (c->cg, c->d->path, file, &failed);
  if (*fd >= 0 && spc_cgroup_write_fd (*fd, c->d->path, file, rule, &failed) == 0)
    return 0;
  return report (c, file, where, &failed, err);
}

static int
devices_v1 (const struct ctl *c, const struct spc_device_cgroup_rule *rules, size_t n,
            size_t n_user, spc_err_t *err)
{
  __attribute__ ((cleanup (rule_files_close))) struct rule_files f = { -1, -1 };
  /* "a" on devices.deny drops every exception inherited from the parent
   * and denies by default. */
  if (put_rule (c, &f, false, "a", JP "devices", err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      char rule[80], where[160];
      if (!rules[i].allow && i >= n_user)
        continue; /* a fifo of linux.devices: nothing to allow */
      format_rule (&rules[i], rule, sizeof rule);
      if (rule[strlen (rule) - 1] == ' ')
        continue; /* access "a" alone: allows and denies nothing */
      if (i < n_user)
        snprintf (where, sizeof where, JP "devices[%zu]", i);
      else
        snprintf (where, sizeof where, JP "devices: allowing the device `%s`", rule);
      if (put_rule (c, &f, rules[i].allow, rule, where, err) < 0)
        return -1;
    }
  return 0;
}

/* v1's devices controller where it is mounted, else cgroup2's eBPF filter
 * (which needs no controller). An update that names no device rules
 * leaves them as they are. */
static int
apply_devices (const struct spc_cgroup *cg, const struct spc_resources *r,
               const struct spc_config *c, spc_err_t *err)
{
  _cleanup_free_ struct spc_device_cgroup_rule *rules = NULL;
  size_t n;
  if (c == NULL && r->n_devices == 0)
    return 0;
  if (device_rules (r, c ? c->linux_.devices : NULL, c ? c->linux_.n_devices : 0, &rules, &n,
                    err)
      < 0)
    return -1;
  const struct spc_cgroup_dir *d = spc_cgroup_find (cg, "devices");
  if (d && !d->v2)
    {
      struct ctl ctl = { .cg = cg, .d = d, .name = "devices" };
      return devices_v1 (&ctl, rules, n, r->n_devices, err);
    }
  if ((d = spc_cgroup_v2_dir (cg)) == NULL)
    return spc_error_make (err, 0,
                           JP "devices: the host has neither a devices controller nor cgroup2");
  /* A fifo's rule denies nothing it did not before: leave it out. */
  size_t kept = 0;
  for (size_t i = 0; i < n; i++)
    if (rules[i].allow || i < r->n_devices)
      rules[kept++] = rules[i];
  return spc_cgroup_devices_v2 (cg, d, rules, kept, err);
}

/* ---- unified: raw cgroup2 files ---- */

/* A key names a file in the container's cgroup2 directory: "CONTROLLER.NAME"
 * of a controller that directory offers (or of the cgroup core). */
static int
check_unified_key (const struct spc_cgroup *cg, const struct spc_cgroup_dir *d, const char *key,
                   spc_err_t *err)
{
  const char *dot = strchr (key, '.');
  if (key[0] == '.' || strchr (key, '/') || dot == NULL || dot == key || dot[1] == '\0')
    return spc_error_make (err, 0, JP "unified[\"%s\"]: not a cgroup2 interface file "
                                   "(CONTROLLER.NAME)", key);
  size_t len = (size_t) (dot - key);
  if ((len == 6 && strncmp (key, "cgroup", 6) == 0) || spc_cgroup_listed (d->controllers, key, len))
    return 0;
  return spc_error_make (err, 0, JP "unified[\"%s\"]: cgroup v2 has no %.*s controller here%s",
                         key, (int) len, key,
                         spc_cgroup_mode (cg) == SPC_CGROUP_MODE_HYBRID ? " (it is on cgroup v1)"
                                                                         : "");
}

/* Written last, so a raw value overrides what was converted from the OCI
 * fields. */
static int
apply_unified (const struct spc_cgroup *cg, const struct spc_resources *r, spc_err_t *err)
{
  if (r->n_unified == 0)
    return 0;
  const struct spc_cgroup_dir *d = spc_cgroup_v2_dir (cg);
  if (d == NULL)
    return spc_error_make (err, 0, JP "unified: needs cgroup v2 (the host has only v1)");
  struct ctl c = { .cg = cg, .d = d, .name = "unified" };
  for (size_t i = 0; i < r->n_unified; i++)
    {
      char where[512];
      snprintf (where, sizeof where, JP "unified[\"%s\"]", r->unified[i].key);
      if (check_unified_key (cg, d, r->unified[i].key, err) < 0
          || put (&c, r->unified[i].key, r->unified[i].value, where, err) < 0)
        return -1;
    }
  return 0;
}

/* ---- all of it ---- */

/* cpuset before anything may run there; unified last. */
int
spc_cgroup_apply (const struct spc_cgroup *cg, const struct spc_resources *r,
                  const struct spc_config *c, spc_err_t *err)
{
  static const struct spc_resources none = { 0 };
  if (r == NULL)
    r = &none;
  if (apply_cpuset (cg, r, err) < 0 || apply_devices (cg, r, c, err) < 0
      || apply_memory (cg, r, err) < 0 || apply_cpu (cg, r, err) < 0
      || apply_pids (cg, r, err) < 0 || apply_block_io (cg, r, err) < 0
      || apply_hugetlb (cg, r, err) < 0 || apply_network (cg, r, err) < 0
      || apply_unified (cg, r, err) < 0)
    return -1;
  return 0;
}
