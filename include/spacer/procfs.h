/* /proc, where the runtime writes sysctls, the LSM exec label,
 * oom_score_adj, time offsets and id maps. A write by path lands wherever
 * that path leads when it is opened: into a file the container mounted
 * over the knob, or through a /proc that is not procfs at all
 * (CVE-2025-52881). Every such write here goes through a handle on a
 * procfs the container's mounts do not cover, to a file opened below it
 * that crosses no symlink and no mount, and is checked to be on procfs.
 *
 * Also the rule for the config's mounts inside the container's /proc. */
#ifndef SPACER_PROCFS_H
#define SPACER_PROCFS_H

#include <stdbool.h>
#include <stddef.h>

#include "spacer/config.h"
#include "spacer/error.h"

/* An O_PATH fd of the root of a procfs, checked to be one: a new procfs
 * instance (fsopen), which nothing is mounted on; where the kernel refuses
 * that, a copy of the /proc mount without the mounts below it (open_tree);
 * else /proc itself, whose covered files then fail to open. */
int spc_procfs_open (spc_err_t *err);

/* Open `path` below the handle ("sys/kernel/domainname", "1234/uid_map")
 * with `flags`: the kernel refuses any symlink, magic link or mount on the
 * way, and the file must be on procfs. A leading "self" or "thread-self"
 * is read through the handle once and replaced by the numbers it names,
 * so the rest needs no symlink. Errors name the file as /proc/PATH. */
int spc_procfs_open_file (int procfd, const char *path, int flags, spc_err_t *err);

/* Write data to that file, opened write-only. */
int spc_procfs_write (int procfd, const char *path, const char *data, size_t len,
                      spc_err_t *err);

/* Why the config may not mount m at `dest` (absolute, no ".", ".." or
 * symlinks), or NULL when it may: nothing may be mounted inside /proc but
 * procfs at /proc itself and the few files lxcfs emulates. A bind at /proc
 * needs a procfs source; `check_source` says whether m->source can be
 * looked at now (relative sources are the bundle's). */
const char *spc_procfs_mount_refusal (const struct spc_mount *m, const char *dest,
                                      bool check_source);

/* At mount time, on the target `dest` resolved to (fd): a procfs mounted
 * elsewhere than /proc holds the same knobs, and is refused as /proc is.
 * NULL when the target is not on one, or is /proc's (checked above). */
const char *spc_procfs_target_refusal (const char *dest, int fd);

/* That rule for every mount of the config, on each destination as written
 * (lexically cleaned), before anything is made. A symlink in the rootfs
 * can still lead a destination into /proc: mounts.c checks again where it
 * really leads. */
int spc_procfs_check_mounts (const struct spc_config *c, spc_err_t *err);

#endif
