/* CVE-2019-5736: a container process that opens /proc/PID/exe of a process
 * running the runtime's image can keep the descriptor and, once no
 * runtime runs any more (the kernel refuses writes to a running binary
 * only), reopen it for writing through /proc/self/fd and replace the
 * host's spacer.
 *
 * Every process spacer puts into a container's namespaces is the runtime's
 * image: the init is a clone of the runtime, an in-container hook is a fork
 * of the init until its exec, and a program that turns out to be spacer
 * (`/proc/self/exe`, a `#!/proc/self/exe` script) is that image executed
 * again. So before it makes any of them the runtime process itself must run
 * from an image nothing can write: spc_sealed_ensure, the first step of
 * create and run (and of whatever else comes to put a process into a
 * container, exec), re-executes the calling program from one unless it
 * already runs from one. That costs one exec per create or run, always:
 * whether something of the container can reach the init, or will turn out
 * to be spacer, is not known in advance. The spacer binary (x86_64) saves
 * most of that exec's cost: its entry point (src/cli/sealed-entry.c) does
 * the same re-execution before the C library starts when the command line
 * names create, run or exec, and this check then finds the image in place.
 *
 * The image is, by preference, a read-only mount of the binary itself
 * (open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_RDONLY), executed
 * by descriptor): nothing is copied. Where that is refused (no
 * CAP_SYS_ADMIN over the mount namespace: rootless, or a seccomp filter)
 * it is a sealed memfd copy of the binary. Either is checked before it is
 * executed and again by the image that runs from it; whatever fails the
 * check is not run, and create fails (see sealed.c for why each is safe). */
#ifndef SPACER_SEALED_H
#define SPACER_SEALED_H

#include "spacer/error.h"

/* 0 when this process runs from a protected image (the check is made once
 * a process). Otherwise re-executes the calling program from one, with the
 * command line of /proc/self/cmdline and the current environment, and
 * returns only on failure. A program embedding libspacer therefore starts
 * over once, from the top of main, at its first create or run; it can
 * call this first thing in main instead. Its command line must be intact
 * (no setproctitle-style rewriting before), and its descriptors without
 * close-on-exec live on across the exec, as they would in the container's
 * program. */
int spc_sealed_ensure (spc_err_t *err);

#endif
