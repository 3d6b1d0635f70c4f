/* process.execCPUAffinity: see cpu-affinity.h. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "spacer/cpu-affinity.h"
#include "spacer/utils.h"

static int
bind_to (const char *list, const char *field, spc_err_t *err)
{
  unsigned long mask[CPU_SETSIZE / SPC_BITS_PER_LONG];
  cpu_set_t set;
  char why[256];
  if (list == NULL)
    return 0;
  if (spc_parse_index_list (list, mask, CPU_SETSIZE, why, sizeof why) < 0)
    return spc_error_make (err, 0, "process.execCPUAffinity.%s: %s", field, why);
  CPU_ZERO (&set);
  for (size_t cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (spc_mask_test (mask, cpu))
      CPU_SET (cpu, &set);
  /* EINVAL: none of them is a CPU this process may run on. */
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    return spc_error_errno (err, "process.execCPUAffinity.%s: sched_setaffinity `%s`", field,
                            list);
  return 0;
}

int
spc_cpu_affinity_initial (const struct spc_process *p, spc_err_t *err)
{
  return bind_to (p->exec_cpus_initial, "initial", err);
}

int
spc_cpu_affinity_final (const struct spc_process *p, spc_err_t *err)
{
  return bind_to (p->exec_cpus_final, "final", err);
}
