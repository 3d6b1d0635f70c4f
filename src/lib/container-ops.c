/* Operations on a living container's cgroup: pause, resume, ps, update,
 * events. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/container.h"
#include "spacer/json.h"
#include "spacer/utils.h"
#include "container-internal.h"

/* The container in a state that has a cgroup to work on. */
static int
open_with_cgroup (const char *root, const char *id, int lock_op, struct spc_state *st,
                  enum spc_status *status, spc_err_t *err)
{
  int dirfd = spc_container_open_locked (root, id, lock_op, st, err);
  if (dirfd < 0)
    return -1;
  *status = spc_status_of (dirfd, st);
  if (st->cgroup.n_dirs == 0)
    {
      close (dirfd);
      return spc_error_make (err, 0, "container `%s` has no cgroup (a rootless container whose "
                                     "runtime could not make one)",
                             id);
    }
  return dirfd;
}

static int
set_frozen (const char *root, const char *id, bool frozen, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  enum spc_status s;
  _cleanup_close_ int dirfd = open_with_cgroup (root, id, LOCK_EX, &st, &s, err);
  if (dirfd < 0)
    return -1;
  enum spc_status from = frozen ? SPC_STATUS_RUNNING : SPC_STATUS_PAUSED;
  if (s != from)
    return spc_error_make (err, 0, "cannot %s container `%s`: it is %s, not %s",
                           frozen ? "pause" : "resume", id, spc_status_name (s),
                           spc_status_name (from));
  return spc_cgroup_freeze (&st.cgroup, frozen, err);
}

int
spc_container_pause (const char *root, const char *id, spc_err_t *err)
{
  return set_frozen (root, id, true, err);
}

int
spc_container_resume (const char *root, const char *id, spc_err_t *err)
{
  return set_frozen (root, id, false, err);
}

int
spc_container_pids (const char *root, const char *id, pid_t **pids, size_t *n, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  enum spc_status s;
  _cleanup_close_ int dirfd = open_with_cgroup (root, id, LOCK_SH, &st, &s, err);
  if (dirfd < 0)
    return -1;
  bool shared = false;
  if (spc_cgroup_pids (&st.cgroup, pids, n, &shared, err) < 0)
    return -1;
  if (shared)
    spc_container_keep_own_pids (&st, *pids, n);
  return 0;
}

int
spc_container_update (const char *root, const char *id, const struct spc_resources *r,
                      spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  enum spc_status s;
  _cleanup_close_ int dirfd = open_with_cgroup (root, id, LOCK_EX, &st, &s, err);
  if (dirfd < 0)
    return -1;
  if (s == SPC_STATUS_STOPPED)
    return spc_error_make (err, 0, "cannot update container `%s`: it is stopped", id);
  return spc_cgroup_apply (&st.cgroup, r, NULL, err);
}

/* ---- Intel RDT ---- */

#define RESCTRL_MOUNT "/sys/fs/resctrl"
#ifndef RDTGROUP_SUPER_MAGIC
#define RDTGROUP_SUPER_MAGIC 0x7655821
#endif

/* What runc checks before it touches a schema: resctrl mounted, and the
 * resource the schema is for (info/L3: cache allocation, info/MB: memory
 * bandwidth) offered by it. */
static int
resctrl_offers (const char *flag, const char *info, const char *what, spc_err_t *err)
{
  struct statfs sfs;
  if (statfs (RESCTRL_MOUNT, &sfs) < 0 || sfs.f_type != RDTGROUP_SUPER_MAGIC)
    return spc_error_classed (err, ENODEV,
                              "%s: Intel RDT: resctrl is not mounted at " RESCTRL_MOUNT
                              " (no RDT on this host, or mount -t resctrl resctrl " RESCTRL_MOUNT
                              ")",
                              flag);
  char path[64];
  snprintf (path, sizeof path, RESCTRL_MOUNT "/info/%s", info);
  if (access (path, F_OK) < 0)
    return spc_error_classed (err, ENODEV,
                              "%s: Intel RDT: this host's resctrl offers no %s (no %s)", flag,
                              what, path);
  return 0;
}

int
spc_container_update_intel_rdt (const char *root, const char *id, const char *l3_schema,
                                const char *mem_bw_schema, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_SH, &st, err);
  if (dirfd < 0)
    return -1;
  if (spc_status_of (dirfd, &st) == SPC_STATUS_STOPPED)
    return spc_error_make (err, 0, "cannot update container `%s`: it is stopped", id);
  if (l3_schema
      && resctrl_offers ("--l3-cache-schema", "L3", "L3 cache allocation (CAT)", err) < 0)
    return -1;
  if (mem_bw_schema
      && resctrl_offers ("--mem-bw-schema", "MB", "memory bandwidth allocation (MBA)", err) < 0)
    return -1;
  /* As runc: a container created without linux.intelRdt has no group to
   * change (runc would not make one in update either). */
  if (st.rdt.root == NULL)
    return spc_error_classed (err, ENOTSUP,
                              "container `%s` has no linux.intelRdt: updating a non-existent "
                              "Intel RDT configuration is not supported",
                              id);
  /* Its group and schemata come from linux.intelRdt at create; update
   * does not write them yet. */
  return spc_error_classed (err, ENOTSUP,
                            "container `%s`: spacer does not change the Intel RDT schemata of "
                            "a created container (linux.intelRdt is applied at create only)",
                            id);
}

/* ---- events ---- */

static void
write_event (FILE *out, const char *type, const char *id, const struct spc_state *st,
             spc_err_t *err)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_object (w);
  spc_jw_key (w, "type");
  spc_jw_string (w, type);
  spc_jw_key (w, "id");
  spc_jw_string (w, id);
  if (st)
    {
      spc_jw_key (w, "data");
      if (spc_cgroup_write_stats (&st->cgroup, w, err) < 0)
        return;
    }
  spc_jw_end_object (w);
  fprintf (out, "%s\n", spc_jw_buffer (w, NULL));
  fflush (out);
}

/* An {"type":"oom"} line for every kill since *seen. */
static int
report_oom_kills (const struct spc_state *st, uint64_t *seen, FILE *out, spc_err_t *err)
{
  uint64_t now = *seen;
  if (spc_cgroup_oom_kills (&st->cgroup, &now, err) < 0)
    return -1;
  for (; *seen < now; (*seen)++)
    write_event (out, "oom", st->id, NULL, err);
  return 0;
}

static bool
init_alive (const struct spc_state *st)
{
  return spc_process_start_time (st->pid) == st->start_time && st->start_time != 0;
}

/* Stats every interval and an event per OOM kill, until the init is gone.
 * The state is read once: the lock is not held while we wait. */
static int
stream_events (const struct spc_state *st, int interval_ms, FILE *out, spc_err_t *err)
{
  _cleanup_close_ int oomfd = spc_cgroup_oom_watch (&st->cgroup, err);
  if (oomfd < 0)
    return -1;
  _cleanup_close_ int pidfd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  uint64_t kills = 0;
  if (spc_cgroup_oom_kills (&st->cgroup, &kills, err) < 0)
    return -1;
  struct timespec next;
  clock_gettime (CLOCK_MONOTONIC, &next);
  for (;;)
    {
      struct timespec now;
      clock_gettime (CLOCK_MONOTONIC, &now);
      int64_t wait = (next.tv_sec - now.tv_sec) * 1000 + (next.tv_nsec - now.tv_nsec) / 1000000;
      struct pollfd p[2] = { { .fd = oomfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      int r = poll (p, 2, wait > 0 ? (int) wait : 0);
      if (r < 0 && errno != EINTR)
        return spc_error_errno (err, "events: poll");
      if (p[0].revents & POLLIN)
        {
          /* An eventfd (v1) or inotify events (v2): drained either way. */
          char drain[4096];
          (void) !read (oomfd, drain, sizeof drain);
          if (report_oom_kills (st, &kills, out, err) < 0)
            return -1;
        }
      /* The OOM killer may have ended the init itself, its notice still on
       * the way: count once more before the stream ends. */
      if ((p[1].revents & POLLIN) || !init_alive (st))
        return report_oom_kills (st, &kills, out, err);
      if (wait <= 0)
        {
          /* On v1 the eventfd fires before the kill is counted: a wake-up
           * may have come too early, so the count is read again here. */
          if (report_oom_kills (st, &kills, out, err) < 0)
            return -1;
          write_event (out, "stats", st->id, st, err);
          if (*err)
            return -1;
          next.tv_sec += interval_ms / 1000;
          next.tv_nsec += (long) (interval_ms % 1000) * 1000000;
          if (next.tv_nsec >= 1000000000)
            {
              next.tv_sec++;
              next.tv_nsec -= 1000000000;
            }
        }
    }
}

int
spc_container_events (const char *root, const char *id, bool stats_only, int interval_ms,
                      FILE *out, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  enum spc_status s;
  {
    _cleanup_close_ int dirfd = open_with_cgroup (root, id, LOCK_SH, &st, &s, err);
    if (dirfd < 0)
      return -1;
  }
  if (s == SPC_STATUS_STOPPED)
    return spc_error_make (err, 0, "events: container `%s` is stopped", id);
  if (stats_only)
    {
      write_event (out, "stats", id, &st, err);
      return *err ? -1 : 0;
    }
  return stream_events (&st, interval_ms, out, err);
}
