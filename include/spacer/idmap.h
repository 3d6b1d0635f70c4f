/* Idmapped bind mounts (runtime-spec 1.2: a mount's uidMappings and
 * gidMappings, the "idmap" and "ridmap" options): a file whose owner on
 * disk is N shows as owned by mapping(N) through the mount.
 *
 * The runtime makes them before the init exists: the user namespace that
 * carries a mapping needs its maps written with host ids, which takes
 * privileges the container may not have. Each becomes a detached mount
 * (open_tree + mount_setattr) that the init takes in place of the
 * ordinary bind's clone: mounts.c sets the config's flags and propagation
 * on it and attaches it. */
#ifndef SPACER_IDMAP_H
#define SPACER_IDMAP_H

#include "spacer/config.h"
#include "spacer/error.h"

/* *fds gets one entry per config mount: a detached idmapped mount, or -1.
 * NULL when no mount is idmapped. */
int spc_idmap_prepare (const struct spc_config *c, int **fds, spc_err_t *err);
void spc_idmap_release (int *fds, size_t n);

#endif
