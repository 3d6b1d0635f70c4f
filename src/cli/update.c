#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spacer/container.h"

enum
{
  OPT_MEMORY = 256,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
};

/* Sizes as runc takes them: bytes, or with a k/m/g/t suffix (powers of
 * 1024); -1 means unlimited. */
static int
parse_size (const char *text, int64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (text, &end, 10);
  if (errno || end == text)
    return -1;
  if (v == -1 && *end == '\0')
    return *out = -1, 0;
  int shift = 0;
  switch (*end)
    {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    case '\0': break;
    default: return -1;
    }
  if (shift && *++end == 'b')
    end++;
  if (*end != '\0' || v < 0 || v > (INT64_MAX >> shift))
    return -1;
  *out = (int64_t) v << shift;
  return 0;
}

static int
parse_int (const char *text, int64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (text, &end, 10);
  if (errno || end == text || *end)
    return -1;
  *out = v;
  return 0;
}

/* One flag into the resources; the JSON path it stands for names it in
 * errors, as in config.json. */
static int
apply_flag (int opt, const char *arg, struct spc_resources *r, spc_err_t *err)
{
  int64_t v = 0;
  bool size = opt == OPT_MEMORY || opt == OPT_MEMORY_RESERVATION || opt == OPT_MEMORY_SWAP;
  bool text = opt == OPT_CPUSET_CPUS || opt == OPT_CPUSET_MEMS;
  /* -1 means "no limit" only where the OCI value is signed. */
  bool unsigned_value = opt == OPT_CPU_SHARES || opt == OPT_CPU_PERIOD || opt == OPT_BLKIO_WEIGHT
                        || opt == OPT_CPU_RT_PERIOD;
  if (!text && (size ? parse_size (arg, &v) : parse_int (arg, &v)) < 0)
    return spc_error_make (err, 0, "update: `%s` is not a %s", arg, size ? "size" : "number");
  if (unsigned_value && v < 0)
    return spc_error_make (err, 0, "update: `%s` must not be negative", arg);
  r->present = true;
  switch (opt)
    {
    case OPT_MEMORY:
      r->memory.has_limit = true, r->memory.limit = v;
      break;
    case OPT_MEMORY_RESERVATION:
      r->memory.has_reservation = true, r->memory.reservation = v;
      break;
    case OPT_MEMORY_SWAP:
      r->memory.has_swap = true, r->memory.swap = v;
      break;
    case OPT_CPU_SHARES:
      r->cpu.has_shares = true, r->cpu.shares = (uint64_t) v;
      break;
    case OPT_CPU_QUOTA:
      r->cpu.has_quota = true, r->cpu.quota = v;
      break;
    case OPT_CPU_PERIOD:
      r->cpu.has_period = true, r->cpu.period = (uint64_t) v;
      break;
    case OPT_CPU_RT_PERIOD:
      r->cpu.has_realtime_period = true, r->cpu.realtime_period = (uint64_t) v;
      break;
    case OPT_CPU_RT_RUNTIME:
      r->cpu.has_realtime_runtime = true, r->cpu.realtime_runtime = v;
      break;
    case OPT_CPUSET_CPUS:
      free (r->cpu.cpus);
      r->cpu.cpus = strdup (arg);
      break;
    case OPT_CPUSET_MEMS:
      free (r->cpu.mems);
      r->cpu.mems = strdup (arg);
      break;
    case OPT_PIDS_LIMIT:
      r->pids.has_limit = true, r->pids.limit = v;
      break;
    case OPT_BLKIO_WEIGHT:
      if (v < 10 || v > 1000)
        return spc_error_make (err, 0, "update: --blkio-weight: %s is not in 10..1000", arg);
      r->block_io.has_weight = true, r->block_io.weight = (uint16_t) v;
      break;
    }
  if (text && (opt == OPT_CPUSET_CPUS ? r->cpu.cpus : r->cpu.mems) == NULL)
    return spc_error_errno (err, "strdup");
  return 0;
}

/* linux.intelRdt's schemata, which are not resources. */
struct rdt_flags
{
  const char *l3_cache_schema;
  const char *mem_bw_schema;
};

static int
update_with (struct spc_global *g, int argc, char **argv, struct spc_resources *r,
             spc_err_t *err)
{
  struct rdt_flags rdt = { 0 };
  static const struct option opts[] = {
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES }, /* runc's spelling */
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
    { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
    { "resources", required_argument, NULL, 'r' },
    { 0 },
  };
  const char *file = NULL;
  int c;
  while ((c = spc_cli_getopt (argc, argv, "r:", opts, "update", err)) != -1)
    {
      if (c == '?')
        return -1;
      if (c == 'r')
        file = optarg;
      else if (c == OPT_L3_CACHE_SCHEMA)
        rdt.l3_cache_schema = optarg;
      else if (c == OPT_MEM_BW_SCHEMA)
        rdt.mem_bw_schema = optarg;
      else if (apply_flag (c, optarg, r, err) < 0)
        return -1;
    }
  const char *id;
  if (spc_cli_take_id (argc, argv, "update", &id, err) < 0)
    return -1;
  if (file && r->present)
    return spc_error_make (err, 0, "update: -r and the other flags exclude each other");
  if (file && spc_config_load_resources (strcmp (file, "-") == 0 ? "/dev/stdin" : file, file, r,
                                         err) < 0)
    return -1;
  bool rdt_given = rdt.l3_cache_schema || rdt.mem_bw_schema;
  if (!file && !r->present && !rdt_given)
    return spc_cli_usage_error (err, "update");
  /* Before any limit changes, as runc checks them: a refusal changes
   * nothing. */
  if (rdt_given
      && spc_container_update_intel_rdt (g->root, id, rdt.l3_cache_schema, rdt.mem_bw_schema,
                                         err) < 0)
    return -1;
  r->present = true;
  return spc_container_update (g->root, id, r, err);
}

int
spc_cmd_update (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  struct spc_resources r = { 0 };
  int ret = update_with (g, argc, argv, &r, err);
  spc_resources_free (&r);
  return ret < 0 ? -1 : EXIT_SUCCESS;
}
