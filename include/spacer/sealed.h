/* CVE-2019-5736: a container process that can open /proc/PID/exe of a
 * process of the runtime's image can keep it open and write the host's
 * spacer binary once the runtime is gone. The container init is a clone of
 * the runtime, and spacer in the container's pid namespace before the
 * program's exec is such an image. When something of the container's can
 * run next to it then (hooks in the container; a pid namespace not its
 * own), the runtime re-executes itself from a sealed in-memory copy first,
 * as runc and crun do, so /proc/PID/exe leads to that copy only. */
#ifndef SPACER_SEALED_H
#define SPACER_SEALED_H

#include <stdbool.h>

#include "spacer/config.h"
#include "spacer/error.h"

/* Must the init run from a sealed copy for this config? */
bool spc_sealed_needed (const struct spc_config *c);

/* Re-execute this process (argv, the current environment) from a sealed
 * memfd copy of its binary; returns 0 at once when it already runs from
 * one, and only on failure otherwise. */
int spc_sealed_reexec (char **argv, spc_err_t *err);

#endif
