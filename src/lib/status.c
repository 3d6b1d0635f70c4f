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

/* Was ROOT/ID (fd) removed? 1 yes, 0 no, -1 when that cannot be told. */
static int
dir_removed (int fd, const char *id, spc_err_t *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "stat state directory for `%s`", id);
  return st.st_nlink == 0;
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
  int removed = dir_removed (fd, id, err);
  if (removed < 0)
    return -1;
  if (removed)
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

/* state.json's text; a missing one is said as such, classed ENOENT. */
static int
read_state_text (int dirfd, const char *id, char **text, size_t *len, spc_err_t *err)
{
  if (spc_read_regular_file_at (dirfd, SPC_STATE_FILE, SPC_STATE_MAX, text, len, err) == 0)
    return 0;
  if (!spc_error_is (err, ENOENT))
    return spc_error_prefix (err, "container `%s`", id);
  spc_error_free (err);
  return spc_error_classed (err, ENOENT,
                            "container `%s`: no state file (a create or delete of it was "
                            "interrupted)",
                            id);
}

int
spc_status_read (int dirfd, const char *id, struct spc_state *st, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (read_state_text (dirfd, id, &text, &len, err) < 0)
    return -1;
  return spc_state_parse (text, len, id, st, err);
}

/* What list reads of state.json: all members but the cgroup and the
 * hooks, the bulk of the file (a v1 host gives a container a dozen cgroup
 * directories). */
static const char *const listed_members[] = {
  "ociVersion", "id", "pid", "startTime", "bundle", "rootfs", "created", "owner",
  "creating", "initImage", "annotations", "intelRdt", NULL,
};

static int
parse_state (const char *text, size_t len, const char *id, bool listed, struct spc_state *st,
             spc_err_t *err)
{
  _cleanup_json_ spc_json *doc = NULL;
  if (spc_json_parse_members (text, len, listed ? listed_members : NULL, &doc, err) < 0)
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

int
spc_state_parse (const char *text, size_t len, const char *id, struct spc_state *st,
                 spc_err_t *err)
{
  return parse_state (text, len, id, false, st, err);
}

int
spc_state_parse_listed (const char *text, size_t len, const char *id, struct spc_state *st,
                        spc_err_t *err)
{
  return parse_state (text, len, id, true, st, err);
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

/* Has the init executed the program? Its flags say, read in the same
 * /proc/PID/stat as the start time that proves the pid is still the
 * init's: the kernel sets PF_FORKNOEXEC in the process the init was
 * cloned as, and clears it in execve, which the init calls once, for the
 * program (nothing can set it again but a new fork). So the bit answers
 * for that very process, also where /proc/PID/exe would not: a program
 * that is the runtime's own image (spc_state.image_ino), or an init of
 * another user's whose exe is unreadable. */
static bool
init_executed (const struct spc_process_stat *ps)
{
  return !(ps->flags & SPC_PF_FORKNOEXEC);
}

/* spc_status_of without the cgroup's word: running for a paused
 * container too. Needs of st neither the cgroup nor the hooks. */
static enum spc_status
status_live (int dirfd, int procfd, const struct spc_state *st)
{
  struct spc_process_stat ps;
  if (st->pid <= 0 || spc_process_stat (procfd, st->pid, &ps) < 0
      || (st->start_time && ps.start_time != st->start_time))
    return SPC_STATUS_STOPPED;
  /* The create that wrote this was killed (it holds the lock while it
   * runs): the init lives on, set up part-way. */
  if (st->creating)
    return SPC_STATUS_CREATING;
  /* The fifo exists from create until start consumes it; an init that
   * executed the program left it behind when its start was killed. */
  if (!init_executed (&ps) && faccessat (dirfd, SPC_EXEC_FIFO, F_OK, 0) == 0)
    return SPC_STATUS_CREATED;
  return SPC_STATUS_RUNNING;
}

enum spc_status
spc_status_of (int dirfd, const struct spc_state *st)
{
  enum spc_status s = status_live (dirfd, -1, st);
  if (s == SPC_STATUS_RUNNING && spc_cgroup_frozen (&st->cgroup))
    return SPC_STATUS_PAUSED;
  return s;
}

/* spc_status_open_dir, spc_status_read and spc_status_of in fewer system
 * calls: the directory's link count is looked at only when state.json is
 * missing (a directory removed while we waited for its lock holds none:
 * its files go before it), and the cgroup and hooks are read only of a
 * container whose status needs them (see spc_state_parse_listed). */
int
spc_status_read_listed (int rootfd, int procfd, const char *id, struct spc_state *st,
                        enum spc_status *status, spc_err_t *err)
{
  _cleanup_close_ int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0)
    return spc_error_errno (err, "open state directory for `%s`", id);
  if (lock_dir (fd, LOCK_SH, id, err) < 0)
    return -1;
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (read_state_text (fd, id, &text, &len, err) < 0)
    {
      if (!spc_error_is (err, ENOENT))
        return -1;
      spc_err_t unsure = NULL;
      int removed = dir_removed (fd, id, &unsure);
      spc_error_free (&unsure);
      if (removed <= 0)
        return -1;
      spc_error_free (err);
      return 0;
    }
  if (spc_state_parse_listed (text, len, id, st, err) < 0)
    return -1;
  *status = status_live (fd, procfd, st);
  if (*status != SPC_STATUS_RUNNING)
    return 1;
  /* Running or paused: the cgroup tells, read with the rest now. */
  spc_state_clear (st);
  if (spc_state_parse (text, len, id, st, err) < 0)
    return -1;
  if (spc_cgroup_frozen (&st->cgroup))
    *status = SPC_STATUS_PAUSED;
  return 1;
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
