#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/devices.h"
#include "spacer/hooks.h"
#include "spacer/lsm.h"
#include "spacer/mempolicy.h"
#include "spacer/linux.h"
#include "spacer/mounts.h"
#include "spacer/path.h"
#include "spacer/namespaces.h"
#include "spacer/process.h"
#include "spacer/procfs.h"
#include "spacer/seccomp.h"
#include "spacer/status.h"
#include "spacer/sync.h"
#include "spacer/terminal.h"
#include "spacer/utils.h"

/* Key permission bits (keyutils.h; the kernel's uapi headers lack them). */
#define KEY_USR_SEARCH 0x00080000
#define KEY_OTH_SEARCH 0x00000008

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ---- sysctl ----
 * Only namespaced knobs may be set: anything else would change the host. */

/* The namespace that scopes sysctl `key`, or -1 for a host-wide one. */
static int
sysctl_namespace (const char *key)
{
  static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                          "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                          "kernel.shmmni", "kernel.shm_rmid_forced" };
  for (size_t i = 0; i < sizeof ipc_keys / sizeof *ipc_keys; i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      return SPC_NS_IPC;
  if (strncmp (key, "fs.mqueue.", 10) == 0)
    return SPC_NS_IPC;
  if (strncmp (key, "net.", 4) == 0)
    return SPC_NS_NETWORK;
  if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    return SPC_NS_UTS;
  return -1;
}

int
spc_linux_validate (const struct spc_config *c, spc_err_t *err)
{
  if (!spc_config_namespace (c, SPC_NS_MOUNT))
    return spc_error_make (err, 0, "linux.namespaces: a mount namespace is required "
                                   "(the rootfs cannot be set up in the host's)");
  if ((c->linux_.time_offset_monotonic.present || c->linux_.time_offset_boottime.present)
      && !spc_namespaces_creates (c, SPC_NS_TIME))
    return spc_error_make (err, 0, "linux.timeOffsets: needs a new time namespace");
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct spc_mount *m = &c->mounts[i];
      if (m->idmap && !(m->n_uid_mappings && m->n_gid_mappings)
          && !spc_namespaces_creates (c, SPC_NS_USER))
        return spc_error_make (err, 0, "mounts[%zu]: an idmapped mount without uidMappings and "
                                       "gidMappings of its own takes the container's, which "
                                       "needs a new user namespace",
                               i);
    }
  if (spc_procfs_check_mounts (c, err) < 0)
    return -1;
  /* As runc: interfaces are moved only into a namespace of the
   * container's, never left in (or taken out of) the host's. */
  if (c->linux_.n_net_devices && !spc_config_namespace (c, SPC_NS_NETWORK))
    return spc_error_make (err, 0, "linux.netDevices: needs a network namespace of the "
                                   "container's own (linux.namespaces has none)");
  for (size_t i = 0; i < c->linux_.n_sysctl; i++)
    {
      const char *key = c->linux_.sysctl[i].key;
      int t = sysctl_namespace (key);
      if (t < 0)
        return spc_error_make (err, 0,
                               "linux.sysctl[\"%s\"]: not a namespaced sysctl; setting it would "
                               "change the host",
                               key);
      if (!spc_config_namespace (c, (enum spc_ns_type) t))
        return spc_error_make (err, 0, "linux.sysctl[\"%s\"]: needs its own %s namespace", key,
                               spc_ns_type_name ((enum spc_ns_type) t));
    }
  return 0;
}

/* Is fd the runtime's own namespace of type t, which is the host's? */
static bool
is_own_namespace (int fd, enum spc_ns_type t)
{
  char path[64];
  struct stat joined, own;
  snprintf (path, sizeof path, "/proc/self/ns/%s", spc_ns_type_proc_name (t));
  return fd >= 0 && fstat (fd, &joined) == 0 && stat (path, &own) == 0
         && joined.st_ino == own.st_ino && joined.st_dev == own.st_dev;
}

int
spc_linux_check_joined (const struct spc_config *c, const int ns_fds[SPC_NS_COUNT],
                        spc_err_t *err)
{
  bool names = (c->hostname && c->hostname[0]) || (c->domainname && c->domainname[0]);
  if (names && is_own_namespace (ns_fds[SPC_NS_UTS], SPC_NS_UTS))
    return spc_error_make (err, 0, "hostname: the uts namespace joined by path is the host's");
  if (c->linux_.n_net_devices && is_own_namespace (ns_fds[SPC_NS_NETWORK], SPC_NS_NETWORK))
    return spc_error_make (err, 0, "linux.netDevices: the network namespace joined by path is "
                                   "the host's");
  for (size_t i = 0; i < c->linux_.n_sysctl; i++)
    {
      int t = sysctl_namespace (c->linux_.sysctl[i].key);
      if (t >= 0 && is_own_namespace (ns_fds[t], (enum spc_ns_type) t))
        return spc_error_make (err, 0, "linux.sysctl[\"%s\"]: the %s namespace joined by path "
                                       "is the host's",
                               c->linux_.sysctl[i].key, spc_ns_type_name ((enum spc_ns_type) t));
    }
  return 0;
}

/* Through the init's procfs handle: a file the container mounted over
 * the knob, or a /proc that is not procfs, never gets the value. */
static int
apply_sysctls (const struct spc_config *c, int procfd, spc_err_t *err)
{
  for (size_t i = 0; i < c->linux_.n_sysctl; i++)
    {
      const struct spc_sysctl *s = &c->linux_.sysctl[i];
      char path[512];
      int n = snprintf (path, sizeof path, "sys/%s", s->key);
      if (n < 0 || (size_t) n >= sizeof path)
        return spc_error_make (err, ENAMETOOLONG, "linux.sysctl[\"%s\"]", s->key);
      for (char *p = path + 4; *p; p++)
        if (*p == '.')
          *p = '/';
      if (spc_procfs_write (procfd, path, s->value, strlen (s->value), err) < 0)
        return spc_error_prefix (err, "linux.sysctl[\"%s\"]", s->key);
    }
  return 0;
}

/* ---- the init ---- */

static int
compare_fds (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

/* Whatever the caller leaked to us (bats keeps fd 3 open, for one) must
 * not live on in a container that outlasts it: every fd above 2 is closed
 * but the init's own and the ones passed on to the program (--preserve-fds,
 * socket activation). The range 3..3+N-1 holds only what the caller really
 * passed where it had those fds open; where it had not, the runtime's own
 * fds took the numbers (the state directory, say, a way out of the
 * container). They are told apart by close-on-exec: everything the runtime
 * opens has it, and nothing inherited across an exec can. */
static int
close_inherited_fds (const struct spc_init_args *a, spc_err_t *err)
{
  size_t cap = SPC_NS_COUNT + 4 + (a->bind_trees ? a->config->n_mounts : 0);
  int *own = malloc (cap * sizeof *own);
  size_t n = 0;
  if (own == NULL)
    return spc_error_errno (err, "close inherited fds: malloc"); /* never leak one */
  own[n++] = a->sync_fd;
  if (a->fifo_path_fd >= 0)
    own[n++] = a->fifo_path_fd;
  if (a->console_fd >= 0)
    own[n++] = a->console_fd;
  if (a->seccomp_export_fd >= 0)
    own[n++] = a->seccomp_export_fd;
  for (int i = 0; i < SPC_NS_COUNT; i++)
    if (a->ns_fds[i] >= 0)
      own[n++] = a->ns_fds[i];
  for (size_t i = 0; a->bind_trees && i < a->config->n_mounts; i++)
    if (a->bind_trees[i] >= 0)
      own[n++] = a->bind_trees[i];
  qsort (own, n, sizeof *own, compare_fds);

  unsigned from = 3 + a->pass_fds;
  for (size_t i = 0; i < n; i++)
    {
      if ((unsigned) own[i] < from)
        continue;
      if ((unsigned) own[i] > from)
        syscall (SYS_close_range, from, (unsigned) own[i] - 1, 0);
      from = (unsigned) own[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);

  for (int fd = 3; fd < 3 + (int) a->pass_fds; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC)
          && bsearch (&fd, own, n, sizeof *own, compare_fds) == NULL)
        close (fd);
    }
  free (own);
  return 0;
}

static int
become_root_in_userns (const struct spc_init_args *a, spc_err_t *err)
{
  if (spc_sync_send (a->sync_fd, SPC_SYNC_USERNS_READY, err) < 0
      || spc_sync_expect (a->sync_fd, SPC_SYNC_USERNS_MAPPED, err) < 0)
    return -1;
  if (setresgid (0, 0, 0) < 0)
    return spc_error_errno (err, "setgid 0 in the user namespace");
  if (setresuid (0, 0, 0) < 0)
    return spc_error_errno (err, "setuid 0 in the user namespace");
  return 0;
}

/* A missing working directory is made, as runc does: here, after the
 * config's mounts (it may live on one of them) and before the root can turn
 * read-only. */
static int
make_cwd (const struct spc_process *p, int rootfd, spc_err_t *err)
{
  _cleanup_close_ int fd = spc_root_open (rootfd, p->cwd, SPC_PATH_CREATE_DIR, err);
  if (fd < 0)
    return spc_error_prefix (err, "process.cwd");
  return 0;
}

/* The runtime moves the init into the container's cgroup while the init
 * sets up. The wait for it comes as late as it can: before the first cgroup
 * mount, which shows the init's own cgroup, or else at the end of the
 * set-up (moving a process into a v1 cgroup can take a whole RCU grace
 * period, ten milliseconds and more). A cgroup namespace is made only then:
 * its root is the cgroup the process is in at that moment. */
static int
await_cgroup (struct spc_init_args *a, spc_err_t *err)
{
  if (a->cgroup_done)
    return 0;
  a->cgroup_done = true;
  if (a->await_cgroup && spc_sync_expect (a->sync_fd, SPC_SYNC_CGROUP_PLACED, err) < 0)
    return -1;
  if (spc_namespaces_creates (a->config, SPC_NS_CGROUP) && unshare (CLONE_NEWCGROUP) < 0)
    return spc_error_errno (err, "create the cgroup namespace");
  return 0;
}

/* The container's mounts exist and pivot_root has not happened yet: the
 * runtime runs prestart and createRuntime hooks now, in its namespaces, and
 * hands over the state documents for the hooks the init runs in the
 * container's: createContainer here, startContainer just before exec. */
static int
run_create_hooks (struct spc_init_args *a, spc_err_t *err)
{
  const struct spc_hooks *h = &a->config->hooks;
  if (!spc_hooks_need_mounts_ready (h))
    return 0;
  /* As with runc, prestart and createRuntime hooks find the init in its
   * cgroup. */
  if (await_cgroup (a, err) < 0 || spc_sync_send (a->sync_fd, SPC_SYNC_MOUNTS_READY, err) < 0
      || spc_sync_expect_data (a->sync_fd, SPC_SYNC_HOOKS_DONE, &a->hook_states, err) < 0)
    return -1;
  /* In the rootfs, as runc runs them (the others run in the bundle). */
  if (spc_hooks_any (h, SPC_HOOK_CREATE_CONTAINER) && chdir (a->rootfs) < 0)
    return spc_error_errno (err, "chdir to the rootfs");
  return spc_hooks_run (h, SPC_HOOK_CREATE_CONTAINER, a->hook_states, err);
}

/* The document for startContainer follows the one for createContainer in
 * the same payload, after its NUL. */
static const char *
start_hook_state (const struct spc_init_args *a)
{
  return a->hook_states + strlen (a->hook_states) + 1;
}

static int
setup_filesystem (struct spc_init_args *a, spc_err_t *err)
{
  const struct spc_config *c = a->config;
  if (spc_mounts_prepare_rootfs (a->rootfs, err) < 0)
    return -1;
  /* Opened after the self-bind so it names the new mount, not the dir below. */
  _cleanup_close_ int rootfd = open (a->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return spc_error_errno (err, "open rootfs `%s`", a->rootfs);
  for (size_t i = 0; i < c->n_mounts; i++)
    if ((spc_mount_is_cgroup (&c->mounts[i]) && await_cgroup (a, err) < 0)
        || spc_mounts_apply_one (c, i, rootfd, a->bind_trees, err) < 0)
      return -1;
  if (spc_devices_setup (c, rootfd, err) < 0 || make_cwd (&c->process, rootfd, err) < 0
      || run_create_hooks (a, err) < 0)
    return -1;
  return spc_mounts_enter_root (c, a->rootfs, a->no_pivot, err);
}

static int
set_names (const struct spc_config *c, spc_err_t *err)
{
  if (c->hostname && c->hostname[0] && sethostname (c->hostname, strlen (c->hostname)) < 0)
    return spc_error_errno (err, "hostname: sethostname `%s`", c->hostname);
  if (c->domainname && c->domainname[0]
      && setdomainname (c->domainname, strlen (c->domainname)) < 0)
    return spc_error_errno (err, "domainname: setdomainname `%s`", c->domainname);
  return 0;
}

/* Inside the container's root, and never through a /proc link: the init
 * holds runtime fds until its exec, and a cwd of /proc/self/fd/N would be
 * one of those directories on the host (CVE-2024-21626). */
static int
enter_cwd (const struct spc_process *p, spc_err_t *err)
{
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int cwd = -1;
  if (root < 0)
    return spc_error_errno (err, "process.cwd: open /");
  cwd = spc_root_open_dir_strict (root, p->cwd, err);
  if (cwd < 0)
    return spc_error_prefix (err, "process.cwd");
  if (fchdir (cwd) < 0)
    return spc_error_errno (err, "process.cwd: chdir `%s`", p->cwd);
  return 0;
}

/* The pty comes from the container's own devpts, so this runs after
 * pivot_root; the master leaves on the console socket. */
static int
setup_terminal (struct spc_init_args *a, spc_err_t *err)
{
  const struct spc_process *p = &a->config->process;
  if (a->console_fd < 0)
    return 0;
  if (spc_terminal_setup (a->console_fd, p->has_console_size ? p->console_height : 0,
                          p->has_console_size ? p->console_width : 0, err) < 0)
    return -1;
  /* The pty, now stdin, belongs to the program's user, as with runc; its
   * group stays devpts' (gid=5, tty, in the usual config). */
  if (fchown (STDIN_FILENO, p->user.uid, (gid_t) -1) < 0)
    return spc_error_errno (err, "process.terminal: give the pty to uid %u", (unsigned) p->user.uid);
  close (a->console_fd);
  a->console_fd = -1;
  return 0;
}

/* With a notify action the filter goes in now, before create returns:
 * the runtime hands its fd to the listener. Everything the init does from
 * here on (identity, the exec) then passes through the filter. */
static int
install_notifying_seccomp (struct spc_init_args *a, spc_err_t *err)
{
  int fd;
  if (a->seccomp == NULL || !spc_seccomp_notifies (a->config->linux_.seccomp))
    return 0;
  if (spc_seccomp_load (a->seccomp, &fd, err) < 0)
    return -1;
  spc_seccomp_free (steal_pointer (&a->seccomp));
  int r = spc_sync_send_fd (a->sync_fd, SPC_SYNC_SECCOMP_FD, fd, err);
  close (fd);
  return r;
}

/* Keys are not namespaced: without a session keyring of its own the
 * container would share the caller's and see its keys. Named, as runc
 * names it, so that tools joining the container find it; searchable for
 * the user the container runs as (or, across a user namespace, for
 * others), as runc makes it. A kernel without keys has nothing to share. */
static int
join_session_keyring (const struct spc_init_args *a, spc_err_t *err)
{
  if (!a->new_keyring)
    return 0;
  _cleanup_free_ char *name = NULL;
  if (asprintf (&name, "_ses.%s", a->id) < 0)
    return spc_error_errno (err, "asprintf");
  long ring = syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
  if (ring < 0 && errno == ENOSYS)
    return 0;
  if (ring < 0)
    return spc_error_errno (err, "join a new session keyring");
  char desc[512];
  long len = syscall (SYS_keyctl, KEYCTL_DESCRIBE, ring, desc, sizeof desc - 1, 0);
  if (len < 0)
    return spc_error_errno (err, "describe the session keyring");
  desc[len < (long) sizeof desc ? len : (long) sizeof desc - 1] = '\0';
  /* "type;uid;gid;perm;description", perm in hex */
  const char *perm_text = desc;
  for (int field = 0; field < 3 && perm_text; field++)
    if ((perm_text = strchr (perm_text, ';')))
      perm_text++;
  if (perm_text == NULL)
    return spc_error_make (err, EPROTO, "session keyring: unexpected description `%s`", desc);
  unsigned long perm = strtoul (perm_text, NULL, 16);
  perm |= spc_namespaces_creates (a->config, SPC_NS_USER) ? KEY_OTH_SEARCH : KEY_USR_SEARCH;
  if (syscall (SYS_keyctl, KEYCTL_SETPERM, ring, perm, 0, 0) < 0)
    return spc_error_errno (err, "set the session keyring's permissions");
  return 0;
}

/* A foreground `run` is the container's only handle: should the runtime be
 * killed (`timeout -k`, say), the container must not live on unseen. Set
 * after the identity change, which clears it. The runtime may have died
 * before: its end of the sync socket, open until the exec, tells. */
static void
die_with_runtime (const struct spc_init_args *a)
{
  if (!a->die_with_runtime)
    return;
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return; /* a seccomp profile may refuse prctl: the container runs on */
  struct pollfd p = { .fd = a->sync_fd, .events = POLLIN };
  if (poll (&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
    _exit (1);
}

static int
init_setup (struct spc_init_args *a, char ***env, char **exe, spc_err_t *err)
{
  const struct spc_config *c = a->config;
  const struct spc_process *p = &c->process;

  if (spc_namespaces_creates (c, SPC_NS_USER) && become_root_in_userns (a, err) < 0)
    return -1;
  /* Until it execs the program the init is spacer, holding the runtime's
   * descriptors and memory: nothing in the container without
   * CAP_SYS_PTRACE may open its /proc/PID entries. Its exe is a protected
   * image (sealed.h) whoever opens it. The exec makes it dumpable again.
   * Not before the id maps are written: a runtime run by a plain user
   * writes them through /proc/PID, which this makes root's. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return spc_error_errno (err, "prctl PR_SET_DUMPABLE");
  if (spc_namespaces_join (c, a->ns_fds, err) < 0)
    return -1;
  spc_namespaces_close (a->ns_fds);
  /* Before the container's mounts: every write to /proc from here on
   * goes through it (procfs.h). */
  if ((a->proc_fd = spc_procfs_open (err)) < 0)
    return -1;
  if (setsid () < 0)
    return spc_error_errno (err, "setsid");
  if (join_session_keyring (a, err) < 0)
    return -1;
  /* Names first: createContainer hooks already see the container's. */
  if (set_names (c, err) < 0 || spc_process_apply_oom_score_adj (p, a->proc_fd, err) < 0)
    return -1;
  /* Built now, while the runtime still moves the init into its cgroups. */
  if (c->linux_.seccomp
      && spc_seccomp_build (c->linux_.seccomp, a->seccomp_cached, a->seccomp_export_fd,
                            &a->seccomp, err) < 0)
    return -1;
  if (a->seccomp_export_fd >= 0)
    close (spc_steal_fd (&a->seccomp_export_fd));
  if (setup_filesystem (a, err) < 0)
    return -1;
  if (spc_namespaces_creates (c, SPC_NS_NETWORK) && spc_namespaces_loopback_up (err) < 0)
    return -1;
  /* The terminal before the masks and read-only paths: /dev/console is
   * made in /dev, which they may cover or make read-only. */
  if (apply_sysctls (c, a->proc_fd, err) < 0 || setup_terminal (a, err) < 0
      || spc_mounts_finalize (c, err) < 0 || await_cgroup (a, err) < 0)
    return -1;
  if (spc_process_apply_rlimits (p, err) < 0)
    return -1;
  if (spc_process_build_env (p, a->listen_fds, env, err) < 0
      || spc_process_find_executable (p, *env, exe, err) < 0 || enter_cwd (p, err) < 0)
    return -1;
  if (p->user.has_umask)
    umask (p->user.umask);
  else
    umask (0022);
  /* Kept across the exec. Set before create returns, so that a policy
   * the kernel refuses (MPOL_F_NUMA_BALANCING with a mode it does not go
   * with, say) fails the create. */
  if (spc_mempolicy_apply (&c->linux_.memory_policy, err) < 0)
    return -1;
  return install_notifying_seccomp (a, err);
}

/* `run` says start on the sync socket. For `create` the init opens
 * exec.fifo for writing, which blocks until `start` opens it to read, and
 * writes one byte. It keeps the fifo open (close-on-exec): `start` reads on
 * until end-of-file, which comes with the exec, or finds an error message
 * there first (report_and_exit). */
static int
wait_for_start (struct spc_init_args *a, spc_err_t *err)
{
  if (a->fifo_path_fd < 0)
    return spc_sync_expect (a->sync_fd, SPC_SYNC_START, err);

  char name[16];
  snprintf (name, sizeof name, "%d", a->fifo_path_fd);
  /* A start killed between its open and its read leaves no reader: the
   * write then fails (EPIPE, with SIGPIPE ignored until the reset before
   * the exec), and the init waits for the next start instead of dying. */
  signal (SIGPIPE, SIG_IGN);
  for (;;)
    {
      a->fifo_fd = openat (a->own_fds_dirfd, name, O_WRONLY | O_CLOEXEC);
      if (a->fifo_fd < 0)
        return spc_error_errno (err, "open exec.fifo");
      if (spc_write_all (a->fifo_fd, "0", 1) == 0)
        break;
      if (errno != EPIPE)
        return spc_error_errno (err, "write exec.fifo");
      close (spc_steal_fd (&a->fifo_fd));
    }
  close (spc_steal_fd (&a->fifo_path_fd));
  close (spc_steal_fd (&a->own_fds_dirfd));
  return 0;
}

/* exec.fifo comes as an O_PATH fd: the init may not search the runtime's
 * private ROOT/ID, and the fifo is made its own. It is reopened for
 * writing through the init's /proc/self/fd, taken here from the host's
 * procfs before any mount of the container's can stand in for it. */
static int
open_own_fds_dir (struct spc_init_args *a, spc_err_t *err)
{
  if (a->fifo_path_fd < 0)
    return 0;
  a->own_fds_dirfd = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (a->own_fds_dirfd < 0)
    return spc_error_errno (err, "open /proc/self/fd");
  struct statfs sf;
  if (fstatfs (a->own_fds_dirfd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
    return spc_error_make (err, EXDEV, "/proc/self/fd is not on procfs");
  return 0;
}

static int
install_seccomp (struct spc_init_args *a, spc_err_t *err)
{
  int unused;
  if (a->seccomp == NULL)
    return 0;
  return spc_seccomp_load (a->seccomp, &unused, err);
}

/* A failure after set-up: `run` listens on the sync socket, `start` on
 * exec.fifo. */
static void __attribute__ ((noreturn))
report_and_exit (struct spc_init_args *a, spc_err_t *err)
{
  if (a->fifo_fd >= 0)
    (void) spc_write_all (a->fifo_fd, (*err)->msg, strlen ((*err)->msg));
  else if (spc_sync_send_error (a->sync_fd, *err) < 0)
    dprintf (STDERR_FILENO, "spacer: container init: %s\n", (*err)->msg);
  _exit (127);
}

static void __attribute__ ((noreturn))
container_init (struct spc_init_args *a)
{
  spc_err_t err = NULL;
  char **env = NULL;
  char *exe = NULL;

  close (a->runtime_sync_fd);
  if (close_inherited_fds (a, &err) < 0 || open_own_fds_dir (a, &err) < 0
      || init_setup (a, &env, &exe, &err) < 0)
    {
      spc_sync_send_error (a->sync_fd, err);
      _exit (1);
    }
  if (spc_sync_send (a->sync_fd, SPC_SYNC_CREATED, &err) < 0)
    _exit (1);
  if (spc_lsm_set_exec_label (&a->config->process, a->proc_fd, &err) < 0
      || spc_process_apply_scheduling (&a->config->process, &err) < 0
      || spc_process_apply_personality (&a->config->linux_, &err) < 0)
    report_and_exit (a, &err);
  /* The filter comes last. Without no_new_privs the kernel takes it only
   * from a process with CAP_SYS_ADMIN, so then it comes before the
   * capabilities are dropped, as with runc. */
  bool nnp = a->config->process.no_new_privileges;
  if (!nnp && install_seccomp (a, &err) < 0)
    report_and_exit (a, &err);
  /* Still as the container's root, who alone may open exec.fifo. */
  if (wait_for_start (a, &err) < 0)
    report_and_exit (a, &err);
  if (spc_process_apply_identity (&a->config->process, &err) < 0)
    report_and_exit (a, &err);
  die_with_runtime (a);
  if (nnp && install_seccomp (a, &err) < 0)
    report_and_exit (a, &err);
  /* As with runc, startContainer hooks run as the program will: its user,
   * capabilities, LSM label and seccomp filter. */
  if (spc_hooks_any (&a->config->hooks, SPC_HOOK_START_CONTAINER)
      && spc_hooks_run (&a->config->hooks, SPC_HOOK_START_CONTAINER, start_hook_state (a), &err)
             < 0)
    report_and_exit (a, &err);

  spc_reset_signals ();
  spc_process_exec (&a->config->process, exe, env, &err);
  report_and_exit (a, &err);
}

pid_t
spc_linux_spawn_init (struct spc_init_args *a, spc_err_t *err)
{
  struct clone_args args = {
    .flags = (uint64_t) spc_namespaces_clone_flags (a->config),
    .exit_signal = SIGCHLD,
  };
  /* Born in its cgroup2 directory: no migration later, which is costly. */
  if (a->cgroup_fd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = (uint64_t) a->cgroup_fd;
    }
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0 && a->cgroup_fd >= 0)
    {
      /* An old kernel, or a cgroup that takes no process this way: the
       * runtime moves the init in afterwards instead. */
      a->cgroup_fd = -1;
      args.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
      pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
    }
  if (pid < 0)
    return spc_error_errno (err, "clone container init");
  if (pid == 0)
    container_init (a);
  return pid;
}
