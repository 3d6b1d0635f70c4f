/* Unit tests for the ENOSYS stub (src/lib/seccomp-enosys.c): the patched
 * program is run for a few (architecture, number) pairs by a small
 * classic-BPF interpreter of the instructions the stub uses, over an
 * "original program" that only returns a marker, so each run says
 * whether the stub answered ENOSYS or handed over to libseccomp's
 * program. No root needed, nothing is loaded. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/seccomp.h"
#include "unit.h"

/* What the stand-in for libseccomp's program returns. */
#define ORIGINAL (SECCOMP_RET_TRACE | 0x1234)
#define ENOSYS_RET (SECCOMP_RET_ERRNO | ENOSYS)
#define X32 0x40000000u
#define BAD 0xdeadu /* the interpreter met something it does not know */

static uint32_t
run (const struct spc_seccomp_program *p, uint32_t arch, uint32_t nr)
{
  struct seccomp_data d = { .nr = (int) nr, .arch = arch };
  uint32_t a = 0;
  for (size_t pc = 0; pc < p->n_insns; pc++)
    {
      const struct sock_filter *i = &p->insns[pc];
      switch (i->code)
        {
        case BPF_LD | BPF_W | BPF_ABS:
          if (i->k + 4 > sizeof d)
            return BAD;
          memcpy (&a, (const char *) &d + i->k, 4);
          break;
        case BPF_JMP | BPF_JA:
          pc += i->k;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          pc += a == i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JGE | BPF_K:
          pc += a >= i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JGT | BPF_K:
          pc += a > i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JSET | BPF_K:
          pc += (a & i->k) ? i->jt : i->jf;
          break;
        case BPF_RET | BPF_K:
          return i->k;
        default:
          return BAD;
        }
    }
  return BAD;
}

static char *execve_names[] = { "execve", "exit_group" };
static char *madvise_names[] = { "process_madvise" };
static char *all_x86[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
static char *x86_64_only[] = { "SCMP_ARCH_X86_64" };

/* A profile allowing execve (59) and exit_group (231 on x86_64, 252 on
 * i386) under DEFAULT, for the first N_ARCHES of all_x86 or x86_64 only. */
static struct spc_seccomp
profile (const char *def, char **arches, size_t n_arches)
{
  static struct spc_seccomp_syscall rules[2];
  rules[0] = (struct spc_seccomp_syscall){ .names = execve_names, .n_names = 2,
                                           .action = "SCMP_ACT_ALLOW" };
  return (struct spc_seccomp){ .default_action = (char *) def, .architectures = arches,
                               .n_architectures = n_arches, .syscalls = rules,
                               .n_syscalls = 1 };
}

/* P: the stand-in program, patched; false when patching failed. */
static bool
patched (const struct spc_seccomp *s, struct spc_seccomp_program *p)
{
  p->n_insns = 1;
  p->insns = malloc (sizeof *p->insns);
  p->insns[0] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, ORIGINAL);
  _cleanup_error_ spc_err_t err = NULL;
  return spc_seccomp_enosys_patch (s, p, &err) == 0;
}

static bool
newer_calls_get_enosys (void)
{
  struct spc_seccomp s = profile ("SCMP_ACT_ERRNO", all_x86, 3);
  struct spc_seccomp_program p;
  CHECK (patched (&s, &p));
  CHECK (p.n_insns > 1);
  CHECK (run (&p, AUDIT_ARCH_X86_64, 437) == ENOSYS_RET);
  CHECK (run (&p, AUDIT_ARCH_X86_64, 232) == ENOSYS_RET);
  CHECK (run (&p, AUDIT_ARCH_X86_64, 231) == ORIGINAL);
  CHECK (run (&p, AUDIT_ARCH_X86_64, 110) == ORIGINAL);
  /* x32: its own largest, 231 with the bit (its execve, 520, is in
   * the legacy range and does not count). */
  CHECK (run (&p, AUDIT_ARCH_X86_64, X32 | 437) == ENOSYS_RET);
  CHECK (run (&p, AUDIT_ARCH_X86_64, X32 | 110) == ORIGINAL);
  CHECK (run (&p, AUDIT_ARCH_X86_64, X32 | 520) == ORIGINAL);
  CHECK (run (&p, AUDIT_ARCH_X86_64, X32 | 547) == ORIGINAL);
  /* i386: exit_group is 252 there. */
  CHECK (run (&p, AUDIT_ARCH_I386, 252) == ORIGINAL);
  CHECK (run (&p, AUDIT_ARCH_I386, 253) == ENOSYS_RET);
  /* An architecture the filter does not have: libseccomp's business. */
  CHECK (run (&p, AUDIT_ARCH_AARCH64, 999) == ORIGINAL);
  free (p.insns);
  return true;
}

static bool
x32_left_alone_without_x32 (void)
{
  struct spc_seccomp s = profile ("SCMP_ACT_KILL_PROCESS", x86_64_only, 1);
  struct spc_seccomp_program p;
  CHECK (patched (&s, &p));
  CHECK (run (&p, AUDIT_ARCH_X86_64, 437) == ENOSYS_RET);
  CHECK (run (&p, AUDIT_ARCH_X86_64, X32 | 437) == ORIGINAL);
  CHECK (run (&p, AUDIT_ARCH_X86_64, X32 | 3) == ORIGINAL);
  free (p.insns);
  return true;
}

static bool
a_rule_like_the_default_still_counts (void)
{
  struct spc_seccomp s = profile ("SCMP_ACT_ERRNO", x86_64_only, 1);
  struct spc_seccomp_syscall *rules = s.syscalls;
  rules[1] = (struct spc_seccomp_syscall){ .names = madvise_names, .n_names = 1,
                                           .action = "SCMP_ACT_ERRNO" };
  s.n_syscalls = 2;
  struct spc_seccomp_program p;
  CHECK (patched (&s, &p));
  CHECK (run (&p, AUDIT_ARCH_X86_64, 437) == ORIGINAL);
  CHECK (run (&p, AUDIT_ARCH_X86_64, 440) == ORIGINAL);
  CHECK (run (&p, AUDIT_ARCH_X86_64, 441) == ENOSYS_RET);
  free (p.insns);
  return true;
}

static bool
no_stub_unless_the_default_denies (void)
{
  const char *defaults[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
                             "SCMP_ACT_TRACE" };
  struct spc_seccomp_program p;
  for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++)
    {
      struct spc_seccomp s = profile (defaults[i], all_x86, 3);
      CHECK (patched (&s, &p));
      CHECK (p.n_insns == 1);
      free (p.insns);
    }
  struct spc_seccomp s = profile ("SCMP_ACT_ERRNO", all_x86, 3);
  s.has_default_errno_ret = true;
  s.default_errno_ret = ENOSYS;
  CHECK (patched (&s, &p));
  CHECK (p.n_insns == 1);
  free (p.insns);
  /* Nothing named: nothing tells what the profile knew. */
  s = profile ("SCMP_ACT_ERRNO", all_x86, 3);
  s.n_syscalls = 0;
  CHECK (patched (&s, &p));
  CHECK (p.n_insns == 1);
  free (p.insns);
  return true;
}

static bool
too_long_a_program_is_refused (void)
{
  struct spc_seccomp s = profile ("SCMP_ACT_TRAP", all_x86, 3);
  struct spc_seccomp_program p = { .n_insns = BPF_MAXINSNS };
  p.insns = calloc (BPF_MAXINSNS, sizeof *p.insns);
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_seccomp_enosys_patch (&s, &p, &err) < 0);
  CHECK (spc_error_is (&err, E2BIG));
  CHECK (p.n_insns == BPF_MAXINSNS);
  free (p.insns);
  return true;
}

int
main (void)
{
  RUN (newer_calls_get_enosys);
  RUN (x32_left_alone_without_x32);
  RUN (a_rule_like_the_default_still_counts);
  RUN (no_stub_unless_the_default_denies);
  RUN (too_long_a_program_is_refused);
  return unit_summary ();
}
