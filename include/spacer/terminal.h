/* process.terminal: a pty made inside the container (from its own devpts)
 * whose master is handed to whoever drives the container, the way runc does
 * it, so conmon and containerd's shim work unchanged:
 *   - with --console-socket PATH, over that unix socket (SCM_RIGHTS);
 *   - for `run` in the foreground, to spacer itself, which then connects
 *     the pty to the user's own terminal. */
#ifndef SPACER_TERMINAL_H
#define SPACER_TERMINAL_H

#include <stdint.h>
#include <sys/types.h>

#include "spacer/error.h"

/* Connect to the console socket at path (before the container exists, so a
 * bad path fails early). */
int spc_terminal_connect (const char *path, spc_err_t *err);

/* In the init, after pivot_root: open a pty through /dev/ptmx, size it
 * (0x0: leave it), mount the slave on /dev/console, send the master over
 * sock and make the slave the controlling terminal and stdio. */
int spc_terminal_setup (int sock, uint32_t height, uint32_t width, spc_err_t *err);

/* The same for a process exec'd into a running container: a pty of its
 * own, /dev/console left alone. */
int spc_terminal_setup_exec (int sock, spc_err_t *err);

/* Receive the master sent by spc_terminal_setup. */
int spc_terminal_receive (int sock, spc_err_t *err);

/* The size of this process's terminal (if stdin is one) onto the pty:
 * before the program starts, so it sees the right size at once. */
void spc_terminal_copy_size (int master);

/* Copy between this process's stdin/stdout and the pty master until the
 * process behind pidfd has exited and the pty is drained. When stdin is a
 * terminal it is put in raw mode (restored on return) and its window size
 * is copied to the pty now and on every SIGWINCH. */
int spc_terminal_proxy (int master, int pidfd, spc_err_t *err);

#endif
