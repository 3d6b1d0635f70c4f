/* linux.seccomp: a filter compiled by libseccomp (or taken from the
 * runtime's cache of compiled programs, seccomp-cache.h) in the container
 * init and installed as the last step before the user program (with a
 * notify action, earlier: its listener needs the fd while create still
 * runs). */
#ifndef SPACER_SECCOMP_H
#define SPACER_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "spacer/config.h"
#include "spacer/error.h"

/* A compiled filter: classic BPF, as seccomp(2) loads it. */
struct spc_seccomp_program
{
  struct sock_filter *insns;
  size_t n_insns;
};

/* Could LEN bytes be a program the kernel takes (whole instructions, at
 * most BPF_MAXINSNS)? */
bool spc_seccomp_program_size_ok (size_t len);

/* The version of the libseccomp spacer runs with ("2.5.4"), which may be
 * newer than the one it was built with. */
void spc_seccomp_library_version (char *buf, size_t size);

/* How spacer drives libseccomp (its attributes), as text for the cache's
 * keys: programs compiled with other options are other programs. */
const char *spc_seccomp_compile_options (void);

struct spc_seccomp_filter;

/* libseccomp's token for linux.seccomp.architectures entry NAME
 * ("SCMP_ARCH_X86_64"), 0 when this libseccomp does not know it. */
uint32_t spc_seccomp_arch_token (const char *name);

/* When the default action denies (ERRNO other than ENOSYS, KILL*, TRAP),
 * put in front of P a stub that fails with ENOSYS the calls whose number
 * is above the largest the profile names on their architecture: calls
 * newer than the profile, for which libc falls back to older ones on
 * ENOSYS only. Else leave P alone. seccomp-enosys.c has the details. */
int spc_seccomp_enosys_patch (const struct spc_seccomp *s, struct spc_seccomp_program *p,
                              spc_err_t *err);

/* Build the filter (not loaded yet): a copy of CACHED when that holds a
 * program, else compiled by libseccomp, which then also writes it to
 * EXPORT_FD if that is >= 0 (without the ENOSYS stub, which is added to
 * either). Syscall names this libseccomp or
 * architecture does not know are skipped, as runc does. */
int spc_seccomp_build (const struct spc_seccomp *s, const struct spc_seccomp_program *cached,
                       int export_fd, struct spc_seccomp_filter **out, spc_err_t *err);

/* Is linux.seccomp.flags entry NAME one spacer applies, and does the
 * running kernel take it? Probed each call, without installing anything. */
bool spc_seccomp_flag_supported (const char *name);

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
