/* linux.intelRdt: see intel-rdt.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/intel-rdt.h"
#include "spacer/log.h"
#include "spacer/utils.h"

#ifndef RDTGROUP_SUPER_MAGIC
#define RDTGROUP_SUPER_MAGIC 0x7655821
#endif

bool
spc_rdt_available (void)
{
  struct statfs sf;
  return statfs (SPC_RESCTRL_ROOT, &sf) == 0 && sf.f_type == RDTGROUP_SUPER_MAGIC;
}

int
spc_rdt_check (const struct spc_intel_rdt *rdt, spc_err_t *err)
{
  if (rdt->present && !spc_rdt_available ())
    return spc_error_make (err, 0, "linux.intelRdt: resctrl is not mounted at %s on this host "
                                   "(no Intel RDT, or not mounted)",
                           SPC_RESCTRL_ROOT);
  return 0;
}

/* ---- schemata ----------------------------------------------------------- */

static bool
has_schemata (const struct spc_intel_rdt *rdt)
{
  return rdt->l3_cache_schema || rdt->mem_bw_schema || rdt->n_schemata;
}

/* All the lines in the order the spec wants (l3CacheSchema, memBwSchema,
 * then schemata), one write: resctrl takes several lines at once. */
static char *
schemata_text (const struct spc_intel_rdt *rdt)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return NULL;
  if (rdt->l3_cache_schema)
    fprintf (f, "%s\n", rdt->l3_cache_schema);
  if (rdt->mem_bw_schema)
    fprintf (f, "%s\n", rdt->mem_bw_schema);
  for (size_t i = 0; i < rdt->n_schemata; i++)
    fprintf (f, "%s\n", rdt->schemata[i]);
  if (fclose (f) != 0)
    {
      free (text);
      return NULL;
    }
  return text;
}

/* The line for resource `name` ("L3", "MB") in a schemata file's text,
 * whose names the kernel pads with blanks; NULL if none. */
static const char *
find_resource (const char *text, const char *name, size_t name_len)
{
  for (const char *line = text; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    {
      while (*line == ' ')
        line++;
      if (strncmp (line, name, name_len) == 0 && line[name_len] == ':')
        return line + name_len + 1;
    }
  return NULL;
}

/* Does the kernel's line `have` ("0=7f0;1=1f") hold every domain=value of
 * the config's `want`? Values are hex bit masks, but for memory bandwidth
 * (MB*), which is decimal. */
static bool
domains_match (const char *want, const char *have, int base)
{
  while (*want && *want != '\n')
    {
      char *end;
      unsigned long dom = strtoul (want, &end, 10), val;
      if (*end != '=')
        return false;
      val = strtoul (end + 1, &end, base);
      bool found = false;
      for (const char *h = have; h && *h && *h != '\n';)
        {
          char *e;
          unsigned long hd = strtoul (h, &e, 10);
          if (*e != '=')
            break;
          unsigned long hv = strtoul (e + 1, &e, base);
          if (hd == dom)
            {
              found = hv == val;
              break;
            }
          h = *e == ';' ? e + 1 : NULL;
        }
      if (!found)
        return false;
      want = *end == ';' ? end + 1 : end;
    }
  return true;
}

/* A group the config names by closID and that exists must already have
 * the schemata asked for (the spec: compare, and fail on a difference). */
static int
compare_schemata (int group_fd, const char *clos_id, const char *want, spc_err_t *err)
{
  _cleanup_free_ char *have = NULL;
  size_t len;
  if (spc_read_file_at (group_fd, "schemata", &have, &len, err) < 0)
    return spc_error_prefix (err, "linux.intelRdt: group `%s`", clos_id);
  for (const char *line = want; *line; line = strchr (line, '\n') + 1)
    {
      const char *colon = strchr (line, ':');
      size_t n = (size_t) (colon ? colon - line : 0);
      const char *kernel = colon ? find_resource (have, line, n) : NULL;
      int base = strncmp (line, "MB", 2) == 0 ? 10 : 16;
      if (kernel == NULL || !domains_match (colon + 1, kernel, base))
        return spc_error_make (err, 0,
                               "linux.intelRdt: group `%s` exists with other schemata than "
                               "`%.*s`",
                               clos_id, (int) strcspn (line, "\n"), line);
    }
  return 0;
}

static int
append_to (int dirfd, const char *file, const char *text, const char *what, spc_err_t *err)
{
  /* O_CREAT: a no-op on resctrl, whose files exist; it lets a plain tree
   * stand in for one (intel-rdt.h). */
  _cleanup_close_ int fd = openat (dirfd, file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || spc_write_all (fd, text, strlen (text)) < 0)
    return spc_error_errno (err, "linux.intelRdt: %s", what);
  return 0;
}

/* ---- groups ------------------------------------------------------------- */

static int
enter (int group_fd, pid_t pid, const char *group, spc_err_t *err)
{
  char text[24], what[96];
  snprintf (text, sizeof text, "%d\n", (int) pid);
  snprintf (what, sizeof what, "put the container in group `%s`", group);
  return append_to (group_fd, "tasks", text, what, err);
}

/* The CTRL_MON group, opened: the root for closID "/", a group closID
 * names (made if missing when there are schemata to give it, else it must
 * exist), or one named after the container, which must be new. Only that
 * last one is recorded in made->group: the spec has delete remove a group
 * closID names never, made or not. *fresh says it is new. */
static int
open_group (int rootfd, const struct spc_intel_rdt *rdt, const char *id,
            struct spc_rdt_made *made, bool *fresh, spc_err_t *err)
{
  const char *name = rdt->clos_id ? rdt->clos_id : id;
  if (strcmp (name, "/") == 0)
    return openat (rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rdt->clos_id && !has_schemata (rdt))
    ; /* joined as it is */
  else if (mkdirat (rootfd, name, 0755) == 0)
    {
      *fresh = true;
      if (rdt->clos_id == NULL && (made->group = strdup (name)) == NULL)
        return spc_error_errno (err, "strdup");
    }
  else if (errno != EEXIST)
    return spc_error_errno (err, "linux.intelRdt: make group `%s`", name);
  else if (rdt->clos_id == NULL)
    return spc_error_make (err, 0, "linux.intelRdt: group `%s` (the container's ID) exists "
                                   "already",
                           name);
  int fd = openat (rootfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return spc_error_make (err, 0, "linux.intelRdt.closID: no group `%s` (without schemata "
                                   "the group must exist)",
                           name);
  if (fd < 0)
    return spc_error_errno (err, "linux.intelRdt: open group `%s`", name);
  return fd;
}

/* mon_groups/<id> in the group, recorded in made->mon. */
static int
make_mon_group (int group_fd, const char *group, const char *id, pid_t pid,
                struct spc_rdt_made *made, spc_err_t *err)
{
  _cleanup_free_ char *rel = NULL;
  if (asprintf (&rel, "mon_groups/%s", id) < 0)
    return spc_error_errno (err, "asprintf");
  if (mkdirat (group_fd, rel, 0755) < 0)
    return spc_error_errno (err, "linux.intelRdt.enableMonitoring: make MON group `%s`", rel);
  bool in_root = strcmp (group, "/") == 0;
  if (asprintf (&made->mon, "%s%s%s", in_root ? "" : group, in_root ? "" : "/", rel) < 0)
    {
      made->mon = NULL;
      unlinkat (group_fd, rel, AT_REMOVEDIR);
      return spc_error_errno (err, "asprintf");
    }
  _cleanup_close_ int fd = openat (group_fd, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return spc_error_errno (err, "linux.intelRdt.enableMonitoring: open `%s`", rel);
  return enter (fd, pid, rel, err);
}

static int
setup (int rootfd, const struct spc_intel_rdt *rdt, const char *id, pid_t pid,
       struct spc_rdt_made *made, spc_err_t *err)
{
  _cleanup_free_ char *schemata = has_schemata (rdt) ? schemata_text (rdt) : NULL;
  if (has_schemata (rdt) && schemata == NULL)
    return spc_error_errno (err, "linux.intelRdt: schemata");
  bool fresh = false;
  _cleanup_close_ int group_fd = open_group (rootfd, rdt, id, made, &fresh, err);
  if (group_fd < 0)
    return -1;
  const char *name = rdt->clos_id ? rdt->clos_id : id;
  if (schemata && fresh
      && append_to (group_fd, "schemata", schemata, "write the schemata", err) < 0)
    return -1;
  if (schemata && !fresh && compare_schemata (group_fd, name, schemata, err) < 0)
    return -1;
  if (enter (group_fd, pid, name, err) < 0)
    return -1;
  return rdt->enable_monitoring ? make_mon_group (group_fd, name, id, pid, made, err) : 0;
}

int
spc_rdt_setup (const char *root, const struct spc_intel_rdt *rdt, const char *id, pid_t pid,
               struct spc_rdt_made *made, spc_err_t *err)
{
  if (!rdt->present)
    return 0;
  _cleanup_close_ int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return spc_error_errno (err, "linux.intelRdt: open `%s`", root);
  if ((made->root = strdup (root)) == NULL)
    return spc_error_errno (err, "strdup");
  if (setup (rootfd, rdt, id, pid, made, err) < 0)
    {
      spc_err_t ignored = NULL;
      if (spc_rdt_remove (made, &ignored) < 0)
        spc_warn ("%s", ignored->msg);
      spc_error_free (&ignored);
      return -1;
    }
  return 0;
}

static int
remove_dir (int rootfd, const char *rel, spc_err_t *err)
{
  if (rel && unlinkat (rootfd, rel, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return spc_error_errno (err, "linux.intelRdt: remove `%s`", rel);
  return 0;
}

void
spc_rdt_made_clear (struct spc_rdt_made *made)
{
  free (made->root);
  free (made->group);
  free (made->mon);
  *made = (struct spc_rdt_made){ 0 };
}

int
spc_rdt_remove (struct spc_rdt_made *made, spc_err_t *err)
{
  if (made->root == NULL)
    return 0;
  _cleanup_close_ int rootfd = open (made->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 && errno != ENOENT)
    return spc_error_errno (err, "linux.intelRdt: open `%s`", made->root);
  /* The MON group first: it lives in the group. */
  if (rootfd >= 0
      && (remove_dir (rootfd, made->mon, err) < 0 || remove_dir (rootfd, made->group, err) < 0))
    return -1;
  spc_rdt_made_clear (made);
  return 0;
}
