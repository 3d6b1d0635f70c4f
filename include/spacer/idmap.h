/* Idmapped bind mounts (runtime-spec 1.2: a mount's uidMappings and
 * gidMappings, the "idmap" and "ridmap" options): a file whose owner on
 * disk is N shows as owned by mapping(N) through the mount.
 *
 * The runtime makes them before the init exists (bind-trees.h): the user
 * namespace that carries a mapping needs its maps written with host ids,
 * which takes privileges the container may not have. */
#ifndef SPACER_IDMAP_H
#define SPACER_IDMAP_H

#include "spacer/config.h"
#include "spacer/error.h"

/* The idmapped mount of m's source, detached (open_tree +
 * mount_setattr(MOUNT_ATTR_IDMAP)). */
int spc_idmap_tree (const struct spc_config *c, const struct spc_mount *m, spc_err_t *err);

#endif
