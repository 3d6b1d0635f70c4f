/* Unit tests for the cgroup2 device filter (src/lib/cgroup-devices.c).
 * Same runner as test-config: each case is a bool function, printed as
 * "ok N - name" and counted in a final "N passed, M failed".
 *
 * The decision tables run anywhere, through spc_devices_allowed() (the
 * program's decision taken in C). The kernel cases need root and a
 * cgroup2 hierarchy, else they print "ok N - name # skip why": they make
 * a cgroup2 directory below our own cgroup, attach the real program there
 * and check what a child process moved into it may open, then remove the
 * directory again. They write to no cgroup they did not make. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/error.h"
#include "spacer/utils.h"
#include "cgroup-internal.h"
#include "unit.h"

/* ---- rules ---------------------------------------------------------------- */

/* An absent major or minor. */
#define ANY INT64_MIN

#define RULE(allow_, type_, major_, minor_, access_)                                          \
  {                                                                                           \
    .allow = (allow_), .type = (type_), .has_major = (major_) != ANY, .major = (major_),       \
    .has_minor = (minor_) != ANY, .minor = (minor_), .access = (char *) (access_)             \
  }
#define ALLOW(type, major, minor, access) RULE (true, type, major, minor, access)
#define DENY(type, major, minor, access) RULE (false, type, major, minor, access)
/* What `spacer spec` starts the list with. */
#define DENY_ALL DENY ('a', ANY, ANY, "rwm")
#define ALLOW_ALL ALLOW ('a', ANY, ANY, "rwm")

/* ---- decisions ------------------------------------------------------------ */

/* Block major 60 is for local/experimental use: no real disk is opened. */
struct request
{
  char type; /* 0 ends the list */
  uint32_t major, minor;
  const char *access;
  bool allowed;
};

struct decision_case
{
  const char *name;
  struct spc_device_cgroup_rule rules[8]; /* until type 0 */
  struct request requests[10];
  bool invalid; /* spacer refuses the list */
};

static const struct decision_case decision_cases[] = {
  { "an empty list allows nothing",
    { { 0 } },
    { { 'c', 1, 3, "r", false }, { 'b', 60, 0, "m", false } } },
  { "the default list: the /dev devices and nothing else",
    { DENY_ALL, ALLOW ('c', 1, 3, "rwm"), ALLOW ('c', 1, 5, "rwm"), ALLOW ('c', 5, 2, "rwm"),
      ALLOW ('c', 136, ANY, "rwm") },
    { { 'c', 1, 3, "rwm", true },
      { 'c', 1, 5, "rw", true },
      { 'c', 5, 2, "rw", true },
      { 'c', 136, 0, "rw", true },
      { 'c', 136, 4711, "m", true },
      { 'c', 1, 7, "r", false },
      { 'b', 1, 3, "r", false },
      { 'b', 60, 0, "rw", false },
      { 'c', 10, 200, "rw", false } } },
  { "the last matching rule wins",
    { DENY_ALL, ALLOW ('c', 1, ANY, "rwm"), DENY ('c', 1, 7, "rwm"), ALLOW ('c', 1, 7, "r") },
    { { 'c', 1, 3, "rw", true },
      { 'c', 1, 7, "r", true },
      { 'c', 1, 7, "w", false },
      { 'c', 1, 7, "rw", false } } },
  { "a deny refuses a request holding any of its bits",
    { DENY_ALL, ALLOW ('c', 1, 5, "rw"), DENY ('c', 1, 5, "w") },
    { { 'c', 1, 5, "r", true }, { 'c', 1, 5, "w", false }, { 'c', 1, 5, "rw", false } } },
  { "access is decided bit by bit, across rules",
    { DENY_ALL, ALLOW ('c', 1, 5, "r"), ALLOW ('c', 1, ANY, "w") },
    { { 'c', 1, 5, "rw", true },
      { 'c', 1, 5, "rwm", false },
      { 'c', 1, 6, "rw", false },
      { 'c', 1, 6, "w", true } } },
  { "no leading deny-all still denies what no rule allows (as runc and crun)",
    { ALLOW ('c', 1, 3, "rwm"), DENY ('c', 1, 5, "w") },
    { { 'c', 1, 3, "rw", true }, { 'c', 1, 5, "r", false }, { 'b', 60, 0, "r", false } } },
  { "allow-all, with an exception",
    { ALLOW_ALL, DENY ('b', 60, 0, "rwm") },
    { { 'b', 60, 0, "r", false },
      { 'b', 60, 1, "rw", true },
      { 'c', 8, 0, "rwm", true },
      { 'c', 1, 3, "m", true } } },
  { "an allow-all rule cancels the rules before it",
    { DENY_ALL, DENY ('c', 1, 3, "rwm"), ALLOW_ALL },
    { { 'c', 1, 3, "rw", true } } },
  { "type a covers char and block devices, with numbers",
    { DENY_ALL, ALLOW ('a', 10, ANY, "r"), ALLOW ('b', ANY, 3, "m") },
    { { 'c', 10, 5, "r", true },
      { 'b', 10, 1, "r", true },
      { 'c', 10, 5, "w", false },
      { 'c', 11, 0, "r", false },
      { 'b', 7, 3, "m", true },
      { 'c', 7, 3, "m", false } } },
  { "no access string means all of rwm; an empty one grants nothing",
    { DENY_ALL, ALLOW ('c', 1, 3, NULL), ALLOW ('c', 1, 5, "") },
    { { 'c', 1, 3, "rwm", true }, { 'c', 1, 5, "r", false } } },
  { "an empty access string denies nothing either",
    { ALLOW_ALL, DENY ('c', 1, 3, "") },
    { { 'c', 1, 3, "rwm", true } } },
  { "numbers above INT32_MAX, and negative ones as wildcards",
    { DENY_ALL, ALLOW ('c', 4294967295, ANY, "r"), ALLOW ('b', -1, 7, "r") },
    { { 'c', 4294967295u, 0, "r", true },
      { 'c', 2147483647, 0, "r", false },
      { 'b', 12, 7, "r", true },
      { 'b', 12, 8, "r", false } } },
  { "an invalid list allows nothing",
    { ALLOW_ALL, ALLOW ('c', 4294967296, ANY, "r") },
    { { 'c', 1, 3, "r", false } },
    .invalid = true },
};

static size_t
count_rules (const struct spc_device_cgroup_rule *rules)
{
  size_t n = 0;
  while (rules[n].type)
    n++;
  return n;
}

static bool
decide (const struct decision_case *c)
{
  size_t n = count_rules (c->rules);
  bool ok = true;
  for (const struct request *r = c->requests; r->type; r++)
    if (spc_devices_allowed (c->rules, n, r->type, r->major, r->minor, r->access) != r->allowed)
      {
        printf ("#   %c %" PRIu32 ":%" PRIu32 " %s: expected %s\n", r->type, r->major, r->minor,
                r->access, r->allowed ? "allowed" : "denied");
        ok = false;
      }
  return ok;
}

static void
run_decision_cases (void)
{
  for (size_t i = 0; i < sizeof decision_cases / sizeof *decision_cases; i++)
    {
      char name[160];
      snprintf (name, sizeof name, "decide: %s", decision_cases[i].name);
      report (name, decide (&decision_cases[i]));
    }
}

/* ---- a synthetic tree ----------------------------------------------------- */

static char *
make_temp_dir (void)
{
  char tmpl[] = "/tmp/spacer-test-XXXXXX";
  return mkdtemp (tmpl) ? strdup (tmpl) : NULL;
}

static bool
synthetic_tree_gets_the_rules_as_text (void)
{
  _cleanup_free_ char *dir = make_temp_dir ();
  CHECK (dir != NULL);
  struct spc_cgroup_dir d = { .v2 = true, .path = dir };
  struct spc_cgroup cg = { .dirs = &d, .n_dirs = 1, .synthetic = true };
  const struct spc_device_cgroup_rule rules[] = {
    DENY_ALL, ALLOW ('c', 1, 3, "rwm"), ALLOW ('c', 1, 5, "r"), ALLOW ('b', ANY, ANY, "m"),
    ALLOW ('c', 136, ANY, NULL), ALLOW ('c', 1, 9, ""), DENY ('c', 1, 3, "wr"),
  };
  _cleanup_error_ spc_err_t err = NULL;
  int r = spc_cgroup_devices_v2 (&cg, &d, rules, sizeof rules / sizeof *rules, &err);
  _cleanup_free_ char *text = NULL;
  spc_err_t read_err = NULL;
  int rr = spc_cgroup_read (dir, "devices.bpf.rules", &text, &read_err);
  spc_error_free (&read_err);
  _cleanup_free_ char *file = NULL;
  if (asprintf (&file, "%s/devices.bpf.rules", dir) > 0)
    unlink (file);
  rmdir (dir);
  CHECK_STR (err ? err->msg : NULL, NULL);
  CHECK (r == 0 && rr == 0);
  CHECK_STR (text, "deny c 1:3 rw\n"
                   "allow c 136:* rwm\n"
                   "allow b *:* m\n"
                   "allow c 1:5 r\n"
                   "allow c 1:3 rwm\n"
                   "deny a *:* rwm\n"
                   "deny a *:* rwm\n");
  return true;
}

static bool
invalid_rules_are_refused_by_index (void)
{
  struct spc_cgroup_dir d = { .v2 = true, .path = (char *) "/nonexistent" };
  struct spc_cgroup cg = { .dirs = &d, .n_dirs = 1, .synthetic = true };
  const struct spc_device_cgroup_rule big[] = { DENY_ALL, ALLOW ('c', 1, 4294967296, "r") };
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_cgroup_devices_v2 (&cg, &d, big, 2, &err) < 0);
  CHECK_STR (err->msg, "linux.resources.devices[1]: minor 4294967296 is out of range");
  spc_error_free (&err);

  const struct spc_device_cgroup_rule type[] = { DENY ('x', ANY, ANY, "r") };
  cg.synthetic = false; /* refused before anything is loaded */
  CHECK (spc_cgroup_devices_v2 (&cg, &d, type, 1, &err) < 0);
  CHECK_STR (err->msg, "linux.resources.devices[0].type: unknown device type 'x'");
  spc_error_free (&err);

  const struct spc_device_cgroup_rule access[] = { DENY ('c', ANY, ANY, "rx") };
  CHECK (spc_cgroup_devices_v2 (&cg, &d, access, 1, &err) < 0);
  CHECK_STR (err->msg, "linux.resources.devices[0].access: unknown access 'x'");
  return true;
}

/* ---- the kernel ----------------------------------------------------------- */

/* Why the kernel cases cannot run here, or NULL; *base is our own cgroup
 * in the cgroup2 hierarchy. */
static const char *
kernel_unavailable (char **base)
{
  if (geteuid () != 0)
    return "needs root";
  struct spc_cgroup_mount *m = NULL;
  size_t n = 0;
  bool synthetic = false;
  spc_err_t err = NULL;
  if (spc_cgroup_mounts (&m, &n, &synthetic, &err) < 0)
    {
      spc_error_free (&err);
      return "cannot read the cgroup mounts";
    }
  for (size_t i = 0; !synthetic && !*base && i < n; i++)
    if (m[i].v2 && asprintf (base, "%s%s", m[i].mountpoint,
                             strcmp (m[i].own, "/") == 0 ? "" : m[i].own) < 0)
      *base = NULL;
  spc_cgroup_mounts_free (m, n);
  if (synthetic)
    return "SPACER_CGROUP_ROOT is set";
  return *base ? NULL : "no cgroup2 hierarchy";
}

static char *cgroup2_base; /* NULL: skip the kernel cases */
static const char *kernel_skip_reason;

static void
remove_test_cgroup (char **path)
{
  if (*path == NULL)
    return;
  /* A child that just exited may leave the cgroup a moment later. */
  for (int i = 0; i < 100 && rmdir (*path) < 0 && errno == EBUSY; i++)
    usleep (10000);
  free (*path);
}
#define _cleanup_test_cgroup_ __attribute__ ((cleanup (remove_test_cgroup)))

/* A new, empty cgroup2 directory below our own cgroup (NULL on failure,
 * which the caller checks). */
static char *
make_test_cgroup (void)
{
  char *path = NULL;
  if (asprintf (&path, "%s/spacer-bpf-test-%d", cgroup2_base, (int) getpid ()) < 0)
    return NULL;
  if (mkdir (path, 0755) < 0)
    {
      printf ("#   mkdir %s: %s\n", path, strerror (errno));
      free (path);
      return NULL;
    }
  return path;
}

static int
apply (const char *path, const struct spc_device_cgroup_rule *rules, size_t n)
{
  struct spc_cgroup_dir d = { .v2 = true, .path = (char *) path };
  struct spc_cgroup cg = { .dirs = &d, .n_dirs = 1 };
  _cleanup_error_ spc_err_t err = NULL;
  if (spc_cgroup_devices_v2 (&cg, &d, rules, n, &err) < 0)
    {
      printf ("#   %s\n", err->msg);
      return -1;
    }
  return 0;
}

/* What a process in the cgroup tries: open path with flags, or (mknod set)
 * mknod it as a device of that type and number in a fresh directory; and
 * the errno it should get (0: success). */
struct attempt
{
  const char *path;
  int flags;
  mode_t mknod; /* S_IFCHR, S_IFBLK, or 0: open */
  dev_t dev;
  int expect;
};

/* For a device without a driver only the filter can refuse an open with
 * EPERM; when it lets the open through, the kernel finds no driver. */
#define NOT_EPERM -1

static void __attribute__ ((noreturn))
attempt_all (const char *scratch, const struct attempt *a, size_t n, int out)
{
  int failed = 0;
  for (size_t i = 0; i < n; i++)
    {
      char what[PATH_MAX + 64], node[PATH_MAX];
      int r;
      if (a[i].mknod)
        {
          snprintf (what, sizeof what, "mknod %c %u:%u", a[i].mknod == S_IFBLK ? 'b' : 'c',
                    major (a[i].dev), minor (a[i].dev));
          snprintf (node, sizeof node, "%s/%s", scratch, a[i].path);
          r = mknod (node, a[i].mknod | 0600, a[i].dev);
        }
      else
        {
          snprintf (what, sizeof what, "open %s with flags %#o", a[i].path, (unsigned) a[i].flags);
          r = open (a[i].path, a[i].flags | O_CLOEXEC);
          if (r >= 0)
            close (r);
        }
      int got = r < 0 ? errno : 0;
      if (a[i].expect == NOT_EPERM ? got == EPERM : got != a[i].expect)
        {
          dprintf (out, "#   %s: got %s, expected %s\n", what, got ? strerror (got) : "success",
                   a[i].expect == NOT_EPERM ? "anything but EPERM"
                   : a[i].expect           ? strerror (a[i].expect)
                                           : "success");
          failed++;
        }
    }
  _exit (failed ? 1 : 0);
}

static void
remove_dir_of_nodes (const char *dir)
{
  _cleanup_closedir_ DIR *d = opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)))
    if (de->d_name[0] != '.')
      unlinkat (dirfd (d), de->d_name, 0);
  rmdir (dir);
}

/* Fork a child, move it into the cgroup (cgroup.procs), let it try every
 * attempt; true when each gave what it should. */
static bool
attempts_in_cgroup (const char *cgroup, const struct attempt *a, size_t n)
{
  _cleanup_free_ char *scratch = make_temp_dir ();
  int go[2], out[2];
  if (scratch == NULL || pipe2 (go, O_CLOEXEC) < 0)
    return false;
  if (pipe2 (out, O_CLOEXEC) < 0)
    {
      close (go[0]);
      close (go[1]);
      return false;
    }
  pid_t pid = fork ();
  if (pid == 0)
    {
      char c;
      close (go[1]);
      close (out[0]);
      if (read (go[0], &c, 1) != 1)
        _exit (2);
      attempt_all (scratch, a, n, out[1]);
    }
  close (go[0]);
  close (out[1]);
  bool entered = false;
  if (pid > 0)
    {
      char procs[PATH_MAX], text[32];
      snprintf (procs, sizeof procs, "%s/cgroup.procs", cgroup);
      snprintf (text, sizeof text, "%d", (int) pid);
      _cleanup_close_ int fd = open (procs, O_WRONLY | O_CLOEXEC);
      entered = fd >= 0 && spc_write_all (fd, text, strlen (text)) == 0;
      if (!entered)
        printf ("#   enter %s: %s\n", procs, strerror (errno));
      /* Without the byte the child sees EOF and gives up. */
      if (entered && write (go[1], "x", 1) != 1)
        entered = false;
    }
  close (go[1]);
  char buf[512];
  ssize_t len;
  while ((len = read (out[0], buf, sizeof buf)) > 0)
    fwrite (buf, 1, (size_t) len, stdout);
  close (out[0]);
  int status = -1;
  if (pid > 0)
    waitpid (pid, &status, 0);
  remove_dir_of_nodes (scratch);
  return pid > 0 && entered && WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

static const struct spc_device_cgroup_rule null_and_zero[] = {
  DENY_ALL,
  ALLOW ('c', 1, 3, "rwm"),
  ALLOW ('c', 1, 5, "r"),
};

static bool
kernel_enforces_the_filter (void)
{
  _cleanup_test_cgroup_ char *cgroup = make_test_cgroup ();
  CHECK (cgroup != NULL);
  CHECK (apply (cgroup, null_and_zero, 3) == 0);
  const struct attempt attempts[] = {
    { "/dev/null", O_RDWR, 0, 0, 0 },
    { "/dev/zero", O_RDONLY, 0, 0, 0 },
    { "/dev/zero", O_WRONLY, 0, 0, EPERM },
    { "/dev/zero", O_RDWR, 0, 0, EPERM },
    { "/dev/full", O_RDONLY, 0, 0, EPERM },
    { "null", 0, S_IFCHR, makedev (1, 3), 0 },
    { "zero", 0, S_IFCHR, makedev (1, 5), EPERM }, /* no "m" */
  };
  CHECK (attempts_in_cgroup (cgroup, attempts, sizeof attempts / sizeof *attempts));
  return true;
}

/* ---- programs attached to a directory, seen from outside ---- */

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

/* The names of the device programs attached to path, space-separated in
 * attach order. */
static char *
attached_names (const char *path)
{
  _cleanup_close_ int dirfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uint32_t ids[64];
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t) dirfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t) (uintptr_t) ids;
  attr.query.prog_cnt = 64;
  if (dirfd < 0 || sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    return NULL;
  char names[64 * (BPF_OBJ_NAME_LEN + 1) + 1] = "";
  for (uint32_t i = 0; i < attr.query.prog_cnt; i++)
    {
      union bpf_attr a;
      memset (&a, 0, sizeof a);
      a.prog_id = ids[i];
      _cleanup_close_ int fd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &a);
      struct bpf_prog_info info;
      memset (&info, 0, sizeof info);
      memset (&a, 0, sizeof a);
      a.info.bpf_fd = (uint32_t) fd;
      a.info.info_len = sizeof info;
      a.info.info = (uint64_t) (uintptr_t) &info;
      if (fd < 0 || sys_bpf (BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
        return NULL;
      if (i > 0)
        strcat (names, " ");
      strncat (names, info.name, BPF_OBJ_NAME_LEN);
    }
  return strdup (names);
}

/* Someone else's filter (it allows everything), attached the way spacer
 * attaches its own. */
static bool
attach_foreign_filter (const char *path)
{
  const struct bpf_insn allow[] = {
    { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
    { .code = BPF_JMP | BPF_EXIT },
  };
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) allow;
  attr.insn_cnt = 2;
  attr.license = (uint64_t) (uintptr_t) "GPL";
  strcpy (attr.prog_name, "someone_else");
  _cleanup_close_ int prog = sys_bpf (BPF_PROG_LOAD, &attr);
  _cleanup_close_ int dirfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  return prog >= 0 && dirfd >= 0 && sys_bpf (BPF_PROG_ATTACH, &attr) == 0;
}

static bool
update_replaces_only_our_filter (void)
{
  _cleanup_test_cgroup_ char *cgroup = make_test_cgroup ();
  CHECK (cgroup != NULL);
  CHECK (attach_foreign_filter (cgroup));
  CHECK (apply (cgroup, null_and_zero, 3) == 0);
  _cleanup_free_ char *first = attached_names (cgroup);
  CHECK_STR (first, "someone_else spacer_devices");

  /* The rule above INT32_MAX takes the program's other comparison. */
  const struct spc_device_cgroup_rule full_only[] = {
    DENY_ALL, ALLOW ('c', 1, 7, "rwm"), ALLOW ('c', 4294967295, 3, "rwm"),
  };
  CHECK (apply (cgroup, full_only, 3) == 0);
  _cleanup_free_ char *second = attached_names (cgroup);
  CHECK_STR (second, "someone_else spacer_devices");
  const struct attempt attempts[] = {
    { "/dev/full", O_RDWR, 0, 0, 0 },
    { "/dev/null", O_RDONLY, 0, 0, EPERM },
    { "/dev/zero", O_RDONLY, 0, 0, EPERM },
  };
  CHECK (attempts_in_cgroup (cgroup, attempts, sizeof attempts / sizeof *attempts));
  return true;
}

/* One system call makes the request: open for "r", "w" or "rw", mknod for
 * "m"; and the kernel's dev_t holds the numbers. */
static bool
request_as_attempt (const struct request *r, const char *nodes, size_t i, struct attempt *a,
                    char *path, size_t size)
{
  static const struct
  {
    const char *access;
    int flags;
  } opens[] = { { "r", O_RDONLY }, { "w", O_WRONLY }, { "rw", O_RDWR }, { "m", -1 } };
  if (r->major > 0xfff || r->minor > 0xfffff)
    return false;
  for (size_t k = 0; k < sizeof opens / sizeof *opens; k++)
    if (strcmp (r->access, opens[k].access) == 0)
      {
        mode_t type = r->type == 'b' ? S_IFBLK : S_IFCHR;
        dev_t dev = makedev (r->major, r->minor);
        int expect = r->allowed ? NOT_EPERM : EPERM;
        if (opens[k].flags < 0)
          {
            snprintf (path, size, "node%zu", i);
            *a = (struct attempt) { path, 0, type, dev, r->allowed ? 0 : EPERM };
            return true;
          }
        /* Made here, outside the cgroup, for the child to open. */
        snprintf (path, size, "%s/node%zu", nodes, i);
        *a = (struct attempt) { path, opens[k].flags, 0, 0, expect };
        return mknod (path, type | 0600, dev) == 0;
      }
  return false;
}

/* The decision tables once more, now against the real program: every
 * request that can be made as one system call, by a process in a cgroup
 * with the case's rules. This is what makes spc_devices_allowed() a
 * faithful mirror of the program. */
static bool
kernel_decides_as_the_tables (void)
{
  bool ok = true;
  for (size_t i = 0; i < sizeof decision_cases / sizeof *decision_cases; i++)
    {
      const struct decision_case *c = &decision_cases[i];
      size_t n = count_rules (c->rules);
      if (c->invalid)
        continue; /* nothing to load */
      _cleanup_free_ char *nodes = make_temp_dir ();
      CHECK (nodes != NULL);
      struct statvfs vfs;
      if (statvfs (nodes, &vfs) == 0 && (vfs.f_flag & ST_NODEV))
        {
          printf ("#   %s is nodev: devices cannot be opened there\n", nodes);
          rmdir (nodes);
          return false;
        }
      struct attempt attempts[10];
      char paths[10][PATH_MAX];
      size_t n_attempts = 0;
      for (size_t k = 0; c->requests[k].type; k++)
        if (request_as_attempt (&c->requests[k], nodes, k, &attempts[n_attempts],
                                paths[n_attempts], sizeof paths[n_attempts]))
          n_attempts++;
      _cleanup_test_cgroup_ char *cgroup = make_test_cgroup ();
      bool case_ok = cgroup && apply (cgroup, c->rules, n) == 0
                     && attempts_in_cgroup (cgroup, attempts, n_attempts);
      remove_dir_of_nodes (nodes);
      if (!case_ok)
        printf ("#   in \"%s\"\n", c->name);
      ok = ok && case_ok;
    }
  return ok;
}

static bool
a_directory_that_is_no_cgroup_is_an_error (void)
{
  _cleanup_free_ char *dir = make_temp_dir ();
  CHECK (dir != NULL);
  struct spc_cgroup_dir d = { .v2 = true, .path = dir };
  struct spc_cgroup cg = { .dirs = &d, .n_dirs = 1 };
  _cleanup_error_ spc_err_t err = NULL;
  int r = spc_cgroup_devices_v2 (&cg, &d, null_and_zero, 3, &err);
  rmdir (dir);
  CHECK (r < 0);
  _cleanup_free_ char *prefix = NULL;
  CHECK (asprintf (&prefix, "linux.resources.devices: list the eBPF device filters of `%s`: ",
                   dir) > 0);
  if (strncmp (err->msg, prefix, strlen (prefix)) != 0)
    printf ("#   got: %s\n", err->msg);
  CHECK (strncmp (err->msg, prefix, strlen (prefix)) == 0);
  return true;
}

static void
run_kernel (const char *name, bool (*fn) (void))
{
  if (cgroup2_base == NULL)
    report_skip (name, kernel_skip_reason);
  else
    report (name, fn ());
}
#define RUN_KERNEL(fn) run_kernel (#fn, fn)

int
main (void)
{
  /* Sorted output even when a child writes to the same stdout. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  run_decision_cases ();
  RUN (synthetic_tree_gets_the_rules_as_text);
  RUN (invalid_rules_are_refused_by_index);
  kernel_skip_reason = kernel_unavailable (&cgroup2_base);
  if (kernel_skip_reason)
    {
      free (cgroup2_base);
      cgroup2_base = NULL;
    }
  RUN_KERNEL (kernel_enforces_the_filter);
  RUN_KERNEL (kernel_decides_as_the_tables);
  RUN_KERNEL (update_replaces_only_our_filter);
  RUN_KERNEL (a_directory_that_is_no_cgroup_is_an_error);
  free (cgroup2_base);
  return unit_summary ();
}
