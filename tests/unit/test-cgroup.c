/* Unit tests for linux.resources in cgroup files (spc_cgroup_apply), on
 * synthetic trees (SPACER_CGROUP_ROOT: v2, v1, hybrid) where every write
 * leaves a plain file to read back, and once on the real host, below our
 * own cgroup. Each case is a bool function run by tests/unit/unit.h, which prints
 * TAP-like "ok N - name" lines and a final "N passed, M failed". JSON is
 * written with single quotes (turned into double quotes before parsing). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/error.h"
#include "unit.h"

/* ---- synthetic trees ---------------------------------------------------- */

enum layout
{
  LAYOUT_V2,        /* ROOT/cgroup.controllers */
  LAYOUT_V1,        /* ROOT/memory, ROOT/cpu,cpuacct, ... */
  LAYOUT_V1_NO_NET, /* the same without net_cls,net_prio */
  LAYOUT_HYBRID,    /* v1 without hugetlb, plus ROOT/unified offering hugetlb */
};

struct tree
{
  char root[64];
  struct spc_cgroup cg;
  bool live; /* the container's directories exist */
};

static bool
put_file (const char *root, const char *rel, const char *text)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/%s", root, rel) < 0)
    return false;
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return fd >= 0 && write (fd, text, strlen (text)) == (ssize_t) strlen (text);
}

static bool
make_dir (const char *root, const char *rel)
{
  _cleanup_free_ char *path = NULL;
  return asprintf (&path, "%s/%s", root, rel) >= 0 && mkdir (path, 0755) == 0;
}

static bool
make_v1_hierarchies (const char *root, bool net, bool hugetlb)
{
  static const char *const dirs[] = { "memory", "cpu,cpuacct", "pids", "blkio", "devices",
                                      "freezer", "cpuset" };
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    if (!make_dir (root, dirs[i]))
      return false;
  /* A new v1 cpuset copies its parent's cpus and mems. */
  return put_file (root, "cpuset/cpuset.cpus", "0-1\n")
         && put_file (root, "cpuset/cpuset.mems", "0\n")
         && (!net || make_dir (root, "net_cls,net_prio"))
         && (!hugetlb || make_dir (root, "hugetlb"));
}

static bool
make_layout (const char *root, enum layout layout)
{
  switch (layout)
    {
    case LAYOUT_V2:
      return put_file (root, "cgroup.controllers", "cpu io memory pids hugetlb cpuset\n");
    case LAYOUT_V1:
      return make_v1_hierarchies (root, true, true);
    case LAYOUT_V1_NO_NET:
      return make_v1_hierarchies (root, false, true);
    case LAYOUT_HYBRID:
      return make_v1_hierarchies (root, true, false) && make_dir (root, "unified")
             && put_file (root, "unified/cgroup.controllers", "hugetlb\n");
    }
  return false;
}

static int
remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  return remove (path);
}

/* Destroys the container's cgroup and checks that every directory spacer
 * made is gone. */
static bool
tree_destroy (struct tree *t)
{
  _cleanup_error_ spc_err_t err = NULL;
  if (!t->live)
    return true;
  t->live = false;
  if (spc_cgroup_destroy (&t->cg, &err) < 0)
    {
      printf ("#   destroy: %s\n", err->msg);
      return false;
    }
  for (size_t i = 0; i < t->cg.n_dirs; i++)
    if (access (t->cg.dirs[i].path, F_OK) == 0 || errno != ENOENT
        || (t->cg.dirs[i].top && access (t->cg.dirs[i].top, F_OK) == 0))
      {
        printf ("#   destroy left `%s`\n", t->cg.dirs[i].path);
        return false;
      }
  return true;
}

/* Whatever happened, nothing stays behind. */
static void
tree_cleanup (struct tree *t)
{
  tree_destroy (t);
  spc_cgroup_clear (&t->cg);
  if (t->root[0])
    nftw (t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  unsetenv (SPC_CGROUP_ROOT_ENV);
}

#define _cleanup_tree_ __attribute__ ((cleanup (tree_cleanup)))

/* A synthetic tree with the container's cgroup created in it. */
static bool
tree_init (struct tree *t, enum layout layout)
{
  _cleanup_error_ spc_err_t err = NULL;
  *t = (struct tree){ .root = "/tmp/spacer-cgtest-XXXXXX" };
  if (mkdtemp (t->root) == NULL)
    {
      t->root[0] = '\0';
      return false;
    }
  if (!make_layout (t->root, layout) || setenv (SPC_CGROUP_ROOT_ENV, t->root, 1) < 0)
    return false;
  if (spc_cgroup_plan (NULL, "spacer-test", false, &t->cg, &err) < 0
      || spc_cgroup_create (&t->cg, &err) < 0)
    {
      printf ("#   %s\n", err->msg);
      return false;
    }
  t->live = true;
  return true;
}

/* The container's directory for a controller. */
static const char *
dir_of (const struct tree *t, const char *ctrl)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (&t->cg, ctrl);
  return d ? d->path : "(no such controller)";
}

/* A file of the container's cgroup without its trailing newline, or NULL
 * when it does not exist. */
static char *
read_in (const char *dir, const char *file)
{
  char *text = NULL;
  spc_err_t err = NULL;
  if (spc_cgroup_read (dir, file, &text, &err) < 0)
    {
      spc_error_free (&err);
      return NULL;
    }
  size_t len = strlen (text);
  while (len && text[len - 1] == '\n')
    text[--len] = '\0';
  return text;
}

#define CHECK_FILE(t, ctrl, file, expected)                                                   \
  do                                                                                          \
    {                                                                                         \
      _cleanup_free_ char *v_ = read_in (dir_of ((t), (ctrl)), (file));                       \
      CHECK_STR (v_, (expected));                                                             \
    }                                                                                         \
  while (0)

/* A file (or with `dir` a directory) in the container's cgroup, as a
 * kernel would offer it. */
static bool
offer (const struct tree *t, const char *ctrl, const char *file, bool dir)
{
  return dir ? make_dir (dir_of (t, ctrl), file) : put_file (dir_of (t, ctrl), file, "");
}

struct apply_call
{
  const struct spc_cgroup *cg;
  const char *resources;
  char *error;
};

static void
do_apply (void *arg)
{
  struct apply_call *call = arg;
  _cleanup_free_ char *json = NULL;
  _cleanup_config_ struct spc_config *c = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_free_ char *tmpl = NULL;
  if (asprintf (&tmpl, "{'ociVersion':'1.2.0','root':{'path':'rootfs'},'linux':{'resources':%s}}",
                call->resources) < 0)
    abort ();
  json = unit_dequote (tmpl);
  if (spc_config_load_buffer (json, strlen (json), "config.json", &c, &err) < 0
      || spc_cgroup_apply (call->cg, &c->linux_.resources, NULL, &err) < 0)
    call->error = strdup (err && err->msg ? err->msg : "(no message)");
}

/* Applies a linux.resources object (single-quoted JSON): NULL on success,
 * else the error message; what was warned in *warnings when asked for. */
static char *
apply (const struct tree *t, const char *resources, char **warnings)
{
  struct apply_call call = { .cg = &t->cg, .resources = resources };
  char *text = unit_capture_stderr (do_apply, &call);
  if (warnings)
    *warnings = text;
  else
    {
      if (text[0])
        printf ("#   warned: %s", text);
      free (text);
    }
  return call.error;
}

#define CHECK_APPLIES(t, resources)                                                           \
  do                                                                                          \
    {                                                                                         \
      _cleanup_free_ char *err_ = apply ((t), (resources), NULL);                             \
      CHECK_STR (err_, NULL);                                                                 \
    }                                                                                         \
  while (0)

#define CHECK_FAILS(t, resources, message)                                                    \
  do                                                                                          \
    {                                                                                         \
      _cleanup_free_ char *err_ = apply ((t), (resources), NULL);                             \
      CHECK_STR (err_, (message));                                                            \
    }                                                                                         \
  while (0)

/* The number of regular files in the container's directory for ctrl. */
static int
count_files (const struct tree *t, const char *ctrl)
{
  _cleanup_closedir_ DIR *d = opendir (dir_of (t, ctrl));
  struct dirent *de;
  int n = 0;
  while (d && (de = readdir (d)))
    n += de->d_type == DT_REG;
  return d ? n : -1;
}

/* ---- cgroup v2 ---------------------------------------------------------- */

static bool
v2_memory_limit_swap_reservation (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_APPLIES (&t, "{'memory':{'limit':1048576,'swap':2097152,'reservation':524288}}");
  CHECK_FILE (&t, "memory", "memory.max", "1048576");
  /* OCI swap is memory+swap; memory.swap.max is swap alone. */
  CHECK_FILE (&t, "memory", "memory.swap.max", "1048576");
  CHECK_FILE (&t, "memory", "memory.low", "524288");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_memory_unlimited (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  /* -1 with no swap value: both unlimited (runc). */
  CHECK_APPLIES (&t, "{'memory':{'limit':-1}}");
  CHECK_FILE (&t, "memory", "memory.max", "max");
  CHECK_FILE (&t, "memory", "memory.swap.max", "max");
  CHECK_APPLIES (&t, "{'memory':{'limit':1000,'swap':-1,'reservation':-1}}");
  CHECK_FILE (&t, "memory", "memory.max", "1000");
  CHECK_FILE (&t, "memory", "memory.swap.max", "max");
  CHECK_FILE (&t, "memory", "memory.low", "max");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_memory_swap_needs_limit (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_FAILS (&t, "{'memory':{'swap':2097152}}",
               "linux.resources.memory.swap: cgroup v2 needs linux.resources.memory.limit too "
               "(it limits swap alone: memory.swap.max = swap - limit)");
  CHECK_FAILS (&t, "{'memory':{'limit':2000,'swap':1000}}",
               "linux.resources.memory.swap: 1000 is below linux.resources.memory.limit 2000 "
               "(swap is memory+swap)");
  CHECK (count_files (&t, "memory") == 0);
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_memory_v1_only_values_warn (void)
{
  _cleanup_tree_ struct tree t;
  _cleanup_free_ char *warnings = NULL;
  CHECK (tree_init (&t, LAYOUT_V2));
  _cleanup_free_ char *e = apply (&t,
                                  "{'memory':{'swappiness':10,'kernel':1000,'kernelTCP':1000,"
                                  "'disableOOMKiller':true,'useHierarchy':true,"
                                  "'checkBeforeUpdate':true}}",
                                  &warnings);
  CHECK_STR (e, NULL);
  CHECK_CONTAINS (warnings, "warning: linux.resources.memory.swappiness: cgroup v2 has no "
                            "memory.swappiness; ignored\n");
  CHECK_CONTAINS (warnings, "linux.resources.memory.kernel: cgroup v2 has no kernel memory limit");
  CHECK_CONTAINS (warnings, "linux.resources.memory.kernelTCP: cgroup v2 has no TCP buffer limit");
  CHECK_CONTAINS (warnings, "linux.resources.memory.disableOOMKiller: cgroup v2 has no switch");
  CHECK (strstr (warnings, "useHierarchy") == NULL);
  CHECK (count_files (&t, "memory") == 0);
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_cpu_weight_from_shares (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  /* weight = 1 + ((shares - 2) * 9999) / 262142 */
  CHECK_APPLIES (&t, "{'cpu':{'shares':1024}}");
  CHECK_FILE (&t, "cpu", "cpu.weight", "39");
  CHECK_APPLIES (&t, "{'cpu':{'shares':2}}");
  CHECK_FILE (&t, "cpu", "cpu.weight", "1");
  CHECK_APPLIES (&t, "{'cpu':{'shares':262144}}");
  CHECK_FILE (&t, "cpu", "cpu.weight", "10000");
  CHECK_APPLIES (&t, "{'cpu':{'shares':0}}"); /* clamped to 2 */
  CHECK_FILE (&t, "cpu", "cpu.weight", "1");
  CHECK_APPLIES (&t, "{'cpu':{'shares':1000000}}"); /* clamped to 262144 */
  CHECK_FILE (&t, "cpu", "cpu.weight", "10000");
  CHECK_APPLIES (&t, "{'cpu':{'shares':512}}");
  CHECK_FILE (&t, "cpu", "cpu.weight", "20");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_cpu_max_burst_idle_cpuset (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_APPLIES (&t, "{'cpu':{'quota':50000,'period':100000,'burst':1000,'idle':1,"
                     "'cpus':'0-1','mems':'0'}}");
  CHECK_FILE (&t, "cpu", "cpu.max", "50000 100000");
  CHECK_FILE (&t, "cpu", "cpu.max.burst", "1000");
  CHECK_FILE (&t, "cpu", "cpu.idle", "1");
  CHECK_FILE (&t, "cpuset", "cpuset.cpus", "0-1");
  CHECK_FILE (&t, "cpuset", "cpuset.mems", "0");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_cpu_max_keeps_what_is_not_given (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  /* A new cgroup: "max 100000". */
  CHECK_APPLIES (&t, "{'cpu':{'quota':20000}}");
  CHECK_FILE (&t, "cpu", "cpu.max", "20000 100000");
  CHECK_APPLIES (&t, "{'cpu':{'quota':50000,'period':200000}}");
  CHECK_APPLIES (&t, "{'cpu':{'period':100000}}");
  CHECK_FILE (&t, "cpu", "cpu.max", "50000 100000");
  CHECK_APPLIES (&t, "{'cpu':{'quota':-1}}");
  CHECK_FILE (&t, "cpu", "cpu.max", "max 100000");
  CHECK_APPLIES (&t, "{'cpu':{'period':50000}}");
  CHECK_FILE (&t, "cpu", "cpu.max", "max 50000");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_cpu_realtime_is_an_error (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_FAILS (&t, "{'cpu':{'realtimeRuntime':1000,'realtimePeriod':10000}}",
               "linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime CPU bandwidth "
               "(cpu.rt_period_us and cpu.rt_runtime_us are cgroup v1's)");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_pids (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_APPLIES (&t, "{'pids':{'limit':100}}");
  CHECK_FILE (&t, "pids", "pids.max", "100");
  CHECK_APPLIES (&t, "{'pids':{'limit':-1}}");
  CHECK_FILE (&t, "pids", "pids.max", "max");
  /* runtime-spec 1.3: 0 is a limit, not "unset". */
  CHECK_APPLIES (&t, "{'pids':{'limit':0}}");
  CHECK_FILE (&t, "pids", "pids.max", "0");
  CHECK_APPLIES (&t, "{'pids':{'limit':-2}}");
  CHECK_FILE (&t, "pids", "pids.max", "max");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_io_weight (void)
{
  _cleanup_tree_ struct tree t;
  _cleanup_free_ char *warnings = NULL;
  CHECK (tree_init (&t, LAYOUT_V2));
  /* io_weight = 1 + (weight - 10) * 9999 / 990 */
  CHECK_APPLIES (&t, "{'blockIO':{'weight':500}}");
  CHECK_FILE (&t, "io", "io.weight", "4950");
  CHECK_APPLIES (&t, "{'blockIO':{'weight':10}}");
  CHECK_FILE (&t, "io", "io.weight", "1");
  CHECK_APPLIES (&t, "{'blockIO':{'weight':1000}}");
  CHECK_FILE (&t, "io", "io.weight", "10000");
  _cleanup_free_ char *e = apply (&t, "{'blockIO':{'leafWeight':300,'weightDevice':"
                                      "[{'major':8,'minor':0,'weight':100,'leafWeight':50}]}}",
                                  &warnings);
  CHECK_STR (e, NULL);
  CHECK_FILE (&t, "io", "io.weight", "8:0 910");
  CHECK_CONTAINS (warnings, "linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weights");
  CHECK_CONTAINS (warnings,
                  "linux.resources.blockIO.weightDevice[0]: cgroup v2 has no leaf weights");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_io_bfq_weight_is_raw (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK (offer (&t, "io", "io.bfq.weight", false));
  CHECK_APPLIES (&t, "{'blockIO':{'weight':500}}");
  CHECK_FILE (&t, "io", "io.bfq.weight", "500");
  CHECK_FILE (&t, "io", "io.weight", NULL);
  CHECK_APPLIES (&t, "{'blockIO':{'weightDevice':[{'major':8,'minor':16,'weight':200}]}}");
  CHECK_FILE (&t, "io", "io.bfq.weight", "8:16 200");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_io_max_merges_by_device (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_APPLIES (&t, "{'blockIO':{"
                     "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1000}],"
                     "'throttleWriteBpsDevice':[{'major':8,'minor':0,'rate':2000}],"
                     "'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':30}],"
                     "'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':0}]}}");
  /* v1's rate 0 ("no limit") is v2's "max". */
  CHECK_FILE (&t, "io", "io.max", "8:0 rbps=1000 wbps=2000 riops=30 wiops=max");
  /* One line per device; the file keeps the last one written. */
  CHECK_APPLIES (&t, "{'blockIO':{"
                     "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1}],"
                     "'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':7},"
                     "{'major':8,'minor':0,'rate':9}]}}");
  CHECK_FILE (&t, "io", "io.max", "8:16 wiops=7");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_hugetlb (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_APPLIES (&t, "{'hugepageLimits':[{'pageSize':'2MB','limit':4194304},"
                     "{'pageSize':'1GB','limit':0}]}");
  CHECK_FILE (&t, "hugetlb", "hugetlb.2MB.max", "4194304");
  CHECK_FILE (&t, "hugetlb", "hugetlb.1GB.max", "0");
  CHECK_FILE (&t, "hugetlb", "hugetlb.2MB.rsvd.max", NULL);
  /* Reserved pages too, where the kernel tells them apart. */
  CHECK (offer (&t, "hugetlb", "hugetlb.2MB.rsvd.max", false));
  CHECK_APPLIES (&t, "{'hugepageLimits':[{'pageSize':'2MB','limit':2097152}]}");
  CHECK_FILE (&t, "hugetlb", "hugetlb.2MB.rsvd.max", "2097152");
  CHECK_FAILS (&t, "{'hugepageLimits':[{'pageSize':'2MB','limit':1},{'pageSize':'2M','limit':1}]}",
               "linux.resources.hugepageLimits[1].pageSize: `2M` is not a page size as the "
               "kernel names it (\"2MB\", \"1GB\")");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_unified (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  /* Raw values go last and override the converted ones. */
  CHECK_APPLIES (&t, "{'memory':{'limit':1048576},"
                     "'unified':{'memory.high':'500000','memory.max':'2000000',"
                     "'cgroup.max.depth':'3'}}");
  CHECK_FILE (&t, "memory", "memory.high", "500000");
  CHECK_FILE (&t, "memory", "memory.max", "2000000");
  CHECK_FILE (&t, "memory", "cgroup.max.depth", "3");
  CHECK_FAILS (&t, "{'unified':{'../memory.max':'1'}}",
               "linux.resources.unified[\"../memory.max\"]: not a cgroup2 interface file "
               "(CONTROLLER.NAME)");
  CHECK_FAILS (&t, "{'unified':{'.hidden':'1'}}",
               "linux.resources.unified[\".hidden\"]: not a cgroup2 interface file "
               "(CONTROLLER.NAME)");
  CHECK_FAILS (&t, "{'unified':{'rdma.max':'mlx4_0 hca_handle=2'}}",
               "linux.resources.unified[\"rdma.max\"]: cgroup v2 has no rdma controller here");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v2_network_is_missing (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_FAILS (&t, "{'network':{'classID':1048577}}",
               "linux.resources.network.classID: the host has no net_cls controller");
  CHECK_FAILS (&t, "{'network':{'priorities':[{'name':'eth0','priority':5}]}}",
               "linux.resources.network.priorities: the host has no net_prio controller");
  CHECK (tree_destroy (&t));
  return true;
}

/* The eBPF filter (cgroup-devices.c) gets the rules; in a synthetic tree
 * it writes them to devices.bpf.rules. */
static bool
v2_devices_go_to_the_filter (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_APPLIES (&t, "{'devices':[{'allow':true,'type':'c','major':10,'minor':229}]}");
  /* Everything not allowed is denied, as in runc: the standard devices are
   * allowed whatever the rules, checked first (the filter goes from the
   * last rule). */
  _cleanup_free_ char *alone = read_in (dir_of (&t, "memory"), "devices.bpf.rules");
  CHECK_CONTAINS (alone, "c 10:229 rwm");
  CHECK_CONTAINS (alone, "c 1:3 rwm");
  CHECK_APPLIES (&t, "{'devices':[{'allow':false,'access':'rwm'},"
                     "{'allow':true,'type':'c','major':10,'minor':229}]}");
  _cleanup_free_ char *rules = read_in (dir_of (&t, "memory"), "devices.bpf.rules");
  CHECK_CONTAINS (rules, "c 10:229 rwm");
  CHECK_CONTAINS (rules, "c 1:3 rwm");
  CHECK_CONTAINS (rules, "c 136:* rwm");
  CHECK (strstr (rules, "c 136:*") < strstr (rules, "c 10:229")); /* checked last first */
  CHECK (count_files (&t, "memory") == 1);
  CHECK (tree_destroy (&t));
  return true;
}

/* Nothing given, nothing written: `update` relies on it. */
static bool
v2_only_given_values_are_written (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V2));
  CHECK_APPLIES (&t, "{}");
  CHECK_APPLIES (&t, "{'memory':{},'cpu':{},'pids':{},'blockIO':{},'network':{},"
                     "'hugepageLimits':[],'devices':[],'unified':{}}");
  CHECK (count_files (&t, "memory") == 0);
  CHECK_APPLIES (&t, "{'memory':{'limit':1000}}");
  CHECK_APPLIES (&t, "{'pids':{'limit':5}}");
  CHECK_FILE (&t, "memory", "memory.max", "1000");
  CHECK (count_files (&t, "memory") == 2);
  CHECK (tree_destroy (&t));
  return true;
}

/* ---- cgroup v1 ---------------------------------------------------------- */

static bool
v1_memory (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_APPLIES (&t, "{'memory':{'limit':1048576,'swap':2097152,'reservation':524288,"
                     "'kernel':4194304,'kernelTCP':1048576,'swappiness':60,"
                     "'disableOOMKiller':true,'useHierarchy':true}}");
  CHECK_FILE (&t, "memory", "memory.limit_in_bytes", "1048576");
  /* OCI swap is memory+swap, as memsw. */
  CHECK_FILE (&t, "memory", "memory.memsw.limit_in_bytes", "2097152");
  CHECK_FILE (&t, "memory", "memory.soft_limit_in_bytes", "524288");
  CHECK_FILE (&t, "memory", "memory.kmem.limit_in_bytes", "4194304");
  CHECK_FILE (&t, "memory", "memory.kmem.tcp.limit_in_bytes", "1048576");
  CHECK_FILE (&t, "memory", "memory.swappiness", "60");
  CHECK_FILE (&t, "memory", "memory.oom_control", "1");
  CHECK_FILE (&t, "memory", "memory.use_hierarchy", "1");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_memory_unlimited (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  /* No memsw file (as without swap accounting): left alone. */
  CHECK_APPLIES (&t, "{'memory':{'limit':-1}}");
  CHECK_FILE (&t, "memory", "memory.limit_in_bytes", "-1");
  CHECK_FILE (&t, "memory", "memory.memsw.limit_in_bytes", NULL);
  /* With one, memsw is lifted too (a finite one would refuse the limit). */
  CHECK_APPLIES (&t, "{'memory':{'limit':1000,'swap':2000}}");
  CHECK_APPLIES (&t, "{'memory':{'limit':-1}}");
  CHECK_FILE (&t, "memory", "memory.limit_in_bytes", "-1");
  CHECK_FILE (&t, "memory", "memory.memsw.limit_in_bytes", "-1");
  CHECK (tree_destroy (&t));
  return true;
}

/* memory.limit_in_bytes is made a directory, so its write fails: what
 * was written before it shows the order. */
static bool
check_memsw_order (const char *memsw_before, const char *resources, const char *memsw_after)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK (put_file (dir_of (&t, "memory"), "memory.memsw.limit_in_bytes", memsw_before));
  CHECK (offer (&t, "memory", "memory.limit_in_bytes", true));
  _cleanup_free_ char *e = apply (&t, resources, NULL);
  CHECK_CONTAINS (e, "linux.resources.memory.limit: open `");
  CHECK_CONTAINS (e, "/memory.limit_in_bytes`: Is a directory");
  CHECK_FILE (&t, "memory", "memory.memsw.limit_in_bytes", memsw_after);
  _cleanup_free_ char *limit = NULL;
  CHECK (asprintf (&limit, "%s/memory.limit_in_bytes", dir_of (&t, "memory")) > 0);
  CHECK (rmdir (limit) == 0);
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_memory_and_swap_order (void)
{
  /* A new limit above the current memsw: memsw first. */
  CHECK (check_memsw_order ("1048576\n", "{'memory':{'limit':4194304,'swap':8388608}}",
                            "8388608"));
  /* Otherwise the limit first (memsw not reached). */
  CHECK (check_memsw_order ("16777216\n", "{'memory':{'limit':4194304,'swap':8388608}}",
                            "16777216"));
  /* Unlimited is above any memsw. */
  CHECK (check_memsw_order ("1048576\n", "{'memory':{'limit':-1,'swap':-1}}", "-1"));
  return true;
}

static bool
v1_memory_swappiness_range (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_FAILS (&t, "{'memory':{'limit':1000,'swappiness':101}}",
               "linux.resources.memory.swappiness: 101 is not in 0..100");
  CHECK (count_files (&t, "memory") == 0);
  CHECK_APPLIES (&t, "{'memory':{'swappiness':0,'disableOOMKiller':false}}");
  CHECK_FILE (&t, "memory", "memory.swappiness", "0");
  CHECK_FILE (&t, "memory", "memory.oom_control", "0");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_cpu (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_APPLIES (&t, "{'cpu':{'shares':512,'quota':50000,'period':100000,'burst':1000,"
                     "'realtimeRuntime':950000,'realtimePeriod':1000000,'idle':0,"
                     "'cpus':'1','mems':'0'}}");
  CHECK_FILE (&t, "cpu", "cpu.shares", "512");
  CHECK_FILE (&t, "cpu", "cpu.cfs_quota_us", "50000");
  CHECK_FILE (&t, "cpu", "cpu.cfs_period_us", "100000");
  CHECK_FILE (&t, "cpu", "cpu.cfs_burst_us", "1000");
  CHECK_FILE (&t, "cpu", "cpu.rt_runtime_us", "950000");
  CHECK_FILE (&t, "cpu", "cpu.rt_period_us", "1000000");
  CHECK_FILE (&t, "cpu", "cpu.idle", "0");
  CHECK_CONTAINS (dir_of (&t, "cpu"), "/cpu,cpuacct/spacer-test");
  CHECK_FILE (&t, "cpuset", "cpuset.cpus", "1");
  CHECK_FILE (&t, "cpuset", "cpuset.mems", "0");
  CHECK_CONTAINS (dir_of (&t, "cpuset"), "/cpuset/spacer-test");
  CHECK_APPLIES (&t, "{'cpu':{'quota':-1}}");
  CHECK_FILE (&t, "cpu", "cpu.cfs_quota_us", "-1");
  CHECK_FILE (&t, "cpu", "cpu.cfs_period_us", "100000");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_pids (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_APPLIES (&t, "{'pids':{'limit':64}}");
  CHECK_FILE (&t, "pids", "pids.max", "64");
  CHECK_APPLIES (&t, "{'pids':{'limit':-1}}");
  CHECK_FILE (&t, "pids", "pids.max", "max");
  CHECK_APPLIES (&t, "{'pids':{'limit':0}}");
  CHECK_FILE (&t, "pids", "pids.max", "0");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_blkio (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_APPLIES (&t, "{'blockIO':{'weight':500,'leafWeight':300,"
                     "'weightDevice':[{'major':8,'minor':0,'weight':200,'leafWeight':100}],"
                     "'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1000}],"
                     "'throttleWriteBpsDevice':[{'major':8,'minor':0,'rate':2000}],"
                     "'throttleReadIOPSDevice':[{'major':8,'minor':16,'rate':30}],"
                     "'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':40}]}}");
  CHECK_FILE (&t, "blkio", "blkio.weight", "500");
  CHECK_FILE (&t, "blkio", "blkio.leaf_weight", "300");
  CHECK_FILE (&t, "blkio", "blkio.weight_device", "8:0 200");
  CHECK_FILE (&t, "blkio", "blkio.leaf_weight_device", "8:0 100");
  CHECK_FILE (&t, "blkio", "blkio.throttle.read_bps_device", "8:0 1000");
  CHECK_FILE (&t, "blkio", "blkio.throttle.write_bps_device", "8:0 2000");
  CHECK_FILE (&t, "blkio", "blkio.throttle.read_iops_device", "8:16 30");
  CHECK_FILE (&t, "blkio", "blkio.throttle.write_iops_device", "8:16 40");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_blkio_bfq (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK (offer (&t, "blkio", "blkio.bfq.weight", false));
  CHECK (offer (&t, "blkio", "blkio.bfq.weight_device", false));
  CHECK_APPLIES (&t, "{'blockIO':{'weight':500,"
                     "'weightDevice':[{'major':8,'minor':0,'weight':200}]}}");
  CHECK_FILE (&t, "blkio", "blkio.bfq.weight", "500");
  CHECK_FILE (&t, "blkio", "blkio.bfq.weight_device", "8:0 200");
  CHECK_FILE (&t, "blkio", "blkio.weight", NULL);
  CHECK_FILE (&t, "blkio", "blkio.weight_device", NULL);
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_hugetlb (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_APPLIES (&t, "{'hugepageLimits':[{'pageSize':'2MB','limit':4194304}]}");
  CHECK_FILE (&t, "hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304");
  CHECK (offer (&t, "hugetlb", "hugetlb.1GB.rsvd.limit_in_bytes", false));
  CHECK_APPLIES (&t, "{'hugepageLimits':[{'pageSize':'1GB','limit':1073741824}]}");
  CHECK_FILE (&t, "hugetlb", "hugetlb.1GB.limit_in_bytes", "1073741824");
  CHECK_FILE (&t, "hugetlb", "hugetlb.1GB.rsvd.limit_in_bytes", "1073741824");
  CHECK_FAILS (&t, "{'hugepageLimits':[{'pageSize':'huge','limit':1}]}",
               "linux.resources.hugepageLimits[0].pageSize: `huge` is not a page size as the "
               "kernel names it (\"2MB\", \"1GB\")");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_network (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_APPLIES (&t, "{'network':{'classID':1048577,'priorities':"
                     "[{'name':'lo','priority':2},{'name':'eth0','priority':5}]}}");
  CHECK_FILE (&t, "net_cls", "net_cls.classid", "1048577");
  CHECK_FILE (&t, "net_prio", "net_prio.ifpriomap", "eth0 5");
  CHECK_FAILS (&t, "{'network':{'priorities':[{'name':'eth0 1','priority':5}]}}",
               "linux.resources.network.priorities[0].name: `eth0 1` is not an interface name");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_missing_controllers (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1_NO_NET));
  CHECK_FAILS (&t, "{'network':{'classID':1048577}}",
               "linux.resources.network.classID: the host has no net_cls controller");
  CHECK_FAILS (&t, "{'unified':{'memory.high':'1000'}}",
               "linux.resources.unified: needs cgroup v2 (the host has only v1)");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
v1_devices (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  /* Always the reset first, then the rules, then the standard devices
   * (runc's list, tun last): a synthetic file keeps the last write of each. */
  CHECK_APPLIES (&t, "{'devices':[{'allow':true,'type':'c','major':10,'minor':229,'access':'rw'},"
                     "{'allow':false,'type':'b','major':8}]}");
  CHECK_FILE (&t, "devices", "devices.deny", "b 8:* rwm");
  CHECK_FILE (&t, "devices", "devices.allow", "c 10:200 rwm");
  CHECK_APPLIES (&t, "{'devices':[{'allow':false,'access':'rwm'},"
                     "{'allow':true,'type':'c','major':10,'minor':229,'access':'rwm'}]}");
  CHECK_FILE (&t, "devices", "devices.deny", "a *:* rwm");
  CHECK_FILE (&t, "devices", "devices.allow", "c 10:200 rwm");
  CHECK (tree_destroy (&t));
  return true;
}

/* ---- hybrid ------------------------------------------------------------- */

static bool
hybrid_uses_each_controller_where_it_is (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_HYBRID));
  CHECK (spc_cgroup_mode (&t.cg) == SPC_CGROUP_MODE_HYBRID);
  CHECK_APPLIES (&t, "{'memory':{'limit':1048576},'pids':{'limit':10},"
                     "'hugepageLimits':[{'pageSize':'2MB','limit':2097152}],"
                     "'unified':{'hugetlb.1GB.max':'0'}}");
  CHECK_CONTAINS (dir_of (&t, "hugetlb"), "/unified/spacer-test");
  CHECK_FILE (&t, "hugetlb", "hugetlb.2MB.max", "2097152");
  CHECK_FILE (&t, "hugetlb", "hugetlb.1GB.max", "0");
  CHECK_CONTAINS (dir_of (&t, "memory"), "/memory/spacer-test");
  CHECK_FILE (&t, "memory", "memory.limit_in_bytes", "1048576");
  CHECK_FILE (&t, "pids", "pids.max", "10");
  CHECK_FAILS (&t, "{'unified':{'memory.high':'1000'}}",
               "linux.resources.unified[\"memory.high\"]: cgroup v2 has no memory controller "
               "here (it is on cgroup v1)");
  CHECK (tree_destroy (&t));
  return true;
}

static bool
destroy_removes_everything (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (tree_init (&t, LAYOUT_V1));
  CHECK_APPLIES (&t, "{'memory':{'limit':1000},'cpu':{'shares':2,'cpus':'0'},'pids':{'limit':1},"
                     "'blockIO':{'weight':10},'network':{'classID':1},"
                     "'hugepageLimits':[{'pageSize':'2MB','limit':0}],"
                     "'devices':[{'allow':false}]}");
  CHECK (tree_destroy (&t));
  /* Only the layout made above is left in the tree. */
  _cleanup_closedir_ DIR *d = opendir (t.root);
  struct dirent *de;
  CHECK (d != NULL);
  while ((de = readdir (d)))
    if (de->d_name[0] != '.')
      {
        _cleanup_free_ char *sub = NULL;
        CHECK (asprintf (&sub, "%s/%s/spacer-test", t.root, de->d_name) > 0);
        CHECK (access (sub, F_OK) < 0 && errno == ENOENT);
      }
  return true;
}

/* ---- what a killed create leaves: pending directories ------------------- */

/* A v2 tree with the container's cgroup planned at cgroupsPath "a/b" and
 * claimed (pending: ROOT/a), nothing made: as a create recorded it just
 * before its mkdir. */
static bool
claimed (struct tree *t)
{
  _cleanup_error_ spc_err_t err = NULL;
  *t = (struct tree){ .root = "/tmp/spacer-cgtest-XXXXXX" };
  if (mkdtemp (t->root) == NULL)
    {
      t->root[0] = '\0';
      return false;
    }
  if (!make_layout (t->root, LAYOUT_V2) || setenv (SPC_CGROUP_ROOT_ENV, t->root, 1) < 0)
    return false;
  if (spc_cgroup_plan ("a/b", "unused", false, &t->cg, &err) < 0
      || spc_cgroup_claim (&t->cg, &err) < 0)
    {
      printf ("#   %s\n", err->msg);
      return false;
    }
  return true;
}

static bool
claim_records_the_highest_missing_level (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (t.cg.n_dirs == 1 && !t.cg.dirs[0].made);
  _cleanup_free_ char *a = NULL;
  CHECK (asprintf (&a, "%s/a", t.root) > 0);
  CHECK_STR (t.cg.dirs[0].pending, a);
  /* Made: no longer pending. */
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_create (&t.cg, &err) == 0);
  t.live = true;
  CHECK (t.cg.dirs[0].made && t.cg.dirs[0].pending == NULL);
  return true;
}

/* The level claim recorded as pending (a parent), made by someone else
 * before the create's mkdir (a parallel create below the same parent):
 * theirs, so spacer goes on below it and never removes it. */
static bool
create_goes_on_below_a_parent_made_meanwhile (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (make_dir (t.root, "a"));
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_create (&t.cg, &err) == 0);
  t.live = true;
  _cleanup_free_ char *a = NULL;
  CHECK (asprintf (&a, "%s/a", t.root) > 0);
  CHECK (t.cg.dirs[0].made);
  CHECK_STR (t.cg.dirs[0].top, t.cg.dirs[0].path);
  CHECK (spc_cgroup_destroy (&t.cg, &err) == 0);
  t.live = false;
  CHECK (access (t.cg.dirs[0].path, F_OK) < 0 && access (a, F_OK) == 0);
  return true;
}

/* The container's own directory made by someone else meanwhile: another
 * container's, refused (EEXIST), and nothing of it removed. */
static bool
create_refuses_a_leaf_made_meanwhile (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (make_dir (t.root, "a") && make_dir (t.root, "a/b"));
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_create (&t.cg, &err) < 0);
  CHECK (err->errno_ == EEXIST);
  CHECK (!t.cg.dirs[0].made && t.cg.dirs[0].top == NULL);
  CHECK (access (t.cg.dirs[0].path, F_OK) == 0);
  return true;
}

/* create makes the cgroup2 part before the clone and the v1 part after:
 * each part makes its own directories only, and both together what one
 * create of all makes. */
static bool
create_in_two_parts (void)
{
  _cleanup_tree_ struct tree t = { .root = "/tmp/spacer-cgtest-XXXXXX" };
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (mkdtemp (t.root) != NULL);
  CHECK (make_layout (t.root, LAYOUT_HYBRID) && setenv (SPC_CGROUP_ROOT_ENV, t.root, 1) == 0);
  CHECK (spc_cgroup_plan (NULL, "spacer-test", false, &t.cg, &err) == 0);
  CHECK (spc_cgroup_claim (&t.cg, &err) == 0);
  CHECK (spc_cgroup_create_part (&t.cg, SPC_CGROUP_V2_DIRS, &err) == 0);
  t.live = true;
  size_t v1 = 0;
  for (size_t i = 0; i < t.cg.n_dirs; i++)
    {
      const struct spc_cgroup_dir *d = &t.cg.dirs[i];
      CHECK (d->made == d->v2 && (access (d->path, F_OK) == 0) == d->v2);
      /* Still recorded as about to be made, for a create killed now. */
      CHECK ((d->pending != NULL) == !d->v2);
      v1 += !d->v2;
    }
  CHECK (v1 > 0);
  CHECK (spc_cgroup_create_part (&t.cg, SPC_CGROUP_V1_DIRS, &err) == 0);
  for (size_t i = 0; i < t.cg.n_dirs; i++)
    CHECK (t.cg.dirs[i].made && t.cg.dirs[i].pending == NULL
           && access (t.cg.dirs[i].path, F_OK) == 0);
  CHECK (tree_destroy (&t));
  return true;
}

static bool
claim_joins_an_existing_directory (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (make_dir (t.root, "a") && make_dir (t.root, "a/b"));
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_claim (&t.cg, &err) == 0);
  CHECK (t.cg.dirs[0].pending == NULL && t.cg.dirs[0].joined);
  CHECK (spc_cgroup_create (&t.cg, &err) == 0);
  CHECK (!t.cg.dirs[0].made && t.cg.dirs[0].joined);
  /* Joined, not made: nothing of it is removed. */
  CHECK (spc_cgroup_destroy (&t.cg, &err) == 0);
  CHECK (access (t.cg.dirs[0].path, F_OK) == 0);
  return true;
}

static bool
claim_refuses_a_frozen_directory (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (make_dir (t.root, "a") && make_dir (t.root, "a/b"));
  _cleanup_free_ char *freeze = NULL;
  CHECK (asprintf (&freeze, "%s/a/b/cgroup.freeze", t.root) > 0);
  FILE *f = fopen (freeze, "w");
  CHECK (f && fputs ("1\n", f) >= 0 && fclose (f) == 0);
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_claim (&t.cg, &err) < 0);
  CHECK (err->errno_ == EBUSY && strstr (err->msg, "is frozen"));
  CHECK (t.cg.dirs[0].pending == NULL && !t.cg.dirs[0].joined);
  CHECK (unlink (freeze) == 0);
  return true;
}

/* Killed after its mkdirs, before recording them made: destroy removes
 * the empty levels down from pending, and nothing else. */
static bool
destroy_removes_empty_pending_levels (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (make_dir (t.root, "a") && make_dir (t.root, "a/b"));
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_destroy (&t.cg, &err) == 0);
  CHECK (access (t.cg.dirs[0].path, F_OK) < 0 && errno == ENOENT);
  _cleanup_free_ char *a = NULL;
  CHECK (asprintf (&a, "%s/a", t.root) > 0);
  CHECK (access (a, F_OK) < 0 && errno == ENOENT);
  CHECK (t.cg.dirs[0].pending == NULL);
  return true;
}

/* One that is not empty (someone else's by that name, with a cgroup of
 * its own in it) stays: a pending directory is never killed in nor
 * emptied. */
static bool
destroy_leaves_a_pending_level_in_use (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (make_dir (t.root, "a") && make_dir (t.root, "a/b") && make_dir (t.root, "a/b/theirs"));
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_destroy (&t.cg, &err) == 0);
  CHECK (access (t.cg.dirs[0].path, F_OK) == 0);
  _cleanup_free_ char *theirs = NULL;
  CHECK (asprintf (&theirs, "%s/theirs", t.cg.dirs[0].path) > 0);
  CHECK (access (theirs, F_OK) == 0);
  CHECK (rmdir (theirs) == 0);
  return true;
}

/* A pending level that is not an ancestor of the directory (a damaged
 * state file) is not removed. */
static bool
destroy_ignores_a_pending_level_elsewhere (void)
{
  _cleanup_tree_ struct tree t;
  CHECK (claimed (&t));
  CHECK (make_dir (t.root, "other"));
  free (t.cg.dirs[0].pending);
  CHECK (asprintf (&t.cg.dirs[0].pending, "%s/other", t.root) > 0);
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_destroy (&t.cg, &err) == 0);
  _cleanup_free_ char *other = NULL;
  CHECK (asprintf (&other, "%s/other", t.root) > 0);
  CHECK (access (other, F_OK) == 0);
  return true;
}

/* ---- the real host ------------------------------------------------------ */

static bool
read_real (const struct spc_cgroup *cg, const char *ctrl, const char *file, char **out)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (cg, ctrl);
  *out = d ? read_in (d->path, file) : NULL;
  if (*out == NULL)
    printf ("#   cannot read %s of %s\n", file, ctrl);
  return *out != NULL;
}

#define CHECK_REAL(cg, ctrl, file, expected)                                                  \
  do                                                                                          \
    {                                                                                         \
      _cleanup_free_ char *v_ = NULL;                                                         \
      CHECK (read_real ((cg), (ctrl), (file), &v_));                                          \
      CHECK_STR (v_, (expected));                                                             \
    }                                                                                         \
  while (0)

static bool
apply_real (const struct spc_cgroup *cg, const char *resources, char **error)
{
  struct apply_call call = { .cg = cg, .resources = resources };
  _cleanup_free_ char *warnings = unit_capture_stderr (do_apply, &call);
  if (warnings[0])
    printf ("#   warned: %s", warnings);
  *error = call.error;
  return true;
}

#define CHECK_REAL_APPLIES(cg, resources)                                                     \
  do                                                                                          \
    {                                                                                         \
      _cleanup_free_ char *err_ = NULL;                                                       \
      apply_real ((cg), (resources), &err_);                                                  \
      CHECK_STR (err_, NULL);                                                                 \
    }                                                                                         \
  while (0)

/* The first disk's "MAJ:MIN", or "" */
static void
first_disk (char *out, size_t size)
{
  static const char *const disks[] = { "vda", "sda", "nvme0n1", "xvda" };
  out[0] = '\0';
  for (size_t i = 0; i < sizeof disks / sizeof disks[0] && out[0] == '\0'; i++)
    {
      char dir[64];
      snprintf (dir, sizeof dir, "/sys/block/%s", disks[i]);
      _cleanup_free_ char *dev = read_in (dir, "dev");
      if (dev)
        snprintf (out, size, "%s", dev);
    }
}

static bool
real_host_checks (const struct spc_cgroup *cg)
{
  CHECK_REAL_APPLIES (cg, "{'memory':{'limit':67108864,'swap':134217728},'pids':{'limit':64}}");
  CHECK_REAL (cg, "memory", "memory.limit_in_bytes", "67108864");
  CHECK_REAL (cg, "memory", "memory.memsw.limit_in_bytes", "134217728");
  CHECK_REAL (cg, "pids", "pids.max", "64");
  /* Up above the current memsw (memsw first), then down below the current
   * limit (limit first): the kernel refuses the other order. */
  CHECK_REAL_APPLIES (cg, "{'memory':{'limit':268435456,'swap':536870912}}");
  CHECK_REAL (cg, "memory", "memory.limit_in_bytes", "268435456");
  CHECK_REAL (cg, "memory", "memory.memsw.limit_in_bytes", "536870912");
  CHECK_REAL_APPLIES (cg, "{'memory':{'limit':33554432,'swap':33554432}}");
  CHECK_REAL (cg, "memory", "memory.limit_in_bytes", "33554432");
  CHECK_REAL (cg, "memory", "memory.memsw.limit_in_bytes", "33554432");
  {
    _cleanup_free_ char *e = NULL;
    apply_real (cg, "{'memory':{'limit':67108864}}", &e);
    CHECK_STR (e, "linux.resources.memory.limit: 67108864 is above the memory+swap limit "
                  "(memory.memsw.limit_in_bytes: 33554432); set linux.resources.memory.swap too");
  }
  CHECK_REAL_APPLIES (cg, "{'memory':{'limit':-1},'pids':{'limit':-1}}");
  CHECK_REAL (cg, "memory", "memory.limit_in_bytes", "9223372036854771712");
  CHECK_REAL (cg, "memory", "memory.memsw.limit_in_bytes", "9223372036854771712");
  CHECK_REAL (cg, "pids", "pids.max", "max");

  if (spc_cgroup_find (cg, "cpu") && !spc_cgroup_find (cg, "cpu")->v2)
    {
      CHECK_REAL_APPLIES (cg, "{'cpu':{'shares':512,'quota':25000,'period':50000}}");
      CHECK_REAL (cg, "cpu", "cpu.shares", "512");
      CHECK_REAL (cg, "cpu", "cpu.cfs_period_us", "50000");
      CHECK_REAL (cg, "cpu", "cpu.cfs_quota_us", "25000");
    }
  if (spc_cgroup_find (cg, "devices") && !spc_cgroup_find (cg, "devices")->v2)
    {
      CHECK_REAL_APPLIES (cg, "{'devices':[{'allow':false,'access':'rwm'},"
                              "{'allow':true,'type':'c','major':10,'minor':229,'access':'rw'}]}");
      _cleanup_free_ char *list = NULL;
      CHECK (read_real (cg, "devices", "devices.list", &list));
      CHECK (strstr (list, "a *:* rwm") == NULL);
      CHECK_CONTAINS (list, "c 10:229 rw\n");
      CHECK_CONTAINS (list, "c 1:3 rwm\n");
      CHECK_CONTAINS (list, "c 136:* rwm");
    }
  char disk[32];
  first_disk (disk, sizeof disk);
  const struct spc_cgroup_dir *blkio = spc_cgroup_find (cg, "blkio");
  if (disk[0] && blkio)
    {
      unsigned major, minor;
      char resources[256], expected[64];
      CHECK (sscanf (disk, "%u:%u", &major, &minor) == 2);
      snprintf (resources, sizeof resources,
                "{'blockIO':{'throttleReadBpsDevice':[{'major':%u,'minor':%u,'rate':1048576}]}}",
                major, minor);
      snprintf (expected, sizeof expected, "%u:%u 1048576", major, minor);
      CHECK_REAL_APPLIES (cg, resources);
      CHECK_REAL (cg, "blkio", "blkio.throttle.read_bps_device", expected);
    }
  {
    _cleanup_free_ char *e = NULL;
    apply_real (cg, "{'hugepageLimits':[{'pageSize':'3MB','limit':0}]}", &e);
    CHECK (e != NULL);
    CHECK_CONTAINS (e, "linux.resources.hugepageLimits");
  }
  return true;
}

/* Below our own cgroup in every hierarchy, removed again whatever the
 * checks find. */
static void
real_host (void)
{
  const char *name = "real_host_memory_and_pids_below_our_own_cgroup";
  if (geteuid () != 0 || access ("/sys/fs/cgroup/memory", F_OK) < 0)
    {
      report_skip (name, geteuid () != 0 ? "not root" : "no /sys/fs/cgroup/memory");
      return;
    }
  unsetenv (SPC_CGROUP_ROOT_ENV);
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_cgroup_ struct spc_cgroup cg = { 0 };
  char path[64];
  snprintf (path, sizeof path, "spacer-unit-%d", (int) getpid ());
  /* spc_cgroup_create refuses a directory that exists: nothing of
   * someone else's is touched. */
  if (spc_cgroup_plan (path, "unit", false, &cg, &err) < 0
      || spc_cgroup_create (&cg, &err) < 0)
    {
      printf ("#   %s\n", err->msg);
      report (name, false);
      return;
    }
  bool ok = real_host_checks (&cg);
  if (spc_cgroup_destroy (&cg, &err) < 0)
    {
      printf ("#   destroy: %s\n", err->msg);
      ok = false;
    }
  for (size_t i = 0; i < cg.n_dirs; i++)
    if (access (cg.dirs[i].path, F_OK) == 0)
      {
        printf ("#   left `%s`\n", cg.dirs[i].path);
        ok = false;
      }
  report (name, ok);
}

int
main (void)
{
  RUN (v2_memory_limit_swap_reservation);
  RUN (v2_memory_unlimited);
  RUN (v2_memory_swap_needs_limit);
  RUN (v2_memory_v1_only_values_warn);
  RUN (v2_cpu_weight_from_shares);
  RUN (v2_cpu_max_burst_idle_cpuset);
  RUN (v2_cpu_max_keeps_what_is_not_given);
  RUN (v2_cpu_realtime_is_an_error);
  RUN (v2_pids);
  RUN (v2_io_weight);
  RUN (v2_io_bfq_weight_is_raw);
  RUN (v2_io_max_merges_by_device);
  RUN (v2_hugetlb);
  RUN (v2_unified);
  RUN (v2_network_is_missing);
  RUN (v2_devices_go_to_the_filter);
  RUN (v2_only_given_values_are_written);
  RUN (v1_memory);
  RUN (v1_memory_unlimited);
  RUN (v1_memory_and_swap_order);
  RUN (v1_memory_swappiness_range);
  RUN (v1_cpu);
  RUN (v1_pids);
  RUN (v1_blkio);
  RUN (v1_blkio_bfq);
  RUN (v1_hugetlb);
  RUN (v1_network);
  RUN (v1_missing_controllers);
  RUN (v1_devices);
  RUN (hybrid_uses_each_controller_where_it_is);
  RUN (destroy_removes_everything);
  RUN (claim_records_the_highest_missing_level);
  RUN (claim_joins_an_existing_directory);
  RUN (create_goes_on_below_a_parent_made_meanwhile);
  RUN (create_refuses_a_leaf_made_meanwhile);
  RUN (create_in_two_parts);
  RUN (claim_refuses_a_frozen_directory);
  RUN (destroy_removes_empty_pending_levels);
  RUN (destroy_leaves_a_pending_level_in_use);
  RUN (destroy_ignores_a_pending_level_elsewhere);
  real_host ();
  return unit_summary ();
}
