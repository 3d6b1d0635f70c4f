/* linux.memoryPolicy: see mempolicy.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/mempolicy.h"
#include "spacer/utils.h"

#define MPOL_F_RELATIVE_NODES_ (1u << 14)
#define NODE_LONGS (SPC_MAX_NUMA_NODES / SPC_BITS_PER_LONG)

int
spc_mempolicy_check (const struct spc_memory_policy *mp, const char *online, spc_err_t *err)
{
  unsigned long want[NODE_LONGS], have[NODE_LONGS];
  char why[256];
  if (!mp->present || mp->nodes == NULL || (mp->flags & MPOL_F_RELATIVE_NODES_))
    return 0;
  /* Both were checked when the config was read; `online` is the kernel's. */
  if (spc_parse_index_list (mp->nodes, want, SPC_MAX_NUMA_NODES, why, sizeof why) < 0
      || spc_parse_index_list (online, have, SPC_MAX_NUMA_NODES, why, sizeof why) < 0)
    return spc_error_make (err, 0, "linux.memoryPolicy.nodes: %s", why);
  for (size_t node = 0; node < SPC_MAX_NUMA_NODES; node++)
    if (spc_mask_test (want, node) && !spc_mask_test (have, node))
      return spc_error_make (err, 0,
                             "linux.memoryPolicy.nodes: node %zu is not online on this host "
                             "(online: %s)",
                             node, online);
  return 0;
}

int
spc_mempolicy_check_host (const struct spc_memory_policy *mp, spc_err_t *err)
{
  _cleanup_free_ char *online = NULL;
  size_t len;
  if (!mp->present || mp->nodes == NULL)
    return 0;
  /* A kernel built without NUMA has no node directory and one node, 0. */
  if (spc_read_file_at (AT_FDCWD, "/sys/devices/system/node/online", &online, &len, err) < 0)
    {
      if (!spc_error_is (err, ENOENT))
        return spc_error_prefix (err, "linux.memoryPolicy: the host's NUMA nodes");
      spc_error_free (err);
      return spc_mempolicy_check (mp, "0", err);
    }
  online[strcspn (online, "\n")] = '\0';
  return spc_mempolicy_check (mp, online, err);
}

int
spc_mempolicy_apply (const struct spc_memory_policy *mp, spc_err_t *err)
{
  unsigned long nodes[NODE_LONGS];
  char why[256];
  if (!mp->present)
    return 0;
  if (mp->nodes == NULL)
    memset (nodes, 0, sizeof nodes);
  else if (spc_parse_index_list (mp->nodes, nodes, SPC_MAX_NUMA_NODES, why, sizeof why) < 0)
    return spc_error_make (err, 0, "linux.memoryPolicy.nodes: %s", why);
  /* maxnode counts one more than the mask's bits (the kernel drops one). */
  if (syscall (SYS_set_mempolicy, mp->mode | (int) mp->flags, mp->nodes ? nodes : NULL,
               mp->nodes ? (unsigned long) SPC_MAX_NUMA_NODES + 1 : 0UL)
      < 0)
    {
      if (errno == ENOSYS)
        return spc_error_errno (err, "linux.memoryPolicy: this kernel has no NUMA support");
      return spc_error_errno (err, "linux.memoryPolicy: set_mempolicy");
    }
  return 0;
}
