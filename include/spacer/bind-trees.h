/* Bind mounts the runtime makes for the init, before the init exists, as
 * detached trees (open_tree): the init takes one in place of the clone it
 * would make itself, and mounts.c sets the config's flags and propagation
 * on it and attaches it.
 *
 * - An idmapped mount, always (idmap.h).
 * - Every other bind mount of a container with a user namespace of its
 *   own, when the runtime may clone mounts: the init, root of that
 *   namespace only, may be refused a source the runtime can reach (a
 *   directory on the way that only the host's root may search), as runc
 *   opens those sources before the init enters its user namespace. */
#ifndef SPACER_BIND_TREES_H
#define SPACER_BIND_TREES_H

#include "spacer/config.h"
#include "spacer/error.h"

/* *trees gets one entry per config mount: a detached tree, or -1. NULL
 * when there is none. */
int spc_bind_trees_prepare (const struct spc_config *c, int **trees, spc_err_t *err);
void spc_bind_trees_release (int *trees, size_t n);

#endif
