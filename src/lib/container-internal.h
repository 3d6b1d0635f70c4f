/* Shared by the container*.c files only. */
#ifndef SPACER_CONTAINER_INTERNAL_H
#define SPACER_CONTAINER_INTERNAL_H

#include "spacer/status.h"

/* Open and lock ROOT/ID (LOCK_SH or LOCK_EX) and read its state. Returns
 * the locked directory's fd. */
int spc_container_open_locked (const char *root, const char *id, int lock_op,
                               struct spc_state *st, spc_err_t *err);

#endif
