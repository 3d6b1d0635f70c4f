/* Unit tests for linux.intelRdt (intel-rdt.c) on a directory tree standing
 * in for a resctrl mount: the root's schemata and tasks are plain files,
 * groups the test makes beforehand get them (and mon_groups/), as resctrl
 * gives every CTRL_MON group. What the code writes is read back from the
 * files. Where the kernel would drop a group's files with the group, the
 * test removes them before spc_rdt_remove, which only rmdirs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/intel-rdt.h"
#include "spacer/utils.h"
#include "unit.h"

static char root[64];

static bool
put (const char *rel, const char *text)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/%s", root, rel) < 0)
    return false;
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return fd >= 0 && write (fd, text, strlen (text)) == (ssize_t) strlen (text);
}

static char *
get (const char *rel)
{
  char *text = NULL;
  size_t len;
  spc_err_t err = NULL;
  _cleanup_close_ int fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (spc_read_file_at (fd, rel, &text, &len, &err) < 0)
    spc_error_free (&err);
  return text;
}

static bool
exists (const char *rel)
{
  _cleanup_free_ char *path = NULL;
  struct stat sb;
  return asprintf (&path, "%s/%s", root, rel) >= 0 && stat (path, &sb) == 0;
}

/* A CTRL_MON group as resctrl makes one: schemata, tasks, mon_groups/. */
static bool
kernel_group (const char *name, const char *schemata)
{
  _cleanup_free_ char *dir = NULL, *mon = NULL, *s = NULL, *t = NULL;
  if (asprintf (&dir, "%s/%s", root, name) < 0 || asprintf (&mon, "%s/mon_groups", dir) < 0
      || asprintf (&s, "%s/schemata", name) < 0 || asprintf (&t, "%s/tasks", name) < 0)
    return false;
  return mkdir (dir, 0755) == 0 && mkdir (mon, 0755) == 0 && put (s, schemata) && put (t, "");
}

/* What the kernel does on rmdir of a group: its files go with it. */
static void
kernel_files_go (const char *group)
{
  static const char *const files[] = { "tasks", "schemata" };
  for (size_t i = 0; i < 2; i++)
    {
      _cleanup_free_ char *path = NULL;
      if (asprintf (&path, "%s/%s/%s", root, group, files[i]) >= 0)
        unlink (path);
    }
}

static int
remove_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb, (void) flag, (void) ftw;
  return remove (path);
}

static void
fresh_root (void)
{
  if (root[0])
    nftw (root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  strcpy (root, "/tmp/spacer-rdt-XXXXXX");
  if (mkdtemp (root) == NULL)
    abort ();
  /* The root group: the default CLOS. */
  if (!put ("schemata", "    L3:0=7ff;1=7ff\n    MB:0=100;1=100\n") || !put ("tasks", "1\n"))
    abort ();
  if (mkdir (strcat (strcpy ((char[96]){ 0 }, root), "/mon_groups"), 0755) < 0)
    abort ();
}

static struct spc_intel_rdt
rdt_of (const char *clos_id, const char *l3, const char *mb, bool mon)
{
  return (struct spc_intel_rdt){ .present = true, .clos_id = (char *) clos_id,
                                 .l3_cache_schema = (char *) l3, .mem_bw_schema = (char *) mb,
                                 .enable_monitoring = mon };
}

/* ---- cases -------------------------------------------------------------- */

static bool
without_clos_id_a_group_named_after_the_container_is_made_and_removed (void)
{
  fresh_root ();
  char *lines[] = { "L2:0=f;1=f", NULL };
  struct spc_intel_rdt rdt = rdt_of (NULL, "L3:0=7f0;1=1f", "MB:0=20;1=70", false);
  rdt.schemata = lines;
  rdt.n_schemata = 1;
  struct spc_rdt_made made = { 0 };
  spc_err_t err = NULL;
  CHECK (spc_rdt_setup (root, &rdt, "c1", 4242, &made, &err) == 0);
  CHECK_STR (made.group, "c1");
  CHECK (made.mon == NULL);
  _cleanup_free_ char *schemata = get ("c1/schemata"), *tasks = get ("c1/tasks");
  /* l3CacheSchema, memBwSchema, then schemata: the order the spec wants. */
  CHECK_STR (schemata, "L3:0=7f0;1=1f\nMB:0=20;1=70\nL2:0=f;1=f\n");
  CHECK_STR (tasks, "4242\n");
  kernel_files_go ("c1");
  CHECK (spc_rdt_remove (&made, &err) == 0);
  CHECK (!exists ("c1") && made.root == NULL);
  return true;
}

static bool
a_container_group_that_exists_already_is_refused (void)
{
  fresh_root ();
  CHECK (kernel_group ("c1", "L3:0=7ff\n"));
  struct spc_intel_rdt rdt = rdt_of (NULL, "L3:0=7f0", NULL, false);
  struct spc_rdt_made made = { 0 };
  spc_err_t err = NULL;
  CHECK (spc_rdt_setup (root, &rdt, "c1", 4242, &made, &err) < 0);
  CHECK_CONTAINS (err->msg, "linux.intelRdt: group `c1` (the container's ID) exists already");
  spc_error_free (&err);
  CHECK (made.root == NULL && exists ("c1/schemata"));
  return true;
}

static bool
a_clos_id_group_that_exists_is_joined_when_its_schemata_match (void)
{
  fresh_root ();
  CHECK (kernel_group ("gold", "    L3:0=7f0;1=01f\n    MB:0=20;1=70\n"));
  struct spc_intel_rdt rdt = rdt_of ("gold", "L3:1=1f;0=7f0", "MB:0=20", true);
  struct spc_rdt_made made = { 0 };
  spc_err_t err = NULL;
  CHECK (spc_rdt_setup (root, &rdt, "c1", 77, &made, &err) == 0);
  /* Joined, not made: delete leaves it; the MON group is the container's. */
  CHECK (made.group == NULL);
  CHECK_STR (made.mon, "gold/mon_groups/c1");
  _cleanup_free_ char *schemata = get ("gold/schemata"), *tasks = get ("gold/tasks"),
                      *mon_tasks = get ("gold/mon_groups/c1/tasks");
  CHECK_STR (schemata, "    L3:0=7f0;1=01f\n    MB:0=20;1=70\n");
  CHECK_STR (tasks, "77\n");
  CHECK_STR (mon_tasks, "77\n");
  kernel_files_go ("gold/mon_groups/c1");
  CHECK (spc_rdt_remove (&made, &err) == 0);
  CHECK (!exists ("gold/mon_groups/c1") && exists ("gold/schemata"));
  return true;
}

static bool
a_clos_id_group_with_other_schemata_is_an_error (void)
{
  fresh_root ();
  CHECK (kernel_group ("gold", "    L3:0=7f0;1=1f\n    MB:0=20;1=70\n"));
  struct spc_rdt_made made = { 0 };
  spc_err_t err = NULL;
  struct spc_intel_rdt rdt = rdt_of ("gold", "L3:0=7f0;1=3f", NULL, false);
  CHECK (spc_rdt_setup (root, &rdt, "c1", 77, &made, &err) < 0);
  CHECK_CONTAINS (err->msg, "group `gold` exists with other schemata than `L3:0=7f0;1=3f`");
  spc_error_free (&err);
  rdt = rdt_of ("gold", NULL, "MB:1=80", false);
  CHECK (spc_rdt_setup (root, &rdt, "c1", 77, &made, &err) < 0);
  CHECK_CONTAINS (err->msg, "other schemata than `MB:1=80`");
  spc_error_free (&err);
  _cleanup_free_ char *tasks = get ("gold/tasks");
  CHECK_STR (tasks, "");
  return true;
}

static bool
a_clos_id_group_without_schemata_must_exist (void)
{
  fresh_root ();
  struct spc_intel_rdt rdt = rdt_of ("silver", NULL, NULL, false);
  struct spc_rdt_made made = { 0 };
  spc_err_t err = NULL;
  CHECK (spc_rdt_setup (root, &rdt, "c1", 77, &made, &err) < 0);
  CHECK_CONTAINS (err->msg, "linux.intelRdt.closID: no group `silver`");
  spc_error_free (&err);
  CHECK (!exists ("silver"));
  /* Given schemata, a missing closID group is made, but not recorded:
   * the spec has delete leave a group closID names. */
  rdt = rdt_of ("silver", "L3:0=f", NULL, false);
  CHECK (spc_rdt_setup (root, &rdt, "c1", 77, &made, &err) == 0);
  CHECK (made.group == NULL);
  _cleanup_free_ char *schemata = get ("silver/schemata");
  CHECK_STR (schemata, "L3:0=f\n");
  spc_rdt_made_clear (&made);
  return true;
}

static bool
clos_id_slash_is_the_root_group (void)
{
  fresh_root ();
  struct spc_intel_rdt rdt = rdt_of ("/", NULL, NULL, true);
  struct spc_rdt_made made = { 0 };
  spc_err_t err = NULL;
  CHECK (spc_rdt_setup (root, &rdt, "c1", 99, &made, &err) == 0);
  CHECK (made.group == NULL);
  CHECK_STR (made.mon, "mon_groups/c1");
  _cleanup_free_ char *tasks = get ("tasks"), *mon = get ("mon_groups/c1/tasks");
  CHECK_STR (tasks, "1\n99\n");
  CHECK_STR (mon, "99\n");
  kernel_files_go ("mon_groups/c1");
  CHECK (spc_rdt_remove (&made, &err) == 0);
  CHECK (!exists ("mon_groups/c1") && exists ("tasks"));
  return true;
}

static bool
a_failure_part_way_removes_what_was_made (void)
{
  fresh_root ();
  /* The group is made, its MON group cannot be (no mon_groups/ in a group
   * this tree did not get from a kernel): the group is removed again. Here
   * its rmdir fails (the files a kernel would drop are still in it), so
   * the group stays recorded for the create's undo, which then removes it. */
  struct spc_intel_rdt rdt = rdt_of (NULL, "L3:0=f", NULL, true);
  struct spc_rdt_made made = { 0 };
  spc_err_t err = NULL;
  CHECK (spc_rdt_setup (root, &rdt, "c2", 5, &made, &err) < 0);
  CHECK_CONTAINS (err->msg, "linux.intelRdt.enableMonitoring: make MON group `mon_groups/c2`");
  spc_error_free (&err);
  CHECK_STR (made.group, "c2");
  CHECK (made.mon == NULL && exists ("c2/schemata"));
  kernel_files_go ("c2");
  CHECK (spc_rdt_remove (&made, &err) == 0);
  CHECK (!exists ("c2") && made.root == NULL);
  return true;
}

static bool
without_resctrl_the_field_is_refused_by_name (void)
{
  struct spc_intel_rdt rdt = rdt_of (NULL, NULL, NULL, false);
  spc_err_t err = NULL;
  if (spc_rdt_available ())
    {
      report_skip (__func__, "resctrl is mounted here");
      return true;
    }
  CHECK (spc_rdt_check (&rdt, &err) < 0);
  CHECK_CONTAINS (err->msg, "linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl");
  spc_error_free (&err);
  rdt.present = false;
  CHECK (spc_rdt_check (&rdt, &err) == 0);
  return true;
}

int
main (void)
{
  RUN (without_clos_id_a_group_named_after_the_container_is_made_and_removed);
  RUN (a_container_group_that_exists_already_is_refused);
  RUN (a_clos_id_group_that_exists_is_joined_when_its_schemata_match);
  RUN (a_clos_id_group_with_other_schemata_is_an_error);
  RUN (a_clos_id_group_without_schemata_must_exist);
  RUN (clos_id_slash_is_the_root_group);
  RUN (a_failure_part_way_removes_what_was_made);
  RUN (without_resctrl_the_field_is_refused_by_name);
  if (root[0])
    nftw (root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return unit_summary ();
}
