/* The spacer binary's entry point (x86_64): the re-execution of sealed.h,
 * done before the C library starts when the command line plainly asks for
 * a command that needs it (create, run, exec).
 *
 * Why: a re-execution otherwise pays for two starts of the C library, and
 * the first one is thrown away after a few syscalls. On the development
 * machine (a VM where each page fault costs 20-40 us) the C library's
 * start is most of an exec's cost: about 25 page faults of a statically
 * linked binary, over a millisecond of the ~18 a `run` takes.
 *
 * This code is an optimisation only; sealed.c stays the guard. It does
 * here the same steps as sealed.c's read_only_clone and reexec_protected,
 * and checks the clone is read-only before it executes it; the image that
 * then runs checks again, in spc_sealed_ensure, that it runs from that very
 * clone, and fails closed if not. Wherever this code is unsure (an option
 * it does not know, an environment that already names an image, a step
 * refused, as open_tree is without CAP_SYS_ADMIN) it does nothing, and the
 * command re-executes itself as before, through the C library.
 *
 * It runs with no C library: no TLS (so no stack protector, no errno), no
 * sanitizer runtime, nothing but raw system calls and the stack. */

#if defined(__x86_64__)

#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/stat.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#define EARLY __attribute__ ((no_stack_protector, no_sanitize ("address", "undefined")))

/* As in sealed.c: "PID:IMAGE", the image a mount id. */
#define SEALED_ENV "_SPACER_SEALED_IMAGE"

#ifndef ST_RDONLY
#define ST_RDONLY 1
#endif

static inline long EARLY
sys6 (long n, long a, long b, long c, long d, long e, long f)
{
  long ret;
  register long r10 __asm__ ("r10") = d;
  register long r8 __asm__ ("r8") = e;
  register long r9 __asm__ ("r9") = f;
  __asm__ volatile ("syscall"
                    : "=a"(ret)
                    : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                    : "rcx", "r11", "memory");
  return ret;
}

#define sys3(n, a, b, c) sys6 (n, (long) (a), (long) (b), (long) (c), 0, 0, 0)

static int EARLY
same (const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

/* Does s start with prefix? Returns what follows it, or NULL. */
static const char * EARLY
after (const char *s, const char *prefix)
{
  while (*prefix)
    if (*s++ != *prefix++)
      return NULL;
  return s;
}

/* The global options of main.c's parse_global: those that take a value,
 * those that do not. Anything else (an abbreviation, -v, a new option)
 * makes the scan give up. */
static int EARLY
takes_value (const char *name)
{
  return same (name, "root") || same (name, "log") || same (name, "log-format")
         || same (name, "criu") || same (name, "rootless");
}

static int EARLY
is_flag (const char *name)
{
  return same (name, "debug") || same (name, "systemd-cgroup");
}

/* The command argv names, if it needs a protected image; else NULL. */
static const char * EARLY
protected_command (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i], *name = after (a, "--");
      if (a[0] != '-')
        return same (a, "create") || same (a, "run") || same (a, "exec") ? a : NULL;
      if (name == NULL || *name == '\0')
        return NULL; /* a short option, or "--" */
      const char *eq = name;
      while (*eq && *eq != '=')
        eq++;
      if (*eq == '=')
        {
          /* --root=DIR: the name is what comes before '='. */
          char head[16];
          size_t len = (size_t) (eq - name);
          if (len >= sizeof head)
            return NULL;
          for (size_t k = 0; k < len; k++)
            head[k] = name[k];
          head[len] = '\0';
          if (!takes_value (head))
            return NULL;
        }
      else if (takes_value (name))
        i++;
      else if (!is_flag (name))
        return NULL;
    }
  return NULL;
}

static char * EARLY
put_decimal (char *p, uint64_t v)
{
  char digits[24];
  int n = 0;
  do
    digits[n++] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0)
    *p++ = digits[--n];
  return p;
}

/* The read-only clone of the binary, its mount id in *mnt_id; or -1. */
static int EARLY
read_only_clone (uint64_t *mnt_id)
{
  int exe = (int) sys3 (SYS_openat, AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return -1;
  int tree = (int) sys3 (SYS_open_tree, exe, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  sys3 (SYS_close, exe, 0, 0);
  if (tree < 0)
    return -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  struct statfs sf;
  struct statx stx;
  if (sys6 (SYS_mount_setattr, tree, (long) "", AT_EMPTY_PATH, (long) &attr, sizeof attr, 0) < 0
      || sys3 (SYS_fstatfs, tree, &sf, 0) < 0 || !(sf.f_flags & ST_RDONLY)
      || sys6 (SYS_statx, tree, (long) "", AT_EMPTY_PATH, STATX_MNT_ID, (long) &stx, 0) < 0
      || !(stx.stx_mask & STATX_MNT_ID))
    {
      sys3 (SYS_close, tree, 0, 0);
      return -1;
    }
  *mnt_id = stx.stx_mnt_id;
  return tree;
}

/* Called from the entry point with the stack the kernel set up: argc, the
 * argument pointers, NULL, the environment pointers, NULL. Returns unless
 * the exec succeeds. */
void EARLY
spc_sealed_entry_reexec (long *sp)
{
  int argc = (int) sp[0];
  char **argv = (char **) (sp + 1), **envp = argv + argc + 1;
  if (protected_command (argc, argv) == NULL)
    return;
  size_t n_env = 0;
  for (; envp[n_env]; n_env++)
    if (after (envp[n_env], SEALED_ENV "="))
      return; /* re-executed already, or inherited: sealed.c sorts it out */
  uint64_t mnt_id;
  int tree = read_only_clone (&mnt_id);
  if (tree < 0)
    return;
  char value[sizeof SEALED_ENV + 48], *p = value;
  for (const char *s = SEALED_ENV "="; *s; s++)
    *p++ = *s;
  p = put_decimal (p, (uint64_t) sys3 (SYS_getpid, 0, 0, 0));
  *p++ = ':';
  *put_decimal (p, mnt_id) = '\0';
  char **env = __builtin_alloca ((n_env + 2) * sizeof *env);
  for (size_t i = 0; i < n_env; i++)
    env[i] = envp[i];
  env[n_env] = value;
  env[n_env + 1] = NULL;
  sys6 (SYS_execveat, tree, (long) "", (long) argv, (long) env, AT_EMPTY_PATH, 0);
  sys3 (SYS_close, tree, 0, 0);
}

/* The ELF entry point (the link's -e). The kernel's stack pointer (argc
 * first) goes to the function above; %rdx, which holds the dynamic
 * loader's finaliser in a dynamically linked binary, is kept for the C
 * library's _start, entered with the stack as the kernel left it. Two
 * pushes keep the stack 16-byte aligned at the call. */
__asm__ (".text\n"
         ".globl spc_sealed_entry\n"
         ".type spc_sealed_entry, @function\n"
         "spc_sealed_entry:\n"
         "  mov %rsp, %rdi\n"
         "  push %rdx\n"
         "  push %rdx\n"
         "  call spc_sealed_entry_reexec\n"
         "  pop %rdx\n"
         "  pop %rdx\n"
         "  jmp _start\n"
         ".size spc_sealed_entry, .-spc_sealed_entry\n");

#endif
