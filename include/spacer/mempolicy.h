/* runtime-spec 1.3 linux.memoryPolicy: the NUMA policy the program starts
 * with, set by set_mempolicy(2) (raw, no libnuma) in the init at the end
 * of its set-up (so that a refusal fails the create) and in processes
 * `spacer exec` starts, just before they exec; a task's policy survives
 * exec. */
#ifndef SPACER_MEMPOLICY_H
#define SPACER_MEMPOLICY_H

#include "spacer/config.h"
#include "spacer/error.h"

/* Before anything is made: every node named must be online on this host
 * (`online` is its list, "0-3" as /sys/devices/system/node/online has
 * it). With MPOL_F_RELATIVE_NODES the nodes are positions in the allowed
 * set, which the kernel folds onto it, so any number is fine. */
int spc_mempolicy_check (const struct spc_memory_policy *mp, const char *online, spc_err_t *err);
/* The same against this host's online nodes. */
int spc_mempolicy_check_host (const struct spc_memory_policy *mp, spc_err_t *err);

int spc_mempolicy_apply (const struct spc_memory_policy *mp, spc_err_t *err);

#endif
