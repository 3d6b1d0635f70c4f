/* OCI hooks: programs the runtime runs at fixed points of the lifecycle,
 * each with the container's state JSON on its stdin. Where each kind runs
 * (runtime or container namespaces) is the caller's business; this runs
 * them from whatever namespaces the calling process is in. */
#ifndef SPACER_HOOKS_H
#define SPACER_HOOKS_H

#include <stdbool.h>

#include "spacer/config.h"
#include "spacer/error.h"

/* "createRuntime", ... as in config.json. */
const char *spc_hook_kind_name (enum spc_hook_kind kind);

static inline bool
spc_hooks_any (const struct spc_hooks *h, enum spc_hook_kind kind)
{
  return h->n_hooks[kind] > 0;
}

/* Hooks that need the runtime to stop the init between its mounts and
 * pivot_root (SPC_SYNC_MOUNTS_READY): both sides ask this same question. */
static inline bool
spc_hooks_need_mounts_ready (const struct spc_hooks *h)
{
  return spc_hooks_any (h, SPC_HOOK_PRESTART) || spc_hooks_any (h, SPC_HOOK_CREATE_RUNTIME)
         || spc_hooks_any (h, SPC_HOOK_CREATE_CONTAINER)
         || spc_hooks_any (h, SPC_HOOK_START_CONTAINER);
}

/* Run the hooks of one kind in order. The first that fails (cannot start,
 * exits non-zero, is killed, or outlives its timeout, after which it is
 * killed) stops the rest; the error names it, as
 * "hooks.createRuntime[1] `/usr/bin/x`: exit status 3: <its last output>". */
int spc_hooks_run (const struct spc_hooks *h, enum spc_hook_kind kind, const char *state,
                   spc_err_t *err);

/* One program run as a hook is (input on stdin, the timeout, the error
 * named by label with the program's last output), for a program that is
 * no hook of the config (`criu check`). */
int spc_program_run (const struct spc_hook *program, const char *label, const char *input,
                     spc_err_t *err);

/* For poststop, whose failures the spec reduces to warnings: every hook
 * runs, each failure is logged. (poststart failures are errors since
 * runtime-spec 1.3: spc_hooks_run.) */
void spc_hooks_run_warn (const struct spc_hooks *h, enum spc_hook_kind kind, const char *state);

#endif
