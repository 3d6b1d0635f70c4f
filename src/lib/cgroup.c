/* Control groups: the host's layout, the container's directories, and the
 * life of those directories (create, enter, freeze, destroy). Resource
 * files are written by cgroup-resources.c. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/json.h"
#include "spacer/log.h"
#include "spacer/utils.h"
#include "cgroup-internal.h"

/* ---- the host's hierarchies ---- */

void
spc_cgroup_mounts_free (struct spc_cgroup_mount *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (m[i].mountpoint);
      free (m[i].controllers);
      free (m[i].own);
    }
  free (m);
}

static bool
option_listed (const char *options, const char *opt, size_t len)
{
  for (const char *o = options; o && *o;)
    {
      if (strncmp (o, opt, len) == 0 && (o[len] == ',' || o[len] == '\0'))
        return true;
      o = strchr (o, ',');
      if (o)
        o++;
    }
  return false;
}

/* The line of /proc/self/cgroup (its text, read once by the caller) for
 * the hierarchy mounted with these superblock options (every controller of
 * the line is one of them), as its controllers and our path in it. */
static int
own_cgroup_for (const char *proc_cgroup, const char *super_opts, bool v2, char **controllers,
                char **path)
{
  for (const char *line = proc_cgroup; *line;)
    {
      size_t len = strcspn (line, "\n");
      _cleanup_free_ char *copy = strndup (line, len);
      line += len + (line[len] == '\n');
      if (copy == NULL)
        return -1;
      char *ctrls = strchr (copy, ':');
      char *p = ctrls ? strchr (ctrls + 1, ':') : NULL;
      if (p == NULL)
        continue;
      *p++ = '\0';
      ctrls++;
      if (v2 != (*ctrls == '\0'))
        continue;
      bool all = true;
      for (const char *c = ctrls; all && *c;)
        {
          size_t n = strcspn (c, ",");
          all = option_listed (super_opts, c, n);
          c += n + (c[n] == ',');
        }
      if (!all)
        continue;
      *controllers = strdup (ctrls);
      *path = strdup (p);
      return *controllers && *path ? 0 : -1;
    }
  return -1;
}

static char *normalize_path (const char *path);

static int
append_mount (struct spc_cgroup_mount **out, size_t *n, struct spc_cgroup_mount *m,
              spc_err_t *err)
{
  /* Directories are told apart as strings (see path_within). */
  char *mountpoint = m->mountpoint ? normalize_path (m->mountpoint) : NULL;
  free (m->mountpoint);
  m->mountpoint = mountpoint;
  struct spc_cgroup_mount *grown = mountpoint ? realloc (*out, (*n + 1) * sizeof **out) : NULL;
  if (grown == NULL)
    {
      free (m->mountpoint);
      free (m->controllers);
      free (m->own);
      return spc_error_errno (err, "realloc");
    }
  *out = grown;
  (*out)[(*n)++] = *m;
  return 0;
}

/* For a v2 hierarchy "controllers" are those our own cgroup offers. */
static char *
v2_controllers (const char *dir)
{
  _cleanup_free_ char *text = NULL;
  spc_err_t ignored = NULL;
  _cleanup_close_ int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || spc_read_file_at (fd, "cgroup.controllers", &text, NULL, &ignored) < 0)
    {
      spc_error_free (&ignored);
      return strdup ("");
    }
  text[strcspn (text, "\n")] = '\0';
  return steal_pointer (&text);
}

static int
mounts_from_mountinfo (struct spc_cgroup_mount **out, size_t *n, spc_err_t *err)
{
  _cleanup_free_ char *proc_cgroup = NULL;
  if (spc_read_file_at (AT_FDCWD, "/proc/self/cgroup", &proc_cgroup, NULL, err) < 0)
    return -1;
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return spc_error_errno (err, "open /proc/self/mountinfo");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) > 0)
    {
      /* id parent major:minor root mountpoint opts [optional...] - fstype source superopts */
      char *sep = strstr (line, " - ");
      char fstype[32], source[256], super[1024], root[4096], mountpoint[4096];
      if (sep == NULL || sscanf (sep + 3, "%31s %255s %1023s", fstype, source, super) != 3)
        continue;
      bool v2 = strcmp (fstype, "cgroup2") == 0;
      if ((!v2 && strcmp (fstype, "cgroup") != 0)
          || sscanf (line, "%*s %*s %*s %4095s %4095s", root, mountpoint) != 2)
        continue;
      struct spc_cgroup_mount m = { .v2 = v2 };
      if (own_cgroup_for (proc_cgroup, super, v2, &m.controllers, &m.own) < 0)
        {
          free (m.controllers);
          free (m.own);
          continue;
        }
      /* A mount of part of a hierarchy (inside a container) shows our
       * cgroup relative to its root. */
      size_t rlen = strcmp (root, "/") == 0 ? 0 : strlen (root);
      if (rlen && strncmp (m.own, root, rlen) == 0)
        memmove (m.own, m.own + rlen, strlen (m.own + rlen) + 1);
      if (m.own[0] == '\0')
        strcpy (m.own, "/");
      if ((m.mountpoint = strdup (mountpoint)) == NULL)
        {
          free (m.controllers);
          free (m.own);
          return spc_error_errno (err, "strdup");
        }
      if (v2)
        {
          _cleanup_free_ char *dir = NULL;
          free (m.controllers);
          m.controllers = asprintf (&dir, "%s%s", m.mountpoint, m.own) < 0 ? NULL
                                                                           : v2_controllers (dir);
        }
      if (append_mount (out, n, &m, err) < 0)
        return -1;
    }
  return 0;
}

/* A test tree: ROOT/cgroup.controllers makes it pure v2; otherwise each
 * directory is a v1 hierarchy named after its controllers, except one with
 * a cgroup.controllers file, the v2 part of a hybrid layout. */
static int
mounts_from_synthetic (const char *root, struct spc_cgroup_mount **out, size_t *n,
                       spc_err_t *err)
{
  _cleanup_free_ char *probe = NULL;
  if (asprintf (&probe, "%s/cgroup.controllers", root) < 0)
    return spc_error_errno (err, "asprintf");
  if (access (probe, F_OK) == 0)
    {
      struct spc_cgroup_mount m = { .v2 = true, .mountpoint = strdup (root),
                                    .controllers = v2_controllers (root), .own = strdup ("/") };
      return append_mount (out, n, &m, err);
    }
  _cleanup_closedir_ DIR *d = opendir (root);
  if (d == NULL)
    return spc_error_errno (err, "%s `%s`", SPC_CGROUP_ROOT_ENV, root);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      struct spc_cgroup_mount m = { .own = strdup ("/") };
      if (asprintf (&m.mountpoint, "%s/%s", root, de->d_name) < 0)
        return spc_error_errno (err, "asprintf");
      free (probe);
      probe = NULL;
      if (asprintf (&probe, "%s/cgroup.controllers", m.mountpoint) < 0)
        return spc_error_errno (err, "asprintf");
      m.v2 = access (probe, F_OK) == 0;
      m.controllers = m.v2 ? v2_controllers (m.mountpoint) : strdup (de->d_name);
      if (append_mount (out, n, &m, err) < 0)
        return -1;
    }
  return 0;
}

int
spc_cgroup_mounts (struct spc_cgroup_mount **out, size_t *n, bool *synthetic, spc_err_t *err)
{
  *out = NULL;
  *n = 0;
  const char *root = getenv (SPC_CGROUP_ROOT_ENV);
  if (synthetic)
    *synthetic = root != NULL;
  int r = root ? mounts_from_synthetic (root, out, n, err) : mounts_from_mountinfo (out, n, err);
  if (r < 0)
    {
      spc_cgroup_mounts_free (*out, *n);
      *out = NULL;
      *n = 0;
    }
  return r;
}

/* ---- where the container's cgroup goes ---- */

/* systemd's "a-b-c.slice" lives at a.slice/a-b.slice/a-b-c.slice. */
static int
expand_slice (const char *slice, char **out)
{
  if (strcmp (slice, "-.slice") == 0 || slice[0] == '\0')
    return (*out = strdup ("")) ? 0 : -1;
  const char *suffix = strstr (slice, ".slice");
  if (suffix == NULL || suffix[6] != '\0' || strchr (slice, '/'))
    return -1;
  size_t len = (size_t) (suffix - slice);
  char *path = malloc (2 * (len + 7) * (len + 1) + 1), *p = path;
  if (path == NULL)
    return -1;
  for (size_t i = 0; i <= len; i++)
    if (i == len || (slice[i] == '-' && i > 0))
      p += sprintf (p, "/%.*s.slice", (int) i, slice);
  *out = path;
  return 0;
}

/* --systemd-cgroup's "slice:prefix:name" as the path systemd would use. */
static int
systemd_path (const char *spec, char **out, spc_err_t *err)
{
  _cleanup_free_ char *copy = strdup (spec ? spec : "");
  char *prefix = copy ? strchr (copy, ':') : NULL;
  char *name = prefix ? strchr (prefix + 1, ':') : NULL;
  if (name == NULL)
    return spc_error_make (err, 0, "linux.cgroupsPath: `%s` is not slice:prefix:name", spec);
  *prefix++ = '\0';
  *name++ = '\0';
  _cleanup_free_ char *slice = NULL;
  if (expand_slice (copy[0] ? copy : "system.slice", &slice) < 0)
    return spc_error_make (err, 0, "linux.cgroupsPath: `%s` is not a slice", copy);
  bool is_slice = strlen (name) > 6 && strcmp (name + strlen (name) - 6, ".slice") == 0;
  if (is_slice ? asprintf (out, "%s/%s", slice, name) < 0
               : asprintf (out, "%s/%s%s%s.scope", slice, prefix, prefix[0] ? "-" : "", name) < 0)
    return spc_error_errno (err, "asprintf");
  return 0;
}

static bool
systemd_running (void)
{
  return access ("/run/systemd/system", F_OK) == 0;
}

/* --systemd-cgroup falls back to cgroupfs. The warning says what that
 * changes against runc's systemd driver, so that nobody relies on what
 * only systemd would have done: path is where the cgroup goes now. */
static void
warn_no_systemd (const char *spec, const char *path)
{
  spc_warn ("--systemd-cgroup: %s, so the cgroup is made through cgroupfs and is not "
            "systemd-managed: %s%s%s is only the path `%s`, made as plain directories in each "
            "hierarchy and removed by spacer at delete; there is no transient scope or slice "
            "unit (systemctl does not know it, and systemd neither stops nor cleans it up), no "
            "delegation by systemd (Delegate=), no org.systemd.property. annotation applied, "
            "and linux.resources go to the cgroup's files, not to unit properties",
            systemd_running () ? "spacer does not talk to systemd (no D-Bus client)"
                               : "systemd is not running (no /run/systemd/system)",
            spec ? "`" : "", spec ? spec : "an empty linux.cgroupsPath (no slice:prefix:name)",
            spec ? "`" : "", path);
}

/* The container's path inside one hierarchy. */
static int
container_path (const struct spc_cgroup_mount *m, const char *cgroups_path, const char *name,
                char **out)
{
  const char *own = strcmp (m->own, "/") == 0 ? "" : m->own;
  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    return asprintf (out, "%s%s/%s", m->mountpoint, own, name) < 0 ? -1 : 0;
  if (cgroups_path[0] == '/')
    return asprintf (out, "%s%s", m->mountpoint, cgroups_path) < 0 ? -1 : 0;
  return asprintf (out, "%s%s/%s", m->mountpoint, own, cgroups_path) < 0 ? -1 : 0;
}

/* ".." would climb out of the hierarchy, or of our own cgroup. */
static int
check_cgroups_path (const char *path, spc_err_t *err)
{
  for (const char *p = path; p && *p;)
    {
      size_t len = strcspn (p, "/");
      if ((len == 2 && strncmp (p, "..", 2) == 0) || (len == 1 && p[0] == '.'))
        return spc_error_make (err, 0, "linux.cgroupsPath: `%s`: no `.` or `..` components",
                               path);
      p += len + (p[len] == '/');
    }
  return 0;
}

/* "a//b/" as "a/b", "/" as "": paths are compared as strings below. */
static char *
normalize_path (const char *path)
{
  char *out = strdup (path ? path : ""), *o = out;
  if (out == NULL)
    return NULL;
  for (const char *p = path ? path : ""; *p; p++)
    if (!(*p == '/' && (p[1] == '/' || p[1] == '\0')))
      *o++ = *p;
  *o = '\0';
  return out;
}

/* dir is base itself, or below it. */
static bool
path_within (const char *dir, const char *base)
{
  size_t len = strlen (base);
  return strncmp (dir, base, len) == 0 && (dir[len] == '\0' || dir[len] == '/');
}

/* The container's cgroup is killed in and removed when it ends: a
 * hierarchy's root or an ancestor of our own cgroup holds processes that
 * are not the container's (all of the host's, for the root). rel is the
 * path inside the hierarchy, "" for its root. */
static int
refuse_foreign (const struct spc_cgroup_mount *m, const char *rel, const char *given,
                spc_err_t *err)
{
  const char *own = strcmp (m->own, "/") == 0 ? "" : m->own;
  if (rel[0] == '\0')
    return spc_error_make (err, 0,
                           "linux.cgroupsPath: `%s` is the root of the cgroup hierarchy at `%s`: "
                           "refused (spacer kills every process in the container's cgroup)",
                           given, m->mountpoint);
  if (path_within (own, rel))
    return spc_error_make (err, 0,
                           "linux.cgroupsPath: `%s` is %sthe runtime's own cgroup `%s` in `%s`: "
                           "refused (spacer kills every process in the container's cgroup)",
                           given, strcmp (own, rel) == 0 ? "" : "an ancestor of ", m->own,
                           m->mountpoint);
  return 0;
}

int
spc_cgroup_plan (const char *cgroups_path, const char *name, bool systemd, struct spc_cgroup *cg,
                 spc_err_t *err)
{
  *cg = (struct spc_cgroup){ 0 };
  _cleanup_free_ char *from_systemd = NULL;
  const char *systemd_spec = systemd && cgroups_path && cgroups_path[0] ? cgroups_path : NULL;
  if (systemd_spec)
    {
      if (systemd_path (cgroups_path, &from_systemd, err) < 0)
        return -1;
      cgroups_path = from_systemd;
    }
  if (check_cgroups_path (cgroups_path, err) < 0)
    return -1;
  const char *given = cgroups_path;
  _cleanup_free_ char *normal = normalize_path (cgroups_path);
  if (normal == NULL)
    return spc_error_errno (err, "strdup");
  /* "/" is the root: absolute, normalized to "". */
  if (cgroups_path && cgroups_path[0] == '/' && normal[0] == '\0')
    {
      free (normal);
      if ((normal = strdup ("/")) == NULL)
        return spc_error_errno (err, "strdup");
    }
  if (cgroups_path)
    cgroups_path = normal;

  struct spc_cgroup_mount *m = NULL;
  size_t n = 0;
  if (spc_cgroup_mounts (&m, &n, &cg->synthetic, err) < 0)
    return -1;
  cg->dirs = calloc (n ? n : 1, sizeof *cg->dirs);
  if (cg->dirs == NULL)
    {
      spc_cgroup_mounts_free (m, n);
      return spc_error_errno (err, "calloc");
    }
  for (size_t i = 0; i < n; i++)
    {
      struct spc_cgroup_dir *d = &cg->dirs[cg->n_dirs++];
      d->v2 = m[i].v2;
      d->controllers = steal_pointer (&m[i].controllers);
      if (container_path (&m[i], cgroups_path, name, &d->path) < 0)
        {
          spc_cgroup_mounts_free (m, n);
          return spc_error_errno (err, "asprintf");
        }
      _cleanup_free_ char *path = normalize_path (d->path);
      if (path == NULL)
        {
          spc_cgroup_mounts_free (m, n);
          return spc_error_errno (err, "strdup");
        }
      free (d->path);
      d->path = steal_pointer (&path);
      if (refuse_foreign (&m[i], d->path + strlen (m[i].mountpoint), given, err) < 0)
        {
          spc_cgroup_mounts_free (m, n);
          spc_cgroup_clear (cg);
          return -1;
        }
    }
  spc_cgroup_mounts_free (m, n);
  if (systemd)
    warn_no_systemd (systemd_spec, cg->n_dirs ? cg->dirs[0].path : given ? given : name);
  return 0;
}

enum spc_cgroup_mode
spc_cgroup_mode (const struct spc_cgroup *cg)
{
  bool v1 = false, v2 = false;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      v1 |= !cg->dirs[i].v2;
      v2 |= cg->dirs[i].v2;
    }
  if (v2 && !v1)
    return SPC_CGROUP_MODE_V2;
  return v2 ? SPC_CGROUP_MODE_HYBRID : SPC_CGROUP_MODE_V1;
}

bool
spc_cgroup_listed (const char *list, const char *word, size_t len)
{
  for (const char *p = list; p && *p;)
    {
      size_t l = strcspn (p, ", \n");
      if (l == len && strncmp (p, word, len) == 0)
        return true;
      p += l + (p[l] != '\0');
    }
  return false;
}

static bool
controller_listed (const char *list, const char *ctrl)
{
  return spc_cgroup_listed (list, ctrl, strlen (ctrl));
}

const struct spc_cgroup_dir *
spc_cgroup_v2_dir (const struct spc_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].v2)
      return &cg->dirs[i];
  return NULL;
}

const struct spc_cgroup_dir *
spc_cgroup_find (const struct spc_cgroup *cg, const char *ctrl)
{
  /* A v1 hierarchy first: on hybrid hosts a controller that is there is not
   * usable in the unified tree. */
  for (int want_v2 = 0; want_v2 <= 1; want_v2++)
    for (size_t i = 0; i < cg->n_dirs; i++)
      if (cg->dirs[i].v2 == want_v2 && controller_listed (cg->dirs[i].controllers, ctrl))
        return &cg->dirs[i];
  return NULL;
}

/* ---- files ---- */

int
spc_cgroup_open_write (const struct spc_cgroup *cg, const char *dir, const char *file,
                       spc_err_t *err)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return spc_error_errno (err, "asprintf");
  int flags = O_WRONLY | O_TRUNC | O_CLOEXEC | (cg->synthetic ? O_CREAT : 0);
  int fd = open (path, flags, 0644);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", path);
  return fd;
}

int
spc_cgroup_write_fd (int fd, const char *dir, const char *file, const char *value, spc_err_t *err)
{
  if (spc_write_all (fd, value, strlen (value)) < 0)
    return spc_error_errno (err, "write `%s` to `%s/%s`", value, dir, file);
  return 0;
}

int
spc_cgroup_write (const struct spc_cgroup *cg, const char *dir, const char *file,
                  const char *value, spc_err_t *err)
{
  _cleanup_close_ int fd = spc_cgroup_open_write (cg, dir, file, err);
  if (fd < 0)
    return -1;
  return spc_cgroup_write_fd (fd, dir, file, value, err);
}

int
spc_cgroup_read (const char *dir, const char *file, char **out, spc_err_t *err)
{
  _cleanup_close_ int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", dir);
  if (spc_read_file_at (fd, file, out, NULL, err) < 0)
    return spc_error_prefix (err, "%s", dir);
  return 0;
}

/* ---- create ---- */

/* A cpuset file's value, newline dropped; "" when empty. */
static int
read_cpuset (const char *dir, const char *file, char **out, spc_err_t *err)
{
  if (spc_cgroup_read (dir, file, out, err) < 0)
    return -1;
  (*out)[strcspn (*out, "\n")] = '\0';
  return 0;
}

/* A parent's cpuset file, waited for a moment while it is empty: a parent
 * another create (of spacer's or runc's) has just made is filled by its
 * maker right after its mkdir. */
static int
read_parent_cpuset (const struct spc_cgroup *cg, const char *parent, const char *file,
                    char **out, spc_err_t *err)
{
  for (int tries = 0;; tries++)
    {
      if (read_cpuset (parent, file, out, err) < 0)
        return -1;
      if ((*out)[0] != '\0' || cg->synthetic || tries == 50)
        return 0;
      free (steal_pointer (out));
      nanosleep (&(struct timespec){ .tv_nsec = 2000000 }, NULL);
    }
}

/* A new v1 cpuset cgroup starts with no cpus and no memory nodes, and
 * takes no task until given some: copy its parent's. A parent that has
 * none is one spacer did not make (the levels it makes are filled on the
 * way down): runc fills it from its own parent, but spacer does not write
 * to a cgroup it did not make, and says which file is empty instead of
 * the ENOSPC entering the init would give. */
static int
init_cpuset (const struct spc_cgroup *cg, const char *dir, spc_err_t *err)
{
  _cleanup_free_ char *parent = strdup (dir);
  if (parent == NULL)
    return spc_error_errno (err, "strdup");
  *strrchr (parent, '/') = '\0';
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < 2; i++)
    {
      _cleanup_free_ char *value = NULL;
      if (read_parent_cpuset (cg, parent, files[i], &value, err) < 0)
        return -1;
      if (value[0] == '\0' && !cg->synthetic)
        return spc_error_make (err, ENOSPC,
                               "`%s/%s` is empty: a cgroup below it can run nothing, and "
                               "spacer does not write to a cgroup it did not make",
                               parent, files[i]);
      if (spc_cgroup_write (cg, dir, files[i], value, err) < 0)
        return -1;
    }
  return 0;
}

/* ---- joining a cgroup that exists ---- */

/* Is the existing directory d frozen (or freezing)? A process entering it
 * would stop at once, the init before it ever runs. v1: freezer.state of
 * the freezer hierarchy; v2: cgroup.freeze (asked for) or cgroup.events
 * (in effect, e.g. through a frozen ancestor). A file that cannot be read
 * (no freezer there, a synthetic tree) says not frozen. */
static bool
dir_frozen (const struct spc_cgroup_dir *d)
{
  _cleanup_free_ char *text = NULL;
  spc_err_t ignored = NULL;
  if (!d->v2)
    {
      if (!controller_listed (d->controllers, "freezer")
          || spc_cgroup_read (d->path, "freezer.state", &text, &ignored) < 0)
        {
          spc_error_free (&ignored);
          return false;
        }
      return strncmp (text, "FROZEN", 6) == 0 || strncmp (text, "FREEZING", 8) == 0;
    }
  if (spc_cgroup_read (d->path, "cgroup.freeze", &text, &ignored) == 0 && text[0] == '1')
    return true;
  spc_error_free (&ignored);
  free (steal_pointer (&text));
  if (spc_cgroup_read (d->path, "cgroup.events", &text, &ignored) < 0)
    {
      spc_error_free (&ignored);
      return false;
    }
  const char *line = strstr (text, "frozen ");
  return line && (line == text || line[-1] == '\n') && line[7] == '1';
}

/* An existing v1 cpuset directory without cpus or memory nodes takes no
 * task (ENOSPC). runc fills it (and its empty ancestors) from above;
 * spacer does not write to a cgroup it did not make: it refuses, naming
 * the file, before anything is made. */
static int
check_joined_cpuset (const struct spc_cgroup_dir *d, spc_err_t *err)
{
  if (d->v2 || !controller_listed (d->controllers, "cpuset"))
    return 0;
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < 2; i++)
    {
      _cleanup_free_ char *value = NULL;
      spc_err_t ignored = NULL;
      if (read_cpuset (d->path, files[i], &value, &ignored) < 0)
        {
          spc_error_free (&ignored); /* a synthetic tree without the file */
          continue;
        }
      if (value[0] == '\0')
        return spc_error_make (err, ENOSPC,
                               "cgroup `%s` exists with an empty %s: the container could not "
                               "run in it, and spacer does not write to a cgroup it did not "
                               "make",
                               d->path, files[i]);
    }
  return 0;
}

/* May the existing directory d be joined? Asked at claim, before anything
 * is recorded or made, and again at create, just before. */
static int
check_joinable (const struct spc_cgroup_dir *d, spc_err_t *err)
{
  if (dir_frozen (d))
    return spc_error_make (err, EBUSY,
                           "cgroup `%s` exists and is frozen: the container would never run",
                           d->path);
  return check_joined_cpuset (d, err);
}

/* The number of processes in d itself (not below: runc looks no further). */
static size_t
dir_processes (const struct spc_cgroup_dir *d)
{
  _cleanup_free_ char *text = NULL;
  spc_err_t ignored = NULL;
  if (spc_cgroup_read (d->path, "cgroup.procs", &text, &ignored) < 0)
    {
      spc_error_free (&ignored);
      return 0;
    }
  size_t n = 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* Join an existing directory: nothing is made, and made stays false, so
 * nothing in it is ever killed and it is never removed. Its limits are
 * still written by spc_cgroup_apply, as runc does: they change for
 * everything else in it. */
static int
join_dir (struct spc_cgroup *cg, struct spc_cgroup_dir *d, spc_err_t *err)
{
  struct stat sb;
  if (stat (d->path, &sb) < 0 || !S_ISDIR (sb.st_mode))
    return spc_error_make (err, ENOENT, "cgroup `%s`: gone before the container joined it",
                           d->path);
  if (check_joinable (d, err) < 0)
    return -1;
  if (d->v2 && !cg->synthetic)
    {
      free (d->controllers);
      d->controllers = v2_controllers (d->path);
    }
  return 0;
}

/* runc's warning: the container shares its cgroup (said once, for the
 * first joined directory that holds processes). */
static void
warn_not_empty (const struct spc_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      size_t n = cg->dirs[i].joined ? dir_processes (&cg->dirs[i]) : 0;
      if (n == 0)
        continue;
      spc_warn ("container's cgroup `%s` is not empty: %zu process(es) found; joined it",
                cg->dirs[i].path, n);
      return;
    }
}

/* Controllers our own cgroup lets its children use: spacer does not write
 * the subtree_control of a cgroup it did not make. */
static int
enable_controllers (const struct spc_cgroup *cg, const char *parent, const char *dir,
                    spc_err_t *err)
{
  _cleanup_free_ char *offered = NULL;
  spc_err_t ignored = NULL;
  if (spc_cgroup_read (parent, "cgroup.subtree_control", &offered, &ignored) < 0)
    {
      spc_error_free (&ignored);
      return 0;
    }
  offered[strcspn (offered, "\n")] = '\0';
  if (offered[0] == '\0')
    return 0;
  _cleanup_free_ char *enable = malloc (strlen (offered) * 2 + 2);
  if (enable == NULL)
    return spc_error_errno (err, "malloc");
  char *e = enable;
  for (char *save = NULL, *c = strtok_r (offered, " ", &save); c; c = strtok_r (NULL, " ", &save))
    e += sprintf (e, "%s+%s", e == enable ? "" : " ", c);
  return spc_cgroup_write (cg, dir, "cgroup.subtree_control", enable, err);
}

/* rmdir from `from` up to `top` (both made by spacer), stopping quietly at
 * a level still in use: a shared level of ours that another container's
 * cgroup sits below. */
static void
remove_levels (const char *from, const char *top)
{
  _cleanup_free_ char *path = strdup (from);
  size_t top_len = strlen (top);
  while (path && strlen (path) >= top_len && path_within (path, top))
    {
      if (rmdir (path) < 0 && errno != ENOENT)
        return;
      if (strlen (path) == top_len)
        return;
      *strrchr (path, '/') = '\0';
    }
}

/* make_dir failed before the container's directory itself was made: the
 * levels above it that it made (down to deepest) are no use, and nothing
 * later would find them (destroy works on made directories only). Once
 * the directory is made, destroy removes it all. */
static void
abandon_levels (struct spc_cgroup_dir *d, const char *deepest)
{
  if (d->top == NULL || d->made)
    return;
  remove_levels (deepest, d->top);
  free (steal_pointer (&d->top));
}

/* The length of d->pending, the level claim found missing, when it is
 * d->path or an ancestor of it; 0 otherwise. */
static size_t
pending_prefix (const struct spc_cgroup_dir *d)
{
  size_t len = d->pending ? strlen (d->pending) : 0;
  if (len && (strncmp (d->pending, d->path, len) != 0
              || (d->path[len] != '/' && d->path[len] != '\0')))
    return 0;
  return len;
}

/* Walk down from the first missing ancestor, making each level: the level
 * pending names (its mkdir fails with EEXIST should someone have made it
 * since) when pending > 0, else the first missing one found now. */
static int
make_levels (const struct spc_cgroup *cg, struct spc_cgroup_dir *d, size_t pending,
             spc_err_t *err)
{
  _cleanup_free_ char *path = strdup (d->path);
  if (path == NULL)
    return spc_error_errno (err, "strdup");
  char *slash = path + strlen (path);
  while (pending ? strlen (path) >= pending : access (path, F_OK) < 0 && errno == ENOENT)
    {
      slash = strrchr (path, '/');
      if (slash == NULL || slash == path)
        return spc_error_make (err, ENOENT, "cgroup `%s`: no hierarchy above it", d->path);
      *slash = '\0';
    }
  /* claim found it missing: someone else made it since. */
  if (slash == path + strlen (d->path))
    return spc_error_classed (err, EEXIST,
                              "cgroup `%s` was made by someone else while spacer was making it",
                              d->path);
  for (;;)
    {
      _cleanup_free_ char *parent = strdup (path);
      *slash = '/';
      if (parent == NULL)
        return spc_error_errno (err, "strdup");
      bool leaf = strlen (path) == strlen (d->path);
      /* EEXIST is another maker's mkdir since the walk (or the claim): that
       * level is theirs, and spacer goes on below it, as it would have had
       * it been there before; the leaf, though, is another container's. */
      if (mkdir (path, 0755) < 0)
        {
          int e = errno;
          if (e == EEXIST && !leaf && d->top == NULL)
            {
              slash = path + strlen (path);
              continue;
            }
          abandon_levels (d, parent);
          return spc_error_make (err, e, "create cgroup `%s`", path);
        }
      d->made = leaf;
      if (d->top == NULL && (d->top = strdup (path)) == NULL)
        {
          /* Without top the level could never be found again. */
          rmdir (path);
          d->made = false;
          return spc_error_errno (err, "strdup");
        }
      if ((!d->v2 && controller_listed (d->controllers, "cpuset") && init_cpuset (cg, path, err) < 0)
          /* The parent of an intermediate level of ours is ours too, or our
           * own cgroup, whose subtree_control we only read. */
          || (d->v2 && !leaf && enable_controllers (cg, parent, path, err) < 0))
        {
          abandon_levels (d, path);
          return -1;
        }
      if (leaf && d->v2 && !cg->synthetic)
        {
          /* What the container's directory really offers is what its parent
           * enabled for its children, which may be less than what our own
           * cgroup has. */
          free (d->controllers);
          d->controllers = v2_controllers (d->path);
        }
      if (leaf)
        return 0;
      slash = path + strlen (path);
    }
}

/* Starting at the level claim recorded spares a walk up the hierarchy;
 * should a level above it be gone (a parallel delete removed a parent the
 * two containers shared), the walk finds what to make after all. */
static int
make_dir (const struct spc_cgroup *cg, struct spc_cgroup_dir *d, spc_err_t *err)
{
  size_t pending = pending_prefix (d);
  if (pending == 0 || make_levels (cg, d, pending, err) == 0)
    return pending ? 0 : make_levels (cg, d, 0, err);
  if (!spc_error_is (err, ENOENT) || d->top != NULL)
    return -1;
  spc_error_free (err);
  return make_levels (cg, d, 0, err);
}

static void
forget_pending (struct spc_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    free (steal_pointer (&cg->dirs[i].pending));
}

static bool
in_part (const struct spc_cgroup_dir *d, enum spc_cgroup_part part)
{
  return part == SPC_CGROUP_ALL || d->v2 == (part == SPC_CGROUP_V2_DIRS);
}

int
spc_cgroup_create_part (struct spc_cgroup *cg, enum spc_cgroup_part part, spc_err_t *err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      struct spc_cgroup_dir *d = &cg->dirs[i];
      if (!in_part (d, part))
        continue;
      if ((d->joined ? join_dir (cg, d, err) : make_dir (cg, d, err)) < 0)
        {
          /* What was not made here is not spacer's (EEXIST: someone else
           * made it meanwhile): destroy takes the made ones only. */
          forget_pending (cg);
          spc_err_t ignored = NULL;
          spc_cgroup_destroy (cg, &ignored);
          spc_error_free (&ignored);
          return -1;
        }
      free (steal_pointer (&d->pending));
    }
  /* Joined directories exist from claim on; looked at in the first part,
   * before the init is in any of them. */
  if (part != SPC_CGROUP_V1_DIRS)
    warn_not_empty (cg);
  return 0;
}

bool
spc_cgroup_part_is_empty (const struct spc_cgroup *cg, enum spc_cgroup_part part)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (in_part (&cg->dirs[i], part))
      return false;
  return true;
}

int
spc_cgroup_create (struct spc_cgroup *cg, spc_err_t *err)
{
  return spc_cgroup_create_part (cg, SPC_CGROUP_ALL, err);
}

/* The highest missing level of d->path, the first make_dir would make;
 * NULL when d->path exists (to be joined). */
static int
first_missing (const struct spc_cgroup_dir *d, char **out, spc_err_t *err)
{
  _cleanup_free_ char *path = strdup (d->path);
  _cleanup_free_ char *missing = NULL;
  if (path == NULL)
    return spc_error_errno (err, "strdup");
  while (access (path, F_OK) < 0)
    {
      /* EACCES and the like: the caller tells a denial (rootless) apart. */
      if (errno != ENOENT)
        return spc_error_errno (err, "cgroup `%s`", path);
      free (missing);
      if ((missing = strdup (path)) == NULL)
        return spc_error_errno (err, "strdup");
      char *slash = strrchr (path, '/');
      if (slash == NULL || slash == path)
        return spc_error_make (err, ENOENT, "cgroup `%s`: no hierarchy above it", d->path);
      *slash = '\0';
    }
  *out = steal_pointer (&missing);
  return 0;
}

int
spc_cgroup_claim (struct spc_cgroup *cg, spc_err_t *err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      struct spc_cgroup_dir *d = &cg->dirs[i];
      free (steal_pointer (&d->pending));
      if (first_missing (d, &d->pending, err) < 0
          || ((d->joined = d->pending == NULL) && check_joinable (d, err) < 0))
        {
          forget_pending (cg);
          for (size_t j = 0; j < cg->n_dirs; j++)
            cg->dirs[j].joined = false;
          return -1;
        }
    }
  return 0;
}

int
spc_cgroup_clone_fd (const struct spc_cgroup *cg)
{
  const struct spc_cgroup_dir *d = spc_cgroup_v2_dir (cg);
  if (cg->synthetic || d == NULL)
    return -1;
  return open (d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
spc_cgroup_enter (const struct spc_cgroup *cg, pid_t pid, bool in_v2, spc_err_t *err)
{
  char text[32];
  snprintf (text, sizeof text, "%d", (int) pid);
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (!(in_v2 && cg->dirs[i].v2)
        && spc_cgroup_write (cg, cg->dirs[i].path, "cgroup.procs", text, err) < 0)
      return -1;
  return 0;
}

/* ---- processes ---- */

/* The container may make cgroups of its own below its directory (with a
 * writable cgroup mount): its processes are then there. */
static int
collect_pids (const char *dir, pid_t **pids, size_t *n, size_t *cap, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  if (spc_cgroup_read (dir, "cgroup.procs", &text, err) < 0)
    return -1;
  for (char *save = NULL, *t = strtok_r (text, "\n", &save); t; t = strtok_r (NULL, "\n", &save))
    {
      if (*n == *cap)
        {
          size_t bigger = *cap ? *cap * 2 : 16;
          pid_t *grown = realloc (*pids, bigger * sizeof *grown);
          if (grown == NULL)
            return spc_error_errno (err, "realloc");
          *pids = grown;
          *cap = bigger;
        }
      (*pids)[(*n)++] = (pid_t) strtol (t, NULL, 10);
    }
  _cleanup_closedir_ DIR *d = opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)))
    {
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      _cleanup_free_ char *child = NULL;
      if (asprintf (&child, "%s/%s", dir, de->d_name) < 0)
        return spc_error_errno (err, "asprintf");
      if (collect_pids (child, pids, n, cap, err) < 0)
        return -1;
    }
  return 0;
}

/* The first directory spacer made, else the first it joined. */
static const struct spc_cgroup_dir *
pids_dir (const struct spc_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].made)
      return &cg->dirs[i];
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].joined)
      return &cg->dirs[i];
  return NULL;
}

int
spc_cgroup_pids (const struct spc_cgroup *cg, pid_t **pids, size_t *n, bool *shared,
                 spc_err_t *err)
{
  *pids = NULL;
  *n = 0;
  size_t cap = 0;
  /* Every process is in one cgroup of each hierarchy: one tree tells all.
   * A directory spacer made holds only the container's processes; one it
   * joined may hold others too. */
  const struct spc_cgroup_dir *d = pids_dir (cg);
  *shared = d && !d->made;
  if (d && collect_pids (d->path, pids, n, &cap, err) < 0)
    {
      free (steal_pointer (pids));
      *n = 0;
      return -1;
    }
  return 0;
}

/* ---- freezer ---- */

static const struct spc_cgroup_dir *
freezer_dir (const struct spc_cgroup *cg)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (cg, "freezer");
  if (d && !d->v2)
    return d;
  /* cgroup.freeze is core cgroup2, in every v2 directory. */
  return spc_cgroup_v2_dir (cg);
}

bool
spc_cgroup_frozen (const struct spc_cgroup *cg)
{
  const struct spc_cgroup_dir *d = freezer_dir (cg);
  _cleanup_free_ char *state = NULL;
  spc_err_t ignored = NULL;
  if (d == NULL || spc_cgroup_read (d->path, d->v2 ? "cgroup.freeze" : "freezer.state", &state,
                                    &ignored)
                       < 0)
    {
      spc_error_free (&ignored);
      return false;
    }
  return d->v2 ? state[0] == '1' : strncmp (state, "FROZEN", 6) == 0;
}

/* v1 reports FREEZING until every task stopped; v2 says so in
 * cgroup.events. A synthetic tree never changes by itself. */
static bool
freeze_done (const struct spc_cgroup *cg, const struct spc_cgroup_dir *d, bool frozen)
{
  if (cg->synthetic)
    return true;
  _cleanup_free_ char *text = NULL;
  spc_err_t ignored = NULL;
  if (spc_cgroup_read (d->path, d->v2 ? "cgroup.events" : "freezer.state", &text, &ignored) < 0)
    {
      spc_error_free (&ignored);
      return true;
    }
  if (!d->v2)
    return strncmp (text, frozen ? "FROZEN" : "THAWED", 6) == 0;
  const char *line = strstr (text, "frozen ");
  return line && (line[7] == '1') == frozen;
}

int
spc_cgroup_freeze (const struct spc_cgroup *cg, bool frozen, spc_err_t *err)
{
  const struct spc_cgroup_dir *d = freezer_dir (cg);
  if (d == NULL)
    return spc_error_make (err, 0, "no freezer: the host has neither a v1 freezer controller "
                                   "nor cgroup2");
  const char *value = d->v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
  if (spc_cgroup_write (cg, d->path, d->v2 ? "cgroup.freeze" : "freezer.state", value, err) < 0)
    return -1;
  for (int i = 0; i < 2000; i++)
    {
      if (freeze_done (cg, d, frozen))
        return 0;
      nanosleep (&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    }
  return spc_error_make (err, ETIMEDOUT, "%s `%s`", frozen ? "freeze" : "thaw", d->path);
}

/* ---- destroy ---- */

/* What destroy may touch: a directory spacer made, strictly below a
 * hierarchy's root, that is not our own cgroup nor an ancestor of it. The
 * state file says what spacer made; this holds even when it is wrong. A
 * synthetic tree holds no processes: only its files and directories go. */
static bool
destroyable (const struct spc_cgroup_dir *d, const struct spc_cgroup_mount *m, size_t n,
             bool synthetic)
{
  if (!d->made || d->path == NULL || d->path[0] != '/')
    return false;
  if (synthetic)
    return true;
  _cleanup_free_ char *path = normalize_path (d->path);
  if (path == NULL)
    return false;
  /* No "." or ".." either: the string comparisons below would be fooled. */
  for (const char *p = path; *p; p++)
    if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'
                                       || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
      return false;
  for (size_t i = 0; i < n; i++)
    {
      if (!path_within (path, m[i].mountpoint) || strcmp (path, m[i].mountpoint) == 0)
        continue;
      _cleanup_free_ char *own = NULL;
      if (asprintf (&own, "%s%s", m[i].mountpoint, strcmp (m[i].own, "/") ? m[i].own : "") < 0)
        return false;
      return !path_within (own, path);
    }
  return false;
}

/* cgroup2's cgroup.kill (Linux 5.14) kills the whole subtree at once,
 * also what forks meanwhile; the loop below still covers v1 and older
 * kernels. */
static void
kill_v2 (const struct spc_cgroup_dir *d)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/cgroup.kill", d->path) < 0)
    return;
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    spc_write_all (fd, "1", 1);
}

/* Every process of every hierarchy's directory: one that left (or was
 * never put in) one hierarchy's directory is still in another's. */
static void
kill_all (const struct spc_cgroup *cg, const bool *mine)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (mine[i] && cg->dirs[i].v2)
      kill_v2 (&cg->dirs[i]);
  for (int round = 0; round < 1000; round++)
    {
      size_t total = 0;
      for (size_t i = 0; i < cg->n_dirs; i++)
        {
          _cleanup_free_ pid_t *pids = NULL;
          size_t n = 0, cap = 0;
          spc_err_t ignored = NULL;
          if (!mine[i] || collect_pids (cg->dirs[i].path, &pids, &n, &cap, &ignored) < 0)
            {
              spc_error_free (&ignored);
              continue;
            }
          for (size_t j = 0; j < n; j++)
            kill (pids[j], SIGKILL);
          total += n;
        }
      if (total == 0)
        return;
      nanosleep (&(struct timespec){ .tv_nsec = 2000000 }, NULL);
    }
}

/* An emptied cgroup may still be busy for a moment (its last tasks are
 * still exiting): rmdir then fails with EBUSY. */
static int
rmdir_retry (const char *path)
{
  for (int i = 0;; i++)
    {
      if (rmdir (path) == 0)
        return 0;
      if (errno != EBUSY || i == 100)
        return -1;
      nanosleep (&(struct timespec){ .tv_nsec = 10000000 }, NULL);
    }
}

/* The cgroups the container made below its own directory, deepest first. */
static int
remove_subtree (const char *dir, spc_err_t *err)
{
  _cleanup_closedir_ DIR *d = opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)))
    {
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      _cleanup_free_ char *child = NULL;
      if (asprintf (&child, "%s/%s", dir, de->d_name) < 0)
        return spc_error_errno (err, "asprintf");
      if (remove_subtree (child, err) < 0)
        return -1;
      if (rmdir_retry (child) < 0 && errno != ENOENT)
        return spc_error_errno (err, "remove cgroup `%s`", child);
    }
  return 0;
}


/* d->path is gone: so are the levels above it up to top, where empty. */
static int
forget_removed (struct spc_cgroup_dir *d, spc_err_t *err)
{
  d->made = false;
  if (d->top && strlen (d->top) < strlen (d->path))
    {
      _cleanup_free_ char *parent = strdup (d->path);
      if (parent == NULL)
        return spc_error_errno (err, "strdup");
      *strrchr (parent, '/') = '\0';
      remove_levels (parent, d->top);
    }
  free (steal_pointer (&d->top));
  return 0;
}

/* Nearly always a container's directories are empty by the time it is
 * deleted (its pid namespace ended with its init): each is removed at
 * once, and only those rmdir refuses (processes, sub-cgroups, or a cgroup
 * still busy with exiting tasks) are taken the long way, killing first.
 * Clears mine[i] for the ones removed. */
static int
remove_empty_dirs (struct spc_cgroup *cg, bool *mine, spc_err_t *err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (mine[i] && rmdir (cg->dirs[i].path) == 0)
      {
        mine[i] = false;
        if (forget_removed (&cg->dirs[i], err) < 0)
          return -1;
      }
  return 0;
}

/* rmdir from the container's directory up to the highest one spacer made.
 * Once the container's own is gone it is no longer spacer's: a second
 * destroy must not touch a directory someone made again by that name. */
static int
remove_dirs (struct spc_cgroup_dir *d, bool synthetic, spc_err_t *err)
{
  if (!synthetic && remove_subtree (d->path, err) < 0)
    return -1;
  if (rmdir_retry (d->path) < 0 && errno != ENOENT)
    return spc_error_errno (err, "remove cgroup `%s`", d->path);
  return forget_removed (d, err);
}

/* A synthetic tree holds the files spacer wrote, in every directory from
 * the container's (from) up to the highest it made (top): remove those
 * first. */
static void
remove_synthetic_files (const char *from, const char *top)
{
  _cleanup_free_ char *path = strdup (from);
  if (path == NULL || top == NULL)
    return;
  for (;;)
    {
      _cleanup_closedir_ DIR *dir = opendir (path);
      struct dirent *de;
      while (dir && (de = readdir (dir)))
        if (de->d_type == DT_REG)
          unlinkat (dirfd (dir), de->d_name, 0);
      if (strlen (path) <= strlen (top))
        return;
      *strrchr (path, '/') = '\0';
    }
}

/* A directory create recorded as about to be made (pending) and was
 * killed before recording it made: create found it missing just before,
 * so it is all but surely spacer's, and no process of the container can
 * be in it (the init is cloned only once every directory is recorded as
 * made). It is only removed, never killed in, and rmdir takes only an
 * empty directory: one that someone else made by that name in that
 * instant and uses stays, and is said to. */
static bool
pending_removable (const struct spc_cgroup_dir *d, const struct spc_cgroup_mount *m, size_t n,
                   bool synthetic)
{
  if (d->made || d->pending == NULL || d->path == NULL || !path_within (d->path, d->pending))
    return false;
  struct spc_cgroup_dir top = { .path = d->pending, .made = true };
  return destroyable (&top, m, n, synthetic);
}

static void
remove_pending (struct spc_cgroup_dir *d, bool synthetic)
{
  if (synthetic)
    remove_synthetic_files (d->path, d->pending);
  remove_levels (d->path, d->pending);
  if (access (d->pending, F_OK) == 0)
    spc_warn ("cgroup `%s`: not removed: a create was interrupted before recording that it "
              "made it, and it is not empty (spacer kills only in a cgroup it knows it made)",
              access (d->path, F_OK) == 0 ? d->path : d->pending);
  free (steal_pointer (&d->pending));
}

int
spc_cgroup_destroy (struct spc_cgroup *cg, spc_err_t *err)
{
  bool any = false;
  for (size_t i = 0; i < cg->n_dirs; i++)
    any |= cg->dirs[i].made || cg->dirs[i].pending;
  if (!any)
    return 0;
  struct spc_cgroup_mount *m = NULL;
  size_t n = 0;
  if (!cg->synthetic && spc_cgroup_mounts (&m, &n, NULL, err) < 0)
    return spc_error_prefix (err, "remove the container's cgroup");
  _cleanup_free_ bool *mine = calloc (cg->n_dirs, sizeof *mine);
  _cleanup_free_ bool *pending = calloc (cg->n_dirs, sizeof *pending);
  if (mine == NULL || pending == NULL)
    {
      spc_cgroup_mounts_free (m, n);
      return spc_error_errno (err, "calloc");
    }
  int ret = 0;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      mine[i] = destroyable (&cg->dirs[i], m, n, cg->synthetic);
      pending[i] = pending_removable (&cg->dirs[i], m, n, cg->synthetic);
      if (cg->dirs[i].pending && !cg->dirs[i].made && !pending[i])
        {
          spc_warn ("cgroup `%s`: recorded as about to be made, but not a cgroup spacer may "
                    "remove: left alone",
                    cg->dirs[i].pending);
          free (steal_pointer (&cg->dirs[i].pending));
        }
      if (cg->dirs[i].made && !mine[i] && ret == 0)
        ret = spc_error_make (err, EPERM,
                              "cgroup `%s`: a hierarchy's root, the runtime's own cgroup or an "
                              "ancestor of it, or no cgroup at all: not killed in nor removed",
                              cg->dirs[i].path);
    }
  spc_cgroup_mounts_free (m, n);
  if (!cg->synthetic && remove_empty_dirs (cg, mine, err) < 0)
    ret = -1;
  if (!cg->synthetic)
    {
      const struct spc_cgroup_dir *f = freezer_dir (cg);
      if (f && mine[f - cg->dirs] && spc_cgroup_frozen (cg))
        {
          spc_err_t ignored = NULL;
          spc_cgroup_freeze (cg, false, &ignored);
          spc_error_free (&ignored);
        }
      kill_all (cg, mine);
    }
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      if (pending[i])
        remove_pending (&cg->dirs[i], cg->synthetic);
      if (!mine[i])
        continue;
      if (cg->synthetic)
        remove_synthetic_files (cg->dirs[i].path, cg->dirs[i].top);
      if (remove_dirs (&cg->dirs[i], cg->synthetic, err) < 0)
        ret = -1;
    }
  return ret;
}

/* ---- state.json ---- */

void
spc_cgroup_write_json (struct spc_json_writer *w, const struct spc_cgroup *cg)
{
  spc_jw_begin_object (w);
  spc_jw_key (w, "synthetic");
  spc_jw_bool (w, cg->synthetic);
  spc_jw_key (w, "dirs");
  spc_jw_begin_array (w);
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct spc_cgroup_dir *d = &cg->dirs[i];
      spc_jw_begin_object (w);
      spc_jw_key (w, "v2");
      spc_jw_bool (w, d->v2);
      spc_jw_key (w, "controllers");
      spc_jw_string (w, d->controllers);
      spc_jw_key (w, "path");
      spc_jw_string (w, d->path);
      spc_jw_key (w, "top");
      spc_jw_string (w, d->top);
      spc_jw_key (w, "made");
      spc_jw_bool (w, d->made);
      spc_jw_key (w, "joined");
      spc_jw_bool (w, d->joined);
      if (d->pending)
        {
          spc_jw_key (w, "pending");
          spc_jw_string (w, d->pending);
        }
      spc_jw_end_object (w);
    }
  spc_jw_end_array (w);
  spc_jw_end_object (w);
}

static char *
dup_member (const spc_json *obj, const char *key)
{
  const spc_json *v = spc_json_get (obj, key);
  return v && v->type == SPC_JSON_STRING ? strdup (v->u.string.str) : NULL;
}

int
spc_cgroup_read_json (const spc_json *v, struct spc_cgroup *cg, spc_err_t *err)
{
  *cg = (struct spc_cgroup){ 0 };
  const spc_json *dirs = spc_json_get (v, "dirs");
  const spc_json *synthetic = spc_json_get (v, "synthetic");
  if (dirs == NULL || dirs->type != SPC_JSON_ARRAY)
    return spc_error_make (err, 0, "state.json: cgroup: dirs missing");
  cg->synthetic = synthetic && synthetic->type == SPC_JSON_BOOL && synthetic->u.boolean;
  cg->dirs = calloc (dirs->u.array.len + 1, sizeof *cg->dirs);
  if (cg->dirs == NULL)
    return spc_error_errno (err, "calloc");
  for (size_t i = 0; i < dirs->u.array.len; i++)
    {
      const spc_json *o = dirs->u.array.items[i];
      const spc_json *v2 = spc_json_get (o, "v2");
      struct spc_cgroup_dir *d = &cg->dirs[cg->n_dirs++];
      d->v2 = v2 && v2->type == SPC_JSON_BOOL && v2->u.boolean;
      d->controllers = dup_member (o, "controllers");
      d->path = dup_member (o, "path");
      d->top = dup_member (o, "top");
      d->pending = dup_member (o, "pending");
      /* Before "made" was recorded, top was set only once the container's
       * directory itself was made. */
      const spc_json *made = spc_json_get (o, "made");
      d->made = made ? made->type == SPC_JSON_BOOL && made->u.boolean : d->top != NULL;
      const spc_json *joined = spc_json_get (o, "joined");
      d->joined = joined && joined->type == SPC_JSON_BOOL && joined->u.boolean && !d->made;
      if (d->controllers == NULL || d->path == NULL)
        return spc_error_make (err, 0, "state.json: cgroup: dirs[%zu] incomplete", i);
    }
  return 0;
}

void
spc_cgroup_clear (struct spc_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      free (cg->dirs[i].controllers);
      free (cg->dirs[i].path);
      free (cg->dirs[i].top);
      free (cg->dirs[i].pending);
    }
  free (cg->dirs);
  *cg = (struct spc_cgroup){ 0 };
}
