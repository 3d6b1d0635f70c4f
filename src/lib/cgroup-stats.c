/* Statistics and OOM events from the container's cgroup, for `spacer
 * events`. The statistics take the shape of runc's `events --stats` data
 * (runc's types.Stats as Go encodes it): the same member names, the same
 * units (nanoseconds, bytes), and members Go tags omitempty left out when
 * zero. A controller the host lacks is left out altogether.
 *
 * Everything is read first and written after, so an error never leaves a
 * half-written object behind. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/json.h"
#include "cgroup-internal.h"

#define NSEC_PER_USEC UINT64_C (1000)
#define NSEC_PER_SEC UINT64_C (1000000000)

/* ---- where each controller lives ---- */

/* ---- reading files ---- */

/* A number as cgroup files write it. "max" (no limit) reads as the
 * largest value, as runc reports it; v1 shows an unset value as -1 in
 * some files, which runc reports as 0. */
static int
parse_u64 (const char *text, uint64_t *out)
{
  while (isspace ((unsigned char) *text))
    text++;
  const char *end;
  if (strncmp (text, "max", 3) == 0)
    {
      *out = UINT64_MAX;
      end = text + 3;
    }
  else if (*text == '-' || isdigit ((unsigned char) *text))
    {
      char *e;
      errno = 0;
      if (*text == '-')
        {
          strtoll (text, &e, 10);
          *out = 0;
        }
      else
        *out = strtoull (text, &e, 10);
      if (errno != 0 || e == text)
        return -1;
      end = e;
    }
  else
    return -1;
  while (isspace ((unsigned char) *end))
    end++;
  return *end == '\0' ? 0 : -1;
}

/* A file that some kernels lack (memsw, kmem, memory.peak, ...): *out
 * stays NULL when it is not there. */
static int
read_optional (const char *dir, const char *file, char **out, spc_err_t *err)
{
  *out = NULL;
  spc_err_t local = NULL;
  if (spc_cgroup_read (dir, file, out, &local) == 0)
    return 0;
  if (local && local->errno_ == ENOENT)
    {
      spc_error_free (&local);
      return 0;
    }
  if (err && *err == NULL)
    *err = local;
  else
    spc_error_free (&local);
  return -1;
}

static int
not_a_number (const char *dir, const char *file, const char *text, spc_err_t *err)
{
  size_t len = strcspn (text, "\n");
  return spc_error_make (err, 0, "%s: `%s`: `%.*s` is not a number", dir, file,
                         (int) (len > 64 ? 64 : len), text);
}

static int
read_u64 (const char *dir, const char *file, uint64_t *out, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  if (spc_cgroup_read (dir, file, &text, err) < 0)
    return -1;
  if (parse_u64 (text, out) < 0)
    return not_a_number (dir, file, text, err);
  return 0;
}

/* As read_u64; *present tells whether the file was there. */
static int
read_u64_optional (const char *dir, const char *file, uint64_t *out, bool *present,
                   spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  *out = 0;
  if (read_optional (dir, file, &text, err) < 0)
    return -1;
  *present = text != NULL;
  if (text && parse_u64 (text, out) < 0)
    return not_a_number (dir, file, text, err);
  return 0;
}

static size_t
count_lines (const char *text)
{
  size_t n = 1;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* A flat keyed file, "key value" per line (cpu.stat, memory.stat,
 * memory.events, cpuacct.stat, memory.oom_control). The keys point into
 * text. */
struct keyed
{
  char *text;
  struct keyed_pair
  {
    const char *key;
    uint64_t value;
  } *pairs;
  size_t n;
};

static void
keyed_clear (struct keyed *k)
{
  free (k->text);
  free (k->pairs);
  *k = (struct keyed){ 0 };
}

static int
parse_keyed (const char *dir, const char *file, struct keyed *k, spc_err_t *err)
{
  k->pairs = calloc (count_lines (k->text), sizeof *k->pairs);
  if (k->pairs == NULL)
    return spc_error_errno (err, "calloc");
  for (char *save = NULL, *line = strtok_r (k->text, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save))
    {
      char *value = strchr (line, ' ');
      if (value == NULL)
        return spc_error_make (err, 0, "%s: `%s`: malformed line `%s`", dir, file, line);
      *value++ = '\0';
      struct keyed_pair *p = &k->pairs[k->n++];
      p->key = line;
      if (parse_u64 (value, &p->value) < 0)
        return not_a_number (dir, file, value, err);
    }
  return 0;
}

/* On failure *k is left empty. */
static int
read_keyed (const char *dir, const char *file, struct keyed *k, spc_err_t *err)
{
  *k = (struct keyed){ 0 };
  if (spc_cgroup_read (dir, file, &k->text, err) < 0 || parse_keyed (dir, file, k, err) < 0)
    {
      keyed_clear (k);
      return -1;
    }
  return 0;
}

/* 0 when the key is not there: newer kernels add keys, older lack some. */
static uint64_t
keyed_get (const struct keyed *k, const char *key, bool *found)
{
  for (size_t i = 0; i < k->n; i++)
    if (strcmp (k->pairs[i].key, key) == 0)
      {
        if (found)
          *found = true;
        return k->pairs[i].value;
      }
  if (found)
    *found = false;
  return 0;
}

/* ---- cpu ---- */

struct u64_list
{
  uint64_t *v;
  size_t n;
};

struct cpu_stats
{
  bool present;
  uint64_t total, kernel, user; /* nanoseconds */
  struct u64_list percpu, percpu_kernel, percpu_user;
  uint64_t periods, throttled_periods, throttled_time;
};

/* cpuacct.usage_percpu: one number per possible cpu, on one line. */
static int
read_percpu (const char *dir, struct u64_list *out, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  if (spc_cgroup_read (dir, "cpuacct.usage_percpu", &text, err) < 0)
    return -1;
  out->v = calloc (strlen (text) / 2 + 1, sizeof *out->v);
  if (out->v == NULL)
    return spc_error_errno (err, "calloc");
  for (char *save = NULL, *t = strtok_r (text, " \n", &save); t; t = strtok_r (NULL, " \n", &save))
    if (parse_u64 (t, &out->v[out->n++]) < 0)
      return not_a_number (dir, "cpuacct.usage_percpu", t, err);
  return 0;
}

/* cpuacct.usage_all (since 4.16): a header, then "cpu user system" in
 * nanoseconds per cpu. */
static int
read_percpu_modes (const char *dir, struct cpu_stats *s, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  if (read_optional (dir, "cpuacct.usage_all", &text, err) < 0)
    return -1;
  if (text == NULL)
    return 0;
  size_t lines = count_lines (text);
  s->percpu_user.v = calloc (lines, sizeof (uint64_t));
  s->percpu_kernel.v = calloc (lines, sizeof (uint64_t));
  if (s->percpu_user.v == NULL || s->percpu_kernel.v == NULL)
    return spc_error_errno (err, "calloc");
  char *save = NULL;
  strtok_r (text, "\n", &save);
  for (char *line = strtok_r (NULL, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned cpu;
      uint64_t user, sys;
      if (sscanf (line, "%u %" SCNu64 " %" SCNu64, &cpu, &user, &sys) != 3)
        return spc_error_make (err, 0, "%s: `cpuacct.usage_all`: malformed line `%s`", dir,
                               line);
      s->percpu_user.v[s->percpu_user.n++] = user;
      s->percpu_kernel.v[s->percpu_kernel.n++] = sys;
    }
  return 0;
}

/* cpuacct.stat counts user and system time in clock ticks (USER_HZ). */
static int
read_cpuacct_modes (const char *dir, struct cpu_stats *s, spc_err_t *err)
{
  struct keyed k;
  int r = read_keyed (dir, "cpuacct.stat", &k, err);
  if (r == 0)
    {
      long hz = sysconf (_SC_CLK_TCK);
      uint64_t tick = hz > 0 ? NSEC_PER_SEC / (uint64_t) hz : NSEC_PER_SEC / 100;
      s->user = keyed_get (&k, "user", NULL) * tick;
      s->kernel = keyed_get (&k, "system", NULL) * tick;
    }
  keyed_clear (&k);
  return r;
}

static int
read_cpu_v1_usage (const char *dir, struct cpu_stats *s, spc_err_t *err)
{
  if (read_u64 (dir, "cpuacct.usage", &s->total, err) < 0 || read_percpu (dir, &s->percpu, err) < 0
      || read_percpu_modes (dir, s, err) < 0 || read_cpuacct_modes (dir, s, err) < 0)
    return -1;
  return 0;
}

static int
read_cpu_v1_throttling (const char *dir, struct cpu_stats *s, spc_err_t *err)
{
  struct keyed k;
  int r = read_keyed (dir, "cpu.stat", &k, err);
  if (r == 0)
    {
      s->periods = keyed_get (&k, "nr_periods", NULL);
      s->throttled_periods = keyed_get (&k, "nr_throttled", NULL);
      s->throttled_time = keyed_get (&k, "throttled_time", NULL);
    }
  keyed_clear (&k);
  return r;
}

/* cgroup2's cpu.stat has the usage always (in microseconds), and the
 * throttling counters when the cpu controller is enabled. */
static int
read_cpu_v2 (const char *dir, struct cpu_stats *s, bool usage, bool throttling, spc_err_t *err)
{
  struct keyed k;
  int r = read_keyed (dir, "cpu.stat", &k, err);
  if (r == 0 && usage)
    {
      s->total = keyed_get (&k, "usage_usec", NULL) * NSEC_PER_USEC;
      s->user = keyed_get (&k, "user_usec", NULL) * NSEC_PER_USEC;
      s->kernel = keyed_get (&k, "system_usec", NULL) * NSEC_PER_USEC;
    }
  if (r == 0 && throttling)
    {
      s->periods = keyed_get (&k, "nr_periods", NULL);
      s->throttled_periods = keyed_get (&k, "nr_throttled", NULL);
      s->throttled_time = keyed_get (&k, "throttled_usec", NULL) * NSEC_PER_USEC;
    }
  keyed_clear (&k);
  return r;
}

static int
read_cpu (const struct spc_cgroup *cg, struct cpu_stats *s, spc_err_t *err)
{
  const struct spc_cgroup_dir *acct = spc_cgroup_find (cg, "cpuacct");
  const struct spc_cgroup_dir *cpu = spc_cgroup_find (cg, "cpu");
  const struct spc_cgroup_dir *unified = spc_cgroup_v2_dir (cg);
  /* v1 cpuacct counts usage; without it cgroup2's cpu.stat does. */
  bool usage_v1 = acct && !acct->v2;
  bool throttling_v1 = cpu && !cpu->v2;
  bool usage_v2 = !usage_v1 && unified;
  bool throttling_v2 = cpu && cpu->v2;
  s->present = usage_v1 || usage_v2 || throttling_v1 || throttling_v2;
  if (usage_v1 && read_cpu_v1_usage (acct->path, s, err) < 0)
    return -1;
  if (throttling_v1 && read_cpu_v1_throttling (cpu->path, s, err) < 0)
    return -1;
  if (usage_v2 || throttling_v2)
    {
      const char *dir = throttling_v2 ? cpu->path : unified->path;
      if (read_cpu_v2 (dir, s, usage_v2, throttling_v2, err) < 0)
        return -1;
    }
  return 0;
}

static void
cpu_stats_clear (struct cpu_stats *s)
{
  free (s->percpu.v);
  free (s->percpu_kernel.v);
  free (s->percpu_user.v);
}

/* ---- memory ---- */

struct memory_entry
{
  uint64_t limit, usage, max, failcnt;
};

struct memory_stats
{
  bool present;
  uint64_t cache;
  struct memory_entry usage, swap, kernel, kernel_tcp;
  struct keyed raw; /* memory.stat */
};

/* v1's four files of one counter: memory, memory.memsw, memory.kmem,
 * memory.kmem.tcp. All but the first depend on kernel options: a counter
 * whose usage file is missing stays zero. */
static int
read_memory_entry_v1 (const char *dir, const char *prefix, bool optional,
                      struct memory_entry *e, spc_err_t *err)
{
  static const char *const suffixes[] = { "usage_in_bytes", "max_usage_in_bytes",
                                          "limit_in_bytes", "failcnt" };
  uint64_t *values[] = { &e->usage, &e->max, &e->limit, &e->failcnt };
  for (size_t i = 0; i < 4; i++)
    {
      char file[64];
      snprintf (file, sizeof file, "%s.%s", prefix, suffixes[i]);
      bool present = true;
      int r = i == 0 && optional ? read_u64_optional (dir, file, values[i], &present, err)
                                 : read_u64 (dir, file, values[i], err);
      if (r < 0)
        return -1;
      if (!present)
        return 0;
    }
  return 0;
}

static int
read_memory_v1 (const char *dir, struct memory_stats *s, spc_err_t *err)
{
  if (read_keyed (dir, "memory.stat", &s->raw, err) < 0)
    return -1;
  s->cache = keyed_get (&s->raw, "cache", NULL);
  if (read_memory_entry_v1 (dir, "memory", false, &s->usage, err) < 0
      || read_memory_entry_v1 (dir, "memory.memsw", true, &s->swap, err) < 0
      || read_memory_entry_v1 (dir, "memory.kmem", true, &s->kernel, err) < 0
      || read_memory_entry_v1 (dir, "memory.kmem.tcp", true, &s->kernel_tcp, err) < 0)
    return -1;
  return 0;
}

static uint64_t
add_saturating (uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* cgroup2 counts swap alone; runc reports it as v1's memsw (memory plus
 * swap), and so does spacer. */
static int
read_swap_v2 (const char *dir, struct memory_stats *s, spc_err_t *err)
{
  bool present;
  if (read_u64_optional (dir, "memory.swap.current", &s->swap.usage, &present, err) < 0)
    return -1;
  if (!present)
    return 0; /* no swap accounting in this kernel */
  if (read_u64 (dir, "memory.swap.max", &s->swap.limit, err) < 0)
    return -1;
  s->swap.usage = add_saturating (s->swap.usage, s->usage.usage);
  if (s->swap.limit != UINT64_MAX)
    s->swap.limit = add_saturating (s->swap.limit, s->usage.limit);
  return 0;
}

static int
read_memory_v2 (const char *dir, struct memory_stats *s, spc_err_t *err)
{
  if (read_keyed (dir, "memory.stat", &s->raw, err) < 0)
    return -1;
  s->cache = keyed_get (&s->raw, "file", NULL);
  bool peak;
  struct keyed events;
  if (read_u64 (dir, "memory.current", &s->usage.usage, err) < 0
      || read_u64 (dir, "memory.max", &s->usage.limit, err) < 0
      || read_u64_optional (dir, "memory.peak", &s->usage.max, &peak, err) < 0
      || read_swap_v2 (dir, s, err) < 0)
    return -1;
  /* v1's failcnt counted hitting the limit; "max" in memory.events does. */
  if (read_keyed (dir, "memory.events", &events, err) < 0)
    return -1;
  s->usage.failcnt = keyed_get (&events, "max", NULL);
  keyed_clear (&events);
  return 0;
}

static int
read_memory (const struct spc_cgroup *cg, struct memory_stats *s, spc_err_t *err)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (cg, "memory");
  if (d == NULL)
    return 0;
  s->present = true;
  return d->v2 ? read_memory_v2 (d->path, s, err) : read_memory_v1 (d->path, s, err);
}

/* ---- pids ---- */

struct pids_stats
{
  bool present;
  uint64_t current, limit;
};

static int
read_pids (const struct spc_cgroup *cg, struct pids_stats *s, spc_err_t *err)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (cg, "pids");
  if (d == NULL)
    return 0;
  s->present = true;
  if (read_u64 (d->path, "pids.current", &s->current, err) < 0
      || read_u64 (d->path, "pids.max", &s->limit, err) < 0)
    return -1;
  /* runc reports no limit as 0. */
  if (s->limit == UINT64_MAX)
    s->limit = 0;
  return 0;
}

/* ---- blkio ---- */

struct blkio_entry
{
  uint64_t major, minor;
  const char *op;
  uint64_t value;
};

struct blkio_list
{
  char *text; /* the v1 file the ops point into */
  struct blkio_entry *e;
  size_t n;
};

struct blkio_stats
{
  bool present;
  struct blkio_list bytes, ios;
};

/* v1: "MAJ:MIN Op Value" lines, and a last "Total Value" for all devices
 * together, which runc leaves out (the per-device Total stays). */
static int
read_blkio_v1_file (const char *dir, const char *file, struct blkio_list *l, spc_err_t *err)
{
  if (spc_cgroup_read (dir, file, &l->text, err) < 0)
    return -1;
  l->e = calloc (count_lines (l->text), sizeof *l->e);
  if (l->e == NULL)
    return spc_error_errno (err, "calloc");
  for (char *save = NULL, *line = strtok_r (l->text, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save))
    {
      struct blkio_entry *e = &l->e[l->n];
      int op_start = 0, op_end = 0, value_start = 0;
      if (strncmp (line, "Total ", 6) == 0)
        continue;
      if (sscanf (line, "%" SCNu64 ":%" SCNu64 " %n%*s%n %n", &e->major, &e->minor, &op_start,
                  &op_end, &value_start)
              != 2
          || value_start == 0)
        return spc_error_make (err, 0, "%s: `%s`: malformed line `%s`", dir, file, line);
      char *value = line + value_start;
      /* "MAJ:MIN Value" lines (sectors, time) have no op. */
      if (*value == '\0')
        value = line + op_start;
      line[op_end] = '\0';
      e->op = value == line + op_start ? "" : line + op_start;
      if (parse_u64 (value, &e->value) < 0)
        return not_a_number (dir, file, value, err);
      l->n++;
    }
  return 0;
}

static int
read_blkio_v1 (const char *dir, struct blkio_stats *s, spc_err_t *err)
{
  if (read_blkio_v1_file (dir, "blkio.throttle.io_service_bytes_recursive", &s->bytes, err) < 0
      || read_blkio_v1_file (dir, "blkio.throttle.io_serviced_recursive", &s->ios, err) < 0)
    return -1;
  return 0;
}

/* cgroup2's io.stat counters that have a v1 name (runc's mapping); the
 * others (dbytes, dios, ...) are left out. */
static const struct
{
  const char *key, *op;
  bool bytes;
} io_stat_keys[] = {
  { "rbytes=", "Read", true },
  { "wbytes=", "Write", true },
  { "rios=", "Read", false },
  { "wios=", "Write", false },
};

/* seen: the keys this line had already; each may come once (the lists
 * hold two entries per line). */
static int
add_io_item (const char *dir, uint64_t major, uint64_t minor, const char *item,
             unsigned *seen, struct blkio_stats *s, spc_err_t *err)
{
  for (size_t i = 0; i < sizeof io_stat_keys / sizeof *io_stat_keys; i++)
    {
      size_t klen = strlen (io_stat_keys[i].key);
      if (strncmp (item, io_stat_keys[i].key, klen) != 0)
        continue;
      if (*seen & (1u << i))
        return spc_error_make (err, 0, "%s: `io.stat`: `%s` twice for %" PRIu64 ":%" PRIu64,
                               dir, io_stat_keys[i].key, major, minor);
      *seen |= 1u << i;
      struct blkio_list *l = io_stat_keys[i].bytes ? &s->bytes : &s->ios;
      struct blkio_entry *e = &l->e[l->n++];
      *e = (struct blkio_entry){ .major = major, .minor = minor, .op = io_stat_keys[i].op };
      if (parse_u64 (item + klen, &e->value) < 0)
        return not_a_number (dir, "io.stat", item, err);
    }
  return 0;
}

/* "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. ..." per device, as v1's
 * Read and Write entries. */
static int
read_io_v2 (const char *dir, struct blkio_stats *s, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  if (spc_cgroup_read (dir, "io.stat", &text, err) < 0)
    return -1;
  size_t lines = count_lines (text);
  s->bytes.e = calloc (lines * 2, sizeof *s->bytes.e);
  s->ios.e = calloc (lines * 2, sizeof *s->ios.e);
  if (s->bytes.e == NULL || s->ios.e == NULL)
    return spc_error_errno (err, "calloc");
  for (char *save = NULL, *line = strtok_r (text, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save))
    {
      uint64_t major, minor;
      unsigned seen = 0;
      int items = 0;
      if (sscanf (line, "%" SCNu64 ":%" SCNu64 " %n", &major, &minor, &items) != 2 || items == 0)
        return spc_error_make (err, 0, "%s: `io.stat`: malformed line `%s`", dir, line);
      for (char *save2 = NULL, *item = strtok_r (line + items, " ", &save2); item;
           item = strtok_r (NULL, " ", &save2))
        if (add_io_item (dir, major, minor, item, &seen, s, err) < 0)
          return -1;
    }
  return 0;
}

static int
read_blkio (const struct spc_cgroup *cg, struct blkio_stats *s, spc_err_t *err)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (cg, "blkio");
  if (d && !d->v2)
    {
      s->present = true;
      return read_blkio_v1 (d->path, s, err);
    }
  d = spc_cgroup_find (cg, "io");
  if (d && d->v2)
    {
      s->present = true;
      return read_io_v2 (d->path, s, err);
    }
  return 0;
}

static void
blkio_stats_clear (struct blkio_stats *s)
{
  free (s->bytes.text);
  free (s->bytes.e);
  free (s->ios.text);
  free (s->ios.e);
}

/* ---- hugetlb ---- */

struct hugetlb_entry
{
  char *size; /* "2MB", "1GB": as the kernel names the files */
  uint64_t usage, max, failcnt;
};

struct hugetlb_stats
{
  bool present;
  struct hugetlb_entry *e;
  size_t n;
};

static int
compare_sizes (const void *a, const void *b)
{
  return strcmp (((const struct hugetlb_entry *) a)->size,
                 ((const struct hugetlb_entry *) b)->size);
}

/* The page sizes, from the names "hugetlb.<size>.<suffix>"; the
 * reservation counters ("hugetlb.2MB.rsvd.<suffix>") are not sizes. */
static int
find_hugepage_sizes (const char *dir, const char *suffix, struct hugetlb_stats *s, spc_err_t *err)
{
  _cleanup_closedir_ DIR *d = opendir (dir);
  if (d == NULL)
    return spc_error_errno (err, "open `%s`", dir);
  size_t suffix_len = strlen (suffix);
  struct dirent *de;
  while ((errno = 0, de = readdir (d)))
    {
      const char *name = de->d_name;
      size_t len = strlen (name);
      if (strncmp (name, "hugetlb.", 8) != 0 || len <= 8 + suffix_len
          || strcmp (name + len - suffix_len, suffix) != 0)
        continue;
      size_t size_len = len - 8 - suffix_len;
      if (memchr (name + 8, '.', size_len))
        continue;
      struct hugetlb_entry *grown = realloc (s->e, (s->n + 1) * sizeof *s->e);
      if (grown == NULL)
        return spc_error_errno (err, "realloc");
      s->e = grown;
      s->e[s->n] = (struct hugetlb_entry){ .size = strndup (name + 8, size_len) };
      if (s->e[s->n++].size == NULL)
        return spc_error_errno (err, "strndup");
    }
  if (errno != 0)
    return spc_error_errno (err, "read `%s`", dir);
  qsort (s->e, s->n, sizeof *s->e, compare_sizes);
  return 0;
}

static int
read_hugetlb_v1 (const char *dir, struct hugetlb_entry *e, spc_err_t *err)
{
  char usage[64], max[64], failcnt[64];
  snprintf (usage, sizeof usage, "hugetlb.%s.usage_in_bytes", e->size);
  snprintf (max, sizeof max, "hugetlb.%s.max_usage_in_bytes", e->size);
  snprintf (failcnt, sizeof failcnt, "hugetlb.%s.failcnt", e->size);
  if (read_u64 (dir, usage, &e->usage, err) < 0 || read_u64 (dir, max, &e->max, err) < 0
      || read_u64 (dir, failcnt, &e->failcnt, err) < 0)
    return -1;
  return 0;
}

/* cgroup2 keeps no peak (hugetlb.<size>.max is the limit), so "max" stays
 * unset as in runc; failures to allocate are "max" in .events. */
static int
read_hugetlb_v2 (const char *dir, struct hugetlb_entry *e, spc_err_t *err)
{
  char current[64], events_file[64];
  snprintf (current, sizeof current, "hugetlb.%s.current", e->size);
  snprintf (events_file, sizeof events_file, "hugetlb.%s.events", e->size);
  struct keyed events;
  if (read_u64 (dir, current, &e->usage, err) < 0
      || read_keyed (dir, events_file, &events, err) < 0)
    return -1;
  e->failcnt = keyed_get (&events, "max", NULL);
  keyed_clear (&events);
  return 0;
}

static int
read_hugetlb (const struct spc_cgroup *cg, struct hugetlb_stats *s, spc_err_t *err)
{
  const struct spc_cgroup_dir *d = spc_cgroup_find (cg, "hugetlb");
  if (d == NULL)
    return 0;
  s->present = true;
  if (find_hugepage_sizes (d->path, d->v2 ? ".current" : ".usage_in_bytes", s, err) < 0)
    return -1;
  for (size_t i = 0; i < s->n; i++)
    if ((d->v2 ? read_hugetlb_v2 : read_hugetlb_v1) (d->path, &s->e[i], err) < 0)
      return -1;
  return 0;
}

static void
hugetlb_stats_clear (struct hugetlb_stats *s)
{
  for (size_t i = 0; i < s->n; i++)
    free (s->e[i].size);
  free (s->e);
}

/* ---- all of it ---- */

struct stats
{
  struct cpu_stats cpu;
  struct memory_stats memory;
  struct pids_stats pids;
  struct blkio_stats blkio;
  struct hugetlb_stats hugetlb;
};

static void
stats_clear (struct stats *s)
{
  cpu_stats_clear (&s->cpu);
  keyed_clear (&s->memory.raw);
  blkio_stats_clear (&s->blkio);
  hugetlb_stats_clear (&s->hugetlb);
}

/* ---- writing runc's shape ---- */

static void
put_u64 (spc_json_writer *w, const char *key, uint64_t v)
{
  spc_jw_key (w, key);
  spc_jw_uint (w, v);
}

/* A member runc tags omitempty: Go leaves it out when zero. */
static void
put_u64_nonzero (spc_json_writer *w, const char *key, uint64_t v)
{
  if (v != 0)
    put_u64 (w, key, v);
}

static void
put_list_nonempty (spc_json_writer *w, const char *key, const struct u64_list *l)
{
  if (l->n == 0)
    return;
  spc_jw_key (w, key);
  spc_jw_begin_array (w);
  for (size_t i = 0; i < l->n; i++)
    spc_jw_uint (w, l->v[i]);
  spc_jw_end_array (w);
}

static void
write_cpu (spc_json_writer *w, const struct cpu_stats *s)
{
  spc_jw_key (w, "cpu");
  spc_jw_begin_object (w);
  spc_jw_key (w, "usage");
  spc_jw_begin_object (w);
  put_u64_nonzero (w, "total", s->total);
  put_list_nonempty (w, "percpu", &s->percpu);
  put_list_nonempty (w, "percpu_kernel", &s->percpu_kernel);
  put_list_nonempty (w, "percpu_user", &s->percpu_user);
  put_u64 (w, "kernel", s->kernel);
  put_u64 (w, "user", s->user);
  spc_jw_end_object (w);
  spc_jw_key (w, "throttling");
  spc_jw_begin_object (w);
  put_u64_nonzero (w, "periods", s->periods);
  put_u64_nonzero (w, "throttledPeriods", s->throttled_periods);
  put_u64_nonzero (w, "throttledTime", s->throttled_time);
  spc_jw_end_object (w);
  spc_jw_end_object (w);
}

static void
write_memory_entry (spc_json_writer *w, const char *key, const struct memory_entry *e)
{
  spc_jw_key (w, key);
  spc_jw_begin_object (w);
  put_u64 (w, "limit", e->limit);
  put_u64_nonzero (w, "usage", e->usage);
  put_u64_nonzero (w, "max", e->max);
  put_u64 (w, "failcnt", e->failcnt);
  spc_jw_end_object (w);
}

static void
write_memory (spc_json_writer *w, const struct memory_stats *s)
{
  spc_jw_key (w, "memory");
  spc_jw_begin_object (w);
  put_u64_nonzero (w, "cache", s->cache);
  write_memory_entry (w, "usage", &s->usage);
  write_memory_entry (w, "swap", &s->swap);
  write_memory_entry (w, "kernel", &s->kernel);
  write_memory_entry (w, "kernelTCP", &s->kernel_tcp);
  if (s->raw.n)
    {
      spc_jw_key (w, "raw");
      spc_jw_begin_object (w);
      for (size_t i = 0; i < s->raw.n; i++)
        put_u64 (w, s->raw.pairs[i].key, s->raw.pairs[i].value);
      spc_jw_end_object (w);
    }
  spc_jw_end_object (w);
}

static void
write_pids (spc_json_writer *w, const struct pids_stats *s)
{
  spc_jw_key (w, "pids");
  spc_jw_begin_object (w);
  put_u64_nonzero (w, "current", s->current);
  put_u64_nonzero (w, "limit", s->limit);
  spc_jw_end_object (w);
}

static void
write_blkio_list (spc_json_writer *w, const char *key, const struct blkio_list *l)
{
  if (l->n == 0)
    return;
  spc_jw_key (w, key);
  spc_jw_begin_array (w);
  for (size_t i = 0; i < l->n; i++)
    {
      const struct blkio_entry *e = &l->e[i];
      spc_jw_begin_object (w);
      put_u64_nonzero (w, "major", e->major);
      put_u64_nonzero (w, "minor", e->minor);
      if (e->op[0])
        {
          spc_jw_key (w, "op");
          spc_jw_string (w, e->op);
        }
      put_u64_nonzero (w, "value", e->value);
      spc_jw_end_object (w);
    }
  spc_jw_end_array (w);
}

static void
write_blkio (spc_json_writer *w, const struct blkio_stats *s)
{
  spc_jw_key (w, "blkio");
  spc_jw_begin_object (w);
  write_blkio_list (w, "ioServiceBytesRecursive", &s->bytes);
  write_blkio_list (w, "ioServicedRecursive", &s->ios);
  spc_jw_end_object (w);
}

static void
write_hugetlb (spc_json_writer *w, const struct hugetlb_stats *s)
{
  spc_jw_key (w, "hugetlb");
  spc_jw_begin_object (w);
  for (size_t i = 0; i < s->n; i++)
    {
      spc_jw_key (w, s->e[i].size);
      spc_jw_begin_object (w);
      put_u64_nonzero (w, "usage", s->e[i].usage);
      put_u64_nonzero (w, "max", s->e[i].max);
      put_u64 (w, "failcnt", s->e[i].failcnt);
      spc_jw_end_object (w);
    }
  spc_jw_end_object (w);
}

int
spc_cgroup_write_stats (const struct spc_cgroup *cg, struct spc_json_writer *w, spc_err_t *err)
{
  __attribute__ ((cleanup (stats_clear))) struct stats s = { 0 };
  if (read_cpu (cg, &s.cpu, err) < 0 || read_memory (cg, &s.memory, err) < 0
      || read_pids (cg, &s.pids, err) < 0 || read_blkio (cg, &s.blkio, err) < 0
      || read_hugetlb (cg, &s.hugetlb, err) < 0)
    return -1;
  spc_jw_begin_object (w);
  if (s.cpu.present)
    write_cpu (w, &s.cpu);
  if (s.memory.present)
    write_memory (w, &s.memory);
  if (s.pids.present)
    write_pids (w, &s.pids);
  if (s.blkio.present)
    write_blkio (w, &s.blkio);
  if (s.hugetlb.present)
    write_hugetlb (w, &s.hugetlb);
  spc_jw_end_object (w);
  return 0;
}

/* ---- OOM ---- */

static int
memory_dir (const struct spc_cgroup *cg, const struct spc_cgroup_dir **d, spc_err_t *err)
{
  *d = spc_cgroup_find (cg, "memory");
  if (*d == NULL)
    return spc_error_make (err, ENOTSUP, "OOM events: no memory controller for the container");
  return 0;
}

/* v1: writing "<eventfd> <fd of memory.oom_control>" to cgroup.event_control
 * registers the eventfd for OOM notifications. The kernel keeps its own
 * reference to the eventfd and needs the control file only during the
 * write, so that one is closed again: the eventfd alone is the watch. It
 * also fires once when the cgroup is removed. */
static int
watch_oom_v1 (const struct spc_cgroup *cg, const char *dir, spc_err_t *err)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/memory.oom_control", dir) < 0)
    return spc_error_errno (err, "asprintf");
  _cleanup_close_ int control = open (path, O_RDONLY | O_CLOEXEC);
  if (control < 0)
    return spc_error_errno (err, "open `%s`", path);
  _cleanup_close_ int efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0)
    return spc_error_errno (err, "eventfd");
  char registration[32];
  snprintf (registration, sizeof registration, "%d %d", efd, control);
  if (spc_cgroup_write (cg, dir, "cgroup.event_control", registration, err) < 0)
    return spc_error_prefix (err, "OOM events");
  return spc_steal_fd (&efd);
}

/* v2: memory.events changes (a modify event) whenever one of its counters
 * does, oom_kill among them. */
static int
watch_oom_v2 (const char *dir, spc_err_t *err)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/memory.events", dir) < 0)
    return spc_error_errno (err, "asprintf");
  _cleanup_close_ int fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0)
    return spc_error_errno (err, "inotify_init1");
  if (inotify_add_watch (fd, path, IN_MODIFY) < 0)
    return spc_error_errno (err, "OOM events: watch `%s`", path);
  return spc_steal_fd (&fd);
}

int
spc_cgroup_oom_watch (const struct spc_cgroup *cg, spc_err_t *err)
{
  const struct spc_cgroup_dir *d;
  if (memory_dir (cg, &d, err) < 0)
    return -1;
  return d->v2 ? watch_oom_v2 (d->path, err) : watch_oom_v1 (cg, d->path, err);
}

int
spc_cgroup_oom_kills (const struct spc_cgroup *cg, uint64_t *count, spc_err_t *err)
{
  const struct spc_cgroup_dir *d;
  *count = 0;
  if (memory_dir (cg, &d, err) < 0)
    return -1;
  const char *file = d->v2 ? "memory.events" : "memory.oom_control";
  struct keyed k;
  bool found = false;
  int r = read_keyed (d->path, file, &k, err);
  if (r == 0)
    *count = keyed_get (&k, "oom_kill", &found);
  keyed_clear (&k);
  if (r == 0 && !found)
    return spc_error_make (err, ENOTSUP, "%s: `%s` has no oom_kill count (kernel before 4.13)",
                           d->path, file);
  return r;
}
