/* The ENOSYS stub: a few BPF instructions put in front of libseccomp's
 * program so that a system call newer than the profile fails with ENOSYS
 * rather than the profile's default action.
 *
 * Why: engines' profiles deny by default (ERRNO EPERM). A call added to
 * the kernel after the profile was written (clone3, openat2, faccessat2
 * for a profile that predates them) then fails with EPERM, and glibc only
 * falls back to the older call on ENOSYS. runc (libcontainer/seccomp/
 * patchbpf) and crun do the same.
 *
 * What counts as newer: per architecture, a number above the largest one
 * any syscall name of the profile has there, whatever its rule's action
 * (a rule that repeats the default is not in libseccomp's program, but
 * the profile knew that call all the same). Not the largest number
 * libseccomp knows: a call older than the profile's newest one that the
 * profile leaves out was left out on purpose, and keeps the default.
 *
 * The stub, for architectures A1..An (the native one and the profile's):
 *
 *       ld  [arch]
 *       jeq A1, 0, next1      -- per architecture
 *       ld  [nr]
 *      (jset X32_BIT, x32, 0) -- x86_64 only, see below
 *       jgt max, enosys, orig
 *      (x32: jgt max_x32, 0, orig; jge x32|512, orig, enosys)
 *   next1: ...
 *       ja  orig              -- an architecture the stub does not know
 *   enosys: ret ERRNO(ENOSYS)
 *   orig:   libseccomp's program, unchanged
 *
 * Jumps are relative and forward, so the original program stays valid
 * behind the stub; it reloads what it needs (it starts with ld [arch]). */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/seccomp.h"

/* x32 system calls arrive with the x86_64 arch word and this bit set in
 * the number (the kernel's __X32_SYSCALL_BIT). */
#define X32_SYSCALL_BIT 0x40000000u

/* x32's numbers 512-547 are its own versions of old calls (execve is
 * 520): a frozen range, not newer calls. New x32 calls get numbers in
 * the range shared with x86_64 (435 and up), so x32's largest is taken
 * below 512, and 512 and up are left to libseccomp's program. */
#define X32_LEGACY_FIRST (X32_SYSCALL_BIT | 512u)

/* The most architectures one filter has (libseccomp's list), twice over. */
#define MAX_ARCHES 32

/* One comparison of the stub: calls with ARCH in the arch word (and, for
 * x86_64, the x32 bit as X32 says) above MAX get ENOSYS. */
struct abi
{
  uint32_t audit_arch;
  bool x32;
  bool has_max;
  uint32_t max;
};

/* Does the default action deny? Only then is ENOSYS a better answer.
 * ALLOW and LOG let new calls through already; ERRNO(ENOSYS) says it
 * already; TRACE and NOTIFY hand the call to a tracer or listener, which
 * sees the number and can answer ENOSYS itself, and the stub would hide
 * those calls from it. */
static bool
default_denies (const struct spc_seccomp *s)
{
  const char *a = s->default_action;
  if (strcmp (a, "SCMP_ACT_ERRNO") == 0)
    return !(s->has_default_errno_ret && s->default_errno_ret == ENOSYS);
  return strcmp (a, "SCMP_ACT_KILL") == 0 || strcmp (a, "SCMP_ACT_KILL_THREAD") == 0
         || strcmp (a, "SCMP_ACT_KILL_PROCESS") == 0 || strcmp (a, "SCMP_ACT_TRAP") == 0;
}

/* The largest number NAME has on libseccomp's architecture ARCH, into
 * *max; names unknown there and libseccomp's negative pseudo-numbers
 * (multiplexed calls) count for nothing. */
static void
raise_max (uint32_t arch, const char *name, struct abi *abi)
{
  int nr = seccomp_syscall_resolve_name_arch (arch, name);
  if (nr < 0 || (abi->x32 && (uint32_t) nr >= X32_LEGACY_FIRST))
    return;
  if (!abi->has_max || (uint32_t) nr > abi->max)
    abi->max = (uint32_t) nr;
  abi->has_max = true;
}

static void
profile_max (const struct spc_seccomp *s, uint32_t arch, struct abi *abi)
{
  for (size_t i = 0; i < s->n_syscalls; i++)
    for (size_t n = 0; n < s->syscalls[i].n_names; n++)
      raise_max (arch, s->syscalls[i].names[n], abi);
}

static bool
listed (const struct abi *abis, size_t n, uint32_t audit_arch, bool x32)
{
  for (size_t i = 0; i < n; i++)
    if (abis[i].audit_arch == audit_arch && abis[i].x32 == x32)
      return true;
  return false;
}

/* libseccomp's architecture token into what the kernel puts in
 * seccomp_data.arch: the same value (AUDIT_ARCH_*) except for x32, which
 * shares x86_64's. */
static void
add_abi (const struct spc_seccomp *s, uint32_t token, struct abi *abis, size_t *n)
{
  bool x32 = token == SCMP_ARCH_X32;
  uint32_t audit_arch = x32 ? AUDIT_ARCH_X86_64 : token;
  if (*n >= MAX_ARCHES || listed (abis, *n, audit_arch, x32))
    return;
  struct abi abi = { .audit_arch = audit_arch, .x32 = x32 };
  profile_max (s, token, &abi);
  /* A profile that names no call of this architecture gives no idea of
   * what it knew: leave the architecture to the default action. */
  if (abi.has_max)
    abis[(*n)++] = abi;
}

/* The architectures of the filter: libseccomp keeps the native one and
 * spacer adds the profile's (unknown names skipped, as when building). */
static size_t
filter_abis (const struct spc_seccomp *s, struct abi *abis)
{
  size_t n = 0;
  add_abi (s, seccomp_arch_native (), abis, &n);
  for (size_t i = 0; i < s->n_architectures; i++)
    {
      uint32_t token = spc_seccomp_arch_token (s->architectures[i]);
      if (token != 0)
        add_abi (s, token, abis, &n);
    }
  return n;
}

static const struct abi *
find_abi (const struct abi *abis, size_t n, uint32_t audit_arch, bool x32)
{
  for (size_t i = 0; i < n; i++)
    if (abis[i].audit_arch == audit_arch && abis[i].x32 == x32)
      return &abis[i];
  return NULL;
}

/* ---- emitting ---- */

/* Jump targets are resolved once the stub's length is known: a jump to
 * ENOSYS or ORIG is written as that label and fixed up in resolve(). */
enum
{
  TO_NEXT = 0, /* 0: the next instruction, as BPF has it */
  TO_ENOSYS = 0x100,
  TO_ORIG = 0x101,
};

struct stub
{
  struct sock_filter insns[8 * MAX_ARCHES + 4];
  unsigned jt[8 * MAX_ARCHES + 4], jf[8 * MAX_ARCHES + 4];
  size_t n;
};

static void
emit (struct stub *st, uint16_t code, uint32_t k, unsigned jt, unsigned jf)
{
  st->insns[st->n] = (struct sock_filter){ .code = code, .k = k };
  st->jt[st->n] = jt;
  st->jf[st->n] = jf;
  st->n++;
}

/* The comparison of one ABI: above its max, ENOSYS; else the program. */
static void
emit_compare (struct stub *st, const struct abi *abi)
{
  if (abi == NULL)
    emit (st, BPF_JMP | BPF_JA, TO_ORIG, 0, 0);
  else
    emit (st, BPF_JMP | BPF_JGT | BPF_K, abi->max, TO_ENOSYS, TO_ORIG);
}

/* x32's: above its max but below the legacy range, ENOSYS. Always two
 * instructions, so that x86_64's block has one length. */
static void
emit_x32_compare (struct stub *st, const struct abi *abi)
{
  if (abi == NULL)
    {
      emit (st, BPF_JMP | BPF_JA, TO_ORIG, 0, 0);
      emit (st, BPF_JMP | BPF_JA, TO_ORIG, 0, 0);
      return;
    }
  emit (st, BPF_JMP | BPF_JGT | BPF_K, abi->max, TO_NEXT, TO_ORIG);
  emit (st, BPF_JMP | BPF_JGE | BPF_K, X32_LEGACY_FIRST, TO_ORIG, TO_ENOSYS);
}

/* One architecture word. x86_64's covers x32 too: x32 numbers (the bit
 * set) are compared with x32's max when the profile has x32, and are
 * otherwise left to libseccomp's program (which refuses them as calls of
 * an architecture the filter lacks); x86_64's own max, a few hundred,
 * would have made every x32 call ENOSYS. */
static void
emit_arch (struct stub *st, const struct abi *abis, size_t n, uint32_t audit_arch)
{
  const struct abi *native = find_abi (abis, n, audit_arch, false);
  const struct abi *x32 = find_abi (abis, n, audit_arch, true);
  bool splits = audit_arch == AUDIT_ARCH_X86_64;
  /* jf: over this architecture's block to the next one's jeq. */
  unsigned block = 1 + (splits ? 4 : 1);
  emit (st, BPF_JMP | BPF_JEQ | BPF_K, audit_arch, TO_NEXT, block);
  emit (st, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr), 0, 0);
  if (splits)
    {
      emit (st, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 1, TO_NEXT);
      emit_compare (st, native);
      emit_x32_compare (st, x32);
    }
  else
    emit_compare (st, native);
}

/* Relative offsets for the labels; false if one does not fit jt/jf's
 * 8 bits (it cannot with MAX_ARCHES, but the check is cheap). */
static bool
resolve (struct stub *st)
{
  size_t enosys = st->n - 1, orig = st->n;
  for (size_t i = 0; i < st->n; i++)
    {
      unsigned *fields[2] = { &st->jt[i], &st->jf[i] };
      uint8_t *out[2] = { &st->insns[i].jt, &st->insns[i].jf };
      for (int f = 0; f < 2; f++)
        {
          unsigned v = *fields[f];
          size_t off = v == TO_ENOSYS ? enosys - i - 1 : v == TO_ORIG ? orig - i - 1 : v;
          if (off > 255)
            return false;
          *out[f] = (uint8_t) off;
        }
      if (st->insns[i].code == (BPF_JMP | BPF_JA) && st->insns[i].k == TO_ORIG)
        st->insns[i].k = (uint32_t) (orig - i - 1);
    }
  return true;
}

static bool
build_stub (const struct abi *abis, size_t n, struct stub *st)
{
  st->n = 0;
  emit (st, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch), 0, 0);
  for (size_t i = 0; i < n; i++)
    {
      /* x86_64 and x32 share one block. */
      bool seen = false;
      for (size_t j = 0; j < i; j++)
        seen |= abis[j].audit_arch == abis[i].audit_arch;
      if (!seen)
        emit_arch (st, abis, n, abis[i].audit_arch);
    }
  emit (st, BPF_JMP | BPF_JA, TO_ORIG, 0, 0);
  emit (st, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA), 0, 0);
  return resolve (st);
}

int
spc_seccomp_enosys_patch (const struct spc_seccomp *s, struct spc_seccomp_program *p,
                          spc_err_t *err)
{
  if (!default_denies (s))
    return 0;
  struct abi abis[MAX_ARCHES];
  size_t n = filter_abis (s, abis);
  if (n == 0)
    return 0;
  struct stub st;
  if (!build_stub (abis, n, &st))
    return spc_error_make (err, E2BIG, "linux.seccomp: the ENOSYS stub's jumps do not fit");
  if (p->n_insns + st.n > BPF_MAXINSNS)
    return spc_error_make (err, E2BIG,
                           "linux.seccomp: %zu instructions with the ENOSYS stub, more than %d",
                           p->n_insns + st.n, BPF_MAXINSNS);
  struct sock_filter *insns = malloc ((p->n_insns + st.n) * sizeof *insns);
  if (insns == NULL)
    return spc_error_errno (err, "malloc");
  memcpy (insns, st.insns, st.n * sizeof *insns);
  memcpy (insns + st.n, p->insns, p->n_insns * sizeof *insns);
  free (p->insns);
  p->insns = insns;
  p->n_insns += st.n;
  return 0;
}
