/* create: the bundle loaded and checked, ROOT/ID made, the init spawned and
 * taken through set-up (spc_container_make, which run shares), and a
 * failure undone. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/hooks.h"
#include "spacer/bind-trees.h"
#include "spacer/linux.h"
#include "spacer/log.h"
#include "spacer/lsm.h"
#include "spacer/mempolicy.h"
#include "spacer/namespaces.h"
#include "spacer/netdev.h"
#include "spacer/sealed.h"
#include "spacer/process.h"
#include "spacer/seccomp-cache.h"
#include "spacer/sync.h"
#include "spacer/terminal.h"
#include "spacer/utils.h"
#include "spacer/validate.h"
#include "container-internal.h"

/* Everything create needs from the bundle, loaded and checked before any
 * state exists. */
struct bundle
{
  struct spc_config *config;
  char *dir;    /* absolute */
  char *name;   /* config.json as the user named it, for errors */
  char *text;   /* a config that is not BUNDLE/config.json (in memory, or
                   --config FILE): exec finds it in the state directory */
  size_t text_len;
  char *rootfs; /* absolute, symlinks resolved */
  int ns_fds[SPC_NS_COUNT]; /* namespaces to join; -1 where none */
  int *bind_trees;          /* see bind-trees.h; NULL: none */
};

static void
bundle_clear (struct bundle *b)
{
  spc_bind_trees_release (b->bind_trees, b->config ? b->config->n_mounts : 0);
  spc_config_free (b->config);
  free (b->dir);
  free (b->name);
  free (b->text);
  free (b->rootfs);
  spc_namespaces_close (b->ns_fds);
}
#define _cleanup_bundle_ __attribute__ ((cleanup (bundle_clear)))

/* What the init gets besides the config: where its pty master goes, and
 * the descriptors it passes on to the program. */
struct init_io
{
  int console_fd;      /* the init sends the pty master here; -1: no terminal */
  int terminal_fd;     /* run in the foreground: the other end, ours */
  unsigned pass_fds;   /* --preserve-fds plus socket activation's */
  unsigned listen_fds; /* socket activation's, passed first */
};

static void
init_io_clear (struct init_io *io)
{
  if (io->console_fd >= 0)
    close (io->console_fd);
  if (io->terminal_fd >= 0)
    close (io->terminal_fd);
}
#define _cleanup_init_io_ __attribute__ ((cleanup (init_io_clear)))

/* Socket activation: fds 3.. handed to this very process (LISTEN_PID) go on
 * to the container's program, as runc does. */
static unsigned
activation_fds (void)
{
  const char *fds = getenv ("LISTEN_FDS"), *pid = getenv ("LISTEN_PID");
  if (fds == NULL || pid == NULL || strtol (pid, NULL, 10) != (long) getpid ())
    return 0;
  long n = strtol (fds, NULL, 10);
  return n > 0 && n < 4096 ? (unsigned) n : 0;
}

/* runc's rules: a pty needs somewhere to go, and a console socket needs a
 * pty to receive. In the foreground without a socket, spacer takes it. */
static int
prepare_init_io (const struct spc_config *c, const struct spc_create_options *o,
                 bool foreground, struct init_io *io, spc_err_t *err)
{
  io->listen_fds = activation_fds ();
  io->pass_fds = io->listen_fds + o->preserve_fds;
  if (o->console_socket && !c->process.terminal)
    return spc_error_make (err, 0, "--console-socket: process.terminal is false, so there is no "
                                   "pty to send");
  if (!c->process.terminal)
    return 0;
  if (o->console_socket)
    {
      io->console_fd = spc_terminal_connect (o->console_socket, err);
      return io->console_fd < 0 ? -1 : 0;
    }
  if (!foreground)
    return spc_error_make (err, 0, "process.terminal: a detached container needs "
                                   "--console-socket to receive its pty");
  /* The pty would be proxied to a stdin that is no terminal: a shell in the
   * container would wait for input that never comes. */
  if (!isatty (STDIN_FILENO))
    return spc_error_make (err, 0, "process.terminal: standard input is not a terminal (run "
                                   "from one, pass --console-socket, or set process.terminal "
                                   "to false)");
  int pair[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    return spc_error_errno (err, "socketpair");
  io->console_fd = pair[0];
  io->terminal_fd = pair[1];
  return 0;
}

static int
resolve_rootfs (struct bundle *b, spc_err_t *err)
{
  const char *path = b->config->root.path;
  _cleanup_free_ char *joined = NULL;
  if (path[0] == '/')
    joined = strdup (path);
  else if (asprintf (&joined, "%s/%s", b->dir, path) < 0)
    joined = NULL;
  if (joined == NULL)
    return spc_error_errno (err, "asprintf");
  b->rootfs = realpath (joined, NULL);
  if (b->rootfs == NULL)
    return spc_error_errno (err, "root.path `%s`", path);
  struct stat st;
  if (stat (b->rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    return spc_error_make (err, ENOTDIR, "root.path `%s`", path);
  return 0;
}

static int
check_bundle (struct bundle *b, const struct spc_create_options *o, spc_err_t *err)
{
  if (!b->config->has_process)
    return spc_error_make (err, 0, "process: required to create a container");
  spc_process_check_capabilities (&b->config->process);
  if (spc_lsm_check (b->config, err) < 0
      || spc_mempolicy_check_host (&b->config->linux_.memory_policy, err) < 0
      || spc_rdt_check (&b->config->linux_.intel_rdt, err) < 0)
    return -1;
  if (spc_linux_validate (b->config, err) < 0 || resolve_rootfs (b, err) < 0
      || spc_namespaces_open (b->config, b->ns_fds, err) < 0
      || spc_linux_check_joined (b->config, b->ns_fds, err) < 0
      || spc_bind_trees_prepare (b->config, &b->bind_trees, err) < 0)
    return -1;
  return 0;
}

static int
load_bundle (const struct spc_create_options *o, struct bundle *b, spc_err_t *err)
{
  for (int i = 0; i < SPC_NS_COUNT; i++)
    b->ns_fds[i] = -1;
  const char *dir = o->bundle ? o->bundle : ".";
  b->dir = realpath (dir, NULL);
  if (b->dir == NULL)
    return spc_error_errno (err, "bundle `%s`", dir);

  _cleanup_free_ char *path = NULL;
  if (o->config)
    {
      /* Made in memory (launch): the bundle holds no config.json. */
      if ((b->name = strdup (o->config_name ? o->config_name : "config")) == NULL)
        return spc_error_errno (err, "strdup");
      b->text_len = strlen (o->config);
      if ((b->text = strdup (o->config)) == NULL)
        return spc_error_errno (err, "strdup");
      if (spc_config_load_buffer (b->text, b->text_len, b->name, &b->config, err) < 0)
        return -1;
    }
  else if (o->config_path)
    {
      /* Errors name it as the user did. */
      if ((b->name = strdup (o->config_path)) == NULL
          || (o->config_path[0] == '/' ? (path = strdup (o->config_path)) == NULL
                                       : asprintf (&path, "%s/%s", b->dir, o->config_path) < 0))
        return spc_error_errno (err, "config `%s`", o->config_path);
      if (spc_config_read_file (path, b->name, &b->text, &b->text_len, err) < 0
          || spc_config_load_buffer (b->text, b->text_len, b->name, &b->config, err) < 0)
        return -1;
    }
  else if (asprintf (&path, "%s/config.json", b->dir) < 0
           || asprintf (&b->name, "%s%sconfig.json", o->bundle ? o->bundle : "",
                        o->bundle && o->bundle[strlen (o->bundle) - 1] != '/' ? "/" : "")
                  < 0)
    return spc_error_errno (err, "asprintf");
  else if (spc_config_load_file (path, b->name, &b->config, err) < 0)
    return -1;
  if (check_bundle (b, o, err) < 0)
    return spc_error_prefix (err, "%s", b->name);
  return 0;
}

/* The hooks that run after create (poststart from start or run, poststop
 * from delete) live on in the state file; create moves them out of the
 * config, which it is done with. */
static void
move_hooks (struct spc_hooks *to, struct spc_hooks *from, enum spc_hook_kind kind)
{
  to->hooks[kind] = steal_pointer (&from->hooks[kind]);
  to->n_hooks[kind] = from->n_hooks[kind];
  from->n_hooks[kind] = 0;
}

static int
fill_state (struct spc_state *st, struct spc_config *c, const char *id, const char *bundle,
            const char *rootfs, spc_err_t *err)
{
  char created[64];
  spc_rfc3339_now (created, sizeof created);
  st->id = strdup (id);
  st->oci_version = strdup (c->oci_version ? c->oci_version : "1.0.0");
  st->bundle = strdup (bundle);
  st->rootfs = strdup (rootfs);
  st->created = strdup (created);
  st->owner = geteuid ();
  if (!st->id || !st->oci_version || !st->bundle || !st->rootfs || !st->created)
    return spc_error_errno (err, "strdup");
  if (c->n_annotations)
    {
      st->annotations = calloc (c->n_annotations, sizeof *st->annotations);
      if (st->annotations == NULL)
        return spc_error_errno (err, "calloc");
      for (size_t i = 0; i < c->n_annotations; i++, st->n_annotations++)
        {
          st->annotations[i].key = strdup (c->annotations[i].key);
          st->annotations[i].value = strdup (c->annotations[i].value);
          if (!st->annotations[i].key || !st->annotations[i].value)
            return spc_error_errno (err, "strdup");
        }
    }
  move_hooks (&st->hooks, &c->hooks, SPC_HOOK_POSTSTART);
  move_hooks (&st->hooks, &c->hooks, SPC_HOOK_POSTSTOP);
  return 0;
}

/* The init stopped between its mounts and pivot_root: prestart and
 * createRuntime run now, here, in the runtime's namespaces; then the init
 * goes on with the state documents for createContainer and startContainer,
 * which it runs in the container's. */
static int
run_create_hooks (const struct spc_config *c, struct spc_created *cr, int sync_fd, spc_err_t *err)
{
  if (!spc_hooks_need_mounts_ready (&c->hooks))
    return 0;
  if (spc_sync_expect (sync_fd, SPC_SYNC_MOUNTS_READY, err) < 0)
    return -1;
  cr->hooks_ran = true;
  _cleanup_free_ char *creating = spc_state_to_json (&cr->state, SPC_STATUS_CREATING, false);
  if (spc_hooks_run (&c->hooks, SPC_HOOK_PRESTART, creating, err) < 0
      || spc_hooks_run (&c->hooks, SPC_HOOK_CREATE_RUNTIME, creating, err) < 0)
    return -1;
  _cleanup_free_ char *created = spc_state_to_json (&cr->state, SPC_STATUS_CREATED, false);
  size_t a = strlen (creating) + 1, b = strlen (created) + 1;
  _cleanup_free_ char *payload = malloc (a + b);
  if (payload == NULL)
    return spc_error_errno (err, "malloc");
  memcpy (payload, creating, a);
  memcpy (payload + a, created, b);
  return spc_sync_send_data (sync_fd, SPC_SYNC_HOOKS_DONE, payload, a + b, err);
}

/* The init was cloned from this very process: until it executes the
 * program its /proc/PID/exe is our own image (see spc_state.image_ino). */
static void
record_image (struct spc_state *st)
{
  struct stat sb;
  if (stat ("/proc/self/exe", &sb) == 0)
    {
      st->image_dev = (uint64_t) sb.st_dev;
      st->image_ino = (uint64_t) sb.st_ino;
    }
}

/* A notifying seccomp filter's fd, from the init to the listener. */
static int
pass_seccomp_fd (const struct spc_config *c, const struct spc_created *cr, int sync_fd,
                 spc_err_t *err)
{
  if (!spc_seccomp_notifies (c->linux_.seccomp))
    return 0;
  _cleanup_close_ int fd = spc_sync_expect_fd (sync_fd, SPC_SYNC_SECCOMP_FD, err);
  if (fd < 0)
    return -1;
  return spc_seccomp_send_listener (c->linux_.seccomp, fd, &cr->state, err);
}

/* The runtime's part of the init's set-up, step by step with it. */
static int
init_setup_steps (const struct spc_config *c, const struct spc_create_options *o, int dirfd,
                  struct spc_created *cr, const struct spc_init_args *args, int runtime_fd,
                  spc_err_t *err)
{
  /* The user namespace first: the init waits for its maps at once, for
   * the cgroup only later (see await_cgroup in linux.c). */
  if (spc_namespaces_creates (c, SPC_NS_USER)
      && (spc_sync_expect (runtime_fd, SPC_SYNC_USERNS_READY, err) < 0
          || spc_namespaces_write_id_maps (cr->pid, c, err) < 0
          || spc_sync_send (runtime_fd, SPC_SYNC_USERNS_MAPPED, err) < 0))
    return -1;
  if (spc_container_make_late_cgroup (c, o, dirfd, &cr->state, err) < 0
      || spc_container_place_in_cgroup (c, &cr->state.cgroup, cr->pid,
                                        args->cgroup_fd >= 0, err) < 0)
    return -1;
  if (spc_rdt_setup (SPC_RESCTRL_ROOT, &c->linux_.intel_rdt, cr->state.id, cr->pid,
                     &cr->state.rdt, err) < 0)
    return -1;
  /* Before any hook runs: prestart and createRuntime hooks find them. */
  if (spc_netdev_move_all (&c->linux_, cr->pid, args->ns_fds[SPC_NS_NETWORK], err) < 0)
    return -1;
  if (args->await_cgroup && spc_sync_send (runtime_fd, SPC_SYNC_CGROUP_PLACED, err) < 0)
    return -1;
  if (run_create_hooks (c, cr, runtime_fd, err) < 0 || pass_seccomp_fd (c, cr, runtime_fd, err) < 0
      || spc_sync_expect (runtime_fd, SPC_SYNC_CREATED, err) < 0)
    return -1;
  return 0;
}

/* The init ended during set-up without saying why (it was killed, or
 * died before it could report): the runtime saw only the socket close or
 * reset. Say how it ended, and when the kernel's OOM killer ended it under
 * the config's memory limit, that the limit is too low. The init stays
 * unreaped (WNOWAIT) for abandon_created. */
static void
explain_init_end (const struct spc_config *c, const struct spc_created *cr, spc_err_t *err)
{
  if (*err == NULL || cr->pid <= 0
      || !(strstr ((*err)->msg, "exited before finishing set-up")
           || (*err)->errno_ == ECONNRESET || (*err)->errno_ == EPIPE))
    return;
  siginfo_t si = { 0 };
  /* Its end is on the way once the socket closed: a short wait. */
  for (int i = 0; i < 100; i++)
    {
      si.si_pid = 0;
      if (waitid (P_PID, (id_t) cr->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid)
        break;
      nanosleep (&(struct timespec){ .tv_nsec = 10000000 }, NULL);
    }
  if (si.si_pid != cr->pid)
    return;
  char how[160];
  const struct spc_resources *r = &c->linux_.resources;
  uint64_t ooms = 0;
  spc_err_t ignored = NULL;
  if (si.si_code == CLD_EXITED)
    snprintf (how, sizeof how, "it exited with status %d", si.si_status);
  else if (si.si_status == SIGKILL && r->memory.has_limit && r->memory.limit > 0
           && spc_cgroup_oom_kills (&cr->state.cgroup, &ooms, &ignored) == 0 && ooms > 0)
    snprintf (how, sizeof how,
              "the OOM killer ended it: linux.resources.memory.limit (%lld bytes) is below what "
              "the container's init needs to set up",
              (long long) r->memory.limit);
  else
    snprintf (how, sizeof how, "it was killed by signal %d (SIG%s)", si.si_status,
              sigabbrev_np (si.si_status) ? sigabbrev_np (si.si_status) : "?");
  spc_error_free (&ignored);
  spc_err_t explained = NULL;
  if (strstr ((*err)->msg, "container init"))
    spc_error_classed (&explained, (*err)->errno_, "%s: %s", (*err)->msg, how);
  else
    spc_error_classed (&explained, (*err)->errno_, "container init ended during set-up (%s): %s",
                       (*err)->msg, how);
  spc_error_free (err);
  *err = explained;
}

/* Spawn the init and take it through set-up. On success the init waits for
 * start (on the fifo, or on the sync socket for run). On failure cr->pid
 * may hold an init the caller must still kill. */
static int
spawn_and_setup (const char *root, struct bundle *b, int dirfd, bool for_run,
                 const struct spc_create_options *o, const struct init_io *io,
                 struct spc_created *cr, spc_err_t *err)
{
  const struct spc_config *c = b->config;
  int pair[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return spc_error_errno (err, "socketpair");
  _cleanup_close_ int runtime_fd = pair[0];
  _cleanup_close_ int init_fd = pair[1];

  /* The init reopens exec.fifo through this O_PATH fd: ROOT/ID is private
   * to the runtime's user, whom the init (root of a user namespace, say)
   * need not be. */
  _cleanup_close_ int fifo_fd = -1;
  if (!for_run
      && (fifo_fd = openat (dirfd, SPC_EXEC_FIFO, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return spc_error_errno (err, "open exec.fifo");

  struct spc_init_args args = {
    .config = c,
    .rootfs = b->rootfs,
    .sync_fd = init_fd,
    .runtime_sync_fd = runtime_fd,
    .fifo_path_fd = fifo_fd,
    .fifo_fd = -1,
    .own_fds_dirfd = -1,
    .console_fd = io->console_fd,
    .bind_trees = b->bind_trees,
    .pass_fds = io->pass_fds,
    .listen_fds = io->listen_fds,
    .seccomp_export_fd = -1,
    .id = cr->state.id,
    .new_keyring = !o->no_new_keyring,
    .no_pivot = o->no_pivot,
    .die_with_runtime = for_run && !o->detach,
  };
  _cleanup_seccomp_cache_ struct spc_seccomp_cache seccomp_cache = SPC_SECCOMP_CACHE_INIT;
  if (c->linux_.seccomp)
    {
      spc_seccomp_cache_lookup (root, c->linux_.seccomp, &seccomp_cache);
      args.seccomp_cached = &seccomp_cache.program;
      args.seccomp_export_fd = seccomp_cache.export_fd;
    }
  memcpy (args.ns_fds, b->ns_fds, sizeof args.ns_fds);
  _cleanup_close_ int cgroup_fd = spc_cgroup_clone_fd (&cr->state.cgroup);
  args.cgroup_fd = cgroup_fd;
  args.await_cgroup = cr->state.cgroup.n_dirs > 0;
  pid_t pid = -1;
  if (spc_namespaces_prepare_parent (c, b->ns_fds, err) == 0)
    pid = spc_linux_spawn_init (&args, err);
  cr->pid = pid;
  if (spc_namespaces_restore_parent (c, b->ns_fds, pid < 0 ? NULL : err) < 0 || pid < 0)
    return -1;
  close (spc_steal_fd (&init_fd));
  cr->state.pid = pid;
  cr->state.start_time = spc_process_start_time (pid);
  record_image (&cr->state);
  /* The init is on disk before it runs a step of set-up: a create killed
   * from here on leaves delete a pid (with its start time) to kill, also
   * on a host where only v1 hierarchies would hold it. */
  if (spc_status_write (dirfd, &cr->state, err) < 0)
    return -1;

  if (init_setup_steps (c, o, dirfd, cr, &args, runtime_fd, err) < 0)
    {
      spc_sync_prefer_init_error (runtime_fd, err);
      explain_init_end (c, cr, err);
      return -1;
    }
  spc_debug ("container init is pid %d, set up", (int) pid);
  spc_seccomp_cache_store (&seccomp_cache);
  cr->sync_fd = spc_steal_fd (&runtime_fd);
  return 0;
}

/* Undo a create that failed part-way: the init, the state directory, and
 * (once a create hook ran) the poststop hooks the spec then asks for. */
static void
abandon_created (int rootfd, const char *id, struct spc_created *cr)
{
  if (cr->pid > 0)
    spc_container_kill_and_reap (cr->pid);
  spc_err_t cgroup_err = NULL;
  if (spc_cgroup_destroy (&cr->state.cgroup, &cgroup_err) < 0)
    spc_warn ("%s", cgroup_err->msg);
  spc_error_free (&cgroup_err);
  if (spc_rdt_remove (&cr->state.rdt, &cgroup_err) < 0)
    spc_warn ("%s", cgroup_err->msg);
  spc_error_free (&cgroup_err);
  if (cr->sync_fd >= 0)
    close (cr->sync_fd);
  if (cr->terminal_fd >= 0)
    close (cr->terminal_fd);
  free (cr->config_name);
  spc_err_t ignored = NULL;
  spc_status_remove (rootfd, id, &ignored);
  spc_error_free (&ignored);
  if (cr->hooks_ran && cr->state.id)
    {
      _cleanup_free_ char *state = spc_state_to_json (&cr->state, SPC_STATUS_STOPPED, false);
      spc_hooks_run_warn (&cr->state.hooks, SPC_HOOK_POSTSTOP, state);
    }
  spc_state_clear (&cr->state);
}

/* The host id that id of the container's user namespace maps to; id
 * itself without a new user namespace. */
static uint32_t
host_id (const struct spc_config *c, const struct spc_id_mapping *m, size_t n, uint32_t id)
{
  if (!spc_namespaces_creates (c, SPC_NS_USER))
    return id;
  for (size_t i = 0; i < n; i++)
    if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
      return m[i].host_id + (id - m[i].container_id);
  return (uint32_t) -1;
}

/* exec.fifo is written by the init, as the container's root, and read by
 * `start`: nobody else may open it (one holding it open would make start
 * hang). Made inside the fresh, private ROOT/ID, so no name can be swapped. */
static int
make_exec_fifo (int dirfd, const struct spc_config *c, spc_err_t *err)
{
  uid_t uid = host_id (c, c->linux_.uid_mappings, c->linux_.n_uid_mappings, 0);
  gid_t gid = host_id (c, c->linux_.gid_mappings, c->linux_.n_gid_mappings, 0);
  if (mkfifoat (dirfd, SPC_EXEC_FIFO, 0600) < 0
      || fchmodat (dirfd, SPC_EXEC_FIFO, 0600, 0) < 0)
    return spc_error_errno (err, "create exec.fifo");
  if ((uid != geteuid () || gid != getegid ())
      && fchownat (dirfd, SPC_EXEC_FIFO, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return spc_error_errno (err, "give exec.fifo to the container's root (%u:%u)", (unsigned) uid,
                            (unsigned) gid);
  return 0;
}

int
spc_container_make (const char *root, const char *id, const struct spc_create_options *o,
                    bool for_run, struct spc_created *cr, spc_err_t *err)
{
  if (spc_validate_id (id, err) < 0)
    return -1;

  _cleanup_bundle_ struct bundle b = { 0 };
  _cleanup_init_io_ struct init_io io = { .console_fd = -1, .terminal_fd = -1 };
  _cleanup_free_ char *pid_file = NULL;
  _cleanup_close_ int pidfd_socket = -1;
  if (load_bundle (o, &b, err) < 0)
    return -1;
  /* Connected before anything is made, as runc dials it: a wrong path
   * fails create at once. */
  if (o->pidfd_socket
      && (pidfd_socket = spc_unix_connect (o->pidfd_socket, "--pidfd-socket", err)) < 0)
    return -1;
  if (prepare_init_io (b.config, o, for_run && !o->detach, &io, err) < 0)
    return spc_error_prefix (err, "%s", b.name);
  spc_debug ("%s: bundle `%s`, rootfs `%s`", id, b.dir, b.rootfs);
  /* The pid file is relative to where we were called from, not the bundle. */
  if (o->pid_file && o->pid_file[0] != '/')
    {
      _cleanup_free_ char *cwd = getcwd (NULL, 0);
      if (cwd == NULL || asprintf (&pid_file, "%s/%s", cwd, o->pid_file) < 0)
        return spc_error_errno (err, "pid file `%s`", o->pid_file);
    }
  else if (o->pid_file && (pid_file = strdup (o->pid_file)) == NULL)
    return spc_error_errno (err, "strdup");

  _cleanup_close_ int rootfd = spc_state_root_open (root, true, err);
  if (rootfd < 0)
    return -1;
  _cleanup_close_ int dirfd = spc_status_create_dir (rootfd, id, err);
  if (dirfd < 0)
    return -1;

  /* From here on a failure must take ROOT/ID away again. */
  *cr = (struct spc_created){
    .pid = -1,
    .sync_fd = -1,
    .terminal_fd = spc_steal_fd (&io.terminal_fd),
    .pid_ns_init = spc_namespaces_creates (b.config, SPC_NS_PID),
    .config_name = strdup (b.name),
  };
  int ret = cr->config_name ? 0 : spc_error_errno (err, "strdup");
  /* Write-ahead: a state (creating, owning nothing yet) before anything
   * the container owns exists; every later step is recorded as it goes
   * (spc_container_make_cgroup, spawn_and_setup), so a create killed at
   * any point leaves what delete --force needs to undo it. */
  if (ret == 0)
    ret = fill_state (&cr->state, b.config, id, b.dir, b.rootfs, err);
  cr->state.creating = true;
  if (ret == 0)
    ret = spc_status_write (dirfd, &cr->state, err);
  if (ret == 0 && !for_run)
    ret = make_exec_fifo (dirfd, b.config, err);
  /* exec reads the container's config again (for the process's defaults):
   * one the bundle does not hold is kept beside the state. */
  if (ret == 0 && b.text)
    ret = spc_write_file_replace_at (dirfd, SPC_STATE_CONFIG, b.text, b.text_len, 0600, false,
                                     err);
  /* Relative paths in the config (bind sources) are the bundle's. */
  if (ret == 0 && chdir (b.dir) < 0)
    ret = spc_error_errno (err, "chdir to bundle `%s`", b.dir);
  /* Recorded there as it goes: should this create be killed before the
   * init exists, `delete` still finds the cgroup to remove. */
  if (ret == 0)
    ret = spc_container_make_cgroup (b.config, b.name, root, id, o, dirfd, &cr->state, err);
  /* What the init reports is about the config: name it, as parse errors do. */
  if (ret == 0 && (ret = spawn_and_setup (root, &b, dirfd, for_run, o, &io, cr, err)) < 0)
    spc_error_prefix (err, "%s", b.name);
  if (ret == 0)
    {
      cr->state.creating = false;
      ret = spc_status_write (dirfd, &cr->state, err);
    }
  if (ret == 0 && pid_file)
    ret = spc_write_pid_file (pid_file, cr->pid, err);
  /* The init is our unreaped child: its pid names it and nothing else. */
  if (ret == 0 && pidfd_socket >= 0)
    ret = spc_send_pidfd (pidfd_socket, cr->pid, "standard", err);
  if (ret < 0)
    abandon_created (rootfd, id, cr);
  return ret;
}

int
spc_container_create (const char *root, const char *id, const struct spc_create_options *o,
                      spc_err_t *err)
{
  struct spc_created cr;
  if (spc_sealed_ensure (err) < 0)
    return -1;
  if (spc_container_make (root, id, o, false, &cr, err) < 0)
    return -1;
  close (cr.sync_fd);
  free (cr.config_name);
  spc_state_clear (&cr.state);
  return 0;
}
