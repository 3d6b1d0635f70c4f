/* delete: the container's processes, cgroups and state removed, also of a
 * container whose state is lost. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/hooks.h"
#include "spacer/log.h"
#include "container-internal.h"

/* ROOT/ID holds the files spacer puts there, by their names: removed so,
 * the directory goes without being read. Whatever else it holds (a write
 * cut short left a temporary file) leaves it not empty, and then it is
 * removed as any tree is. */
static bool
remove_known_files (int rootfd, const char *id)
{
  static const char *const names[] = { SPC_STATE_FILE, SPC_EXEC_FIFO, SPC_STATE_CONFIG };
  _cleanup_close_ int dirfd = openat (rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0)
    return false;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (unlinkat (dirfd, names[i], 0) < 0 && errno != ENOENT)
      return false;
  return unlinkat (rootfd, id, AT_REMOVEDIR) == 0;
}

static int
remove_container (const char *root, const char *id, spc_err_t *err)
{
  _cleanup_close_ int rootfd = spc_state_root_open (root, false, err);
  if (rootfd < 0)
    return -1;
  if (remove_known_files (rootfd, id))
    return 0;
  return spc_status_remove (rootfd, id, err);
}

/* The end of every container: its state goes, then the poststop hooks run
 * (the spec wants them after the delete, before it returns). */
int
spc_container_destroy (const char *root, int dirfd, struct spc_state *st, spc_err_t *err)
{
  /* Processes may outlive the init (no pid namespace): the cgroup goes
   * first, killing them; the state stays while that fails, for a retry.
   * Once removed the cgroups are no longer spacer's, and the state says
   * so before it goes: a delete killed in between must not take a cgroup
   * someone made again by that name. */
  if (spc_cgroup_destroy (&st->cgroup, err) < 0 || spc_rdt_remove (&st->rdt, err) < 0)
    return -1;
  if (dirfd >= 0 && st->cgroup.n_dirs)
    spc_container_write_state_quietly (dirfd, st);
  int r = remove_container (root, st->id, err);
  if (spc_hooks_any (&st->hooks, SPC_HOOK_POSTSTOP))
    {
      _cleanup_free_ char *state = spc_state_to_json (st, SPC_STATUS_STOPPED, false);
      spc_hooks_run_warn (&st->hooks, SPC_HOOK_POSTSTOP, state);
    }
  return r;
}

/* Does a container of root other than id record dir as its cgroup (a
 * linux.cgroupsPath naming it)? States are read without their locks:
 * state.json is only ever replaced whole, and a delete holding one lock
 * must not wait for another. */
bool
spc_container_claimed_by_other (int rootfd, const char *id, const char *dir)
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
  if (spc_container_default_cgroup_name (root, id, &name) < 0)
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
      if (spc_container_claimed_by_other (rootfd, id, d->path))
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
    return force ? delete_broken (root, rootfd, dirfd, id, err) : spc_container_broken_error (err);
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
  if (s != SPC_STATUS_STOPPED && spc_container_kill_and_wait (&st, err) < 0)
    return -1;
  return spc_container_destroy (root, dirfd, &st, err);
}
