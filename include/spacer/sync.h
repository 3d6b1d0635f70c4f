/* The runtime and the container init talk over a SOCK_SEQPACKET socket pair:
 * one datagram per message, so a message is never split or merged. Errors on
 * the init side travel back as SPC_SYNC_ERROR with the failing step and
 * errno, so the user sees "container init: mount `/proc`: ..." instead of a
 * bare exit status. */
#ifndef SPACER_SYNC_H
#define SPACER_SYNC_H

#include <stddef.h>

#include "spacer/error.h"

enum spc_sync_type
{
  SPC_SYNC_USERNS_READY = 1, /* init: my user namespace exists, write the id maps */
  SPC_SYNC_USERNS_MAPPED,    /* runtime: maps written */
  SPC_SYNC_CGROUP_PLACED,    /* runtime: you are in the container's cgroup, with its
                                limits (when the container has one) */
  SPC_SYNC_MOUNTS_READY,     /* init: mounts made, before pivot_root: run the
                                prestart and createRuntime hooks */
  SPC_SYNC_HOOKS_DONE,       /* runtime: done; carries the state document for
                                the hooks the init runs itself */
  SPC_SYNC_SECCOMP_FD,       /* init: carries the seccomp notify fd (SCM_RIGHTS) */
  SPC_SYNC_CREATED,          /* init: set up, waiting for start */
  SPC_SYNC_START,            /* runtime (run only): go */
  SPC_SYNC_ERROR,            /* init: failed; carries errno and message */
  SPC_SYNC_EXEC_PID,         /* exec: the process to exec is born; carries its pid */
};

int spc_sync_send (int fd, enum spc_sync_type type, spc_err_t *err);
int spc_sync_send_data (int fd, enum spc_sync_type type, const char *data, size_t len,
                        spc_err_t *err);

/* Report an init-side failure to the runtime; < 0 when nobody listens. */
int spc_sync_send_error (int fd, const spc_error_t *e);

/* Wait for `type`. SPC_SYNC_ERROR from the peer becomes *err; a closed
 * socket means the init died without a word. */
int spc_sync_expect (int fd, enum spc_sync_type type, spc_err_t *err);
/* The same, handing over the message's payload (malloc'd, NUL-terminated). */
int spc_sync_expect_data (int fd, enum spc_sync_type type, char **data, spc_err_t *err);

/* A message that carries a file descriptor; spc_sync_expect_fd returns it
 * (or fails with the init's report when that came instead). */
int spc_sync_send_fd (int fd, enum spc_sync_type type, int passed, spc_err_t *err);
int spc_sync_expect_fd (int fd, enum spc_sync_type type, spc_err_t *err);

/* When a step of the runtime failed because the init died (a send with
 * EPIPE, a cgroup write with ESRCH), the init's own report, if it left
 * one, is the better error: replace *err with it. */
void spc_sync_prefer_init_error (int fd, spc_err_t *err);

/* After SPC_SYNC_START: the init's end closes on exec (it is CLOEXEC), so
 * end-of-file means the user program runs; SPC_SYNC_ERROR means exec failed. */
int spc_sync_wait_exec (int fd, spc_err_t *err);

#endif
