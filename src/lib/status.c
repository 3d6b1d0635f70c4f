#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/hooks.h"
#include "spacer/json.h"
#include "spacer/rootfs-user.h"
#include "spacer/status.h"
#include "spacer/utils.h"

static bool
id_char_ok (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '-' || c == '.' || c == '+';
}

int
spc_validate_id (const char *id, spc_err_t *err)
{
  size_t len = strlen (id);
  if (len == 0)
    return spc_error_make (err, 0, "container ID must not be empty");
  if (len > 1024)
    return spc_error_make (err, 0, "container ID is longer than 1024 bytes");
  const char *why = NULL;
  if (id[0] == '.')
    why = "must not start with '.'";
  for (const char *p = id; why == NULL && *p; p++)
    if (!id_char_ok (*p))
      why = "only letters, digits and `_+-.` are allowed";
  if (why == NULL)
    return 0;
  /* The log escapes control characters in the ID: the error stays one line. */
  return spc_error_make (err, 0, "invalid container ID `%s`: %s", id, why);
}

/* Its state.json files name hooks that delete runs and cgroups it kills
 * and removes: a state directory is trusted only when it is the caller's
 * own and nobody else may write to it. Checked on the fd that is used. */
static int
check_state_root (int fd, const char *root, spc_err_t *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "stat state directory `%s`", root);
  if (st.st_uid != geteuid ())
    return spc_error_make (err, EPERM,
                           "state directory `%s` belongs to uid %u, not to the caller (uid %u): "
                           "refused",
                           root, (unsigned) st.st_uid, (unsigned) geteuid ());
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return spc_error_make (err, EPERM,
                           "state directory `%s` is writable by others (mode %04o): refused", root,
                           (unsigned) (st.st_mode & 07777));
  return 0;
}

int
spc_state_root_open (const char *root, bool create, spc_err_t *err)
{
  _cleanup_close_ int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create)
    {
      if (spc_mkdir_p (root, 0700, err) < 0)
        return -1;
      fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  if (fd < 0 && errno == ENOENT)
    return spc_error_classed (err, ENOENT, "state directory `%s` does not exist", root);
  if (fd < 0)
    return spc_error_errno (err, "open state directory `%s`", root);
  if (check_state_root (fd, root, err) < 0)
    return -1;
  return spc_steal_fd (&fd);
}

static int
lock_dir (int dirfd, int lock_op, const char *id, spc_err_t *err)
{
  while (flock (dirfd, lock_op) < 0)
    if (errno != EINTR)
      return spc_error_errno (err, "lock container `%s`", id);
  return 0;
}

int
spc_status_create_dir (int rootfd, const char *id, spc_err_t *err)
{
  /* Private: the container init reaches exec.fifo through an fd of the
   * runtime's (see spc_init_args.fifo_path_fd), not through this path. */
  if (mkdirat (rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return spc_error_make (err, EEXIST, "container `%s` already exists", id);
      return spc_error_errno (err, "create state directory for `%s`", id);
    }
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return spc_error_errno (err, "open state directory for `%s`", id);
  if (lock_dir (fd, LOCK_EX, id, err) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

int
spc_status_open_dir (int rootfd, const char *id, int lock_op, spc_err_t *err)
{
  _cleanup_close_ int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return spc_error_classed (err, ENOENT, "container `%s` does not exist", id);
      return spc_error_errno (err, "open state directory for `%s`", id);
    }
  if (lock_dir (fd, lock_op, id, err) < 0)
    return -1;
  /* A delete (or a failed create) that removed the directory while we
   * waited for the lock: the container does not exist. A directory still
   * there but without a state file is a container whose create or delete
   * was killed: spc_status_read says so, and delete --force removes it. */
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "stat state directory for `%s`", id);
  if (st.st_nlink == 0)
    return spc_error_classed (err, ENOENT, "container `%s` does not exist", id);
  return spc_steal_fd (&fd);
}

static void
write_annotations (spc_json_writer *w, const struct spc_state *st)
{
  spc_jw_key (w, "annotations");
  spc_jw_begin_object (w);
  for (size_t i = 0; i < st->n_annotations; i++)
    {
      spc_jw_key (w, st->annotations[i].key);
      spc_jw_string (w, st->annotations[i].value);
    }
  spc_jw_end_object (w);
}

static void
write_rdt (spc_json_writer *w, const struct spc_rdt_made *rdt)
{
  if (rdt->root == NULL || (rdt->group == NULL && rdt->mon == NULL))
    return;
  spc_jw_key (w, "intelRdt");
  spc_jw_begin_object (w);
  spc_jw_key (w, "root");
  spc_jw_string (w, rdt->root);
  if (rdt->group)
    {
      spc_jw_key (w, "group");
      spc_jw_string (w, rdt->group);
    }
  if (rdt->mon)
    {
      spc_jw_key (w, "monGroup");
      spc_jw_string (w, rdt->mon);
    }
  spc_jw_end_object (w);
}

int
spc_status_write (int dirfd, const struct spc_state *st, spc_err_t *err)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_object (w);
  spc_jw_key (w, "ociVersion");
  spc_jw_string (w, st->oci_version);
  spc_jw_key (w, "id");
  spc_jw_string (w, st->id);
  spc_jw_key (w, "pid");
  spc_jw_int (w, st->pid);
  spc_jw_key (w, "startTime");
  spc_jw_uint (w, st->start_time);
  spc_jw_key (w, "bundle");
  spc_jw_string (w, st->bundle);
  spc_jw_key (w, "rootfs");
  spc_jw_string (w, st->rootfs);
  spc_jw_key (w, "created");
  spc_jw_string (w, st->created);
  spc_jw_key (w, "owner");
  spc_jw_uint (w, st->owner);
  if (st->creating)
    {
      spc_jw_key (w, "creating");
      spc_jw_bool (w, true);
    }
  if (st->image_ino)
    {
      spc_jw_key (w, "initImage");
      spc_jw_begin_object (w);
      spc_jw_key (w, "dev");
      spc_jw_uint (w, st->image_dev);
      spc_jw_key (w, "ino");
      spc_jw_uint (w, st->image_ino);
      spc_jw_end_object (w);
    }
  write_annotations (w, st);
  write_rdt (w, &st->rdt);
  if (st->cgroup.n_dirs)
    {
      spc_jw_key (w, "cgroup");
      spc_cgroup_write_json (w, &st->cgroup);
    }
  if (spc_hooks_any (&st->hooks, SPC_HOOK_POSTSTART) || spc_hooks_any (&st->hooks, SPC_HOOK_POSTSTOP))
    {
      spc_jw_key (w, "hooks");
      spc_config_write_hooks (w, &st->hooks,
                              (1u << SPC_HOOK_POSTSTART) | (1u << SPC_HOOK_POSTSTOP));
    }
  spc_jw_end_object (w);

  size_t len;
  const char *text = spc_jw_buffer (w, &len);
  /* A state file no command could read back would leave the container
   * beyond delete's reach. */
  if (len > SPC_STATE_MAX)
    return spc_error_make (err, EFBIG,
                           "state.json would be %zu bytes, more than the %d spacer reads back "
                           "(annotations or hooks too large)",
                           len, SPC_STATE_MAX);
  return spc_write_file_replace_at (dirfd, SPC_STATE_FILE, text, len, 0600, false, err);
}

static int
dup_string_field (const spc_json *doc, const char *key, char **out, spc_err_t *err)
{
  spc_json *v = spc_json_get (doc, key);
  if (v == NULL || v->type != SPC_JSON_STRING)
    return spc_error_make (err, 0, "state.json: %s: missing or not a string", key);
  *out = strdup (v->u.string.str);
  return *out ? 0 : spc_error_errno (err, "strdup");
}

static int
read_annotations (const spc_json *doc, struct spc_state *st, spc_err_t *err)
{
  spc_json *a = spc_json_get (doc, "annotations");
  if (a == NULL || a->type != SPC_JSON_OBJECT || a->u.object.len == 0)
    return 0;
  st->annotations = calloc (a->u.object.len, sizeof *st->annotations);
  if (st->annotations == NULL)
    return spc_error_errno (err, "calloc");
  for (size_t i = 0; i < a->u.object.len; i++)
    {
      spc_json *v = a->u.object.values[i];
      if (v->type != SPC_JSON_STRING)
        continue;
      struct spc_annotation *an = &st->annotations[st->n_annotations++];
      an->key = strdup (a->u.object.keys[i]);
      an->value = strdup (v->u.string.str);
      if (an->key == NULL || an->value == NULL)
        return spc_error_errno (err, "strdup");
    }
  return 0;
}

/* The kernel's largest pid (PID_MAX_LIMIT on 64-bit): anything else in
 * the file is not a pid spacer wrote, and kill(2) gives negative ones a
 * meaning of their own. */
#define PID_LIMIT 4194304

/* Only what spacer writes: a root of resctrl's own (never another tree a
 * tampered file names) and paths below it that do not climb out. */
static int
read_rdt (const spc_json *doc, struct spc_rdt_made *rdt, spc_err_t *err)
{
  const spc_json *o = spc_json_get (doc, "intelRdt"), *root, *group, *mon;
  if (o == NULL || o->type != SPC_JSON_OBJECT)
    return 0;
  root = spc_json_get (o, "root");
  group = spc_json_get (o, "group");
  mon = spc_json_get (o, "monGroup");
  if (root == NULL || root->type != SPC_JSON_STRING || strcmp (root->u.string.str, SPC_RESCTRL_ROOT)
      || (group && (group->type != SPC_JSON_STRING || strstr (group->u.string.str, "..")))
      || (mon && (mon->type != SPC_JSON_STRING || strstr (mon->u.string.str, ".."))))
    return 0;
  if ((rdt->root = strdup (root->u.string.str)) == NULL
      || (group && (rdt->group = strdup (group->u.string.str)) == NULL)
      || (mon && (rdt->mon = strdup (mon->u.string.str)) == NULL))
    return spc_error_errno (err, "strdup");
  return 0;
}

static void
read_image (const spc_json *doc, struct spc_state *st)
{
  const spc_json *img = spc_json_get (doc, "initImage"), *v;
  uint64_t dev = 0, ino = 0;
  if (img == NULL || img->type != SPC_JSON_OBJECT)
    return;
  if ((v = spc_json_get (img, "dev")) == NULL || spc_json_to_uint64 (v, &dev) < 0
      || (v = spc_json_get (img, "ino")) == NULL || spc_json_to_uint64 (v, &ino) < 0)
    return;
  st->image_dev = dev;
  st->image_ino = ino;
}

int
spc_status_read (int dirfd, const char *id, struct spc_state *st, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;
  struct stat sb;
  if (fstatat (dirfd, SPC_STATE_FILE, &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
    return spc_error_make (err, 0,
                           "container `%s`: no state file (a create or delete of it was "
                           "interrupted)",
                           id);
  if (spc_read_regular_file_at (dirfd, SPC_STATE_FILE, SPC_STATE_MAX, &text, &len, err) < 0)
    return spc_error_prefix (err, "container `%s`", id);
  return spc_state_parse (text, len, id, st, err);
}

int
spc_state_parse (const char *text, size_t len, const char *id, struct spc_state *st,
                 spc_err_t *err)
{
  _cleanup_json_ spc_json *doc = NULL;
  if (spc_json_parse (text, len, &doc, err) < 0)
    return spc_error_prefix (err, "container `%s`: state.json", id);
  if (doc->type != SPC_JSON_OBJECT)
    return spc_error_make (err, 0, "container `%s`: state.json: not an object", id);

  int64_t pid = 0, owner = 0;
  uint64_t start_time = 0;
  spc_json *v;
  if ((v = spc_json_get (doc, "pid")) == NULL || spc_json_to_int64 (v, &pid) < 0 || pid < 0
      || pid > PID_LIMIT)
    return spc_error_make (err, 0, "container `%s`: state.json: pid: missing or invalid", id);
  if ((v = spc_json_get (doc, "startTime")))
    spc_json_to_uint64 (v, &start_time);
  if ((v = spc_json_get (doc, "owner")))
    spc_json_to_int64 (v, &owner);
  st->pid = (pid_t) pid;
  st->start_time = start_time;
  st->owner = (uid_t) owner;
  v = spc_json_get (doc, "creating");
  st->creating = v && v->type == SPC_JSON_BOOL && v->u.boolean;
  read_image (doc, st);

  if (dup_string_field (doc, "id", &st->id, err) < 0
      || dup_string_field (doc, "ociVersion", &st->oci_version, err) < 0
      || dup_string_field (doc, "bundle", &st->bundle, err) < 0
      || dup_string_field (doc, "rootfs", &st->rootfs, err) < 0
      || dup_string_field (doc, "created", &st->created, err) < 0
      || read_annotations (doc, st, err) < 0 || read_rdt (doc, &st->rdt, err) < 0)
    return -1;
  /* The directory's name is the ID. A state file naming another container
   * (copied, or edited) would have delete kill that one's processes and
   * leave its state behind, untracked: nothing in it is trusted. */
  if (strcmp (st->id, id) != 0)
    return spc_error_make (err, 0,
                           "container `%s`: state.json names container `%.64s%s`: refused (the "
                           "directory's name is the ID; the file was copied or edited)",
                           id, st->id, strlen (st->id) > 64 ? "..." : "");
  if ((v = spc_json_get (doc, "cgroup")) && spc_cgroup_read_json (v, &st->cgroup, err) < 0)
    return spc_error_prefix (err, "container `%s`", id);
  if ((v = spc_json_get (doc, "hooks"))
      && spc_config_parse_hooks (v, "state.json", &st->hooks, err) < 0)
    return spc_error_prefix (err, "container `%s`", id);
  return 0;
}

void
spc_state_clear (struct spc_state *st)
{
  free (st->id);
  free (st->oci_version);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  for (size_t i = 0; i < st->n_annotations; i++)
    {
      free (st->annotations[i].key);
      free (st->annotations[i].value);
    }
  free (st->annotations);
  spc_hooks_free (&st->hooks);
  spc_cgroup_clear (&st->cgroup);
  spc_rdt_made_clear (&st->rdt);
  memset (st, 0, sizeof *st);
}

bool
spc_state_init_executed (const struct spc_state *st)
{
  char path[64];
  struct stat sb;
  if (st->image_ino == 0 || st->pid <= 0)
    return false;
  snprintf (path, sizeof path, "/proc/%d/exe", (int) st->pid);
  /* Unreadable (another user's, say): there is no telling; the fifo says. */
  if (stat (path, &sb) < 0)
    return false;
  return (uint64_t) sb.st_dev != st->image_dev || (uint64_t) sb.st_ino != st->image_ino;
}

enum spc_status
spc_status_of (int dirfd, const struct spc_state *st)
{
  if (st->pid <= 0)
    return SPC_STATUS_STOPPED;
  uint64_t start = spc_process_start_time (st->pid);
  if (start == 0 || (st->start_time && start != st->start_time))
    return SPC_STATUS_STOPPED;
  /* The create that wrote this was killed (it holds the lock while it
   * runs): the init lives on, set up part-way. */
  if (st->creating)
    return SPC_STATUS_CREATING;
  /* The fifo exists from create until start consumes it; an init that
   * executed the program left it behind when its start was killed. */
  if (faccessat (dirfd, SPC_EXEC_FIFO, F_OK, 0) == 0 && !spc_state_init_executed (st))
    return SPC_STATUS_CREATED;
  return spc_cgroup_frozen (&st->cgroup) ? SPC_STATUS_PAUSED : SPC_STATUS_RUNNING;
}

const char *
spc_status_name (enum spc_status s)
{
  switch (s)
    {
    case SPC_STATUS_CREATING:
      return "creating";
    case SPC_STATUS_CREATED:
      return "created";
    case SPC_STATUS_RUNNING:
      return "running";
    case SPC_STATUS_PAUSED:
      return "paused";
    case SPC_STATUS_UNKNOWN:
      return "unknown";
    default:
      return "stopped";
    }
}

void
spc_state_write_members (spc_json_writer *w, const struct spc_state *st, enum spc_status status)
{
  spc_jw_key (w, "ociVersion");
  spc_jw_string (w, st->oci_version);
  spc_jw_key (w, "id");
  spc_jw_string (w, st->id);
  spc_jw_key (w, "status");
  spc_jw_string (w, spc_status_name (status));
  spc_jw_key (w, "pid");
  spc_jw_int (w, status == SPC_STATUS_STOPPED ? 0 : st->pid);
  spc_jw_key (w, "bundle");
  spc_jw_string (w, st->bundle);
  spc_jw_key (w, "rootfs");
  spc_jw_string (w, st->rootfs);
  spc_jw_key (w, "created");
  spc_jw_string (w, st->created);
  write_annotations (w, st);
}

/* The host's /etc/passwd, as runc reads it (rootfs-user.h). The last
 * answer is kept (per thread: the library's callers may use threads):
 * `list` asks once per container, nearly always for the same uid. */
const char *
spc_state_owner_name (uid_t uid, char *buf, size_t size)
{
  static _Thread_local uid_t last_uid = (uid_t) -1;
  static _Thread_local char last_name[256];
  if (uid != last_uid)
    {
      if (!spc_rootfs_user_name ("/", (uint32_t) uid, last_name, sizeof last_name))
        snprintf (last_name, sizeof last_name, "#%u", (unsigned) uid);
      last_uid = uid;
    }
  snprintf (buf, size, "%s", last_name);
  return buf;
}

void
spc_state_write_runtime_members (spc_json_writer *w, const struct spc_state *st,
                                 enum spc_status status)
{
  char owner[256];
  spc_state_write_members (w, st, status);
  spc_jw_key (w, "owner");
  spc_jw_string (w, spc_state_owner_name (st->owner, owner, sizeof owner));
}

typedef void (*members_fn) (spc_json_writer *, const struct spc_state *, enum spc_status);

static char *
state_json (const struct spc_state *st, enum spc_status status, bool pretty, members_fn members)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (pretty);
  spc_jw_begin_object (w);
  members (w, st, status);
  spc_jw_end_object (w);
  return spc_jw_steal (w, NULL);
}

char *
spc_state_to_json (const struct spc_state *st, enum spc_status status, bool pretty)
{
  return state_json (st, status, pretty, spc_state_write_members);
}

char *
spc_state_to_runtime_json (const struct spc_state *st, enum spc_status status)
{
  return state_json (st, status, true, spc_state_write_runtime_members);
}

int
spc_status_remove (int rootfd, const char *id, spc_err_t *err)
{
  return spc_rm_rf_at (rootfd, id, err);
}

int
spc_state_open_init_pidfd (const struct spc_state *st)
{
  int fd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  if (fd < 0)
    return -1;
  if (spc_process_start_time (st->pid) != st->start_time)
    {
      close (fd);
      errno = ESRCH;
      return -1;
    }
  return fd;
}
