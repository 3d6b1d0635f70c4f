/* runtime-spec 1.2.1 process.execCPUAffinity, for processes `spacer exec`
 * starts (the spec leaves the init out): `initial` binds exec's helper from
 * its first step, before it joins the container's cgroups and namespaces,
 * and the process it clones inherits it; `final` rebinds the process
 * after it is in the cgroup, just before the program runs. Without
 * `final` the program keeps what the kernel left it. */
#ifndef SPACER_CPU_AFFINITY_H
#define SPACER_CPU_AFFINITY_H

#include "spacer/config.h"
#include "spacer/error.h"

int spc_cpu_affinity_initial (const struct spc_process *p, spc_err_t *err);
int spc_cpu_affinity_final (const struct spc_process *p, spc_err_t *err);

#endif
