/* Unit tests for the cgroup statistics and OOM events (cgroup-stats.c).
 * Synthetic cgroup trees (SPACER_CGROUP_ROOT) check the JSON shape and
 * units for v1, v2 and hybrid layouts; on a real v1 host, as root, a child
 * in a cgroup made below our own uses memory and cpu and is then killed by
 * the OOM killer. Output as test-config: "ok N - name" lines and a final
 * "N passed, M failed". TEST_VERBOSE=1 prints the real host's statistics. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/error.h"
#include "spacer/json.h"
#include "spacer/utils.h"
#include "unit.h"

/* A number at a path of the statistics ("memory/usage/limit"). */
#define CHECK_U64(root, path, expected)                                                       \
  do                                                                                          \
    {                                                                                         \
      if (!u64_at ((root), (path), (expected), __LINE__))                                     \
        return false;                                                                         \
    }                                                                                         \
  while (0)

#define CHECK_ABSENT(root, path)                                                              \
  do                                                                                          \
    {                                                                                         \
      if (at ((root), (path)) != NULL)                                                        \
        {                                                                                     \
          fprintf (stdout, "#   %s:%d: `%s` should be absent\n", __FILE__, __LINE__, (path));  \
          return false;                                                                       \
        }                                                                                     \
    }                                                                                         \
  while (0)

/* ---- reading the JSON ---------------------------------------------------- */

/* The value at a '/'-separated path; a number indexes an array. */
static const spc_json *
at (const spc_json *v, const char *path)
{
  char key[128];
  while (v && *path)
    {
      size_t len = strcspn (path, "/");
      snprintf (key, sizeof key, "%.*s", (int) len, path);
      path += len + (path[len] == '/');
      if (v->type == SPC_JSON_ARRAY)
        {
          size_t i = strtoul (key, NULL, 10);
          v = i < v->u.array.len ? v->u.array.items[i] : NULL;
        }
      else
        v = spc_json_get (v, key);
    }
  return v;
}

static bool
u64_at (const spc_json *root, const char *path, uint64_t expected, int line)
{
  const spc_json *v = at (root, path);
  uint64_t got = 0;
  if (v == NULL || spc_json_to_uint64 (v, &got) < 0)
    {
      printf ("#   %s:%d: `%s` is missing or not a number\n", __FILE__, line, path);
      return false;
    }
  if (got != expected)
    {
      printf ("#   %s:%d: `%s` is %" PRIu64 ", expected %" PRIu64 "\n", __FILE__, line, path,
              got, expected);
      return false;
    }
  return true;
}

static bool
string_is (const spc_json *root, const char *path, const char *expected)
{
  const spc_json *v = at (root, path);
  return v && v->type == SPC_JSON_STRING && strcmp (v->u.string.str, expected) == 0;
}

static size_t
members (const spc_json *v)
{
  if (v == NULL)
    return 0;
  return v->type == SPC_JSON_OBJECT ? v->u.object.len
                                    : v->type == SPC_JSON_ARRAY ? v->u.array.len : 0;
}

/* The statistics as parsed JSON, or NULL with the error in *msg. */
static spc_json *
stats_of (const struct spc_cgroup *cg, char **msg)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  _cleanup_error_ spc_err_t err = NULL;
  spc_json *v = NULL;
  *msg = NULL;
  size_t len;
  if (spc_cgroup_write_stats (cg, w, &err) < 0)
    {
      spc_jw_buffer (w, &len);
      /* Nothing written on failure. */
      *msg = len ? strdup ("the writer holds output after a failure")
                 : strdup (err && err->msg ? err->msg : "(no message)");
      return NULL;
    }
  const char *text = spc_jw_buffer (w, &len);
  if (getenv ("TEST_VERBOSE"))
    printf ("# %s\n", text);
  if (spc_json_parse (text, len, &v, &err) < 0)
    *msg = strdup (err->msg);
  return v;
}

/* stats_of for cases that expect success: the error, if any, goes to the
 * TAP output as a comment. */
static spc_json *
stats_or_say_why (const struct spc_cgroup *cg)
{
  _cleanup_free_ char *msg = NULL;
  spc_json *s = stats_of (cg, &msg);
  if (s == NULL)
    printf ("#   %s\n", msg);
  return s;
}

/* ---- synthetic trees ----------------------------------------------------- */

struct tree
{
  char root[64];
  struct spc_cgroup cg;
};

static bool
write_text (const char *path, const char *text)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return fd >= 0 && spc_write_all (fd, text, strlen (text)) == 0;
}

/* hierarchies: the v1 hierarchies' directory names ("cpu,cpuacct"), and
 * "unified" for the v2 part of a hybrid layout; NULL for a pure v2 tree.
 * v2_controllers: what the v2 hierarchy offers. The container's cgroup
 * ("spacer-c1" in each) is planned and created. */
static bool
tree_make (struct tree *t, const char *const *hierarchies, const char *v2_controllers)
{
  t->cg = (struct spc_cgroup){ 0 };
  snprintf (t->root, sizeof t->root, "/tmp/spacer-cgstats-XXXXXX");
  CHECK (mkdtemp (t->root) != NULL);
  char path[256];
  if (hierarchies == NULL)
    {
      snprintf (path, sizeof path, "%s/cgroup.controllers", t->root);
      CHECK (write_text (path, v2_controllers));
    }
  for (size_t i = 0; hierarchies && hierarchies[i]; i++)
    {
      snprintf (path, sizeof path, "%s/%s", t->root, hierarchies[i]);
      CHECK (mkdir (path, 0755) == 0);
      if (strcmp (hierarchies[i], "unified") == 0)
        {
          snprintf (path, sizeof path, "%s/unified/cgroup.controllers", t->root);
          CHECK (write_text (path, v2_controllers));
        }
    }
  setenv (SPC_CGROUP_ROOT_ENV, t->root, 1);
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_plan (NULL, "spacer-c1", false, &t->cg, &err) == 0);
  CHECK (spc_cgroup_create (&t->cg, &err) == 0);
  return true;
}

static void
tree_remove (struct tree *t)
{
  spc_err_t ignored = NULL;
  spc_cgroup_destroy (&t->cg, &ignored);
  spc_error_free (&ignored);
  spc_rm_rf_at (AT_FDCWD, t->root, &ignored);
  spc_error_free (&ignored);
  spc_cgroup_clear (&t->cg);
  unsetenv (SPC_CGROUP_ROOT_ENV);
}

/* Write a file into the container's directory of the hierarchy holding
 * ctrl. */
static bool
put (const struct tree *t, const char *ctrl, const char *file, const char *text)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (&t->cg, ctrl);
  char path[512];
  if (d == NULL)
    {
      printf ("#   no hierarchy holds %s\n", ctrl);
      return false;
    }
  snprintf (path, sizeof path, "%s/%s", d->path, file);
  return write_text (path, text);
}

struct file
{
  const char *ctrl, *name, *text;
};

static bool
put_all (const struct tree *t, const struct file *files)
{
  for (const struct file *f = files; f->ctrl; f++)
    CHECK (put (t, f->ctrl, f->name, f->text));
  return true;
}

/* Each test body runs between tree_make and tree_remove. */
#define WITH_TREE(hierarchies, v2, body)                                                      \
  static bool body##_in_tree (void)                                                           \
  {                                                                                           \
    struct tree t;                                                                            \
    bool ok = tree_make (&t, hierarchies, v2) && body (&t);                                   \
    tree_remove (&t);                                                                         \
    return ok;                                                                                \
  }

static uint64_t
ns_per_tick (void)
{
  return UINT64_C (1000000000) / (uint64_t) sysconf (_SC_CLK_TCK);
}

/* ---- v1 ------------------------------------------------------------------ */

static const char *const v1_all[] = { "cpu",    "cpuacct", "memory",       "pids",
                                      "blkio",  "hugetlb", "name=systemd", NULL };

static const struct file v1_files[] = {
  { "cpuacct", "cpuacct.usage", "987654321\n" },
  { "cpuacct", "cpuacct.usage_percpu", "500000000 487654321 \n" },
  { "cpuacct", "cpuacct.usage_all", "cpu user system\n0 400000000 100000000\n1 300000000 187654321\n" },
  { "cpuacct", "cpuacct.stat", "user 70\nsystem 29\n" },
  { "cpu", "cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 3000000\nnr_bursts 0\nburst_time 0\n" },
  { "memory", "memory.stat", "cache 4096\nrss 8192\nswap 0\ntotal_cache 4096\n" },
  { "memory", "memory.usage_in_bytes", "12288\n" },
  { "memory", "memory.max_usage_in_bytes", "65536\n" },
  { "memory", "memory.limit_in_bytes", "9223372036854771712\n" },
  { "memory", "memory.failcnt", "7\n" },
  { "memory", "memory.memsw.usage_in_bytes", "12288\n" },
  { "memory", "memory.memsw.max_usage_in_bytes", "65536\n" },
  { "memory", "memory.memsw.limit_in_bytes", "9223372036854771712\n" },
  { "memory", "memory.memsw.failcnt", "0\n" },
  /* no memory.kmem.*: a kernel without kmem accounting */
  { "pids", "pids.current", "3\n" },
  { "pids", "pids.max", "max\n" },
  { "blkio", "blkio.throttle.io_service_bytes_recursive",
    "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 8192\n8:0 Async 4096\n8:0 Discard 0\n"
    "8:0 Total 12288\n253:1 Read 512\nTotal 12800\n" },
  { "blkio", "blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n" },
  { "hugetlb", "hugetlb.2MB.usage_in_bytes", "2097152\n" },
  { "hugetlb", "hugetlb.2MB.max_usage_in_bytes", "4194304\n" },
  { "hugetlb", "hugetlb.2MB.limit_in_bytes", "9223372036854771712\n" },
  { "hugetlb", "hugetlb.2MB.failcnt", "1\n" },
  { "hugetlb", "hugetlb.2MB.rsvd.usage_in_bytes", "0\n" },
  { "hugetlb", "hugetlb.1GB.usage_in_bytes", "0\n" },
  { "hugetlb", "hugetlb.1GB.max_usage_in_bytes", "0\n" },
  { "hugetlb", "hugetlb.1GB.failcnt", "0\n" },
  { NULL, NULL, NULL },
};

static bool
v1_stats (struct tree *t)
{
  CHECK (put_all (t, v1_files));
  _cleanup_json_ spc_json *s = stats_or_say_why (&t->cg);
  CHECK (s != NULL);
  CHECK (members (s) == 5);
  /* cpu: nanoseconds; cpuacct.stat's ticks converted */
  CHECK_U64 (s, "cpu/usage/total", 987654321);
  CHECK (members (at (s, "cpu/usage/percpu")) == 2);
  CHECK_U64 (s, "cpu/usage/percpu/1", 487654321);
  CHECK_U64 (s, "cpu/usage/percpu_user/1", 300000000);
  CHECK_U64 (s, "cpu/usage/percpu_kernel/0", 100000000);
  CHECK_U64 (s, "cpu/usage/user", 70 * ns_per_tick ());
  CHECK_U64 (s, "cpu/usage/kernel", 29 * ns_per_tick ());
  CHECK_U64 (s, "cpu/throttling/periods", 10);
  CHECK_U64 (s, "cpu/throttling/throttledPeriods", 2);
  CHECK_U64 (s, "cpu/throttling/throttledTime", 3000000);
  /* memory */
  CHECK_U64 (s, "memory/cache", 4096);
  CHECK_U64 (s, "memory/usage/usage", 12288);
  CHECK_U64 (s, "memory/usage/max", 65536);
  CHECK_U64 (s, "memory/usage/limit", UINT64_C (9223372036854771712));
  CHECK_U64 (s, "memory/usage/failcnt", 7);
  CHECK_U64 (s, "memory/swap/usage", 12288);
  CHECK_U64 (s, "memory/swap/failcnt", 0);
  CHECK_U64 (s, "memory/kernel/limit", 0);
  CHECK_U64 (s, "memory/kernel/failcnt", 0);
  CHECK_ABSENT (s, "memory/kernel/usage");
  CHECK_U64 (s, "memory/kernelTCP/limit", 0);
  CHECK (members (at (s, "memory/raw")) == 4);
  CHECK_U64 (s, "memory/raw/rss", 8192);
  CHECK_U64 (s, "memory/raw/swap", 0);
  /* pids: no limit is 0, which runc leaves out */
  CHECK_U64 (s, "pids/current", 3);
  CHECK_ABSENT (s, "pids/limit");
  /* blkio: the all-devices Total line is left out, zeros too */
  CHECK (members (at (s, "blkio/ioServiceBytesRecursive")) == 7);
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/0/major", 8);
  CHECK_ABSENT (s, "blkio/ioServiceBytesRecursive/0/minor");
  CHECK (string_is (s, "blkio/ioServiceBytesRecursive/0/op", "Read"));
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/0/value", 4096);
  CHECK (string_is (s, "blkio/ioServiceBytesRecursive/4/op", "Discard"));
  CHECK_ABSENT (s, "blkio/ioServiceBytesRecursive/4/value");
  CHECK (string_is (s, "blkio/ioServiceBytesRecursive/5/op", "Total"));
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/6/major", 253);
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/6/minor", 1);
  CHECK (members (at (s, "blkio/ioServicedRecursive")) == 2);
  CHECK_U64 (s, "blkio/ioServicedRecursive/1/value", 2);
  /* hugetlb: sizes from the file names, reservations are not a size */
  CHECK (members (at (s, "hugetlb")) == 2);
  CHECK_U64 (s, "hugetlb/2MB/usage", 2097152);
  CHECK_U64 (s, "hugetlb/2MB/max", 4194304);
  CHECK_U64 (s, "hugetlb/2MB/failcnt", 1);
  CHECK_U64 (s, "hugetlb/1GB/failcnt", 0);
  CHECK_ABSENT (s, "hugetlb/1GB/usage");
  return true;
}
WITH_TREE (v1_all, NULL, v1_stats)

/* ---- v2 ------------------------------------------------------------------ */

static const struct file v2_files[] = {
  { "memory", "cgroup.controllers", "cpu io memory pids hugetlb\n" },
  { "cpu", "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\n"
                       "nr_throttled 1\nthrottled_usec 20\n" },
  { "memory", "memory.stat", "anon 4096\nfile 2048\nkernel 0\n" },
  { "memory", "memory.current", "4096\n" },
  { "memory", "memory.max", "max\n" },
  { "memory", "memory.peak", "8192\n" },
  { "memory", "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n" },
  { "memory", "memory.swap.current", "1024\n" },
  { "memory", "memory.swap.max", "max\n" },
  { "pids", "pids.current", "2\n" },
  { "pids", "pids.max", "100\n" },
  { "io", "io.stat", "8:16 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n" },
  { "hugetlb", "hugetlb.2MB.current", "0\n" },
  { "hugetlb", "hugetlb.2MB.max", "max\n" },
  { "hugetlb", "hugetlb.2MB.events", "max 3\n" },
  { "hugetlb", "hugetlb.2MB.rsvd.current", "0\n" },
  { "hugetlb", "hugetlb.2MB.rsvd.max", "max\n" },
  { NULL, NULL, NULL },
};

static bool
v2_stats (struct tree *t)
{
  CHECK (put_all (t, v2_files));
  _cleanup_json_ spc_json *s = stats_or_say_why (&t->cg);
  CHECK (s != NULL);
  CHECK (members (s) == 5);
  /* cpu: microseconds to nanoseconds; no per-cpu numbers in v2 */
  CHECK_U64 (s, "cpu/usage/total", 1500000);
  CHECK_U64 (s, "cpu/usage/user", 1000000);
  CHECK_U64 (s, "cpu/usage/kernel", 500000);
  CHECK_ABSENT (s, "cpu/usage/percpu");
  CHECK_U64 (s, "cpu/throttling/periods", 4);
  CHECK_U64 (s, "cpu/throttling/throttledPeriods", 1);
  CHECK_U64 (s, "cpu/throttling/throttledTime", 20000);
  /* memory: "max" is the largest number, swap counts memory too (v1's
   * memsw), failcnt is memory.events' "max" */
  CHECK_U64 (s, "memory/cache", 2048);
  CHECK_U64 (s, "memory/usage/usage", 4096);
  CHECK_U64 (s, "memory/usage/limit", UINT64_MAX);
  CHECK_U64 (s, "memory/usage/max", 8192);
  CHECK_U64 (s, "memory/usage/failcnt", 5);
  CHECK_U64 (s, "memory/swap/usage", 5120);
  CHECK_U64 (s, "memory/swap/limit", UINT64_MAX);
  CHECK_U64 (s, "memory/kernel/limit", 0);
  CHECK_U64 (s, "memory/raw/anon", 4096);
  CHECK_U64 (s, "memory/raw/kernel", 0);
  CHECK_U64 (s, "pids/current", 2);
  CHECK_U64 (s, "pids/limit", 100);
  /* io.stat as v1's Read and Write entries */
  CHECK (members (at (s, "blkio/ioServiceBytesRecursive")) == 2);
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/0/major", 8);
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/0/minor", 16);
  CHECK (string_is (s, "blkio/ioServiceBytesRecursive/0/op", "Read"));
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/0/value", 100);
  CHECK (string_is (s, "blkio/ioServiceBytesRecursive/1/op", "Write"));
  CHECK_U64 (s, "blkio/ioServiceBytesRecursive/1/value", 200);
  CHECK (members (at (s, "blkio/ioServicedRecursive")) == 2);
  CHECK_U64 (s, "blkio/ioServicedRecursive/0/value", 3);
  CHECK_U64 (s, "blkio/ioServicedRecursive/1/value", 4);
  /* hugetlb: no peak in v2 */
  CHECK (members (at (s, "hugetlb")) == 1);
  CHECK_ABSENT (s, "hugetlb/2MB/usage");
  CHECK_ABSENT (s, "hugetlb/2MB/max");
  CHECK_U64 (s, "hugetlb/2MB/failcnt", 3);
  return true;
}
WITH_TREE (NULL, "cpu io memory pids hugetlb\n", v2_stats)

/* Our own cgroup offers cpu and pids, but the container's directory has
 * only memory enabled (spc_cgroup_create records what a real directory
 * offers; a synthetic one is told here): pids is left out, cpu has only
 * the core usage. */
static bool
v2_uses_only_enabled_controllers (struct tree *t)
{
  free (t->cg.dirs[0].controllers);
  CHECK ((t->cg.dirs[0].controllers = strdup ("memory")) != NULL);
  static const struct file files[] = {
    { "memory", "cpu.stat", "usage_usec 7\nuser_usec 4\nsystem_usec 3\n" },
    { "memory", "memory.stat", "anon 0\nfile 0\n" },
    { "memory", "memory.current", "0\n" },
    { "memory", "memory.max", "4096\n" },
    { "memory", "memory.events", "max 0\noom_kill 0\n" },
    { "memory", "memory.swap.current", "0\n" },
    { "memory", "memory.swap.max", "1000\n" },
    { NULL, NULL, NULL },
  };
  CHECK (put_all (t, files));
  _cleanup_json_ spc_json *s = stats_or_say_why (&t->cg);
  CHECK (s != NULL);
  CHECK (members (s) == 2);
  CHECK_U64 (s, "cpu/usage/total", 7000);
  CHECK (members (at (s, "cpu/throttling")) == 0);
  CHECK_ABSENT (s, "memory/cache");
  CHECK_ABSENT (s, "memory/usage/max");
  CHECK_U64 (s, "memory/usage/limit", 4096);
  /* a swap limit adds the memory limit, as v1's memsw */
  CHECK_U64 (s, "memory/swap/limit", 5096);
  CHECK_ABSENT (s, "pids");
  return true;
}
WITH_TREE (NULL, "cpu memory pids\n", v2_uses_only_enabled_controllers)

/* ---- hybrid and missing pieces ------------------------------------------- */

static const char *const hybrid[] = { "memory", "cpu,cpuacct", "unified", NULL };

static bool
hybrid_stats (struct tree *t)
{
  static const struct file files[] = {
    { "cpuacct", "cpuacct.usage", "5\n" },
    { "cpuacct", "cpuacct.usage_percpu", "5\n" },
    { "cpuacct", "cpuacct.stat", "user 0\nsystem 0\n" },
    { "cpu", "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n" },
    { "memory", "memory.stat", "cache 0\n" },
    { "memory", "memory.usage_in_bytes", "1\n" },
    { "memory", "memory.max_usage_in_bytes", "1\n" },
    { "memory", "memory.limit_in_bytes", "1\n" },
    { "memory", "memory.failcnt", "0\n" },
    { "hugetlb", "hugetlb.1GB.current", "1073741824\n" },
    { "hugetlb", "hugetlb.1GB.events", "max 0\n" },
    { NULL, NULL, NULL },
  };
  CHECK (put_all (t, files));
  CHECK (spc_cgroup_find (&t->cg, "hugetlb")->v2);
  _cleanup_json_ spc_json *s = stats_or_say_why (&t->cg);
  CHECK (s != NULL);
  CHECK (members (s) == 3);
  CHECK_U64 (s, "cpu/usage/total", 5);
  CHECK_U64 (s, "cpu/usage/percpu/0", 5);
  CHECK_U64 (s, "memory/usage/limit", 1);
  CHECK_U64 (s, "hugetlb/1GB/usage", 1073741824);
  CHECK_U64 (s, "hugetlb/1GB/failcnt", 0);
  return true;
}
WITH_TREE (hybrid, "hugetlb\n", hybrid_stats)

static const char *const memory_only[] = { "memory", "name=systemd", NULL };

static bool
absent_controllers_are_left_out (struct tree *t)
{
  static const struct file files[] = {
    { "memory", "memory.stat", "cache 0\n" },
    { "memory", "memory.usage_in_bytes", "0\n" },
    { "memory", "memory.max_usage_in_bytes", "0\n" },
    { "memory", "memory.limit_in_bytes", "0\n" },
    { "memory", "memory.failcnt", "0\n" },
    { NULL, NULL, NULL },
  };
  CHECK (put_all (t, files));
  _cleanup_json_ spc_json *s = stats_or_say_why (&t->cg);
  CHECK (s != NULL);
  CHECK (members (s) == 1 && at (s, "memory") != NULL);
  /* The usage objects are always there, as in runc. */
  CHECK_U64 (s, "memory/usage/limit", 0);
  CHECK_U64 (s, "memory/swap/failcnt", 0);
  return true;
}
WITH_TREE (memory_only, NULL, absent_controllers_are_left_out)

static bool
stats_fail (const struct spc_cgroup *cg, const char *expected_part)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_json_ spc_json *s = stats_of (cg, &msg);
  CHECK (s == NULL && msg != NULL);
  if (strstr (msg, expected_part) == NULL)
    {
      printf ("#   error `%s` does not name `%s`\n", msg, expected_part);
      return false;
    }
  return true;
}

static const char *const pids_only[] = { "pids", NULL };

static bool
missing_file_is_an_error (struct tree *t)
{
  CHECK (put (t, "pids", "pids.current", "1\n"));
  CHECK (stats_fail (&t->cg, "`pids.max`: No such file or directory"));
  return true;
}
WITH_TREE (pids_only, NULL, missing_file_is_an_error)

static bool
malformed_values_are_errors (struct tree *t)
{
  CHECK (put (t, "pids", "pids.current", "1\n"));
  CHECK (put (t, "pids", "pids.max", "lots\n"));
  CHECK (stats_fail (&t->cg, "`pids.max`: `lots` is not a number"));
  CHECK (put (t, "pids", "pids.max", "12 13\n"));
  CHECK (stats_fail (&t->cg, "`pids.max`: `12 13` is not a number"));
  /* v1 shows some unset values as -1, which runc reports as 0. */
  CHECK (put (t, "pids", "pids.max", "-1\n"));
  _cleanup_json_ spc_json *s = stats_or_say_why (&t->cg);
  CHECK (s != NULL);
  CHECK_ABSENT (s, "pids/limit");
  return true;
}
WITH_TREE (pids_only, NULL, malformed_values_are_errors)

static const char *const blkio_only[] = { "blkio", NULL };

static bool
malformed_lines_are_errors (struct tree *t)
{
  CHECK (put (t, "blkio", "blkio.throttle.io_service_bytes_recursive", "8:0 Read 1\ngarbage\n"));
  CHECK (put (t, "blkio", "blkio.throttle.io_serviced_recursive", "\n"));
  CHECK (stats_fail (&t->cg, "`blkio.throttle.io_service_bytes_recursive`: malformed line `garbage`"));
  CHECK (put (t, "blkio", "blkio.throttle.io_service_bytes_recursive", "8:0 Read x\n"));
  CHECK (stats_fail (&t->cg, "`x` is not a number"));
  return true;
}
WITH_TREE (blkio_only, NULL, malformed_lines_are_errors)

static bool
io_stat_counts_each_key_once (struct tree *t)
{
  CHECK (put (t, "io", "cpu.stat", "usage_usec 0\n"));
  CHECK (put (t, "io", "io.stat", "8:0 rbytes=1 rbytes=2 rbytes=3\n"));
  CHECK (stats_fail (&t->cg, "`io.stat`: `rbytes=` twice for 8:0"));
  return true;
}
WITH_TREE (NULL, "io\n", io_stat_counts_each_key_once)

/* ---- OOM in synthetic trees ---------------------------------------------- */

static bool
drain (int fd)
{
  char buf[4096];
  return read (fd, buf, sizeof buf) > 0;
}

/* v2: inotify sees memory.events change, even in a plain file. */
static bool
oom_v2_watches_memory_events (struct tree *t)
{
  CHECK (put (t, "memory", "memory.events", "oom 0\noom_kill 0\n"));
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_close_ int fd = spc_cgroup_oom_watch (&t->cg, &err);
  CHECK (fd >= 0);
  uint64_t kills = 99;
  CHECK (spc_cgroup_oom_kills (&t->cg, &kills, &err) == 0 && kills == 0);
  struct pollfd p = { .fd = fd, .events = POLLIN };
  CHECK (poll (&p, 1, 0) == 0);
  CHECK (put (t, "memory", "memory.events", "oom 1\noom_kill 1\n"));
  CHECK (poll (&p, 1, 1000) == 1 && (p.revents & POLLIN));
  CHECK (drain (fd));
  CHECK (!drain (fd) && errno == EAGAIN);
  CHECK (spc_cgroup_oom_kills (&t->cg, &kills, &err) == 0 && kills == 1);
  return true;
}
WITH_TREE (NULL, "memory\n", oom_v2_watches_memory_events)

/* v1: an eventfd registered through cgroup.event_control. */
static bool
oom_v1_registers_an_eventfd (struct tree *t)
{
  CHECK (put (t, "memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"));
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_close_ int fd = spc_cgroup_oom_watch (&t->cg, &err);
  CHECK (fd >= 0);
  char link[64], target[64] = "";
  snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  CHECK (readlink (link, target, sizeof target - 1) > 0);
  CHECK (strcmp (target, "anon_inode:[eventfd]") == 0);
  _cleanup_free_ char *registration = NULL;
  CHECK (spc_cgroup_read (spc_cgroup_find (&t->cg, "memory")->path, "cgroup.event_control",
                          &registration, &err)
         == 0);
  int efd = -1, control = -1;
  CHECK (sscanf (registration, "%d %d", &efd, &control) == 2 && efd == fd && control >= 0);
  uint64_t kills = 0;
  CHECK (spc_cgroup_oom_kills (&t->cg, &kills, &err) == 0 && kills == 2);
  return true;
}
WITH_TREE (memory_only, NULL, oom_v1_registers_an_eventfd)

static bool
oom_needs_a_memory_controller (struct tree *t)
{
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_oom_watch (&t->cg, &err) < 0 && err->errno_ == ENOTSUP);
  spc_error_free (&err);
  uint64_t kills;
  CHECK (spc_cgroup_oom_kills (&t->cg, &kills, &err) < 0 && err->errno_ == ENOTSUP);
  return true;
}
WITH_TREE (pids_only, NULL, oom_needs_a_memory_controller)

static bool
oom_kills_needs_the_counter (struct tree *t)
{
  CHECK (put (t, "memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"));
  _cleanup_error_ spc_err_t err = NULL;
  uint64_t kills;
  CHECK (spc_cgroup_oom_kills (&t->cg, &kills, &err) < 0);
  CHECK (strstr (err->msg, "no oom_kill count") != NULL);
  return true;
}
WITH_TREE (memory_only, NULL, oom_kills_needs_the_counter)

/* ---- the real host ------------------------------------------------------- */

struct host
{
  struct spc_cgroup cg;
  pid_t child;
  int ready; /* the child writes a byte here when it holds its memory */
};

static const char *
host_skip_reason (void)
{
  if (geteuid () != 0)
    return "not root";
  if (access ("/sys/fs/cgroup/memory/memory.stat", F_OK) < 0)
    return "no v1 memory controller at /sys/fs/cgroup/memory";
  return NULL;
}

/* A cgroup "spacer-stats-<pid>" below our own in every hierarchy. */
static bool
host_setup (struct host *h)
{
  *h = (struct host){ .child = -1, .ready = -1 };
  unsetenv (SPC_CGROUP_ROOT_ENV);
  char name[64];
  snprintf (name, sizeof name, "spacer-stats-%d", (int) getpid ());
  _cleanup_error_ spc_err_t err = NULL;
  if (spc_cgroup_plan (name, "stats", false, &h->cg, &err) < 0
      || spc_cgroup_create (&h->cg, &err) < 0)
    {
      printf ("#   %s\n", err->msg);
      return false;
    }
  CHECK (!h->cg.synthetic && spc_cgroup_find (&h->cg, "memory") != NULL);
  return true;
}

/* Kill the child, remove the cgroup, and check every directory is gone. */
static bool
host_teardown (struct host *h)
{
  if (h->child > 0)
    {
      kill (h->child, SIGKILL);
      waitpid (h->child, NULL, 0);
    }
  if (h->ready >= 0)
    close (h->ready);
  bool ok = true;
  _cleanup_error_ spc_err_t err = NULL;
  if (spc_cgroup_destroy (&h->cg, &err) < 0)
    {
      printf ("#   destroy: %s\n", err->msg);
      ok = false;
    }
  for (size_t i = 0; i < h->cg.n_dirs; i++)
    if (access (h->cg.dirs[i].path, F_OK) == 0
        || (h->cg.dirs[i].top && access (h->cg.dirs[i].top, F_OK) == 0))
      {
        printf ("#   `%s` is still there\n", h->cg.dirs[i].path);
        ok = false;
      }
  spc_cgroup_clear (&h->cg);
  return ok;
}

/* A child that enters the cgroup, touches mib MiB, says so and waits. */
static bool
spawn_user (struct host *h, size_t mib)
{
  int p[2];
  CHECK (pipe2 (p, O_CLOEXEC) == 0);
  fflush (stdout);
  h->child = fork ();
  CHECK (h->child >= 0);
  if (h->child == 0)
    {
      spc_err_t err = NULL;
      if (spc_cgroup_enter (&h->cg, getpid (), false, &err) < 0)
        _exit (2);
      size_t size = mib << 20;
      volatile char *mem = malloc (size);
      if (mem == NULL)
        _exit (3);
      for (size_t i = 0; i < size; i += 4096)
        mem[i] = 1;
      if (write (p[1], "r", 1) != 1)
        _exit (4);
      for (;;)
        pause ();
    }
  close (p[1]);
  h->ready = p[0];
  return true;
}

static bool
wait_ready (struct host *h)
{
  struct pollfd p = { .fd = h->ready, .events = POLLIN };
  char c;
  CHECK (poll (&p, 1, 10000) == 1);
  CHECK (read (h->ready, &c, 1) == 1 && c == 'r');
  return true;
}

static bool
host_stats_checks (struct host *h)
{
  CHECK (spawn_user (h, 16));
  CHECK (wait_ready (h));
  _cleanup_json_ spc_json *s = stats_or_say_why (&h->cg);
  CHECK (s != NULL);
  uint64_t usage = 0, cpu = 0, pids = 0;
  CHECK (spc_json_to_uint64 (at (s, "memory/usage/usage"), &usage) == 0);
  CHECK (usage >= (UINT64_C (16) << 20));
  CHECK (at (s, "memory/raw/rss") != NULL);
  CHECK (spc_json_to_uint64 (at (s, "cpu/usage/total"), &cpu) == 0 && cpu > 0);
  if (spc_cgroup_find (&h->cg, "pids"))
    CHECK (spc_json_to_uint64 (at (s, "pids/current"), &pids) == 0 && pids >= 1);
  return true;
}

static bool
limit_memory (struct host *h, const char *bytes)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (&h->cg, "memory");
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_write (&h->cg, d->path, "memory.limit_in_bytes", bytes, &err) == 0);
  /* With swap the child would swap rather than be killed. */
  _cleanup_free_ char *memsw = NULL;
  if (asprintf (&memsw, "%s/memory.memsw.limit_in_bytes", d->path) > 0
      && access (memsw, F_OK) == 0)
    CHECK (spc_cgroup_write (&h->cg, d->path, "memory.memsw.limit_in_bytes", bytes, &err) == 0);
  return true;
}

/* The child is gone within timeout_ms; its wait status in *status. */
static bool
reap_within (struct host *h, int timeout_ms, int *status)
{
  for (int waited = 0; waited < timeout_ms; waited += 10)
    {
      pid_t r = waitpid (h->child, status, WNOHANG);
      CHECK (r >= 0);
      if (r == h->child)
        {
          h->child = -1;
          return true;
        }
      nanosleep (&(struct timespec){ .tv_nsec = 10000000 }, NULL);
    }
  printf ("#   the child still runs after %d ms\n", timeout_ms);
  return false;
}

static bool
host_oom_checks (struct host *h)
{
  CHECK (limit_memory (h, "8388608"));
  _cleanup_error_ spc_err_t err = NULL;
  _cleanup_close_ int fd = spc_cgroup_oom_watch (&h->cg, &err);
  if (fd < 0)
    printf ("#   %s\n", err->msg);
  CHECK (fd >= 0);
  uint64_t before = 0, after = 0;
  CHECK (spc_cgroup_oom_kills (&h->cg, &before, &err) == 0);
  CHECK (spawn_user (h, 64));
  struct pollfd p = { .fd = fd, .events = POLLIN };
  CHECK (poll (&p, 1, 5000) == 1 && (p.revents & POLLIN));
  CHECK (drain (fd));
  int status = 0;
  CHECK (reap_within (h, 5000, &status));
  CHECK (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  CHECK (spc_cgroup_oom_kills (&h->cg, &after, &err) == 0);
  if (after < before + 1)
    printf ("#   oom_kill went from %" PRIu64 " to %" PRIu64 "\n", before, after);
  CHECK (after >= before + 1);
  return true;
}

static void
run_host (const char *name, bool (*checks) (struct host *))
{
  const char *skip = host_skip_reason ();
  if (skip)
    {
      report_skip (name, skip);
      return;
    }
  struct host h;
  bool ok = host_setup (&h) && checks (&h);
  ok = host_teardown (&h) && ok;
  report (name, ok);
}

int
main (void)
{
  RUN (v1_stats_in_tree);
  RUN (v2_stats_in_tree);
  RUN (v2_uses_only_enabled_controllers_in_tree);
  RUN (hybrid_stats_in_tree);
  RUN (absent_controllers_are_left_out_in_tree);
  RUN (missing_file_is_an_error_in_tree);
  RUN (malformed_values_are_errors_in_tree);
  RUN (malformed_lines_are_errors_in_tree);
  RUN (io_stat_counts_each_key_once_in_tree);
  RUN (oom_v2_watches_memory_events_in_tree);
  RUN (oom_v1_registers_an_eventfd_in_tree);
  RUN (oom_needs_a_memory_controller_in_tree);
  RUN (oom_kills_needs_the_counter_in_tree);
  run_host ("host_stats_of_a_busy_child", host_stats_checks);
  run_host ("host_oom_kill_is_seen", host_oom_checks);
  return unit_summary ();
}
