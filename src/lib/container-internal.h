/* Shared by the container*.c files only. */
#ifndef SPACER_CONTAINER_INTERNAL_H
#define SPACER_CONTAINER_INTERNAL_H

#include "spacer/status.h"

/* Open and lock ROOT/ID (LOCK_SH or LOCK_EX) and read its state. Returns
 * the locked directory's fd. */
int spc_container_open_locked (const char *root, const char *id, int lock_op,
                               struct spc_state *st, spc_err_t *err);

/* Of the pids of a cgroup the container joined (spc_cgroup_pids said
 * shared), keep only the container's: the init, and with a pid namespace
 * of its own the processes in it; without one nothing else can be told
 * apart from the other processes there. */
void spc_container_keep_own_pids (const struct spc_state *st, pid_t *pids, size_t *n);

/* Is pid the container's (see above; ns is the container's pid namespace
 * when has_ns)? */
struct stat;
bool spc_container_owns_pid (const struct spc_state *st, bool has_ns, const struct stat *ns,
                             pid_t pid);

#endif
