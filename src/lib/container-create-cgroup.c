/* The container's cgroup as create makes it: planned, claimed, recorded
 * before it is made, and the init placed in it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "container-internal.h"

/* The default cgroup's name: "spacer-ID", and with another state directory
 * than the default one a hash of it too, since an ID is unique only within
 * its state directory. */
int
spc_container_default_cgroup_name (const char *root, const char *id, char **name)
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
  char line[128];
  _cleanup_close_ int fd = open ("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, line, sizeof line - 1);
  unsigned long inside, outside, count;
  if (n <= 0)
    return false;
  line[n] = '\0';
  if (sscanf (line, "%lu %lu %lu", &inside, &outside, &count) != 3)
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
    if (cg->dirs[i].joined && spc_container_claimed_by_other (rootfd, id, cg->dirs[i].path))
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
 * (spc_container_make_late_cgroup), while it sets up? Not where a denial
 * is tolerated: the init may be in a cgroup2 directory by then, which a
 * denied v1 part could not take away again. */
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
int
spc_container_make_cgroup (const struct spc_config *c, const char *config_name, const char *root,
                           const char *id, const struct spc_create_options *o, int dirfd,
                           struct spc_state *st, spc_err_t *err)
{
  struct spc_cgroup *cg = &st->cgroup;
  _cleanup_free_ char *name = NULL;
  if (spc_container_default_cgroup_name (root, id, &name) < 0)
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
    /* What was made, as made; where nothing was to be made yet (a v1 host
     * whose directories come after the clone), the state is as written. */
    return spc_cgroup_part_is_empty (cg, part) ? 0 : spc_status_write (dirfd, st, err);
  if (r == 0)
    spc_container_write_state_quietly (dirfd, st);
  if (cgroup_failure (c, config_name, o, cg, err) < 0)
    return -1;
  /* Given up (rootless): no cgroup to find for delete. */
  return spc_status_write (dirfd, st, err);
}

/* The v1 directories spc_container_make_cgroup left: recorded as pending
 * already, and as made right after. The caller names the config file. */
int
spc_container_make_late_cgroup (const struct spc_config *c, const struct spc_create_options *o,
                                int dirfd, struct spc_state *st, spc_err_t *err)
{
  if (!cgroup_made_late (o) || st->cgroup.n_dirs == 0)
    return 0;
  if (spc_cgroup_create_part (&st->cgroup, SPC_CGROUP_V1_DIRS, err) == 0)
    return spc_status_write (dirfd, st, err);
  spc_container_write_state_quietly (dirfd, st);
  return cgroup_failure (c, NULL, o, &st->cgroup, err);
}

/* Right after the clone: the init joins the container's cgroup and the
 * limits apply before it runs anything of the container's. */
int
spc_container_place_in_cgroup (const struct spc_config *c, const struct spc_cgroup *cg, pid_t pid,
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
