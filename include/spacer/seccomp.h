/* linux.seccomp: a filter built with libseccomp in the container init and
 * installed as the last step before the user program (with a notify
 * action, earlier: its listener needs the fd while create still runs). */
#ifndef SPACER_SECCOMP_H
#define SPACER_SECCOMP_H

#include <stdbool.h>

#include "spacer/config.h"
#include "spacer/error.h"

struct spc_seccomp_filter;

/* Build the filter (not loaded yet). Syscall names this libseccomp or
 * architecture does not know are skipped, as runc does. */
int spc_seccomp_build (const struct spc_seccomp *s, struct spc_seccomp_filter **out,
                       spc_err_t *err);

/* Does the profile hand syscalls to a listener (SCMP_ACT_NOTIFY)? */
bool spc_seccomp_notifies (const struct spc_seccomp *s);

/* Install the filter in this process; *notify_fd gets the listener fd
 * when the filter notifies, else -1. */
int spc_seccomp_load (struct spc_seccomp_filter *f, int *notify_fd, spc_err_t *err);

void spc_seccomp_free (struct spc_seccomp_filter *f);

struct spc_state;

/* Runtime side: hand the notify fd to linux.seccomp.listenerPath, with the
 * container process state runtime-spec 1.1 defines as the payload. */
int spc_seccomp_send_listener (const struct spc_seccomp *s, int notify_fd,
                               const struct spc_state *st, spc_err_t *err);

#endif
