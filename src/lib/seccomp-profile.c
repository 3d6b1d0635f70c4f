/* spacer's default seccomp profile, in the spirit of the Docker and podman
 * defaults but a list of its own. Three verdicts:
 *
 *  - allowed: what ordinary programs use. Much of it is still guarded by
 *    the kernel (capabilities, namespaces, ptrace access checks); the
 *    filter does not repeat those checks, it removes attack surface.
 *  - refused with EPERM: what a container must not do whatever its
 *    capabilities say, because the object is not namespaced (the clock, the
 *    keyring, kernel modules) or the code behind it has a history of
 *    container escapes. EPERM says "you may not", which programs report.
 *  - ENOSYS for everything else, the default: a syscall this profile does
 *    not know (one newer than the list, or an obscure one) looks as if the
 *    kernel lacked it, and programs take their fallback path instead of
 *    failing.
 *
 * Names this libseccomp or architecture does not know are skipped when the
 * filter is built (see seccomp.c), so one list serves every architecture
 * and the 32-bit names (mmap2, fstat64, ...) can sit beside the 64-bit
 * ones. Only clone, personality and socket depend on their arguments,
 * which sit in registers, where seccomp can read them; what lies behind a
 * pointer (clone3's flags, adjtimex's mode) it cannot. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include "spacer/json.h"
#include "spacer/seccomp-profile.h"

/* ---- allowed ---- */

/* Starting, running and ending processes and threads. fork and vfork have
 * no flags; clone is allowed below only without namespace flags. */
static const char *const allowed_process[] = {
  "execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4", "waitid", "waitpid",
  "getpid", "getppid", "gettid", "getpgid", "getpgrp", "getsid", "setsid", "setpgid",
  "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "restart_syscall",
  "arch_prctl", "set_thread_area", "get_thread_area", "prctl", "uname", "sysinfo", "umask",
  "getrandom", "getrlimit", "ugetrlimit", "setrlimit", "prlimit64", "getrusage", "times",
  "getpriority", "setpriority", "ioprio_get", "ioprio_set", "getcpu", "sched_yield",
  "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
  "sched_getscheduler", "sched_setscheduler", "sched_getattr", "sched_setattr",
  "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
  "sched_rr_get_interval_time64", "pidfd_open", "pidfd_send_signal",
  NULL,
};

/* User and group IDs and capabilities: changing them is what CAP_SETUID,
 * CAP_SETGID and CAP_SETPCAP are for, and a user namespace bounds them;
 * refusing them here would only break su, login and daemons that drop
 * privileges. */
static const char *const allowed_identity[] = {
  "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
  "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
  "setfsuid", "setfsgid", "capget", "capset",
  "getuid32", "geteuid32", "getgid32", "getegid32", "getresuid32", "getresgid32",
  "getgroups32", "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32",
  "setresgid32", "setgroups32", "setfsuid32", "setfsgid32",
  NULL,
};

/* Signals, new and old (the unprefixed ones are 32-bit x86's). Who may
 * signal whom is the kernel's check and the pid namespace's reach. */
static const char *const allowed_signals[] = {
  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
  "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
  "sigaction", "sigprocmask", "sigreturn", "sigpending", "sigsuspend", "signal",
  "sigaltstack", "signalfd", "signalfd4", "kill", "tkill", "tgkill", "pause", "alarm",
  NULL,
};

/* Memory. Left out: the NUMA policy calls (mbind, set_mempolicy,
 * migrate_pages, move_pages), which reach other processes' and the host's
 * memory placement; numactl reads ENOSYS as "no NUMA". */
static const char *const allowed_memory[] = {
  "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
  "mlock", "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages", "memfd_create",
  "membarrier", "pkey_alloc", "pkey_free", "pkey_mprotect", "mseal", "map_shadow_stack",
  NULL,
};

/* Paths and file metadata. The filesystem's own permissions, the mount
 * namespace and CAP_CHOWN, CAP_FOWNER, CAP_MKNOD, CAP_SYS_CHROOT (and the
 * device cgroup for mknod) decide what these may touch. */
static const char *const allowed_paths[] = {
  "open", "openat", "openat2", "creat", "access", "faccessat", "faccessat2", "getcwd",
  "chdir", "fchdir", "chroot", "mkdir", "mkdirat", "rmdir", "rename", "renameat",
  "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "readlink",
  "readlinkat", "stat", "lstat", "fstat", "newfstatat", "statx", "stat64", "lstat64",
  "fstat64", "fstatat64", "statfs", "fstatfs", "statfs64", "fstatfs64", "chmod", "fchmod",
  "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "chown32", "fchown32",
  "lchown32", "utime", "utimes", "futimesat", "utimensat", "utimensat_time64", "mknod",
  "mknodat", "truncate", "truncate64", "getdents", "getdents64", "readdir",
  "name_to_handle_at", "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr",
  "fsetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr",
  "fremovexattr", "cachestat",
  NULL,
};

/* Reading, writing and managing open descriptors. */
static const char *const allowed_descriptors[] = {
  "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
  "preadv2", "pwritev2", "lseek", "_llseek", "close", "close_range", "dup", "dup2", "dup3",
  "fcntl", "fcntl64", "ioctl", "flock", "fsync", "fdatasync", "sync", "syncfs",
  "sync_file_range", "fallocate", "ftruncate", "ftruncate64", "readahead", "fadvise64",
  "fadvise64_64", "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range",
  "pipe", "pipe2",
  NULL,
};

/* Waiting for descriptors and events, and POSIX AIO (not io_uring: see
 * below). */
static const char *const allowed_waiting[] = {
  "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
  "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
  "eventfd", "eventfd2", "inotify_init", "inotify_init1", "inotify_add_watch",
  "inotify_rm_watch", "futex", "futex_time64", "futex_waitv", "io_setup", "io_destroy",
  "io_submit", "io_cancel", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
  NULL,
};

/* Reading clocks, sleeping and timers. Setting the clock is refused below. */
static const char *const allowed_time[] = {
  "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
  "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "gettimeofday", "time",
  "getitimer", "setitimer", "timer_create", "timer_delete", "timer_gettime",
  "timer_gettime64", "timer_settime", "timer_settime64", "timer_getoverrun",
  "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
  "timerfd_settime64",
  NULL,
};

/* Sockets, confined by the network namespace. socket itself is allowed
 * below for every family but AF_VSOCK. socketcall is 32-bit x86's
 * multiplexer: its arguments sit behind a pointer, so the AF_VSOCK check
 * cannot apply there; 32-bit programs on old C libraries need it. */
static const char *const allowed_network[] = {
  "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname",
  "getpeername", "getsockopt", "setsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg",
  "sendmmsg", "recvmmsg", "recvmmsg_time64", "send", "recv", "shutdown", "socketcall",
  NULL,
};

/* System V and POSIX message queues, semaphores and shared memory: all
 * confined by the IPC namespace. ipc is 32-bit x86's multiplexer. */
static const char *const allowed_ipc[] = {
  "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
  "semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl", "ipc", "mq_open",
  "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
  "mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
  NULL,
};

/* Debugging: strace and gdb need ptrace, and the others pass the same
 * kernel check (the tracer has the target's credentials or
 * CAP_SYS_PTRACE, and Yama agrees), which the pid namespace keeps inside
 * the container. Docker allows ptrace from kernel 4.8 on, where a tracer
 * can no longer change a syscall after seccomp approved it; spacer needs
 * clone3 (5.3) to start a container at all, so every kernel it runs on has
 * that fix. */
static const char *const allowed_debugging[] = {
  "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
  NULL,
};

/* Sandboxing oneself further: a new seccomp filter can only narrow this
 * one, and Landlock only takes access away. */
static const char *const allowed_sandboxing[] = {
  "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
  NULL,
};

/* The host and domain names belong to the UTS namespace and need
 * CAP_SYS_ADMIN over it. */
static const char *const allowed_names[] = {
  "sethostname", "setdomainname",
  NULL,
};

/* 32-bit and 64-bit ARM's own calls: cache flushing for JITs, the TLS
 * register, and argument orders of their own for two common calls. */
static const char *const allowed_arm[] = {
  "arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls",
  NULL,
};

static const char *const *const allowed[] = {
  allowed_process, allowed_identity, allowed_signals, allowed_memory, allowed_paths,
  allowed_descriptors, allowed_waiting, allowed_time, allowed_network, allowed_ipc,
  allowed_debugging, allowed_sandboxing, allowed_names, allowed_arm,
  NULL,
};

/* ---- refused with EPERM ---- */

/* The running kernel and the machine: replacing the kernel, loading code
 * into it, rebooting, swap, process accounting, quotas, port I/O, and the
 * kernel log (syslog), which is the host's and names its addresses and
 * devices. Host-wide, never a container's business, whatever capabilities
 * it was given. Also interfaces nothing current uses (uselib, nfsservctl,
 * lookup_dcookie, vm86): attack surface only. */
static const char *const refused_kernel[] = {
  "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
  "create_module", "query_module", "get_kernel_syms", "reboot", "swapon", "swapoff", "acct",
  "iopl", "ioperm", "vm86", "vm86old", "uselib", "nfsservctl", "quotactl", "quotactl_fd",
  "lookup_dcookie", "syslog",
  NULL,
};

/* The system clock: a time namespace offsets only the monotonic and boot
 * clocks, so setting the real-time clock (or steering it with adjtimex)
 * changes the host's. adjtimex's read-only mode goes too: the mode is in a
 * struct seccomp cannot read. */
static const char *const refused_clock[] = {
  "settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime",
  "clock_adjtime64", "adjtimex",
  NULL,
};

/* Mounting, old and new API, and pivot_root: the mount table is spacer's
 * to set up. Even with CAP_SYS_ADMIN a container could otherwise mount
 * filesystems whose kernel code was never meant for untrusted images, or
 * uncover what maskedPaths and readonlyPaths hide. */
static const char *const refused_mounts[] = {
  "mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
  "open_tree", "mount_setattr", "pivot_root",
  NULL,
};

/* New or other namespaces: a new user namespace hands out a full set of
 * capabilities over fresh namespaces, the way into most kernel exploits
 * of recent years; setns would join someone else's. unshare goes
 * entirely: its harmless flags (CLONE_FILES, CLONE_FS) are rarely used
 * alone. clone with namespace flags is refused below. */
static const char *const refused_namespaces[] = {
  "unshare", "setns",
  NULL,
};

/* The kernel keyring is not namespaced: a container could read or fill
 * the keys of the host and of other containers. */
static const char *const refused_keyring[] = {
  "keyctl", "add_key", "request_key",
  NULL,
};

/* Kernel interfaces with a long record of exploits or of leaking the
 * host: eBPF programs, perf events, userfaultfd (which lets an exploit
 * stall the kernel mid-copy), and open_by_handle_at, which opens any file
 * of a filesystem by its handle, past the container's root (the
 * "shocker" escape). */
static const char *const refused_attack_surface[] = {
  "bpf", "perf_event_open", "userfaultfd", "open_by_handle_at",
  NULL,
};

static const char *const *const refused[] = {
  refused_kernel, refused_clock, refused_mounts, refused_namespaces, refused_keyring,
  refused_attack_surface,
  NULL,
};

/* ---- refused with ENOSYS, on purpose ---- */

/* clone3 takes its flags in a struct, out of seccomp's reach, so it cannot
 * be allowed without namespaces the way clone is. ENOSYS makes the C
 * library fall back to clone (glibc does), as with Docker's profile.
 * io_uring has been behind a long run of kernel privilege escalations,
 * and the operations it runs (open, connect, ...) never pass through
 * seccomp at all; Docker and podman block it, and Google turned it off on
 * Android, ChromeOS and its servers. Programs that use it fall back to
 * epoll or threads on ENOSYS, the answer of a kernel built without it.
 * Written out although the default says the same (and the filter then
 * skips them), so that the intent survives an edit of defaultAction. */
static const char *const hidden[] = {
  "clone3", "io_uring_setup", "io_uring_enter", "io_uring_register",
  NULL,
};

/* ---- argument conditions ---- */

/* clone's flags word is its first argument here (not on s390, which is not
 * in the architecture list). */
static const uint64_t namespace_flags[] = {
  CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
  CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

/* personality values that change nothing a program could abuse: plain
 * Linux, 32-bit uname, a 2.6-style uname for old programs, the two
 * together, and the query. Others (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC,
 * ...) weaken the process' hardening and get ENOSYS. */
static const uint64_t harmless_personalities[] = {
  PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, 0xffffffff,
};

/* vsock reaches the hypervisor's host, and no network namespace confines
 * it. */
#define REFUSED_SOCKET_FAMILY AF_VSOCK

/* The architectures a filter covers; libseccomp adds a branch for each, so
 * a 32-bit or x32 program cannot slip past the 64-bit rules. A
 * libseccomp that does not know one skips it. */
static const char *const architectures[] = {
  "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
  NULL,
};

/* ---- writing ---- */

enum verdict
{
  ALLOW,
  REFUSE, /* EPERM */
  HIDE,   /* ENOSYS */
};

/* One comparison on the first argument: op (value, valueTwo). */
struct condition
{
  const char *op;
  uint64_t value;
  uint64_t value_two;
};

static void
write_verdict (spc_json_writer *w, enum verdict v)
{
  spc_jw_key (w, "action");
  spc_jw_string (w, v == ALLOW ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO");
  if (v == ALLOW)
    return;
  spc_jw_key (w, "errnoRet");
  spc_jw_uint (w, v == REFUSE ? EPERM : ENOSYS);
}

static void
write_condition (spc_json_writer *w, const struct condition *c)
{
  spc_jw_key (w, "args");
  spc_jw_begin_array (w);
  spc_jw_begin_object (w);
  spc_jw_key (w, "index");
  spc_jw_uint (w, 0);
  spc_jw_key (w, "value");
  spc_jw_uint (w, c->value);
  spc_jw_key (w, "valueTwo");
  spc_jw_uint (w, c->value_two);
  spc_jw_key (w, "op");
  spc_jw_string (w, c->op);
  spc_jw_end_object (w);
  spc_jw_end_array (w);
}

/* One syscalls[] entry; cond NULL for none. */
static void
write_rule (spc_json_writer *w, const char *const *names, enum verdict v,
            const struct condition *cond)
{
  spc_jw_begin_object (w);
  spc_jw_key (w, "names");
  spc_jw_begin_array (w);
  for (; *names; names++)
    spc_jw_string (w, *names);
  spc_jw_end_array (w);
  write_verdict (w, v);
  if (cond)
    write_condition (w, cond);
  spc_jw_end_object (w);
}

static void
write_single (spc_json_writer *w, const char *name, enum verdict v, const struct condition *cond)
{
  const char *const names[] = { name, NULL };
  write_rule (w, names, v, cond);
}

/* One entry per group, so the written profile keeps the grouping. */
static void
write_groups (spc_json_writer *w, const char *const *const *groups, enum verdict v)
{
  for (; *groups; groups++)
    write_rule (w, *groups, v, NULL);
}

/* clone without any namespace flag is fork or a thread; with one, EPERM.
 * One refusal per flag: a rule's comparisons are all ANDed, and "any of
 * these bits" is a disjunction. */
static void
write_clone_rules (spc_json_writer *w)
{
  uint64_t all = 0;
  for (size_t i = 0; i < sizeof namespace_flags / sizeof *namespace_flags; i++)
    all |= namespace_flags[i];
  write_single (w, "clone", ALLOW, &(struct condition){ "SCMP_CMP_MASKED_EQ", all, 0 });
  for (size_t i = 0; i < sizeof namespace_flags / sizeof *namespace_flags; i++)
    {
      uint64_t flag = namespace_flags[i];
      write_single (w, "clone", REFUSE, &(struct condition){ "SCMP_CMP_MASKED_EQ", flag, flag });
    }
}

static void
write_personality_rules (spc_json_writer *w)
{
  for (size_t i = 0; i < sizeof harmless_personalities / sizeof *harmless_personalities; i++)
    write_single (w, "personality", ALLOW,
                  &(struct condition){ "SCMP_CMP_EQ", harmless_personalities[i], 0 });
}

static void
write_socket_rules (spc_json_writer *w)
{
  const struct condition other = { "SCMP_CMP_NE", REFUSED_SOCKET_FAMILY, 0 };
  const struct condition refused_family = { "SCMP_CMP_EQ", REFUSED_SOCKET_FAMILY, 0 };
  write_single (w, "socket", ALLOW, &other);
  write_single (w, "socket", REFUSE, &refused_family);
}

void
spc_spec_write_seccomp (spc_json_writer *w)
{
  spc_jw_begin_object (w);
  spc_jw_key (w, "defaultAction");
  spc_jw_string (w, "SCMP_ACT_ERRNO");
  spc_jw_key (w, "defaultErrnoRet");
  spc_jw_uint (w, ENOSYS);
  spc_jw_key (w, "architectures");
  spc_jw_begin_array (w);
  for (const char *const *a = architectures; *a; a++)
    spc_jw_string (w, *a);
  spc_jw_end_array (w);
  spc_jw_key (w, "syscalls");
  spc_jw_begin_array (w);
  write_groups (w, allowed, ALLOW);
  write_clone_rules (w);
  write_personality_rules (w);
  write_socket_rules (w);
  write_groups (w, refused, REFUSE);
  write_rule (w, hidden, HIDE, NULL);
  spc_jw_end_array (w);
  spc_jw_end_object (w);
}
