/* The kernel's mount API (open_tree, fsopen/fsconfig/fsmount,
 * mount_setattr, move_mount) in small steps. A container mount is built
 * detached, gets its flags and propagation while no one else can reach
 * it, and is attached onto a target the caller holds open: nothing is
 * looked up by name after the target was resolved. */
#ifndef SPACER_MOUNT_API_H
#define SPACER_MOUNT_API_H

#include <stdbool.h>
#include <stdint.h>

#include "spacer/error.h"

/* mount_setattr attributes: what to set and what to clear. */
struct spc_mount_attrs
{
  uint64_t set;
  uint64_t clr;
};

/* The config's MS_* flags (set) and cleared flags ("rw", "suid", ...) as
 * mount attributes. An atime mode is given only when the config names
 * one, else the mount keeps its own. */
void spc_mount_attrs_from_flags (unsigned long flags, unsigned long clear_flags,
                                 struct spc_mount_attrs *a);

/* A detached copy of the mount at host path `source` (with the mounts
 * below it when `recursive`): open_tree(OPEN_TREE_CLONE). */
int spc_mount_clone (const char *source, bool recursive, spc_err_t *err);

/* Apply a to the detached or attached tree, to its top mount or, when
 * `recursive`, to every mount of it; each cleared flag on its own. A flag
 * the kernel refuses to clear because
 * an outer mount namespace locked it stays set: the mount is then as
 * strict as the host made it, never looser than the config asked. */
int spc_mount_setattr (int tree, const struct spc_mount_attrs *a, bool recursive,
                       spc_err_t *err);

/* MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, with MS_REC for the
 * whole tree. */
int spc_mount_set_propagation (int tree, unsigned long propagation, spc_err_t *err);

/* A new filesystem of `type`, detached: `source`, then `data` split on
 * commas ("size=1m,mode=755", a bare key is a flag), the superblock flags
 * among sb_flags (MS_SYNCHRONOUS, MS_DIRSYNC, MS_LAZYTIME, MS_MANDLOCK),
 * mounted with the MOUNT_ATTR_* `attrs`. A refusal names the option and
 * carries what the kernel said about it. */
int spc_mount_new_fs (const char *type, const char *source, const char *data,
                      unsigned long sb_flags, uint64_t attrs, spc_err_t *err);

#endif
