/* Checkpoint and restore. spacer does not drive CRIU: `checkpoint` and
 * `restore` exist, take runc's flags, and refuse with the reason this host
 * gives, so that an engine calling them gets an error that says why rather
 * than "unknown command". */
#ifndef SPACER_CRIU_H
#define SPACER_CRIU_H

#include "spacer/error.h"

/* Always -1 (ENOTSUP), with why `op` ("checkpoint", "restore") cannot be
 * done here: no criu (criu: runc's --criu, NULL: `criu` in PATH), `criu
 * check` failing (its last output), or, where criu would work, that spacer
 * does not implement it. */
int spc_criu_refuse (const char *op, const char *criu, spc_err_t *err);

#endif
