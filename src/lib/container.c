#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/container.h"
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
#include "spacer/seccomp.h"
#include "spacer/sync.h"
#include "spacer/terminal.h"
#include "spacer/utils.h"
#include "spacer/validate.h"
#include "container-internal.h"

/* ---- process handles (spc_state_open_init_pidfd pins the init) ---- */

static int
wait_pidfd_exit (int pidfd, int timeout_ms)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0 ? 0 : -1;
}

/* ---- create ---- */

/* A container create made: its init, blocked before exec, and its state. */
struct created
{
  pid_t pid;
  int sync_fd;            /* the runtime's end; still open for run */
  int terminal_fd;        /* run in the foreground: where the pty master arrives */
  struct spc_state state; /* as in state.json */
  bool hooks_ran;         /* a create hook ran: tearing down owes poststop */
  bool pid_ns_init;       /* the init is a new pid namespace's: see forward_signal */
  char *config_name;      /* config.json as the user named it, for the init's errors */
};

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

static void
kill_and_reap (pid_t pid)
{
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
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
run_create_hooks (const struct spc_config *c, struct created *cr, int sync_fd, spc_err_t *err)
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

/* The container's cgroup, before its init exists. A plain user usually may
 * not make cgroups: then, as runc does, the container runs without one and
 * says so. */
/* The default cgroup's name: "spacer-ID", and with another state directory
 * than the default one a hash of it too, since an ID is unique only within
 * its state directory. */
static int
default_cgroup_name (const char *root, const char *id, char **name)
{
  if (strcmp (root, SPACER_DEFAULT_ROOT) == 0)
    return asprintf (name, "spacer-%s", id);
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const char *p = root; *p; p++)
    h = (h ^ (unsigned char) *p) * 16777619u;
  return asprintf (name, "spacer-%s.%08x", id, h);
}

/* Root of a user namespace other than the host's: uid 0 maps elsewhere. */
static bool
in_user_namespace (void)
{
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/uid_map", "re");
  unsigned long inside, outside, count;
  if (f == NULL || fscanf (f, "%lu %lu %lu", &inside, &outside, &count) != 3)
    return false;
  return !(inside == 0 && outside == 0 && count == 4294967295UL);
}

/* runc's --rootless: a runtime that is not the host's root usually may not
 * make cgroups, and then runs the container without one. */
static bool
tolerates_cgroup_denial (enum spc_rootless rootless)
{
  switch (rootless)
    {
    case SPC_ROOTLESS_TRUE:
      return true;
    case SPC_ROOTLESS_FALSE:
      return false;
    default:
      return geteuid () != 0 || in_user_namespace ();
    }
}

static bool claimed_by_other (int rootfd, const char *id, const char *dir);

/* A cgroup another container of this root records is not joined: its
 * delete would kill this container's processes with its own, or this
 * container's limits would change it. */
static int
refuse_others_cgroup (const char *root, const char *id, const struct spc_cgroup *cg,
                      spc_err_t *err)
{
  _cleanup_close_ int rootfd = spc_state_root_open (root, false, err);
  if (rootfd < 0)
    return -1;
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].joined && claimed_by_other (rootfd, id, cg->dirs[i].path))
      return spc_error_classed (err, EEXIST,
                                "cgroup `%s` is another container's (of the same --root)",
                                cg->dirs[i].path);
  return 0;
}

/* The errors of the container's cgroup that the config can fix, said with
 * the file (and member) naming it. */
static bool
config_cgroup_error (spc_err_t *err)
{
  return spc_error_is (err, EEXIST) || spc_error_is (err, EBUSY) || spc_error_is (err, ENOSPC);
}

/* A state write on a path that fails anyway: the caller's error is the
 * news, and the state it leaves is still what delete goes by. */
static void
status_write_quietly (int dirfd, const struct spc_state *st)
{
  spc_err_t ignored = NULL;
  spc_status_write (dirfd, st, &ignored);
  spc_error_free (&ignored);
}

/* A failure to make the container's cgroup: about the config (said with
 * the file and member naming it), tolerated by a rootless runtime denied
 * the cgroup (the container then runs without one: 0), or fatal. */
static int
cgroup_failure (const struct spc_config *c, const char *config_name,
                const struct spc_create_options *o, struct spc_cgroup *cg, spc_err_t *err)
{
  if (config_cgroup_error (err))
    {
      if (config_name == NULL)
        return c->linux_.cgroups_path ? spc_error_prefix (err, "linux.cgroupsPath") : -1;
      return c->linux_.cgroups_path
                 ? spc_error_prefix (err, "%s: linux.cgroupsPath", config_name)
                 : spc_error_prefix (err, "%s", config_name);
    }
  if (!tolerates_cgroup_denial (o->rootless) || !(*err)
      || ((*err)->errno_ != EACCES && (*err)->errno_ != EPERM && (*err)->errno_ != EROFS))
    return -1;
  /* Said only when it costs the container something, as runc does. */
  if (c->linux_.resources.present)
    spc_warn ("rootless: no cgroup, linux.resources are not applied (%s)", (*err)->msg);
  else
    spc_debug ("rootless: no cgroup (%s)", (*err)->msg);
  spc_error_free (err);
  spc_cgroup_clear (cg);
  return 0;
}

/* Are the container's v1 directories made after the init is cloned
 * (make_late_cgroup), while it sets up? Not where a denial is tolerated:
 * the init may be in a cgroup2 directory by then, which a denied v1 part
 * could not take away again. */
static bool
cgroup_made_late (const struct spc_create_options *o)
{
  return !tolerates_cgroup_denial (o->rootless);
}

/* The container's cgroup: plan refuses paths that would take in processes
 * not the container's (a root, the runtime's own cgroup or an ancestor);
 * one that exists is joined (claim), but never one that is frozen or
 * another container's. Either is about the config, and says which file.
 * The cgroup2 directories are made here, the v1 ones too unless
 * cgroup_made_late. */
static int
make_cgroup (const struct spc_config *c, const char *config_name, const char *root,
             const char *id, const struct spc_create_options *o, int dirfd,
             struct spc_state *st, spc_err_t *err)
{
  struct spc_cgroup *cg = &st->cgroup;
  _cleanup_free_ char *name = NULL;
  if (default_cgroup_name (root, id, &name) < 0)
    return spc_error_errno (err, "asprintf");
  if (spc_cgroup_plan (c->linux_.cgroups_path, name, o->systemd_cgroup, cg, err) < 0)
    return spc_error_prefix (err, "%s", config_name);
  /* Write-ahead: what is about to be made is on disk before the mkdir, and
   * what was made (or, on failure, that nothing was) right after. */
  int r = spc_cgroup_claim (cg, err);
  if (r == 0)
    r = refuse_others_cgroup (root, id, cg, err);
  if (r == 0 && spc_status_write (dirfd, st, err) < 0)
    return -1;
  enum spc_cgroup_part part = cgroup_made_late (o) ? SPC_CGROUP_V2_DIRS : SPC_CGROUP_ALL;
  if (r == 0 && spc_cgroup_create_part (cg, part, err) == 0)
    return 0;
  if (r == 0)
    status_write_quietly (dirfd, st);
  return cgroup_failure (c, config_name, o, cg, err);
}

/* The v1 directories make_cgroup left: recorded as pending already, and
 * as made right after. The caller names the config file. */
static int
make_late_cgroup (const struct spc_config *c, const struct spc_create_options *o, int dirfd,
                  struct spc_state *st, spc_err_t *err)
{
  if (!cgroup_made_late (o) || st->cgroup.n_dirs == 0)
    return 0;
  if (spc_cgroup_create_part (&st->cgroup, SPC_CGROUP_V1_DIRS, err) == 0)
    return spc_status_write (dirfd, st, err);
  status_write_quietly (dirfd, st);
  return cgroup_failure (c, NULL, o, &st->cgroup, err);
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

/* Right after the clone: the init joins the container's cgroup and the
 * limits apply before it runs anything of the container's. */
static int
place_in_cgroup (const struct spc_config *c, const struct spc_cgroup *cg, pid_t pid,
                 bool born_in_v2, spc_err_t *err)
{
  if (cg->n_dirs == 0)
    return 0;
  if (spc_cgroup_enter (cg, pid, born_in_v2, err) < 0)
    return spc_error_prefix (err, "cgroup");
  if (spc_cgroup_apply (cg, c->linux_.resources.present ? &c->linux_.resources : NULL, c, err) < 0)
    return -1;
  return 0;
}

/* A notifying seccomp filter's fd, from the init to the listener. */
static int
pass_seccomp_fd (const struct spc_config *c, const struct created *cr, int sync_fd,
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
                  struct created *cr, const struct spc_init_args *args, int runtime_fd,
                  spc_err_t *err)
{
  /* The user namespace first: the init waits for its maps at once, for
   * the cgroup only later (see await_cgroup in linux.c). */
  if (spc_namespaces_creates (c, SPC_NS_USER)
      && (spc_sync_expect (runtime_fd, SPC_SYNC_USERNS_READY, err) < 0
          || spc_namespaces_write_id_maps (cr->pid, c, err) < 0
          || spc_sync_send (runtime_fd, SPC_SYNC_USERNS_MAPPED, err) < 0))
    return -1;
  if (make_late_cgroup (c, o, dirfd, &cr->state, err) < 0
      || place_in_cgroup (c, &cr->state.cgroup, cr->pid, args->cgroup_fd >= 0, err) < 0)
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
explain_init_end (const struct spc_config *c, const struct created *cr, spc_err_t *err)
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
                 struct created *cr, spc_err_t *err)
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
abandon_created (int rootfd, const char *id, struct created *cr)
{
  if (cr->pid > 0)
    kill_and_reap (cr->pid);
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

static int
create_container (const char *root, const char *id, const struct spc_create_options *o,
                  bool for_run, struct created *cr, spc_err_t *err)
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
  *cr = (struct created){
    .pid = -1,
    .sync_fd = -1,
    .terminal_fd = spc_steal_fd (&io.terminal_fd),
    .pid_ns_init = spc_namespaces_creates (b.config, SPC_NS_PID),
    .config_name = strdup (b.name),
  };
  int ret = cr->config_name ? 0 : spc_error_errno (err, "strdup");
  /* Write-ahead: a state (creating, owning nothing yet) before anything
   * the container owns exists; every later step is recorded as it goes
   * (make_cgroup, spawn_and_setup), so a create killed at any point leaves
   * what delete --force needs to undo it. */
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
  if (ret == 0)
    ret = make_cgroup (b.config, b.name, root, id, o, dirfd, &cr->state, err);
  /* No init yet: should this create be killed now, `delete` still finds
   * the cgroup to remove. */
  if (ret == 0)
    ret = spc_status_write (dirfd, &cr->state, err);
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
  struct created cr;
  if (spc_sealed_ensure (err) < 0)
    return -1;
  if (create_container (root, id, o, false, &cr, err) < 0)
    return -1;
  close (cr.sync_fd);
  free (cr.config_name);
  spc_state_clear (&cr.state);
  return 0;
}

/* ---- run ---- */

/* The init of the foreground run, for the signal handler: a pidfd, so a
 * signal never reaches a process that took a reaped init's pid. */
static volatile sig_atomic_t forward_pidfd = -1;
static volatile sig_atomic_t forward_pid;
static volatile sig_atomic_t forward_to_ns_init;
/* The last stop request forwarded (INT, TERM, HUP, QUIT), for the error
 * of a run it ended before the program started. */
static volatile sig_atomic_t forward_stop_signal;

/* The hex mask after `key` in a /proc/PID/status text has sig; true when
 * the line is missing (when in doubt, the process handles it). */
static bool
status_mask_has (const char *status, const char *key, int sig)
{
  const char *p = strstr (status, key);
  if (p == NULL)
    return true;
  unsigned long long mask = 0;
  for (p += strlen (key); *p == '\t' || *p == ' '; p++)
    ;
  for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
    mask = (mask << 4) | (unsigned) (*p <= '9' ? *p - '0' : *p - 'a' + 10);
  return (mask >> (sig - 1)) & 1;
}

/* pid catches or ignores sig. Async-signal-safe: no stdio, no malloc. */
static bool
handles_signal (pid_t pid, int sig)
{
  char path[32] = "/proc/", digits[12], status[4096];
  char *p = path + 6;
  int n = 0;
  for (unsigned v = (unsigned) pid; v || n == 0; v /= 10)
    digits[n++] = (char) ('0' + v % 10);
  while (n)
    *p++ = digits[--n];
  memcpy (p, "/status", sizeof "/status");
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;
  ssize_t len = read (fd, status, sizeof status - 1);
  close (fd);
  if (len <= 0)
    return true;
  status[len] = '\0';
  return status_mask_has (status, "SigIgn:", sig) || status_mask_has (status, "SigCgt:", sig);
}

/* Signals to a foreground run are the container's, as with runc. The
 * kernel drops a signal to a pid namespace's init that has no handler for
 * it, so a stop request to `sleep` run as that init would go unheard and
 * `timeout spacer run ...` would never end: such a request ends the
 * container with SIGKILL instead. An init that ignores the signal on
 * purpose (an interactive shell ignores TERM) keeps that choice. */
static void
forward_signal (int sig)
{
  int saved = errno;
  int pidfd = forward_pidfd;
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
    forward_stop_signal = sig;
  /* The handler interrupts the only thread that reaps: once the signal
   * went through the pidfd, the pid is still the init's for /proc. */
  if (pidfd >= 0 && syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0
      && forward_to_ns_init && (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
      && !handles_signal ((pid_t) forward_pid, sig))
    syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  errno = saved;
}

static const int forwarded_signals[]
    = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
#define N_FORWARDED (sizeof forwarded_signals / sizeof *forwarded_signals)

/* While a foreground run waits, the caller's handlers of the forwarded
 * signals are replaced; they come back when it returns. */
struct forwarding
{
  int pidfd;
  struct sigaction saved[N_FORWARDED];
};

static void
forwarding_stop (struct forwarding *f)
{
  if (f->pidfd < 0)
    return;
  for (size_t i = 0; i < N_FORWARDED; i++)
    sigaction (forwarded_signals[i], &f->saved[i], NULL);
  forward_pidfd = -1;
  close (f->pidfd);
  f->pidfd = -1;
}
#define _cleanup_forwarding_ __attribute__ ((cleanup (forwarding_stop)))

static int
forwarding_start (struct forwarding *f, pid_t pid, bool ns_init, spc_err_t *err)
{
  f->pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (f->pidfd < 0)
    return spc_error_errno (err, "pidfd_open container init");
  forward_pid = pid;
  forward_to_ns_init = ns_init;
  forward_pidfd = f->pidfd;
  struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
  sigemptyset (&sa.sa_mask);
  for (size_t i = 0; i < N_FORWARDED; i++)
    sigaction (forwarded_signals[i], &sa, &f->saved[i]);
  return 0;
}

/* A stop request that comes while a foreground run makes the container
 * would end the runtime with the default action and leave a created
 * container behind. The forwarded signals are blocked from before the
 * create until their handlers are in place: one that came meanwhile is
 * then delivered and forwarded to the init, and the run ends as it would
 * for a running container. Put back on every return (a signal still
 * pending then meets the caller's own disposition, once the container
 * has been removed). */
struct held_signals
{
  bool held;
  sigset_t saved;
};

static void
held_signals_release (struct held_signals *h)
{
  if (h->held)
    sigprocmask (SIG_SETMASK, &h->saved, NULL);
  h->held = false;
}
#define _cleanup_held_signals_ __attribute__ ((cleanup (held_signals_release)))

static void
held_signals_hold (struct held_signals *h)
{
  sigset_t set;
  sigemptyset (&set);
  for (size_t i = 0; i < N_FORWARDED; i++)
    sigaddset (&set, forwarded_signals[i]);
  h->held = sigprocmask (SIG_BLOCK, &set, &h->saved) == 0;
}

/* A foreground run takes in what the container orphans when it has no pid
 * namespace of its own to reap them (runc's subreaper). The setting is the
 * calling process's: it is put back afterwards for programs that embed
 * libspacer. */
struct subreaper
{
  bool set;
  int before;
};

static void
subreaper_restore (struct subreaper *sr)
{
  if (!sr->set)
    return;
  /* Orphans that ended meanwhile are ours to reap. */
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  prctl (PR_SET_CHILD_SUBREAPER, sr->before, 0, 0, 0);
}
#define _cleanup_subreaper_ __attribute__ ((cleanup (subreaper_restore)))

static int
subreaper_enable (struct subreaper *sr, spc_err_t *err)
{
  if (prctl (PR_GET_CHILD_SUBREAPER, &sr->before, 0, 0, 0) < 0
      || prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return spc_error_errno (err, "prctl PR_SET_CHILD_SUBREAPER");
  sr->set = true;
  return 0;
}

/* Wait for the init; as a subreaper, reap the orphans that end first. */
static int
wait_for_init (pid_t pid, bool reap_all, int *status, spc_err_t *err)
{
  for (;;)
    {
      pid_t r = waitpid (reap_all ? -1 : pid, status, 0);
      if (r == pid)
        return 0;
      if (r < 0 && errno != EINTR)
        return spc_error_errno (err, "wait for container init");
    }
}

static int
remove_container (const char *root, const char *id, spc_err_t *err)
{
  _cleanup_close_ int rootfd = spc_state_root_open (root, false, err);
  if (rootfd < 0)
    return -1;
  return spc_status_remove (rootfd, id, err);
}

/* The end of every container: its state goes, then the poststop hooks run
 * (the spec wants them after the delete, before it returns). */
static int
destroy_container (const char *root, int dirfd, struct spc_state *st, spc_err_t *err)
{
  /* Processes may outlive the init (no pid namespace): the cgroup goes
   * first, killing them; the state stays while that fails, for a retry.
   * Once removed the cgroups are no longer spacer's, and the state says
   * so before it goes: a delete killed in between must not take a cgroup
   * someone made again by that name. */
  if (spc_cgroup_destroy (&st->cgroup, err) < 0 || spc_rdt_remove (&st->rdt, err) < 0)
    return -1;
  if (dirfd >= 0 && st->cgroup.n_dirs)
    status_write_quietly (dirfd, st);
  int r = remove_container (root, st->id, err);
  if (spc_hooks_any (&st->hooks, SPC_HOOK_POSTSTOP))
    {
      _cleanup_free_ char *state = spc_state_to_json (st, SPC_STATUS_STOPPED, false);
      spc_hooks_run_warn (&st->hooks, SPC_HOOK_POSTSTOP, state);
    }
  return r;
}

/* A foreground run's container may be deleted meanwhile (delete --force
 * from another shell) and its ID taken by a new container: the run tears
 * down only what is still its own, under the container's lock, so nothing
 * of the new one is touched and poststop runs once. */
static int
destroy_own_container (const char *root, struct spc_state *mine, spc_err_t *err)
{
  _cleanup_state_ struct spc_state now = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, mine->id, LOCK_EX, &now, err);
  if (dirfd < 0 && (*err)->errno_ == ENOENT)
    {
      spc_error_free (err);
      return 0;
    }
  if (dirfd < 0)
    return -1;
  if (now.pid != mine->pid || now.start_time != mine->start_time)
    return 0;
  return destroy_container (root, dirfd, mine, err);
}

/* runtime-spec 1.3: a failing poststart hook is an error, after which the
 * runtime stops the container. The hooks after the failing one do not run
 * (as runc's and crun's). */
static int
run_poststart (const struct spc_state *st, spc_err_t *err)
{
  if (!spc_hooks_any (&st->hooks, SPC_HOOK_POSTSTART))
    return 0;
  _cleanup_free_ char *state = spc_state_to_json (st, SPC_STATUS_RUNNING, false);
  if (state == NULL)
    return spc_error_errno (err, "poststart: the state JSON");
  return spc_hooks_run (&st->hooks, SPC_HOOK_POSTSTART, state, err);
}

/* The error of a failed poststart, saying what became of the container. */
static int
poststart_error (const char *id, const char *what, spc_err_t *err)
{
  spc_err_t e = NULL;
  spc_error_classed (&e, (*err)->errno_, "container `%s`: %s (the container was killed%s)", id,
                     (*err)->msg, what);
  spc_error_free (err);
  *err = e;
  return -1;
}

/* Release the init and see it exec the program; on failure the container
 * is stopped and, unless kept, deleted. */
static int
start_for_run (const char *root, const struct spc_create_options *o, struct created *cr,
               int master, spc_err_t *err)
{
  if ((cr->terminal_fd < 0 || master >= 0) && spc_sync_send (cr->sync_fd, SPC_SYNC_START, err) == 0
      && spc_sync_wait_exec (cr->sync_fd, err) == 0)
    return 0;
  int stop = forward_stop_signal;
  if (stop)
    {
      /* The init ended of the forwarded request, which is the news. */
      spc_error_free (err);
      spc_error_make (err, 0, "%s before the program started", strsignal (stop));
    }
  else
    spc_error_prefix (err, "%s", cr->config_name);
  kill_and_reap (cr->pid);
  if (o->keep)
    return -1;
  spc_err_t ignored = NULL;
  destroy_own_container (root, &cr->state, &ignored);
  spc_error_free (&ignored);
  return -1;
}

int
spc_container_run (const char *root, const char *id, const struct spc_create_options *o,
                   int *exit_code, spc_err_t *err)
{
  if (spc_sealed_ensure (err) < 0)
    return -1;
  _cleanup_subreaper_ struct subreaper sr = { 0 };
  if (!o->detach && !o->no_subreaper && subreaper_enable (&sr, err) < 0)
    return -1;
  _cleanup_held_signals_ struct held_signals held = { 0 };
  if (!o->detach)
    {
      forward_stop_signal = 0;
      held_signals_hold (&held);
    }
  struct created cr;
  if (create_container (root, id, o, true, &cr, err) < 0)
    return -1;
  _cleanup_state_ struct spc_state st = cr.state;
  _cleanup_close_ int sync_fd = cr.sync_fd;
  _cleanup_close_ int terminal_fd = cr.terminal_fd;
  _cleanup_free_ char *config_name = cr.config_name;
  _cleanup_close_ int master = -1;
  _cleanup_forwarding_ struct forwarding fwd = { .pidfd = -1 };

  if (!o->detach && forwarding_start (&fwd, cr.pid, cr.pid_ns_init, err) < 0)
    {
      kill_and_reap (cr.pid);
      spc_err_t ignored = NULL;
      destroy_own_container (root, &st, &ignored);
      spc_error_free (&ignored);
      return -1;
    }
  held_signals_release (&held);
  if (terminal_fd >= 0 && (master = spc_terminal_receive (terminal_fd, err)) >= 0)
    spc_terminal_copy_size (master);
  if (start_for_run (root, o, &cr, master, err) < 0)
    return -1;
  if (run_poststart (&st, err) < 0)
    {
      /* As runc's run: killed, and deleted unless kept (poststop runs). */
      kill_and_reap (cr.pid);
      if (o->keep)
        return poststart_error (id, "; kept, stopped", err);
      spc_err_t ignored = NULL;
      destroy_own_container (root, &st, &ignored);
      spc_error_free (&ignored);
      return poststart_error (id, " and deleted", err);
    }
  if (o->detach)
    {
      *exit_code = 0;
      return 0;
    }
  if (master >= 0 && spc_terminal_proxy (master, fwd.pidfd, err) < 0)
    spc_error_free (err); /* the container still runs: wait for it */

  int status;
  if (wait_for_init (cr.pid, sr.set, &status, err) < 0)
    return -1;
  forwarding_stop (&fwd);
  *exit_code = WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
  if (o->keep)
    return 0;
  return destroy_own_container (root, &st, err);
}

/* ---- start ---- */

static void kill_after_poststart (const struct spc_state *st);

/* A container whose state cannot be read: the error says why, is classed
 * EUCLEAN for callers (delete --force removes such a container, list
 * shows it as unknown), and says what removes it. */
static int
broken_error (spc_err_t *err)
{
  spc_err_t broken = NULL;
  spc_error_classed (&broken, EUCLEAN, "%s (delete --force removes the container)", (*err)->msg);
  spc_error_free (err);
  *err = broken;
  return -1;
}

int
spc_container_open_locked (const char *root, const char *id, int lock_op, struct spc_state *st,
                           spc_err_t *err)
{
  if (spc_validate_id (id, err) < 0)
    return -1;
  _cleanup_close_ int rootfd = spc_state_root_open (root, false, err);
  if (rootfd < 0)
    {
      if (*err && (*err)->errno_ == ENOENT)
        {
          spc_error_free (err);
          return spc_error_classed (err, ENOENT, "container `%s` does not exist", id);
        }
      return -1;
    }
  _cleanup_close_ int dirfd = spc_status_open_dir (rootfd, id, lock_op, err);
  if (dirfd < 0)
    return -1;
  if (spc_status_read (dirfd, id, st, err) < 0)
    return broken_error (err);
  return spc_steal_fd (&dirfd);
}

/* After the release the init still holds exec.fifo open, close-on-exec:
 * end-of-file means the user program runs; anything written first is why
 * it could not (a startContainer hook, the exec itself). */
static int
wait_for_exec (int fd, const struct spc_state *st, spc_err_t *err)
{
  char msg[4096];
  size_t len = 0;
  if (fcntl (fd, F_SETFL, 0) < 0)
    return spc_error_errno (err, "exec.fifo");
  for (;;)
    {
      ssize_t n = read (fd, msg + len, sizeof msg - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return spc_error_errno (err, "read exec.fifo");
      if (n == 0 || (len += (size_t) n) == sizeof msg - 1)
        break;
    }
  if (len == 0)
    return 0;
  msg[len] = '\0';
  /* Named as create names the config in the init's errors. */
  return spc_error_make (err, 0, "%s/config.json: container init: %s", st->bundle, msg);
}

/* How long start waits for the init's byte on exec.fifo: it writes it as
 * soon as start opens the other end, unless it is gone or frozen. */
#define RELEASE_TIMEOUT_MS 10000

static int
already_running (int dirfd, const struct spc_state *st, spc_err_t *err)
{
  /* An earlier start released the init and was killed before removing
   * the fifo: the program runs. The stale fifo goes (we hold the lock). */
  unlinkat (dirfd, SPC_EXEC_FIFO, 0);
  return spc_error_make (err, 0, "cannot start container `%s`: it is already running", st->id);
}

static int
release_fifo (int dirfd, const struct spc_state *st, spc_err_t *err)
{
  /* Non-blocking open never hangs; the init, blocked opening the other end,
   * wakes up and writes one byte. Poll in slices so a dead init, or one an
   * interrupted start released already, is noticed; the wait is bounded. */
  _cleanup_close_ int fd = openat (dirfd, SPC_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return spc_error_errno (err, "open exec.fifo");
  for (int waited = 0;; waited += 100)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, 100);
      if (r < 0 && errno != EINTR)
        return spc_error_errno (err, "poll exec.fifo");
      char c;
      if (r > 0 && (p.revents & POLLIN) && read (fd, &c, 1) == 1)
        break;
      enum spc_status s = spc_status_of (dirfd, st);
      if (s == SPC_STATUS_STOPPED)
        return spc_error_make (err, 0, "container `%s`: init exited before start", st->id);
      /* The writer came and went without a byte for us: its byte went to
       * an earlier start, and it executed the program or is about to. */
      if (s == SPC_STATUS_RUNNING || s == SPC_STATUS_PAUSED || (r > 0 && (p.revents & POLLHUP)))
        return already_running (dirfd, st, err);
      if (waited >= RELEASE_TIMEOUT_MS)
        return spc_error_make (err, ETIMEDOUT,
                               "container `%s`: its init (pid %d) did not answer on exec.fifo "
                               "within %d s",
                               st->id, (int) st->pid, RELEASE_TIMEOUT_MS / 1000);
    }
  if (unlinkat (dirfd, SPC_EXEC_FIFO, 0) < 0)
    return spc_error_errno (err, "remove exec.fifo");
  return wait_for_exec (fd, st, err);
}

int
spc_container_start (const char *root, const char *id, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_EX, &st, err);
  if (dirfd < 0)
    return -1;
  enum spc_status s = spc_status_of (dirfd, &st);
  if (s == SPC_STATUS_RUNNING || s == SPC_STATUS_PAUSED)
    return already_running (dirfd, &st, err);
  if (s != SPC_STATUS_CREATED)
    return spc_error_make (err, 0, "cannot start container `%s`: it is %s, not created", id,
                           spc_status_name (s));
  spc_debug ("%s: releasing pid %d", id, (int) st.pid);
  if (release_fifo (dirfd, &st, err) < 0)
    return -1;
  if (run_poststart (&st, err) < 0)
    {
      kill_after_poststart (&st);
      return poststart_error (id, "; it is stopped, delete removes it", err);
    }
  return 0;
}

/* ---- state, kill ---- */

int
spc_container_state (const char *root, const char *id, char **json, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_SH, &st, err);
  if (dirfd < 0)
    return -1;
  *json = spc_state_to_runtime_json (&st, spc_status_of (dirfd, &st));
  return 0;
}

int
spc_container_status (const char *root, const char *id, enum spc_status *status, pid_t *pid,
                      spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_SH, &st, err);
  if (dirfd < 0)
    return -1;
  *status = spc_status_of (dirfd, &st);
  *pid = *status == SPC_STATUS_STOPPED ? 0 : st.pid;
  return 0;
}

/* The pid namespace of pid, by the inode of /proc/PID/ns/pid. */
static bool
pid_ns_of (pid_t pid, struct stat *sb)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  return stat (path, sb) == 0;
}

/* Is pid the first process (pid 1) of its innermost pid namespace? The
 * last field of NSpid in /proc/PID/status says. */
static bool
pid_one_of_its_namespace (pid_t pid)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  _cleanup_fclose_ FILE *f = fopen (path, "re");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  while (f && getline (&line, &cap, f) > 0)
    {
      if (strncmp (line, "NSpid:", 6) != 0)
        continue;
      char *last = strrchr (line, '\t');
      return last && strtol (last + 1, NULL, 10) == 1;
    }
  return false;
}

/* The pid namespace of the container, when it has one of its own: one
 * whose pid 1 is the init, which then ends every process in it when it
 * dies. A pid namespace joined by path (the init is not its pid 1) holds
 * processes not the container's, and counts as none. False also when the
 * init is gone. The init is checked alive after the looks, so they were
 * at its /proc. */
static bool
container_pid_ns (const struct spc_state *st, struct stat *ns)
{
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  return pidfd >= 0 && pid_ns_of (st->pid, ns) && pid_one_of_its_namespace (st->pid)
         && syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

bool
spc_container_owns_pid (const struct spc_state *st, bool has_ns, const struct stat *ns, pid_t pid)
{
  struct stat sb;
  if (pid == st->pid)
    return true;
  return has_ns && pid_ns_of (pid, &sb) && sb.st_ino == ns->st_ino && sb.st_dev == ns->st_dev;
}

void
spc_container_keep_own_pids (const struct spc_state *st, pid_t *pids, size_t *n)
{
  struct stat ns;
  bool has_ns = container_pid_ns (st, &ns);
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  size_t kept = 0;
  for (size_t i = 0; i < *n; i++)
    if ((pids[i] == st->pid && pidfd >= 0)
        || (pids[i] != st->pid && spc_container_owns_pid (st, has_ns, &ns, pids[i])))
      pids[kept++] = pids[i];
  *n = kept;
}

/* Signal pid of a cgroup the container joined, if it is the container's:
 * through a pidfd opened before the check, so that a pid reused meanwhile
 * is not signalled (the pidfd's process is then gone: ESRCH). */
static int
signal_if_own (const struct spc_state *st, bool has_ns, const struct stat *ns, pid_t pid,
               int signo, spc_err_t *err)
{
  _cleanup_close_ int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0 || !spc_container_owns_pid (st, has_ns, ns, pid))
    return 0;
  if (syscall (SYS_pidfd_send_signal, fd, signo, NULL, 0) < 0 && errno != ESRCH)
    return spc_error_errno (err, "kill %d", (int) pid);
  return 0;
}

/* kill --all: every process in the container's cgroup. A frozen cgroup
 * handles a signal only once thawed, which is the caller's to do. In a
 * cgroup the container joined (it existed before) other processes may
 * run: runc signals them all, spacer only those in the container's pid
 * namespace, and without one only the init (signalled by the caller):
 * without a pid namespace nothing tells the container's processes apart
 * from the others there. */
static int
signal_cgroup (const struct spc_state *st, int signo, spc_err_t *err)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  bool shared = false;
  if (st->cgroup.n_dirs == 0)
    return spc_error_make (err, 0, "kill --all: container `%s` has no cgroup", st->id);
  if (spc_cgroup_pids (&st->cgroup, &pids, &n, &shared, err) < 0)
    return -1;
  struct stat ns;
  bool has_ns = shared && container_pid_ns (st, &ns);
  if (shared && !has_ns)
    return 0;
  for (size_t i = 0; i < n; i++)
    {
      if (pids[i] == st->pid)
        continue;
      if (shared)
        {
          if (signal_if_own (st, has_ns, &ns, pids[i], signo, err) < 0)
            return -1;
        }
      else if (kill (pids[i], signo) < 0 && errno != ESRCH)
        return spc_error_errno (err, "kill %d", (int) pids[i]);
    }
  return 0;
}

/* The signal that stops the container when none is named: the image's
 * (the annotation `spacer bundle` copies from its StopSignal, as
 * containerd and podman set it), else SIGTERM. One it cannot parse is an
 * error rather than a guess: the caller can name a signal. */
static int
stop_signal_of (const struct spc_state *st, spc_err_t *err)
{
  for (size_t i = 0; i < st->n_annotations; i++)
    if (strcmp (st->annotations[i].key, SPC_STOP_SIGNAL_ANNOTATION) == 0)
      {
        int signo = spc_parse_signal (st->annotations[i].value, err);
        if (signo < 0)
          return spc_error_prefix (err, "kill container `%s`: annotations.%s", st->id,
                                   SPC_STOP_SIGNAL_ANNOTATION);
        return signo;
      }
  return SIGTERM;
}

int
spc_container_kill (const char *root, const char *id, int signo, bool all, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_SH, &st, err);
  if (dirfd < 0)
    return -1;
  if (signo == SPC_STOP_SIGNAL && (signo = stop_signal_of (&st, err)) < 0)
    return -1;
  enum spc_status s = spc_status_of (dirfd, &st);
  /* As runc: --all goes on to whatever the init left in its cgroups, and
   * finding none is no error (containerd sends it after the task died). */
  if (s == SPC_STATUS_STOPPED && all)
    {
      if (st.cgroup.n_dirs == 0 || signal_cgroup (&st, signo, err) == 0)
        return 0;
      if (!spc_error_is (err, ENOENT))
        return -1;
      spc_error_free (err);
      return 0;
    }
  if (s == SPC_STATUS_STOPPED)
    return spc_error_make (err, 0, "cannot kill container `%s`: it is not running", id);
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (&st);
  if (pidfd < 0)
    return spc_error_make (err, 0, "cannot kill container `%s`: it is not running", id);
  spc_debug ("%s: signal %d to pid %d%s", id, signo, (int) st.pid, all ? " and the rest" : "");
  if (syscall (SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0)
    return spc_error_errno (err, "kill container `%s`", id);
  return all ? signal_cgroup (&st, signo, err) : 0;
}

/* A poststart hook failed after start released the init: the container
 * is stopped as runc stops it, SIGKILL to the init and to the rest of its
 * processes (those `kill --all` reaches), and left for `delete`, which
 * runs poststop. start is not the init's parent: it waits on the pidfd. */
static void
kill_after_poststart (const struct spc_state *st)
{
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  if (pidfd < 0)
    return; /* gone already */
  syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  spc_err_t ignored = NULL;
  if (st->cgroup.n_dirs && signal_cgroup (st, SIGKILL, &ignored) < 0)
    spc_warn ("poststart failed: %s", ignored->msg);
  spc_error_free (&ignored);
  if (wait_pidfd_exit (pidfd, 10000) < 0)
    spc_warn ("poststart failed: container `%s` did not exit within 10 s of SIGKILL", st->id);
}

/* ---- delete ---- */

static int
kill_and_wait (const struct spc_state *st, spc_err_t *err)
{
  _cleanup_close_ int pidfd = spc_state_open_init_pidfd (st);
  if (pidfd < 0)
    return 0; /* already gone */
  if (syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
    return spc_error_errno (err, "kill container `%s`", st->id);
  if (wait_pidfd_exit (pidfd, 10000) < 0)
    return spc_error_make (err, ETIMEDOUT, "container `%s` did not exit after SIGKILL", st->id);
  return 0;
}

/* Does a container of root other than id record dir as its cgroup (a
 * linux.cgroupsPath naming it)? States are read without their locks:
 * state.json is only ever replaced whole, and a delete holding one lock
 * must not wait for another. */
static bool
claimed_by_other (int rootfd, const char *id, const char *dir)
{
  int fd = dup (rootfd);
  _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return true; /* when in doubt, it is not ours */
    }
  while ((de = readdir (d)))
    {
      if (de->d_name[0] == '.' || strcmp (de->d_name, id) == 0)
        continue;
      _cleanup_close_ int cfd
          = openat (rootfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      _cleanup_state_ struct spc_state st = { 0 };
      spc_err_t ignored = NULL;
      bool read = cfd >= 0 && spc_status_read (cfd, de->d_name, &st, &ignored) == 0;
      spc_error_free (&ignored);
      for (size_t i = 0; read && i < st.cgroup.n_dirs; i++)
        if (strcmp (st.cgroup.dirs[i].path, dir) == 0
            || (st.cgroup.dirs[i].top && strcmp (st.cgroup.dirs[i].top, dir) == 0))
          return true;
    }
  return false;
}

/* The cgroups of a container whose state is lost: those of spacer's
 * default name for this state directory and ID (spacer-ID.HASH below the
 * runtime's own cgroup). spacer made them: only it uses that name, the
 * ID is held by this state directory, and no other container here
 * records it. A container made with linux.cgroupsPath cannot be found
 * this way, and is said to be. */
static int
find_lost_cgroup (const char *root, int rootfd, const char *id, bool damaged,
                  struct spc_cgroup *cg, spc_err_t *err)
{
  _cleanup_free_ char *name = NULL;
  if (default_cgroup_name (root, id, &name) < 0)
    return spc_error_errno (err, "asprintf");
  if (spc_cgroup_plan (NULL, name, false, cg, err) < 0)
    return -1;
  size_t found = 0;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      struct spc_cgroup_dir *d = &cg->dirs[i];
      struct stat sb;
      if (stat (d->path, &sb) < 0 || !S_ISDIR (sb.st_mode))
        continue;
      if (claimed_by_other (rootfd, id, d->path))
        {
          spc_warn ("container `%s`: cgroup `%s` is recorded by another container: left alone",
                    id, d->path);
          continue;
        }
      if ((d->top = strdup (d->path)) == NULL)
        return spc_error_errno (err, "strdup");
      d->made = true;
      found++;
    }
  /* A missing state file owned nothing (create writes it before making
   * anything, delete removes it after the rest); a damaged one may have. */
  if (found == 0 && damaged)
    spc_warn ("container `%s`: no cgroup named `%s`: if it had one by linux.cgroupsPath (or "
              "none), its processes and cgroup are left",
              id, name);
  return 0;
}

/* delete --force of a container whose state is missing or unreadable (a
 * create or delete killed before its first, or after its last, write; or
 * a file damaged since), *err saying why. Nothing in the file is trusted
 * (a pid there may be anyone's now): the processes are found through the
 * cgroups, which are found by name. */
static int
delete_broken (const char *root, int rootfd, int dirfd, const char *id, spc_err_t *err)
{
  spc_warn ("%s: removing what spacer can find of it", (*err)->msg);
  spc_error_free (err);
  struct stat sb;
  bool damaged = fstatat (dirfd, SPC_STATE_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0;
  struct spc_cgroup cg = { 0 };
  int r = find_lost_cgroup (root, rootfd, id, damaged, &cg, err);
  if (r == 0)
    r = spc_cgroup_destroy (&cg, err);
  spc_cgroup_clear (&cg);
  if (r < 0)
    return -1;
  return spc_status_remove (rootfd, id, err);
}

int
spc_container_delete (const char *root, const char *id, bool force, spc_err_t *err)
{
  if (spc_validate_id (id, err) < 0)
    return -1;
  _cleanup_close_ int rootfd = spc_state_root_open (root, false, err);
  if (rootfd < 0 && spc_error_is (err, ENOENT))
    {
      spc_error_free (err);
      return force ? 0 : spc_error_classed (err, ENOENT, "container `%s` does not exist", id);
    }
  if (rootfd < 0)
    return -1;
  _cleanup_close_ int dirfd = spc_status_open_dir (rootfd, id, LOCK_EX, err);
  if (dirfd < 0)
    {
      if (force && spc_error_is (err, ENOENT))
        {
          spc_error_free (err);
          return 0;
        }
      return -1;
    }
  _cleanup_state_ struct spc_state st = { 0 };
  if (spc_status_read (dirfd, id, &st, err) < 0)
    return force ? delete_broken (root, rootfd, dirfd, id, err) : broken_error (err);
  enum spc_status s = spc_status_of (dirfd, &st);
  if ((s == SPC_STATUS_RUNNING || s == SPC_STATUS_PAUSED) && !force)
    return spc_error_make (err, 0,
                           "cannot delete container `%s`: it is %s (stop it first, or use "
                           "--force)",
                           id, spc_status_name (s));
  /* A created container has not run anything yet: deleting it is safe;
   * so is one whose create was killed (creating: we hold its lock). A
   * frozen one would not even die of SIGKILL before it is thawed. */
  if (s == SPC_STATUS_PAUSED && spc_cgroup_freeze (&st.cgroup, false, err) < 0)
    return -1;
  if (s != SPC_STATUS_STOPPED && kill_and_wait (&st, err) < 0)
    return -1;
  return destroy_container (root, dirfd, &st, err);
}

/* ---- list ---- */

void
spc_container_list_free (struct spc_container_info *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    spc_state_clear (&list[i].state);
  free (list);
}

static int
compare_info (const void *a, const void *b)
{
  const struct spc_container_info *x = a, *y = b;
  return strcmp (x->state.id, y->state.id);
}

/* What list shows of a container whose state cannot be read: its ID
 * (the directory's name), nothing else. */
static int
broken_info (struct spc_state *st, const char *id)
{
  spc_state_clear (st);
  st->id = strdup (id);
  st->oci_version = strdup ("");
  st->bundle = strdup ("");
  st->rootfs = strdup ("");
  st->created = strdup ("");
  st->owner = geteuid ();
  return st->id && st->oci_version && st->bundle && st->rootfs && st->created ? 0 : -1;
}

int
spc_container_list (const char *root, struct spc_container_info **out, size_t *n, spc_err_t *err)
{
  *out = NULL;
  *n = 0;
  /* Only read: listing another user's containers (root looking at a
   * rootless user's) needs no trust in their state directory. */
  int rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return errno == ENOENT ? 0 : spc_error_errno (err, "open state directory `%s`", root);
  _cleanup_closedir_ DIR *dir = fdopendir (rootfd);
  if (dir == NULL)
    {
      close (rootfd);
      return spc_error_errno (err, "fdopendir `%s`", root);
    }
  struct spc_container_info *list = NULL;
  size_t count = 0;
  struct dirent *de;
  while ((de = readdir (dir)))
    {
      if (de->d_name[0] == '.')
        continue;
      spc_err_t ignored = NULL;
      _cleanup_close_ int dirfd = spc_status_open_dir (rootfd, de->d_name, LOCK_SH, &ignored);
      struct spc_state st = { 0 };
      enum spc_status status = SPC_STATUS_UNKNOWN;
      if (dirfd < 0 && spc_error_is (&ignored, ENOENT))
        {
          /* Removed by a delete while we waited for its lock. */
          spc_error_free (&ignored);
          continue;
        }
      if (dirfd < 0 || spc_status_read (dirfd, de->d_name, &st, &ignored) < 0)
        {
          /* Listed all the same, as unknown, for delete --force to remove;
           * why is said, and the rest are still listed. */
          spc_warn ("%s", ignored->msg);
          spc_error_free (&ignored);
          if (broken_info (&st, de->d_name) < 0)
            {
              spc_state_clear (&st);
              spc_container_list_free (list, count);
              return spc_error_errno (err, "strdup");
            }
        }
      else
        status = spc_status_of (dirfd, &st);
      struct spc_container_info *grown = realloc (list, (count + 1) * sizeof *list);
      if (grown == NULL)
        {
          spc_state_clear (&st);
          spc_container_list_free (list, count);
          return spc_error_errno (err, "realloc");
        }
      list = grown;
      list[count].state = st;
      list[count].status = status;
      count++;
    }
  if (count > 1)
    qsort (list, count, sizeof *list, compare_info);
  *out = list;
  *n = count;
  return 0;
}
