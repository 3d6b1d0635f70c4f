/* Small file and string helpers shared by the runtime. All paths taken as
 * (dirfd, name) pairs so callers can work inside a directory they hold open. */
#ifndef SPACER_UTILS_H
#define SPACER_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spacer/error.h"

/* Write all of buf to fd, retrying on EINTR and short writes. */
int spc_write_all (int fd, const void *buf, size_t len);

/* Parse "123", "64K", "512M", "16G", "1GiB" (powers of 1024) into bytes;
 * 0 and overflow are refused. */
int spc_parse_size (const char *s, uint64_t *out);

/* A list of numbers and ranges as cpusets and sysfs write them ("0-3,7",
 * a final newline allowed) into the bit mask `mask` of nbits bits, which
 * it zeroes first. On failure returns -1 with what is wrong in why. */
#define SPC_BITS_PER_LONG (8 * sizeof (unsigned long))
int spc_parse_index_list (const char *text, unsigned long *mask, size_t nbits, char *why,
                          size_t why_len);
static inline bool
spc_mask_test (const unsigned long *mask, size_t bit)
{
  return (mask[bit / SPC_BITS_PER_LONG] >> (bit % SPC_BITS_PER_LONG)) & 1;
}

/* Replace dirfd/name atomically: write a temporary file beside it, fsync,
 * rename over the target, so readers see the old or the new file, never a
 * torn one, even across a crash. */
int spc_write_file_atomic_at (int dirfd, const char *name, const char *data, size_t len,
                              mode_t mode, spc_err_t *err);

/* PID, in decimal, atomically into the file at `path` (--pid-file). */
int spc_write_pid_file (const char *path, pid_t pid, spc_err_t *err);

/* Every signal back to its default disposition, none blocked: what a
 * program expects to start with. */
void spc_reset_signals (void);

/* The same without the fsync: readers still never see a torn file, but a
 * crash may lose it. */
int spc_write_file_replace_at (int dirfd, const char *name, const char *data, size_t len,
                               mode_t mode, bool durable, spc_err_t *err);

/* Read a whole file (NUL-terminated). */
int spc_read_file_at (int dirfd, const char *name, char **out, size_t *len, spc_err_t *err);

/* The same for a file spacer keeps itself (state.json): it must be a
 * regular file, not a symlink, of at most max bytes. A FIFO or device in
 * its place is refused at once, never read nor waited on. */
int spc_read_regular_file_at (int dirfd, const char *name, size_t max, char **out, size_t *len,
                              spc_err_t *err);

/* mkdir -p (absolute or relative to cwd); existing directories are fine. */
int spc_mkdir_p (const char *path, mode_t mode, spc_err_t *err);

/* Remove a directory tree below dirfd/name, not crossing mount points. */
int spc_rm_rf_at (int dirfd, const char *name, spc_err_t *err);

/* Current time as RFC 3339 with nanoseconds, UTC (state "created"). */
void spc_rfc3339_now (char *buf, size_t len);

/* Start time of a process in clock ticks (field 22 of /proc/PID/stat); it
 * tells a live container init from an unrelated process that reused the PID.
 * Returns 0 when the process does not exist. */
uint64_t spc_process_start_time (pid_t pid);

/* What one read of /proc/PID/stat tells of a live process. */
struct spc_process_stat
{
  uint64_t start_time; /* field 22, as above */
  uint64_t flags;      /* field 9: the kernel's PF_* bits */
  char state;          /* field 3: R, S, D, T, ... */
};

/* The kernel sets it in every process fork or clone makes and clears it
 * in execve (include/linux/sched.h; ABI since Linux 2.x). */
#define SPC_PF_FORKNOEXEC 0x40

/* /proc/PID/stat of a live process: 0, or -1 when the process is gone or
 * a zombie. procfd: an fd of /proc, saving the walk to it of a caller
 * that asks of many (list); -1: /proc by path. spc_process_stat_parse is
 * its parser, for the unit tests. */
int spc_process_stat (int procfd, pid_t pid, struct spc_process_stat *ps);
int spc_process_stat_parse (const char *text, struct spc_process_stat *ps);

/* Pass an fd over a unix socket (SCM_RIGHTS), with len bytes of data (at
 * least one byte goes). spc_recv_fd returns the fd (close-on-exec) and
 * puts up to len bytes of the data in data (may be NULL). */
int spc_send_fd (int sock, int fd, const void *data, size_t len, spc_err_t *err);
int spc_recv_fd (int sock, void *data, size_t len, spc_err_t *err);

/* A connected unix stream socket to path (close-on-exec); what names it
 * in errors ("--console-socket"). */
int spc_unix_connect (const char *path, const char *what, spc_err_t *err);

/* runc's --pidfd-socket: a pidfd of pid over sock, with msg as the bytes
 * that carry it ("standard" for a container's init, "setns" for an exec'd
 * process, without a NUL, as runc 1.2 sends them). */
int spc_send_pidfd (int sock, pid_t pid, const char *msg, spc_err_t *err);

/* Find an executable the way execvp does, but using the PATH from the
 * container's environment. Returns a malloc'd path or NULL with errno set. */
char *spc_find_executable (const char *name, char *const env[]);
/* The same search with another test of a candidate path (0: executable,
 * else -1 with errno EACCES, EISDIR or ENOENT), for looking into a rootfs
 * from outside it. */
char *spc_find_executable_with (const char *name, char *const env[],
                                int (*check) (const char *path, void *data), void *data);

/* A signal as runc's kill takes it, and as the
 * org.opencontainers.image.stopSignal annotation holds it: "KILL",
 * "SIGKILL", "kill", "9", "RTMIN+3" -> signal number (0 too: kill(1)'s
 * test for life). */
int spc_parse_signal (const char *text, spc_err_t *err);

#endif
