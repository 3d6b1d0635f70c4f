/* `spacer exec`. The runtime forks a helper that enters the container's
 * cgroups (v1 ones by writing itself into cgroup.procs), joins all of the
 * init's namespaces at once through its pidfd (the kernel orders them,
 * user namespace first) and clones the process with CLONE_PARENT, so that
 * the runtime waits for it itself, and CLONE_INTO_CGROUP where there is a
 * cgroup2 directory. The pid namespace applies only to children: that is
 * why the process is a clone of the helper. The process then does what the
 * container init does last (process.c): rlimits, environment, a cwd
 * resolved inside the root, LSM labels, seccomp and identity, and execs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/cpu-affinity.h"
#include "spacer/exec.h"
#include "spacer/log.h"
#include "spacer/lsm.h"
#include "spacer/mempolicy.h"
#include "spacer/path.h"
#include "spacer/process.h"
#include "spacer/procfs.h"
#include "spacer/sealed.h"
#include "spacer/seccomp-cache.h"
#include "spacer/seccomp.h"
#include "spacer/status.h"
#include "spacer/sync.h"
#include "spacer/terminal.h"
#include "spacer/utils.h"
#include "container-internal.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* What the helper and the process need, set up by the runtime before the
 * fork (everything it opens is close-on-exec). */
struct exec_ctx
{
  const struct spc_config *c;
  const struct spc_process *p;
  int init_pidfd;
  int ns_flags;            /* CLONE_NEW* of the init's namespaces that are not ours */
  int sync_fd;             /* the process's end */
  int console_fd;          /* where the pty master goes; -1: no terminal */
  int cgroup_procs[16];    /* cgroup.procs the helper writes itself into */
  size_t n_cgroup_procs;
  int cgroup2_fd;          /* cgroup2 directory to clone into; -1: none */
  int cgroup2_procs;       /* its cgroup.procs, if the clone cannot go there */
  unsigned preserve_fds;
  struct spc_seccomp_filter *seccomp;
};

/* ---- the process ---- */

/* Only stdio and the preserved fds reach the program. Above them
 * everything closes; in 3..3+N-1, the runtime's own (close-on-exec: it
 * opens nothing without) where the caller passed nothing. The sync socket
 * and the console socket stay until the exec, which closes them. */
static void
close_fds (const struct exec_ctx *x)
{
  int keep[2] = { x->sync_fd, x->console_fd };
  if (keep[0] > keep[1])
    {
      int t = keep[0];
      keep[0] = keep[1];
      keep[1] = t;
    }
  unsigned from = 3 + x->preserve_fds;
  for (int i = 0; i < 2; i++)
    {
      if (keep[i] < 0 || (unsigned) keep[i] < from)
        continue;
      if ((unsigned) keep[i] > from)
        syscall (SYS_close_range, from, (unsigned) keep[i] - 1, 0);
      from = (unsigned) keep[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);
  for (int fd = 3; fd < 3 + (int) x->preserve_fds; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC) && fd != x->sync_fd && fd != x->console_fd)
        close (fd);
    }
}

/* Inside the container's root (the mount namespace's, which setns made
 * ours), never through a /proc link or a symlink that climbs out: a cwd of
 * /proc/self/fd/N would be one of the runtime's directories on the host
 * (CVE-2024-21626). */
static int
enter_cwd (const struct spc_process *p, spc_err_t *err)
{
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return spc_error_errno (err, "cwd: open /");
  _cleanup_close_ int cwd = spc_root_open_dir_strict (root, p->cwd, err);
  if (cwd < 0)
    return spc_error_prefix (err, "cwd");
  if (fchdir (cwd) < 0)
    return spc_error_errno (err, "cwd: chdir `%s`", p->cwd);
  return 0;
}

static int
load_seccomp (struct exec_ctx *x, spc_err_t *err)
{
  int notify_fd = -1;
  if (x->seccomp == NULL)
    return 0;
  if (spc_seccomp_load (x->seccomp, &notify_fd, err) < 0)
    return spc_error_prefix (err, "linux.seccomp");
  /* A notifying profile: the runtime hands the fd to the listener. */
  if (notify_fd >= 0)
    {
      int r = spc_sync_send_fd (x->sync_fd, SPC_SYNC_SECCOMP_FD, notify_fd, err);
      close (notify_fd);
      return r;
    }
  return 0;
}

static int
process_setup (struct exec_ctx *x, char ***env, char **exe, spc_err_t *err)
{
  const struct spc_process *p = x->p;
  close_fds (x);
  if (x->console_fd >= 0)
    {
      /* A new session, so that the pty can be its controlling terminal. */
      if (setsid () < 0)
        return spc_error_errno (err, "setsid");
      if (spc_terminal_setup_exec (x->console_fd, err) < 0)
        return -1;
      close (spc_steal_fd (&x->console_fd));
    }
  if (p->has_oom_score_adj || (p->apparmor_profile && p->apparmor_profile[0])
      || (p->selinux_label && p->selinux_label[0]))
    {
      _cleanup_close_ int procfd = spc_procfs_open (err);
      if (procfd < 0 || spc_process_apply_oom_score_adj (p, procfd, err) < 0
          || spc_lsm_set_exec_label (p, procfd, err) < 0)
        return -1;
    }
  if (spc_process_apply_rlimits (p, err) < 0)
    return -1;
  if (spc_process_build_env (p, 0, env, err) < 0
      || spc_process_find_executable (p, *env, exe, err) < 0 || enter_cwd (p, err) < 0)
    return -1;
  umask (p->user.has_umask ? p->user.umask : 0022);
  if (spc_process_apply_scheduling (p, err) < 0 || spc_cpu_affinity_final (p, err) < 0
      || spc_mempolicy_apply (&x->c->linux_.memory_policy, err) < 0
      || spc_process_apply_personality (&x->c->linux_, err) < 0)
    return -1;
  /* The filter comes last; without no_new_privs the kernel takes it only
   * from a process with CAP_SYS_ADMIN, so then before the capabilities are
   * dropped, as in the init. */
  if (!p->no_new_privileges && load_seccomp (x, err) < 0)
    return -1;
  if (spc_process_apply_identity (p, err) < 0)
    return -1;
  if (p->no_new_privileges && load_seccomp (x, err) < 0)
    return -1;
  spc_reset_signals ();
  return 0;
}

static void __attribute__ ((noreturn))
exec_process (struct exec_ctx *x)
{
  spc_err_t err = NULL;
  char **env = NULL;
  char *exe = NULL;
  if (process_setup (x, &env, &exe, &err) == 0)
    spc_process_exec (x->p, exe, env, &err);
  spc_sync_send_error (x->sync_fd, err);
  _exit (127);
}

/* ---- the helper ---- */

static int
write_self (int procs_fd, spc_err_t *err)
{
  if (write (procs_fd, "0", 1) != 1)
    return spc_error_errno (err, "cgroup: enter the container's cgroup");
  return 0;
}

static pid_t
clone_process (struct exec_ctx *x, spc_err_t *err)
{
  struct clone_args args = { .flags = CLONE_PARENT, .exit_signal = 0 };
  if (x->cgroup2_fd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = (uint64_t) x->cgroup2_fd;
    }
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0 && x->cgroup2_fd >= 0)
    {
      /* A cgroup that takes no process this way: the helper moves itself
       * there and the process is born there. */
      if (x->cgroup2_procs < 0 || write_self (x->cgroup2_procs, err) < 0)
        return spc_error_errno (err, "cgroup: clone into the container's cgroup2 directory");
      args.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
      pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
    }
  if (pid < 0)
    return spc_error_errno (err, "clone the process");
  if (pid == 0)
    exec_process (x);
  return pid;
}

static void __attribute__ ((noreturn))
helper (struct exec_ctx *x)
{
  spc_err_t err = NULL;
  /* Until their exec the helper and the process are spacer, holding the
   * runtime's descriptors: nothing in the container without
   * CAP_SYS_PTRACE may open their /proc entries (the process inherits
   * this). The image they run is protected anyway (sealed.h). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    spc_error_errno (&err, "prctl PR_SET_DUMPABLE");
  if (err == NULL)
    spc_cpu_affinity_initial (x->p, &err);
  /* Cgroups first, by the host's paths and with the runtime's rights: a
   * joined user namespace may not move anything. */
  for (size_t i = 0; err == NULL && i < x->n_cgroup_procs; i++)
    write_self (x->cgroup_procs[i], &err);
  if (err == NULL && x->ns_flags && setns (x->init_pidfd, x->ns_flags) < 0)
    spc_error_errno (&err, "join the namespaces of the container's init");
  pid_t pid = err == NULL ? clone_process (x, &err) : -1;
  if (pid > 0)
    {
      char text[16];
      int len = snprintf (text, sizeof text, "%d", (int) pid);
      if (spc_sync_send_data (x->sync_fd, SPC_SYNC_EXEC_PID, text, (size_t) len, &err) == 0)
        _exit (0);
    }
  spc_sync_send_error (x->sync_fd, err);
  _exit (1);
}

/* ---- the runtime ---- */

/* The init's namespaces that differ from ours: setns refuses to join the
 * user namespace one is in already. */
static int
namespaces_to_join (pid_t pid, int *flags, spc_err_t *err)
{
  *flags = 0;
  for (int t = 0; t < SPC_NS_COUNT; t++)
    {
      const char *name = spc_ns_type_proc_name ((enum spc_ns_type) t);
      char theirs[64], ours[64];
      struct stat a, b;
      snprintf (theirs, sizeof theirs, "/proc/%d/ns/%s", (int) pid, name);
      snprintf (ours, sizeof ours, "/proc/self/ns/%s%s", name,
                t == SPC_NS_PID || t == SPC_NS_TIME ? "_for_children" : "");
      if (stat (theirs, &a) < 0)
        {
          if (errno == ENOENT && t == SPC_NS_TIME)
            continue; /* a kernel without time namespaces */
          return spc_error_errno (err, "namespaces of the container's init: stat `%s`", theirs);
        }
      if (stat (ours, &b) < 0)
        return spc_error_errno (err, "stat `%s`", ours);
      if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
        *flags |= spc_ns_type_clone_flag ((enum spc_ns_type) t);
    }
  return 0;
}

/* --cgroup [CONTROLLER:]PATH: the process goes into PATH below the
 * container's directory of that controller's hierarchy (every hierarchy
 * without CONTROLLER). The directory must exist, and stay below. */
static const char *
sub_cgroup (const struct spc_exec_options *o, const struct spc_cgroup_dir *d, spc_err_t *err,
            bool *bad)
{
  const char *found = NULL;
  *bad = false;
  for (size_t i = 0; i < o->n_cgroups; i++)
    {
      const char *spec = o->cgroups[i], *colon = strchr (spec, ':'), *path = spec;
      if (colon)
        {
          size_t len = (size_t) (colon - spec);
          path = colon + 1;
          bool match = false;
          const char *ctrls = d->controllers ? d->controllers : "";
          /* v1: "cpu,cpuacct"; v2: "cpu memory ..." */
          for (const char *c = ctrls; *c;)
            {
              size_t n = strcspn (c, ", ");
              if (n == len && strncmp (c, spec, len) == 0)
                match = true;
              c += n;
              c += *c ? 1 : 0;
            }
          if (!match && !(d->v2 && len == 0))
            continue;
        }
      if (path[0] == '\0' || strstr (path, "..") != NULL)
        {
          *bad = true;
          spc_error_make (err, 0, "--cgroup `%s`: not a path below the container's cgroup", spec);
          return NULL;
        }
      found = path;
    }
  return found;
}

static int
check_cgroup_specs (const struct spc_exec_options *o, const struct spc_cgroup *cg, spc_err_t *err)
{
  for (size_t i = 0; i < o->n_cgroups; i++)
    {
      const char *spec = o->cgroups[i], *colon = strchr (spec, ':');
      if (cg->n_dirs == 0)
        return spc_error_make (err, 0, "--cgroup: the container has no cgroup");
      if (colon == NULL)
        continue;
      bool any = false;
      for (size_t j = 0; j < cg->n_dirs && !any; j++)
        {
          struct spc_exec_options one = *o;
          char *only[1] = { (char *) spec };
          bool bad;
          one.cgroups = only;
          one.n_cgroups = 1;
          any = sub_cgroup (&one, &cg->dirs[j], err, &bad) != NULL;
          if (bad)
            return -1;
        }
      if (!any)
        return spc_error_make (err, 0, "--cgroup `%s`: the container has no cgroup of "
                                       "controller `%.*s`",
                               spec, (int) (colon - spec), spec);
    }
  return 0;
}

static void
close_cgroup_fds (struct exec_ctx *x)
{
  for (size_t i = 0; i < x->n_cgroup_procs; i++)
    close (x->cgroup_procs[i]);
  x->n_cgroup_procs = 0;
  if (x->cgroup2_fd >= 0)
    close (spc_steal_fd (&x->cgroup2_fd));
  if (x->cgroup2_procs >= 0)
    close (spc_steal_fd (&x->cgroup2_procs));
}

static int
open_cgroup_fds (const struct spc_exec_options *o, const struct spc_cgroup *cg,
                 struct exec_ctx *x, spc_err_t *err)
{
  if (check_cgroup_specs (o, cg, err) < 0)
    return -1;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct spc_cgroup_dir *d = &cg->dirs[i];
      bool bad;
      const char *sub = sub_cgroup (o, d, err, &bad);
      if (bad)
        return -1;
      _cleanup_free_ char *dir = NULL;
      if (asprintf (&dir, "%s%s%s", d->path, sub ? "/" : "", sub ? sub : "") < 0)
        return spc_error_errno (err, "asprintf");
      _cleanup_close_ int dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0)
        return spc_error_errno (err, "%scgroup `%s`", sub ? "--" : "", dir);
      int procs = openat (dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
      if (procs < 0)
        return spc_error_errno (err, "cgroup `%s/cgroup.procs`", dir);
      if (d->v2 && !cg->synthetic && x->cgroup2_fd < 0)
        {
          x->cgroup2_fd = spc_steal_fd (&dirfd);
          x->cgroup2_procs = procs;
          continue;
        }
      if (x->n_cgroup_procs == sizeof x->cgroup_procs / sizeof *x->cgroup_procs)
        {
          close (procs);
          return spc_error_make (err, E2BIG, "cgroup: too many hierarchies");
        }
      x->cgroup_procs[x->n_cgroup_procs++] = procs;
    }
  return 0;
}

/* ---- building the process from config.json and the options ---- */

static int
strv_set (char ***v, size_t *n, char **from, size_t count, spc_err_t *err)
{
  char **out = calloc (count + 1, sizeof *out);
  if (out == NULL)
    return spc_error_errno (err, "calloc");
  for (size_t i = 0; i < count; i++)
    if ((out[i] = strdup (from[i])) == NULL)
      {
        spc_strvfreep (&out);
        return spc_error_errno (err, "strdup");
      }
  spc_strvfreep (v);
  *v = out;
  *n = count;
  return 0;
}

/* -e KEY=VALUE replaces KEY's entry, or comes last. */
static int
env_set (struct spc_process *p, const char *entry, spc_err_t *err)
{
  size_t key = strcspn (entry, "=");
  char *copy = strdup (entry);
  if (copy == NULL)
    return spc_error_errno (err, "strdup");
  for (size_t i = 0; i < p->n_env; i++)
    if (strncmp (p->env[i], entry, key) == 0 && p->env[i][key] == entry[key])
      {
        free (p->env[i]);
        p->env[i] = copy;
        return 0;
      }
  char **grown = realloc (p->env, (p->n_env + 2) * sizeof *grown);
  if (grown == NULL)
    {
      free (copy);
      return spc_error_errno (err, "realloc");
    }
  p->env = grown;
  p->env[p->n_env++] = copy;
  p->env[p->n_env] = NULL;
  return 0;
}

static int
capability_number (const char *name)
{
  const char *bare = strncasecmp (name, "CAP_", 4) == 0 ? name + 4 : name;
  for (int cap = 0; cap < 64; cap++)
    {
      const char *known = spc_capability_name (cap);
      if (known && strcasecmp (known + 4, bare) == 0)
        return cap;
    }
  return -1;
}

static int
replace_string (char **field, const char *value, spc_err_t *err)
{
  char *copy = strdup (value);
  if (copy == NULL)
    return spc_error_errno (err, "strdup");
  free (*field);
  *field = copy;
  return 0;
}

static int
apply_options (struct spc_config *c, const struct spc_exec_options *o, spc_err_t *err)
{
  struct spc_process *p = &c->process;
  if (o->process_file)
    {
      struct spc_process from_file;
      if (spc_config_load_process (o->process_file, o->process_name ? o->process_name
                                                                     : o->process_file,
                                   &from_file, err)
          < 0)
        return -1;
      /* As with runc, the config's execCPUAffinity is the default. */
      if (from_file.exec_cpus_initial == NULL && from_file.exec_cpus_final == NULL)
        {
          from_file.exec_cpus_initial = steal_pointer (&p->exec_cpus_initial);
          from_file.exec_cpus_final = steal_pointer (&p->exec_cpus_final);
        }
      spc_process_clear (p);
      *p = from_file;
    }
  else
    {
      if (strv_set (&p->args, &p->n_args, o->args, o->n_args, err) < 0)
        return -1;
      p->terminal = o->tty;
      p->has_console_size = false;
    }
  if (o->tty)
    p->terminal = true;
  if (o->cwd && replace_string (&p->cwd, o->cwd, err) < 0)
    return -1;
  for (size_t i = 0; i < o->n_env; i++)
    if (env_set (p, o->env[i], err) < 0)
      return -1;
  if (o->has_uid)
    p->user.uid = o->uid;
  if (o->has_gid)
    p->user.gid = o->gid;
  if (o->has_additional_gids)
    {
      gid_t *gids = calloc (o->n_additional_gids + 1, sizeof *gids);
      if (gids == NULL)
        return spc_error_errno (err, "calloc");
      memcpy (gids, o->additional_gids, o->n_additional_gids * sizeof *gids);
      free (p->user.additional_gids);
      p->user.additional_gids = gids;
      p->user.n_additional_gids = o->n_additional_gids;
    }
  for (size_t i = 0; i < o->n_caps; i++)
    {
      int cap = capability_number (o->caps[i]);
      if (cap < 0)
        return spc_error_make (err, 0, "--cap `%s`: not a capability", o->caps[i]);
      uint64_t bit = UINT64_C (1) << cap;
      struct spc_capabilities *caps = &p->capabilities;
      /* Never the inheritable set (CVE-2022-29162): what a program the
       * process execs may keep is what the config said, no more. */
      caps->present = true;
      caps->bounding |= bit;
      caps->effective |= bit;
      caps->permitted |= bit;
      caps->ambient |= bit;
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor)
    {
      if (!spc_lsm_apparmor_enabled ())
        return spc_error_make (err, 0, "--apparmor: AppArmor is not enabled on this host");
      if (replace_string (&p->apparmor_profile, o->apparmor, err) < 0)
        return -1;
    }
  if (o->process_label)
    {
      if (!spc_lsm_selinux_enabled ())
        return spc_error_make (err, 0, "--process-label: SELinux is not enabled on this host");
      if (replace_string (&p->selinux_label, o->process_label, err) < 0)
        return -1;
    }
  if (p->cwd == NULL || p->cwd[0] != '/')
    return spc_error_make (err, 0, "cwd `%s`: not an absolute path", p->cwd ? p->cwd : "");
  return 0;
}

/* ---- terminal ---- */

struct exec_io
{
  int console_fd;  /* the process's end: it sends the pty master here */
  int terminal_fd; /* foreground without a console socket: ours */
};

static int
prepare_io (const struct spc_process *p, const struct spc_exec_options *o, struct exec_io *io,
            spc_err_t *err)
{
  if (o->console_socket && !p->terminal)
    return spc_error_make (err, 0, "--console-socket: the process has no terminal (-t) to send");
  if (!p->terminal)
    return 0;
  if (o->console_socket)
    return (io->console_fd = spc_terminal_connect (o->console_socket, err)) < 0 ? -1 : 0;
  if (o->detach)
    return spc_error_make (err, 0, "-t: a detached process needs --console-socket to receive "
                                   "its pty");
  if (!isatty (STDIN_FILENO))
    return spc_error_make (err, 0, "-t: standard input is not a terminal (run from one, or "
                                   "pass --console-socket)");
  int pair[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    return spc_error_errno (err, "socketpair");
  io->console_fd = pair[0];
  io->terminal_fd = pair[1];
  return 0;
}

/* ---- signals ---- */

static volatile sig_atomic_t forward_pidfd = -1;

static void
forward_signal (int sig)
{
  int saved = errno;
  if (forward_pidfd >= 0)
    syscall (SYS_pidfd_send_signal, (int) forward_pidfd, sig, NULL, 0);
  errno = saved;
}

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
#define N_FORWARDED (sizeof forwarded / sizeof *forwarded)

struct forwarding
{
  int pidfd;
  bool on;
  struct sigaction saved[N_FORWARDED];
};

static void
forwarding_stop (struct forwarding *f)
{
  if (f->on)
    for (size_t i = 0; i < N_FORWARDED; i++)
      sigaction (forwarded[i], &f->saved[i], NULL);
  f->on = false;
  forward_pidfd = -1;
  if (f->pidfd >= 0)
    close (spc_steal_fd (&f->pidfd));
}

static void
forwarding_start (struct forwarding *f, pid_t pid)
{
  f->pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (f->pidfd < 0)
    return; /* it is our unreaped child: only gone as a zombie */
  forward_pidfd = f->pidfd;
  struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
  sigemptyset (&sa.sa_mask);
  for (size_t i = 0; i < N_FORWARDED; i++)
    sigaction (forwarded[i], &sa, &f->saved[i]);
  f->on = true;
}

/* ---- the command ---- */

static void
kill_and_reap (pid_t pid)
{
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* The process's report says "container init: ..."; here it is exec's. */
static int
exec_error (spc_err_t *err)
{
  static const char prefix[] = "container init: ";
  if (*err && strncmp ((*err)->msg, prefix, sizeof prefix - 1) == 0)
    memmove ((*err)->msg, (*err)->msg + sizeof prefix - 1,
             strlen ((*err)->msg) - (sizeof prefix - 1) + 1);
  return spc_error_prefix (err, "exec");
}

/* The helper's pid of the process; a notifying seccomp filter's fd goes
 * to the listener; then the exec itself (end-of-file) or its failure. */
static int
await_process (const struct spc_config *c, const struct spc_state *st, int sync_fd,
               pid_t helper_pid, pid_t *pid, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  int r = spc_sync_expect_data (sync_fd, SPC_SYNC_EXEC_PID, &text, err);
  while (waitpid (helper_pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return -1;
  *pid = (pid_t) strtol (text, NULL, 10);
  (void) c;
  (void) st;
  return 0;
}

static int
await_exec (const struct spc_config *c, const struct spc_state *st, int sync_fd, spc_err_t *err)
{
  if (c->linux_.seccomp && spc_seccomp_notifies (c->linux_.seccomp))
    {
      _cleanup_close_ int fd = spc_sync_expect_fd (sync_fd, SPC_SYNC_SECCOMP_FD, err);
      if (fd < 0 || spc_seccomp_send_listener (c->linux_.seccomp, fd, st, err) < 0)
        return -1;
    }
  return spc_sync_wait_exec (sync_fd, err);
}

static int
check_status (int dirfd, const struct spc_state *st, const struct spc_exec_options *o,
              spc_err_t *err)
{
  enum spc_status s = spc_status_of (dirfd, st);
  if (s == SPC_STATUS_PAUSED && !o->ignore_paused)
    return spc_error_make (err, 0, "cannot exec in container `%s`: it is paused (resume it, or "
                                   "use --ignore-paused)",
                           st->id);
  if (s != SPC_STATUS_RUNNING && s != SPC_STATUS_CREATED && s != SPC_STATUS_PAUSED)
    return spc_error_make (err, 0, "cannot exec in container `%s`: it is %s", st->id,
                           spc_status_name (s));
  return 0;
}

struct exec_run
{
  struct spc_state st;
  struct spc_config *c;
  struct exec_ctx x;
  struct exec_io io;
  struct spc_seccomp_cache cache;
  int dirfd;
  int runtime_fd;
  int pidfd_socket; /* --pidfd-socket, connected */
};

static void
exec_run_clear (struct exec_run *r)
{
  spc_state_clear (&r->st);
  spc_config_free (r->c);
  close_cgroup_fds (&r->x);
  if (r->x.init_pidfd >= 0)
    close (r->x.init_pidfd);
  if (r->x.sync_fd >= 0)
    close (r->x.sync_fd);
  if (r->x.seccomp)
    spc_seccomp_free (r->x.seccomp);
  if (r->io.console_fd >= 0)
    close (r->io.console_fd);
  if (r->io.terminal_fd >= 0)
    close (r->io.terminal_fd);
  spc_seccomp_cache_clear (&r->cache);
  if (r->dirfd >= 0)
    close (r->dirfd);
  if (r->runtime_fd >= 0)
    close (r->runtime_fd);
  if (r->pidfd_socket >= 0)
    close (r->pidfd_socket);
}
#define _cleanup_exec_run_ __attribute__ ((cleanup (exec_run_clear)))

/* Everything before the fork: the container's state, config and
 * namespaces, the process, its filter and its cgroups. */
static int
prepare (const char *root, const char *id, const struct spc_exec_options *o, struct exec_run *r,
         spc_err_t *err)
{
  r->dirfd = spc_container_open_locked (root, id, LOCK_SH, &r->st, err);
  if (r->dirfd < 0 || check_status (r->dirfd, &r->st, o, err) < 0)
    return -1;
  r->x.init_pidfd = spc_state_open_init_pidfd (&r->st);
  if (r->x.init_pidfd < 0)
    return spc_error_make (err, 0, "cannot exec in container `%s`: it is not running", id);
  /* The config create was given: kept in the state directory when it was
   * not the bundle's config.json, else that, as state.json names it. */
  _cleanup_free_ char *path = NULL, *text = NULL;
  size_t len = 0;
  spc_err_t missing = NULL;
  if (spc_read_regular_file_at (r->dirfd, SPC_STATE_CONFIG, SPC_STATE_MAX, &text, &len,
                                &missing)
      == 0)
    {
      if ((path = strdup ("config")) == NULL)
        return spc_error_errno (err, "strdup");
      if (spc_config_load_buffer (text, len, path, &r->c, err) < 0)
        return -1;
    }
  else if (!spc_error_is (&missing, ENOENT))
    {
      *err = steal_pointer (&missing);
      return spc_error_prefix (err, "container `%s`", id);
    }
  else
    {
      spc_error_free (&missing);
      if (asprintf (&path, "%s/config.json", r->st.bundle) < 0)
        return spc_error_errno (err, "asprintf");
      if (spc_config_load_file (path, path, &r->c, err) < 0)
        return -1;
    }
  if (apply_options (r->c, o, err) < 0 || prepare_io (&r->c->process, o, &r->io, err) < 0)
    return -1;
  if (o->pidfd_socket
      && (r->pidfd_socket = spc_unix_connect (o->pidfd_socket, "--pidfd-socket", err)) < 0)
    return -1;
  r->x.c = r->c;
  r->x.p = &r->c->process;
  r->x.preserve_fds = o->preserve_fds;
  r->x.console_fd = r->io.console_fd;
  if (namespaces_to_join (r->st.pid, &r->x.ns_flags, err) < 0
      || open_cgroup_fds (o, &r->st.cgroup, &r->x, err) < 0)
    return -1;
  if (r->c->linux_.seccomp)
    {
      /* The container's compiled program, from the cache create filled;
       * compiled (and cached) here only when it is not there. */
      spc_seccomp_cache_lookup (root, r->c->linux_.seccomp, &r->cache);
      if (spc_seccomp_build (r->c->linux_.seccomp, &r->cache.program, r->cache.export_fd,
                             &r->x.seccomp, err) < 0)
        return spc_error_prefix (err, "%s", path);
      spc_seccomp_cache_store (&r->cache);
    }
  int pair[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return spc_error_errno (err, "socketpair");
  r->runtime_fd = pair[0];
  r->x.sync_fd = pair[1];
  /* The lock is not held any longer: the init is pinned by its pidfd
   * (setns on it fails once it is gone) and the cgroups by the fds just
   * opened, and a process joining a frozen cgroup waits there until
   * `resume`, which needs the lock. A delete meanwhile kills it with the
   * rest of the container. */
  close (spc_steal_fd (&r->dirfd));
  return 0;
}

/* The process is born and set up: hand its pty on, see it exec. */
static int
start_process (const struct spc_exec_options *o, struct exec_run *r, pid_t *pid, int *master,
               struct forwarding *fwd, spc_err_t *err)
{
  pid_t helper_pid = fork ();
  if (helper_pid < 0)
    return spc_error_errno (err, "fork");
  if (helper_pid == 0)
    {
      close (r->runtime_fd);
      helper (&r->x);
    }
  close (spc_steal_fd (&r->x.sync_fd));
  if (r->io.console_fd >= 0)
    close (spc_steal_fd (&r->io.console_fd));
  close_cgroup_fds (&r->x);
  if (await_process (r->c, &r->st, r->runtime_fd, helper_pid, pid, err) < 0)
    return exec_error (err);
  /* Our unreaped child, so its pid is still its own; runc sends before
   * the exec too. */
  if (r->pidfd_socket >= 0 && spc_send_pidfd (r->pidfd_socket, *pid, "setns", err) < 0)
    {
      kill_and_reap (*pid);
      return -1;
    }
  if (!o->detach)
    forwarding_start (fwd, *pid);
  if (r->io.terminal_fd >= 0 && (*master = spc_terminal_receive (r->io.terminal_fd, err)) < 0)
    {
      kill_and_reap (*pid);
      return -1;
    }
  if (*master >= 0)
    spc_terminal_copy_size (*master);
  if (await_exec (r->c, &r->st, r->runtime_fd, err) < 0)
    {
      kill_and_reap (*pid);
      return exec_error (err);
    }
  if (o->pid_file && spc_write_pid_file (o->pid_file, *pid, err) < 0)
    {
      kill_and_reap (*pid);
      return -1;
    }
  return 0;
}

int
spc_container_exec (const char *root, const char *id, const struct spc_exec_options *o,
                    int *exit_code, spc_err_t *err)
{
  /* Before anything of the container's is joined (CVE-2019-5736). */
  if (spc_sealed_ensure (err) < 0)
    return -1;
  _cleanup_exec_run_ struct exec_run r = {
    .x = { .init_pidfd = -1, .sync_fd = -1, .console_fd = -1, .cgroup2_fd = -1,
           .cgroup2_procs = -1 },
    .io = { .console_fd = -1, .terminal_fd = -1 },
    .cache = SPC_SECCOMP_CACHE_INIT,
    .dirfd = -1,
    .runtime_fd = -1,
    .pidfd_socket = -1,
  };
  if (prepare (root, id, o, &r, err) < 0)
    return -1;
  pid_t pid = -1;
  _cleanup_close_ int master = -1;
  struct forwarding fwd = { .pidfd = -1 };
  if (start_process (o, &r, &pid, &master, &fwd, err) < 0)
    {
      forwarding_stop (&fwd);
      return -1;
    }
  *exit_code = 0;
  if (o->detach)
    return 0;
  if (master >= 0 && spc_terminal_proxy (master, fwd.pidfd, err) < 0)
    spc_error_free (err); /* the process still runs: wait for it */
  int status = 0;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        forwarding_stop (&fwd);
        return spc_error_errno (err, "wait for the process");
      }
  forwarding_stop (&fwd);
  *exit_code = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
  return 0;
}
