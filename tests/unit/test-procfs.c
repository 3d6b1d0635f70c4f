/* Unit tests for procfs.c: the handle every write to /proc goes through,
 * and the rule for mounts inside /proc; and for spc_process_stat
 * (utils.c), what the status of a container is told from. The cases that mount run in a
 * private mount namespace of this process (root only, else skipped): a
 * file of the test's own is bind-mounted over a /proc file, and must never
 * be what spacer opens or writes. No host sysctl is written: knobs are
 * only opened read-only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/lsm.h"
#include "spacer/procfs.h"
#include "spacer/utils.h"
#include "unit.h"

static char tmpdir[] = "/tmp/spacer-test-procfs.XXXXXX";

/* A file of the test's own holding `text`; its path in out. */
static bool
own_file (const char *name, const char *text, char *out, size_t size)
{
  snprintf (out, size, "%s/%s", tmpdir, name);
  FILE *f = fopen (out, "w");
  if (f == NULL)
    return false;
  fputs (text, f);
  return fclose (f) == 0;
}

static bool
file_is (const char *path, const char *text)
{
  char buf[256] = "";
  FILE *f = fopen (path, "r");
  if (f == NULL)
    return false;
  size_t n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  return strcmp (buf, text) == 0;
}

/* ---- the handle ---- */

static bool
handle_is_the_root_of_a_procfs (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_close_ int h = spc_procfs_open (&err);
  struct statfs sfs;
  struct stat st;
  CHECK (h >= 0);
  CHECK (fstatfs (h, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC);
  CHECK (fstat (h, &st) == 0 && st.st_ino == 1);
  return true;
}

static bool
self_is_this_process (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_close_ int h = spc_procfs_open (&err);
  CHECK (h >= 0);
  _cleanup_close_ int fd = spc_procfs_open_file (h, "self/stat", O_RDONLY, &err);
  CHECK (fd >= 0);
  char buf[64] = "", want[32];
  CHECK (read (fd, buf, sizeof buf - 1) > 0);
  snprintf (want, sizeof want, "%d (", (int) getpid ());
  CHECK (strncmp (buf, want, strlen (want)) == 0);
  return true;
}

static bool
a_symlink_or_dotdot_on_the_way_is_refused (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_close_ int h = spc_procfs_open (&err);
  CHECK (h >= 0);
  /* /proc/net is a symlink to self/net. */
  CHECK (spc_procfs_open_file (h, "net/dev", O_RDONLY, &err) < 0);
  CHECK_CONTAINS (err->msg, "/proc/net/dev: goes through a symlink (refused)");
  spc_error_free (&err);
  CHECK (spc_procfs_open_file (h, "sys/../../etc/passwd", O_RDONLY, &err) < 0);
  CHECK (err->errno_ == EXDEV);
  spc_error_free (&err);
  return true;
}

static bool
a_directory_that_is_not_procfs_is_refused (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  char path[128];
  CHECK (own_file ("oom_score_adj", "0", path, sizeof path));
  _cleanup_close_ int fake = open (tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK (fake >= 0);
  CHECK (spc_procfs_write (fake, "oom_score_adj", "-1000", 5, &err) < 0);
  CHECK_CONTAINS (err->msg, "/proc/oom_score_adj: not on procfs (refused)");
  spc_error_free (&err);
  CHECK (file_is (path, "0"));
  return true;
}

/* ---- files mounted over /proc files (a private mount namespace) ---- */

#define PATH_SIZE 128

/* A file of the test's own holding "original", bind-mounted over the
 * /proc file `target`; its path in path. */
static bool
cover (const char *target, char path[PATH_SIZE])
{
  return own_file (strrchr (target, '/') + 1, "original", path, PATH_SIZE)
         && mount (path, target, NULL, MS_BIND, NULL) == 0;
}

static bool
a_file_over_a_knob_is_refused_through_plain_proc (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  char path[PATH_SIZE];
  CHECK (cover ("/proc/sys/kernel/domainname", path));
  _cleanup_close_ int plain = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK (plain >= 0);
  int fd = spc_procfs_open_file (plain, "sys/kernel/domainname", O_RDONLY, &err);
  umount2 ("/proc/sys/kernel/domainname", MNT_DETACH);
  CHECK (fd < 0);
  CHECK_CONTAINS (err->msg, "/proc/sys/kernel/domainname: ");
  CHECK (err->errno_ == EXDEV);
  spc_error_free (&err);
  return true;
}

static bool
the_handle_reaches_the_knob_under_a_file_mounted_over_it (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  char path[PATH_SIZE];
  CHECK (cover ("/proc/sys/kernel/hostname", path));
  _cleanup_close_ int h = spc_procfs_open (&err);
  _cleanup_close_ int fd = h >= 0 ? spc_procfs_open_file (h, "sys/kernel/hostname", O_RDONLY, &err) : -1;
  umount2 ("/proc/sys/kernel/hostname", MNT_DETACH);
  CHECK (fd >= 0);
  char buf[128] = "", host[128] = "";
  CHECK (read (fd, buf, sizeof buf - 1) > 0);
  CHECK (gethostname (host, sizeof host) == 0);
  buf[strcspn (buf, "\n")] = '\0';
  CHECK_STR (buf, host);
  return true;
}

/* The host has no LSM to label with, so the write itself fails: what
 * matters is where it went. */
static bool
the_exec_label_never_lands_in_a_file_over_attr_exec (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  char path[PATH_SIZE];
  CHECK (cover ("/proc/thread-self/attr/exec", path));
  struct spc_process p = { .apparmor_profile = (char *) "spacer-unit-test" };
  _cleanup_close_ int h = spc_procfs_open (&err);
  if (h >= 0)
    spc_lsm_set_exec_label (&p, h, &err);
  spc_error_free (&err);
  umount2 ("/proc/thread-self/attr/exec", MNT_DETACH);
  CHECK (h >= 0);
  CHECK (file_is (path, "original"));
  return true;
}

/* ---- what may be mounted inside /proc ---- */

static bool
only_procfs_and_lxcfs_files_inside_proc (void)
{
  struct spc_mount bind = { .flags = MS_BIND, .source = (char *) "/tmp" };
  struct spc_mount proc = { .type = (char *) "proc" };
  struct spc_mount tmpfs = { .type = (char *) "tmpfs" };
  CHECK (spc_procfs_mount_refusal (&bind, "/proc/cpuinfo", true) == NULL);
  CHECK (spc_procfs_mount_refusal (&bind, "/proc/sys/kernel/ns_last_pid", true) == NULL);
  CHECK (spc_procfs_mount_refusal (&bind, "/procfs", true) == NULL);
  CHECK (spc_procfs_mount_refusal (&bind, "/etc", true) == NULL);
  CHECK (spc_procfs_mount_refusal (&proc, "/proc", true) == NULL);
  CHECK_CONTAINS (spc_procfs_mount_refusal (&bind, "/proc/sys/kernel/domainname", true),
                  "inside /proc");
  CHECK_CONTAINS (spc_procfs_mount_refusal (&bind, "/proc/self", true), "inside /proc");
  CHECK_CONTAINS (spc_procfs_mount_refusal (&tmpfs, "/proc", true), "only procfs");
  /* A bind at /proc needs a procfs source, when it can be looked at. */
  CHECK_CONTAINS (spc_procfs_mount_refusal (&bind, "/proc", true), "only procfs");
  CHECK (spc_procfs_mount_refusal (&bind, "/proc", false) == NULL);
  bind.source = (char *) "/proc";
  CHECK (spc_procfs_mount_refusal (&bind, "/proc", true) == NULL);
  return true;
}

static bool
config_destinations_are_read_without_dots (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  struct spc_mount m = { .flags = MS_BIND, .source = (char *) "/tmp" };
  struct spc_config c = { .mounts = &m, .n_mounts = 1 };
  const char *refused[] = { "/proc//sys/./fs/../kernel/core_pattern", "/etc/../proc/sys",
                            "/proc/sys/", "//proc/1/attr/exec" };
  const char *taken[] = { "/proc/sys/../../etc", "/proc/./cpuinfo", "/proc/../procfs/x" };
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    {
      m.destination = (char *) refused[i];
      CHECK (spc_procfs_check_mounts (&c, &err) < 0);
      CHECK_CONTAINS (err->msg, "mounts[0].destination: `");
      CHECK_CONTAINS (err->msg, refused[i]);
      spc_error_free (&err);
    }
  for (size_t i = 0; i < sizeof taken / sizeof *taken; i++)
    {
      m.destination = (char *) taken[i];
      CHECK (spc_procfs_check_mounts (&c, &err) == 0);
    }
  return true;
}

static bool
a_target_on_a_procfs_outside_proc_is_refused (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_close_ int h = spc_procfs_open (&err);
  _cleanup_close_ int dir = open (tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK (h >= 0 && dir >= 0);
  CHECK_CONTAINS (spc_procfs_target_refusal ("/mnt/sys/kernel/domainname", h), "procfs");
  CHECK (spc_procfs_target_refusal ("/proc/cpuinfo", h) == NULL);
  CHECK (spc_procfs_target_refusal ("/mnt", dir) == NULL);
  return true;
}

/* ---- /proc/PID/stat ---- */

static bool
process_stat_is_parsed_past_any_comm (void)
{
  struct spc_process_stat ps;
  /* comm may hold spaces and ") ": the fields count from the last ')'. */
  const char *text = "42 (a) b ) c) S 1 42 42 0 -1 4194624 10 0 0 0 1 2 0 0 20 0 1 0 "
                     "987654 1000 100 18446744073709551615\n";
  CHECK (spc_process_stat_parse (text, &ps) == 0);
  CHECK (ps.state == 'S');
  CHECK (ps.flags == 4194624);
  CHECK (ps.start_time == 987654);
  /* A zombie, a truncated line and a start time of 0 are no live process. */
  CHECK (spc_process_stat_parse ("42 (a) Z 1 42 42 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", &ps) < 0);
  CHECK (spc_process_stat_parse ("42 (a) S 1 42 42 0 -1 64 0 0\n", &ps) < 0);
  CHECK (spc_process_stat_parse ("42 (a) S 1 42 42 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 0 0\n", &ps) < 0);
  CHECK (spc_process_stat_parse ("42 (a", &ps) < 0);
  return true;
}

/* status.c tells an init that executed the program from one still
 * waiting in the runtime's image by PF_FORKNOEXEC: set in a process fork
 * made, cleared by execve. Checked on this kernel: a forked child that
 * waits has it; one that executed a program has not, nor has this
 * process, which was executed. */
static bool
process_stat_flags_tell_an_exec (void)
{
  struct spc_process_stat ps;
  _cleanup_close_ int procfd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK (procfd >= 0);
  CHECK (spc_process_stat (-1, getpid (), &ps) == 0);
  CHECK (!(ps.flags & SPC_PF_FORKNOEXEC));
  CHECK (ps.start_time == spc_process_start_time (getpid ()));
  int pipefd[2];
  CHECK (pipe (pipefd) == 0);
  pid_t waiting = fork ();
  if (waiting == 0)
    {
      char c;
      close (pipefd[1]);
      _exit (read (pipefd[0], &c, 1) < 0);
    }
  close (pipefd[0]);
  pid_t executed = fork ();
  if (executed == 0)
    {
      execl ("/bin/sleep", "sleep", "10", (char *) NULL);
      _exit (127);
    }
  bool ok = waiting > 0 && executed > 0;
  struct spc_process_stat w = { 0 }, e = { 0 };
  ok = ok && spc_process_stat (procfd, waiting, &w) == 0 && (w.flags & SPC_PF_FORKNOEXEC);
  /* The exec is done once the child's image is sleep's. */
  for (int i = 0; ok && i < 500; i++)
    {
      char path[64], exe[256] = "";
      snprintf (path, sizeof path, "/proc/%d/exe", (int) executed);
      ssize_t n = readlink (path, exe, sizeof exe - 1);
      if (n > 0 && strstr (exe, "sleep"))
        break;
      usleep (10000);
    }
  ok = ok && spc_process_stat (procfd, executed, &e) == 0 && !(e.flags & SPC_PF_FORKNOEXEC);
  close (pipefd[1]);
  if (executed > 0)
    kill (executed, SIGKILL);
  if (waiting > 0)
    waitpid (waiting, NULL, 0);
  if (executed > 0)
    waitpid (executed, NULL, 0);
  CHECK (ok);
  /* Gone (reaped): no stat. */
  CHECK (spc_process_stat (procfd, executed, &e) < 0);
  return true;
}

static bool
private_mount_namespace (void)
{
  return geteuid () == 0 && unshare (CLONE_NEWNS) == 0
         && mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

#define RUN_MOUNTING(fn)                                                                      \
  do                                                                                          \
    {                                                                                         \
      if (mounting)                                                                           \
        RUN (fn);                                                                             \
      else                                                                                    \
        report_skip (#fn, "needs root and a mount namespace of its own");                     \
    }                                                                                         \
  while (0)

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL)
    return 1;
  RUN (handle_is_the_root_of_a_procfs);
  RUN (self_is_this_process);
  RUN (a_symlink_or_dotdot_on_the_way_is_refused);
  RUN (a_directory_that_is_not_procfs_is_refused);
  RUN (only_procfs_and_lxcfs_files_inside_proc);
  RUN (config_destinations_are_read_without_dots);
  RUN (a_target_on_a_procfs_outside_proc_is_refused);
  RUN (process_stat_is_parsed_past_any_comm);
  RUN (process_stat_flags_tell_an_exec);
  bool mounting = private_mount_namespace ();
  RUN_MOUNTING (a_file_over_a_knob_is_refused_through_plain_proc);
  RUN_MOUNTING (the_handle_reaches_the_knob_under_a_file_mounted_over_it);
  RUN_MOUNTING (the_exec_label_never_lands_in_a_file_over_attr_exec);
  const char *made[] = { "oom_score_adj", "domainname", "hostname", "exec" };
  for (size_t i = 0; i < sizeof made / sizeof *made; i++)
    {
      char path[128];
      snprintf (path, sizeof path, "%s/%s", tmpdir, made[i]);
      unlink (path);
    }
  rmdir (tmpdir);
  return unit_summary ();
}
