/* Control groups. spacer works on cgroup v1, v2 and hybrid hosts (v1
 * controllers plus a cgroup2 hierarchy at /sys/fs/cgroup/unified): it finds
 * every mounted hierarchy at run time, gives the container a directory in
 * each, and uses every controller where it actually lives.
 *
 * Only directories spacer made itself are ever removed. A container's
 * directory that exists already is joined, as runc does (see joined):
 * spacer then writes the container's limits into it too, changing them
 * for whatever else runs there. Only the processes of a directory spacer
 * made are ever killed: never those of a cgroup that existed before
 * (joined), of a hierarchy's root, or of an ancestor of the runtime's own
 * cgroup. */
#ifndef SPACER_CGROUP_H
#define SPACER_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spacer/config.h"
#include "spacer/error.h"

struct spc_json_writer;
struct spc_json;
struct spc_cgroup;

/* A mounted hierarchy, and the runtime's own cgroup in it. */
struct spc_cgroup_mount
{
  bool v2;
  char *mountpoint;  /* /sys/fs/cgroup/memory */
  char *controllers; /* v1: as in /proc/self/cgroup; v2: what our cgroup offers */
  char *own;         /* our cgroup, relative to the mountpoint: "/", "/a/b" */
};

/* Every hierarchy this process sees (or those of the SPACER_CGROUP_ROOT test
 * tree, then *synthetic is set; synthetic may be NULL). */
int spc_cgroup_mounts (struct spc_cgroup_mount **out, size_t *n, bool *synthetic,
                       spc_err_t *err);
void spc_cgroup_mounts_free (struct spc_cgroup_mount *m, size_t n);

/* Read and write one file of a cgroup directory (created in a synthetic
 * tree). */
int spc_cgroup_read (const char *dir, const char *file, char **out, spc_err_t *err);
int spc_cgroup_write (const struct spc_cgroup *cg, const char *dir, const char *file,
                      const char *value, spc_err_t *err);
/* The same in two steps, for a file that takes several values one write
 * at a time (v1's devices.allow): an fd open for writing, and one value
 * written to it (dir and file only name it in errors). */
int spc_cgroup_open_write (const struct spc_cgroup *cg, const char *dir, const char *file,
                           spc_err_t *err);
int spc_cgroup_write_fd (int fd, const char *dir, const char *file, const char *value,
                         spc_err_t *err);

/* One hierarchy, and the container's directory in it. */
struct spc_cgroup_dir
{
  bool v2;
  char *controllers; /* v1: "memory", "cpu,cpuacct", "name=systemd"; v2: the
                        controllers it offers, space-separated */
  char *path;        /* the container's directory, absolute */
  char *top;         /* the highest directory spacer made for it (all
                        between top and path are spacer's too); NULL
                        unless made */
  bool made;         /* spacer's mkdir made path itself: only then is the
                        directory spacer's to kill in and remove. Recorded
                        in state.json before any process enters it. */
  char *pending;     /* the highest level create found missing and is about
                        to make (path itself, or an ancestor): recorded in
                        state.json before the mkdir, cleared once made. A
                        create killed in between leaves it: destroy then
                        removes the levels (when empty) but never kills in
                        them, since no process enters a directory before it
                        is recorded as made. NULL otherwise. */
  bool joined;       /* path existed before the create, which joined it
                        (claim found it; recorded in state.json before any
                        process enters): never killed in nor removed, and
                        its processes are not all the container's. */
};

struct spc_cgroup
{
  struct spc_cgroup_dir *dirs;
  size_t n_dirs;
  /* A tree handed in for tests (SPACER_CGROUP_ROOT): plain directories and
   * files, which writes create. Nothing is enforced there. */
  bool synthetic;
};

/* The environment variable naming a test cgroup tree (see synthetic). */
#define SPC_CGROUP_ROOT_ENV "SPACER_CGROUP_ROOT"

enum spc_cgroup_mode
{
  SPC_CGROUP_MODE_V1,
  SPC_CGROUP_MODE_V2,
  SPC_CGROUP_MODE_HYBRID,
};

/* Where the container's cgroup goes, one directory per hierarchy:
 * cgroupsPath absolute (from each hierarchy's root), relative (to the
 * runtime's own cgroup in it), or absent (`name` below the runtime's own).
 * With systemd, "slice:prefix:name" (falling back to cgroupfs with a
 * warning when systemd does not run). Nothing is created yet. A path that
 * names a hierarchy's root or an ancestor of (or) the runtime's own cgroup
 * in any hierarchy is refused: spacer would put the container into (and
 * write limits to) a cgroup holding itself or everything. */
int spc_cgroup_plan (const char *cgroups_path, const char *name, bool systemd,
                     struct spc_cgroup *cg, spc_err_t *err);

enum spc_cgroup_mode spc_cgroup_mode (const struct spc_cgroup *cg);

/* mkdir every directory (and the parents spacer needs), remembering which
 * were made, and join those claim found existing (warning, once, when one
 * holds processes already); on failure everything made is removed again,
 * and nothing else is touched. A directory claim found missing that exists
 * meanwhile is an error (EEXIST): someone else made it. */
int spc_cgroup_create (struct spc_cgroup *cg, spc_err_t *err);

/* The same for a part of the directories: create makes the cgroup2 ones
 * before it clones the init into them (spc_cgroup_clone_fd), and the v1
 * ones after, while the init sets up its mounts: a v1 directory cannot be
 * born into, and making one takes a while (about 0.2 ms each, and a host
 * has a dozen hierarchies). On failure everything made is removed, both
 * parts. */
enum spc_cgroup_part
{
  SPC_CGROUP_ALL,
  SPC_CGROUP_V2_DIRS,
  SPC_CGROUP_V1_DIRS,
};
int spc_cgroup_create_part (struct spc_cgroup *cg, enum spc_cgroup_part part, spc_err_t *err);
/* Does part hold none of the container's directories? */
bool spc_cgroup_part_is_empty (const struct spc_cgroup *cg, enum spc_cgroup_part part);

/* Before spc_cgroup_create: find, for every directory, the highest level
 * it would make (its pending), for the caller to record; one that exists
 * already is to be joined (joined). A frozen one (EBUSY), or a v1 cpuset
 * one without cpus or memory nodes (ENOSPC), is refused: nothing could
 * run in it, and spacer does not write to what it did not make. */
int spc_cgroup_claim (struct spc_cgroup *cg, spc_err_t *err);

/* An fd of the container's cgroup2 directory, for clone3's
 * CLONE_INTO_CGROUP: a process born there needs no migration, and
 * migrating one into a cgroup can wait for an RCU grace period. -1 when
 * there is none (or the tree is synthetic). */
int spc_cgroup_clone_fd (const struct spc_cgroup *cg);

/* Put pid in every one of the container's directories (but the v2 one
 * when it was born there). */
int spc_cgroup_enter (const struct spc_cgroup *cg, pid_t pid, bool in_v2, spc_err_t *err);

/* Apply linux.resources (r may be NULL). A limit for a controller the
 * host lacks is an error. At create, c is the whole config: the device
 * rules are then always set up (everything denied but what the rules, the
 * standard devices and linux.devices allow, as runc does). `update`
 * passes c NULL and only what changes. */
int spc_cgroup_apply (const struct spc_cgroup *cg, const struct spc_resources *r,
                      const struct spc_config *c, spc_err_t *err);

/* Kill whatever still runs in the directories spacer made (in every
 * hierarchy), wait for them to empty, and remove them. Directories it did
 * not make, and any that is a hierarchy's root, an ancestor of the
 * runtime's own cgroup or outside every cgroup hierarchy (a state file
 * that says otherwise is wrong), are left alone. Calling it again is
 * harmless: what was removed is no longer counted as made. */
int spc_cgroup_destroy (struct spc_cgroup *cg, spc_err_t *err);

/* The pids in the container's cgroup (in the runtime's pid namespace):
 * those of the first directory spacer made; when it made none, those of
 * the first it joined, and *shared says so: not all of them are the
 * container's, for the caller to tell apart. None when there is neither. */
int spc_cgroup_pids (const struct spc_cgroup *cg, pid_t **pids, size_t *n, bool *shared,
                     spc_err_t *err);

/* Freeze (pause) or thaw (resume) every process, waiting until done. */
int spc_cgroup_freeze (const struct spc_cgroup *cg, bool frozen, spc_err_t *err);
bool spc_cgroup_frozen (const struct spc_cgroup *cg);

/* The directory of the hierarchy holding controller ctrl, or NULL. */
const struct spc_cgroup_dir *spc_cgroup_find (const struct spc_cgroup *cg, const char *ctrl);

/* Statistics, as the "data" object of runc's `events --stats`: cpu,
 * memory, pids, blkio, hugetlb (cgroup-stats.c), with runc's member names
 * and units; zero members runc's Go encoder leaves out (omitempty) are left
 * out too, and so is a controller the host lacks. Nothing is written to w
 * on failure. */
int spc_cgroup_write_stats (const struct spc_cgroup *cg, struct spc_json_writer *w,
                            spc_err_t *err);

/* OOM kills in the container's cgroup: an fd that polls readable when one
 * may have happened, and the number so far (v1: memory.oom_control with
 * cgroup.event_control; v2: memory.events "oom_kill", watched by inotify).
 * The fd is non-blocking and the caller's to close; after each wakeup read
 * (and discard) what it holds, with a buffer of 4096 bytes, then compare
 * counts: it also wakes for other memory events and when the cgroup goes
 * away. Both fail with ENOTSUP when the container has no memory
 * controller. */
int spc_cgroup_oom_watch (const struct spc_cgroup *cg, spc_err_t *err);
int spc_cgroup_oom_kills (const struct spc_cgroup *cg, uint64_t *count, spc_err_t *err);

/* Into and out of state.json. */
void spc_cgroup_write_json (struct spc_json_writer *w, const struct spc_cgroup *cg);
int spc_cgroup_read_json (const struct spc_json *v, struct spc_cgroup *cg, spc_err_t *err);

void spc_cgroup_clear (struct spc_cgroup *cg);
#define _cleanup_cgroup_ __attribute__ ((cleanup (spc_cgroup_clear)))

#endif
