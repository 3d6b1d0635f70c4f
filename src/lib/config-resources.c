/* config.json loader: linux.resources. Values are range-checked here; what
 * the running cgroup version can express is the cgroup code's business. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "config-internal.h"

static int
parse_device_rule_type (const spc_json *v, const struct jpath *p,
                        struct spc_device_cgroup_rule *rule, spc_err_t *err)
{
  _cleanup_free_ char *type = NULL;
  rule->type = 'a';
  if (config_opt_string (v, "type", p, &type, err) < 0)
    return -1;
  if (type == NULL)
    return 0;
  if (strlen (type) != 1 || strchr ("acb", type[0]) == NULL)
    return config_fail (JPATH_MEMBER_OF (p, "type"), err, "unknown device type \"%s\"", type);
  rule->type = type[0];
  return 0;
}

static int
parse_device_rule_access (const spc_json *v, const struct jpath *p,
                          struct spc_device_cgroup_rule *rule, spc_err_t *err)
{
  if (config_opt_string (v, "access", p, &rule->access, err) < 0)
    return -1;
  /* runc takes an "a" there too ("rwa" from some engines), meaning
   * nothing: no access bit is "a". */
  if (rule->access && rule->access[strspn (rule->access, "rwma")] != '\0')
    return config_fail (JPATH_MEMBER_OF (p, "access"), err,
                        "must contain only \"r\", \"w\" and \"m\" (and \"a\", which "
                        "adds nothing)");
  return 0;
}

static int
parse_device_rule (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_device_cgroup_rule *rule = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  if (config_member (v, "allow") == NULL)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "allow"), err, "required"));
  CONFIG_TRY (&st, config_opt_bool (v, "allow", p, NULL, &rule->allow, err));
  CONFIG_TRY (&st, parse_device_rule_type (v, p, rule, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "major", p, &rule->has_major, &rule->major, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "minor", p, &rule->has_minor, &rule->minor, err));
  CONFIG_TRY (&st, parse_device_rule_access (v, p, rule, err));
  return st.failed ? -1 : 0;
}

static int
parse_memory (const spc_json *v, const struct jpath *p, struct spc_resources *r, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_int64 (v, "limit", p, &r->memory.has_limit, &r->memory.limit, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "reservation", p, &r->memory.has_reservation,
                                     &r->memory.reservation, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "swap", p, &r->memory.has_swap, &r->memory.swap, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "kernel", p, &r->memory.has_kernel, &r->memory.kernel,
                                     err));
  CONFIG_TRY (&st, config_opt_int64 (v, "kernelTCP", p, &r->memory.has_kernel_tcp,
                                     &r->memory.kernel_tcp, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "swappiness", p, &r->memory.has_swappiness,
                                      &r->memory.swappiness, err));
  CONFIG_TRY (&st, config_opt_bool (v, "disableOOMKiller", p, &r->memory.has_disable_oom_killer,
                                    &r->memory.disable_oom_killer, err));
  CONFIG_TRY (&st, config_opt_bool (v, "useHierarchy", p, &r->memory.has_use_hierarchy,
                                    &r->memory.use_hierarchy, err));
  CONFIG_TRY (&st, config_opt_bool (v, "checkBeforeUpdate", p, NULL,
                                    &r->memory.check_before_update, err));
  return st.failed ? -1 : 0;
}

static int
parse_cpu (const spc_json *v, const struct jpath *p, struct spc_resources *r, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_uint64 (v, "shares", p, &r->cpu.has_shares, &r->cpu.shares, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "quota", p, &r->cpu.has_quota, &r->cpu.quota, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "burst", p, &r->cpu.has_burst, &r->cpu.burst, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "period", p, &r->cpu.has_period, &r->cpu.period, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "realtimeRuntime", p, &r->cpu.has_realtime_runtime,
                                     &r->cpu.realtime_runtime, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "realtimePeriod", p, &r->cpu.has_realtime_period,
                                      &r->cpu.realtime_period, err));
  CONFIG_TRY (&st, config_opt_string (v, "cpus", p, &r->cpu.cpus, err));
  CONFIG_TRY (&st, config_opt_string (v, "mems", p, &r->cpu.mems, err));
  CONFIG_TRY (&st, config_opt_int64 (v, "idle", p, &r->cpu.has_idle, &r->cpu.idle, err));
  return st.failed ? -1 : 0;
}

static int
parse_pids (const spc_json *v, const struct jpath *p, struct spc_resources *r, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_int64 (v, "limit", p, &r->pids.has_limit, &r->pids.limit, err));
  return st.failed ? -1 : 0;
}

static int
parse_device_number (const spc_json *v, const struct jpath *p, int64_t *major, int64_t *minor,
                     spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_int64 (v, "major", p, major, err));
  CONFIG_TRY (&st, config_req_int64 (v, "minor", p, minor, err));
  return st.failed ? -1 : 0;
}

static int
parse_weight_device (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_weight_device *wd = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  CONFIG_TRY (&st, parse_device_number (v, p, &wd->major, &wd->minor, err));
  CONFIG_TRY (&st, config_opt_uint16 (v, "weight", p, &wd->has_weight, &wd->weight, err));
  CONFIG_TRY (&st, config_opt_uint16 (v, "leafWeight", p, &wd->has_leaf_weight,
                                      &wd->leaf_weight, err));
  return st.failed ? -1 : 0;
}

static int
parse_throttle_device (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_throttle_device *td = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  CONFIG_TRY (&st, parse_device_number (v, p, &td->major, &td->minor, err));
  if (v->type == SPC_JSON_OBJECT)
    CONFIG_TRY (&st, config_req_uint64 (v, "rate", p, &td->rate, err));
  return st.failed ? -1 : 0;
}

static int
parse_block_io (const spc_json *v, const struct jpath *p, struct spc_resources *r, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_uint16 (v, "weight", p, &r->block_io.has_weight, &r->block_io.weight,
                                      err));
  CONFIG_TRY (&st, config_opt_uint16 (v, "leafWeight", p, &r->block_io.has_leaf_weight,
                                      &r->block_io.leaf_weight, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "weightDevice", p, parse_weight_device,
                                     &r->block_io.weight_device, &r->block_io.n_weight_device,
                                     err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "throttleReadBpsDevice", p, parse_throttle_device,
                                     &r->block_io.throttle_read_bps,
                                     &r->block_io.n_throttle_read_bps, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "throttleWriteBpsDevice", p, parse_throttle_device,
                                     &r->block_io.throttle_write_bps,
                                     &r->block_io.n_throttle_write_bps, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "throttleReadIOPSDevice", p, parse_throttle_device,
                                     &r->block_io.throttle_read_iops,
                                     &r->block_io.n_throttle_read_iops, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "throttleWriteIOPSDevice", p, parse_throttle_device,
                                     &r->block_io.throttle_write_iops,
                                     &r->block_io.n_throttle_write_iops, err));
  return st.failed ? -1 : 0;
}

static int
parse_hugepage_limit (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_hugepage_limit *hp = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "pageSize", p, &hp->page_size, err));
  CONFIG_TRY (&st, config_req_uint64 (v, "limit", p, &hp->limit, err));
  return st.failed ? -1 : 0;
}

static int
parse_net_priority (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_net_priority *prio = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "name", p, &prio->name, err));
  CONFIG_TRY (&st, config_req_uint32 (v, "priority", p, &prio->priority, err));
  return st.failed ? -1 : 0;
}

static int
parse_network (const spc_json *v, const struct jpath *p, struct spc_resources *r, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_uint32 (v, "classID", p, &r->network.has_class_id,
                                      &r->network.class_id, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "priorities", p, parse_net_priority,
                                     &r->network.priorities, &r->network.n_priorities, err));
  return st.failed ? -1 : 0;
}

typedef int (*resource_section_fn) (const spc_json *v, const struct jpath *p,
                                    struct spc_resources *r, spc_err_t *err);

static int
parse_section (const spc_json *resources, const char *key, const struct jpath *p,
               resource_section_fn parse, struct spc_resources *r, spc_err_t *err)
{
  const spc_json *v = config_member (resources, key);
  return v ? parse (v, JPATH_MEMBER_OF (p, key), r, err) : 0;
}

int
config_parse_resources (const spc_json *v, const struct jpath *p, struct spc_resources *r,
                        spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  r->present = true;
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "devices", p, parse_device_rule, &r->devices,
                                     &r->n_devices, err));
  CONFIG_TRY (&st, parse_section (v, "memory", p, parse_memory, r, err));
  CONFIG_TRY (&st, parse_section (v, "cpu", p, parse_cpu, r, err));
  CONFIG_TRY (&st, parse_section (v, "pids", p, parse_pids, r, err));
  CONFIG_TRY (&st, parse_section (v, "blockIO", p, parse_block_io, r, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "hugepageLimits", p, parse_hugepage_limit,
                                     &r->hugepage_limits, &r->n_hugepage_limits, err));
  CONFIG_TRY (&st, parse_section (v, "network", p, parse_network, r, err));
  CONFIG_TRY (&st, CONFIG_OPT_STRING_MAP (v, "unified", p, &r->unified, &r->n_unified, err));
  return st.failed ? -1 : 0;
}

void
config_resources_free (struct spc_resources *r)
{
  for (size_t i = 0; i < r->n_devices; i++)
    free (r->devices[i].access);
  free (r->devices);
  free (r->cpu.cpus);
  free (r->cpu.mems);
  free (r->block_io.weight_device);
  free (r->block_io.throttle_read_bps);
  free (r->block_io.throttle_write_bps);
  free (r->block_io.throttle_read_iops);
  free (r->block_io.throttle_write_iops);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  for (size_t i = 0; i < r->network.n_priorities; i++)
    free (r->network.priorities[i].name);
  free (r->network.priorities);
  for (size_t i = 0; i < r->n_unified; i++)
    {
      free (r->unified[i].key);
      free (r->unified[i].value);
    }
  free (r->unified);
}
