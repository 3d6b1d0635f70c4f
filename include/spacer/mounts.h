/* The container's filesystem view: the rootfs bind, the configured mounts in
 * order, pivot_root, then masked and read-only paths. Runs in the container
 * init, inside its new mount namespace. */
#ifndef SPACER_MOUNTS_H
#define SPACER_MOUNTS_H

#include "spacer/config.h"
#include "spacer/error.h"

/* Stop host mount events leaking in (and ours out), and make `rootfs` a
 * mount point of its own so pivot_root accepts it. */
int spc_mounts_prepare_rootfs (const char *rootfs, spc_err_t *err);

/* Mount entry i of config.mounts below rootfd; trees (may be NULL) holds
 * the bind mounts the runtime made (see bind-trees.h). The destination is
 * looked up once, to an fd (path.h); the mount is built detached, gets
 * its flags and propagation there and is attached to that fd, with the
 * kernel's mount API only (mount-api.h). */
int spc_mounts_apply_one (const struct spc_config *c, size_t i, int rootfd, const int *trees,
                          spc_err_t *err);

/* A cgroup filesystem mount, whose view depends on the cgroup namespace. */
bool spc_mount_is_cgroup (const struct spc_mount *m);

/* Make rootfs the new "/" and detach the old root: nothing of the host stays
 * reachable. no_pivot (runc's --no-pivot, for roots pivot_root refuses):
 * move the rootfs onto "/" and chroot into it instead, which is weaker. */
int spc_mounts_enter_root (const struct spc_config *c, const char *rootfs, bool no_pivot,
                           spc_err_t *err);

/* After pivot_root: masked paths, read-only paths, a read-only root. Each
 * listed path is resolved once, through no symlink (refused), and mounted
 * on by fd; files are masked with the container's /dev/null, which must
 * be the null device. */
int spc_mounts_finalize (const struct spc_config *c, spc_err_t *err);

/* Mounts made by file descriptor, nothing resolved by path at the mount:
 * attach the detached mount `tree` (fsmount, open_tree) onto `target`;
 * bind what the fd `source` is (any open file, O_PATH too) onto it. */
int spc_mounts_attach (int tree, int target, spc_err_t *err);
int spc_mounts_bind_fd (int source, int target, spc_err_t *err);

/* Is there a config mount at `destination`? */
const struct spc_mount *spc_mounts_find (const struct spc_config *c, const char *destination);

#endif
