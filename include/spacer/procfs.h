/* /proc, where the runtime writes sysctls, the LSM exec label,
 * oom_score_adj, time offsets and id maps. A write by path lands wherever
 * that path leads when it is opened: into a file the container mounted
 * over the knob, or through a /proc that is not procfs at all
 * (CVE-2025-52881). Every such write here goes through a handle on a
 * procfs the container's mounts do not cover, to a file opened below it
 * that crosses no symlink and no mount, and is checked to be on procfs. */
#ifndef SPACER_PROCFS_H
#define SPACER_PROCFS_H

#include <stddef.h>

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

#endif
