/* config.json loader: the linux object (apart from resources and seccomp,
 * which have files of their own), and the namespace lookups. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/utils.h"
#include "config-internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- namespaces --------------------------------------------------------- */

static const struct
{
  const char *name;      /* in config.json */
  const char *proc_name; /* in /proc/PID/ns/ */
  int clone_flag;
} namespace_kinds[SPC_NS_COUNT] = {
  [SPC_NS_PID] = { "pid", "pid", CLONE_NEWPID },
  [SPC_NS_NETWORK] = { "network", "net", CLONE_NEWNET },
  [SPC_NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
  [SPC_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
  [SPC_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
  [SPC_NS_USER] = { "user", "user", CLONE_NEWUSER },
  [SPC_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
  [SPC_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

static bool
ns_type_valid (enum spc_ns_type t)
{
  return (unsigned) t < SPC_NS_COUNT;
}

const char *
spc_ns_type_name (enum spc_ns_type t)
{
  return ns_type_valid (t) ? namespace_kinds[t].name : NULL;
}

const char *
spc_ns_type_proc_name (enum spc_ns_type t)
{
  return ns_type_valid (t) ? namespace_kinds[t].proc_name : NULL;
}

int
spc_ns_type_clone_flag (enum spc_ns_type t)
{
  return ns_type_valid (t) ? namespace_kinds[t].clone_flag : 0;
}

const struct spc_namespace *
spc_config_namespace (const struct spc_config *c, enum spc_ns_type t)
{
  if (!c->has_linux)
    return NULL;
  for (size_t i = 0; i < c->linux_.n_namespaces; i++)
    if (c->linux_.namespaces[i].type == t)
      return &c->linux_.namespaces[i];
  return NULL;
}

static int
ns_type_from_name (const char *name)
{
  for (int t = 0; t < SPC_NS_COUNT; t++)
    if (strcmp (namespace_kinds[t].name, name) == 0)
      return t;
  return -1;
}

static int
parse_namespace (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_namespace *ns = elem;
  _cleanup_free_ char *type = NULL;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "type", p, &type, err));
  int t = type ? ns_type_from_name (type) : -1;
  if (t >= 0)
    ns->type = (enum spc_ns_type) t;
  else if (type)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "type"), err,
                                  "unknown namespace \"%s\"", type));
  CONFIG_TRY (&st, config_opt_string (v, "path", p, &ns->path, err));
  /* Engines write "path": "" to mean "create one". */
  if (ns->path && ns->path[0] == '\0')
    free (steal_pointer (&ns->path));
  if (ns->path && !config_is_absolute (ns->path))
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "path"), err, "must be an absolute path"));
  return st.failed ? -1 : 0;
}

static int
parse_namespaces (const spc_json *v, const struct jpath *p, struct spc_linux *l, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (CONFIG_OPT_ARRAY (v, "namespaces", p, parse_namespace, &l->namespaces, &l->n_namespaces, err) < 0)
    return -1;
  unsigned seen = 0;
  for (size_t i = 0; i < l->n_namespaces; i++)
    {
      unsigned bit = 1u << l->namespaces[i].type;
      const struct jpath *at = JPATH_INDEX_OF (JPATH_MEMBER_OF (p, "namespaces"), i);
      if (seen & bit)
        CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (at, "type"), err,
                                      "duplicate namespace \"%s\"",
                                      spc_ns_type_name (l->namespaces[i].type)));
      seen |= bit;
    }
  return st.failed ? -1 : 0;
}

/* ---- timeOffsets -------------------------------------------------------- */

static int
parse_time_offset (const spc_json *offsets, const char *clock, const struct jpath *p,
                   struct spc_time_offset *out, spc_err_t *err)
{
  const spc_json *v = config_member (offsets, clock);
  const struct jpath *here = JPATH_MEMBER_OF (p, clock);
  if (v == NULL)
    return 0;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, here, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_int64 (v, "secs", here, NULL, &out->secs, err));
  CONFIG_TRY (&st, config_opt_uint32 (v, "nanosecs", here, NULL, &out->nanosecs, err));
  if (st.failed)
    return -1;
  if (out->nanosecs >= 1000000000)
    return config_fail (JPATH_MEMBER_OF (here, "nanosecs"), err, "out of range");
  out->present = true;
  return 0;
}

static int
parse_time_offsets (const spc_json *v, const struct jpath *p, struct spc_linux *l, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, parse_time_offset (v, "monotonic", p, &l->time_offset_monotonic, err));
  CONFIG_TRY (&st, parse_time_offset (v, "boottime", p, &l->time_offset_boottime, err));
  return st.failed ? -1 : 0;
}

/* ---- devices ------------------------------------------------------------ */

static int
parse_device_type (const spc_json *v, const struct jpath *p, struct spc_device *dev,
                   spc_err_t *err)
{
  _cleanup_free_ char *type = NULL;
  if (config_req_string (v, "type", p, &type, err) < 0)
    return -1;
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    return config_fail (JPATH_MEMBER_OF (p, "type"), err, "unknown device type \"%s\"", type);
  dev->type = type[0];
  return 0;
}

static int
parse_device (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_device *dev = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "path", p, &dev->path, err));
  if (dev->path && !config_is_absolute (dev->path))
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "path"), err, "must be an absolute path"));
  int type = parse_device_type (v, p, dev, err);
  CONFIG_TRY (&st, type);
  /* Fifos have no device number; character and block devices need one. */
  if (type == 0 && dev->type != 'p')
    {
      CONFIG_TRY (&st, config_req_int64 (v, "major", p, &dev->major, err));
      CONFIG_TRY (&st, config_req_int64 (v, "minor", p, &dev->minor, err));
    }
  CONFIG_TRY (&st, config_opt_uint32 (v, "fileMode", p, &dev->has_file_mode, &dev->file_mode, err));
  CONFIG_TRY (&st, config_opt_uint32 (v, "uid", p, &dev->has_uid, &dev->uid, err));
  CONFIG_TRY (&st, config_opt_uint32 (v, "gid", p, &dev->has_gid, &dev->gid, err));
  return st.failed ? -1 : 0;
}

/* ---- small members ------------------------------------------------------ */

static int
parse_rootfs_propagation (const spc_json *v, const struct jpath *p, struct spc_linux *l,
                          spc_err_t *err)
{
  _cleanup_free_ char *mode = NULL;
  if (config_opt_string (v, "rootfsPropagation", p, &mode, err) < 0)
    return -1;
  if (mode == NULL)
    return 0;
  l->rootfs_propagation = config_propagation_from_name (mode);
  if (l->rootfs_propagation == 0)
    return config_fail (JPATH_MEMBER_OF (p, "rootfsPropagation"), err,
                        "unknown propagation \"%s\"", mode);
  return 0;
}

static int
parse_personality (const spc_json *v, const struct jpath *p, struct spc_linux *l, spc_err_t *err)
{
  const spc_json *flags = config_member (v, "flags");
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "domain", p, &l->personality_domain, err));
  if (l->personality_domain && strcmp (l->personality_domain, "LINUX") != 0
      && strcmp (l->personality_domain, "LINUX32") != 0)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "domain"), err, "unknown domain \"%s\"",
                                  l->personality_domain));
  /* The spec defines no flag values yet; only the shape is checked. */
  if (flags)
    CONFIG_TRY (&st, config_expect (flags, SPC_JSON_ARRAY, JPATH_MEMBER_OF (p, "flags"), err));
  if (st.failed)
    return -1;
  l->has_personality = true;
  return 0;
}

static int
parse_seccomp_member (const spc_json *v, const struct jpath *p, struct spc_linux *l,
                      spc_err_t *err)
{
  const spc_json *seccomp = config_member (v, "seccomp");
  if (seccomp == NULL)
    return 0;
  l->seccomp = calloc (1, sizeof *l->seccomp);
  if (l->seccomp == NULL)
    return spc_error_make (err, ENOMEM, "calloc");
  return config_parse_seccomp (seccomp, JPATH_MEMBER_OF (p, "seccomp"), l->seccomp, err);
}

/* ---- netDevices (1.3) ---------------------------------------------------- */

/* What the kernel takes as an interface name (dev_valid_name): at most
 * 15 bytes, not "." or "..", no '/', ':' or blank. */
static const char *
interface_name_problem (const char *name)
{
  if (name[0] == '\0')
    return "empty";
  if (strlen (name) >= 16)
    return "longer than 15 bytes";
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return "not a name";
  for (const char *c = name; *c; c++)
    if (*c == '/' || *c == ':' || *c == ' ' || (*c >= '\t' && *c <= '\r'))
      return "holds '/', ':' or a blank";
  return NULL;
}

static int
parse_net_device (const spc_json *v, const char *host_name, const struct jpath *p,
                  struct spc_net_device *dev, spc_err_t *err)
{
  const char *problem;
  if ((dev->host_name = strdup (host_name)) == NULL)
    return spc_error_make (err, ENOMEM, "strdup");
  if ((problem = interface_name_problem (host_name)))
    return config_fail (p, err, "interface name \"%s\": %s", host_name, problem);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0
      || config_opt_string (v, "name", p, &dev->name, err) < 0)
    return -1;
  if (dev->name && (problem = interface_name_problem (dev->name)))
    return config_fail (JPATH_MEMBER_OF (p, "name"), err, "interface name \"%s\": %s",
                        dev->name, problem);
  if (dev->name == NULL && (dev->name = strdup (host_name)) == NULL)
    return spc_error_make (err, ENOMEM, "strdup");
  return 0;
}

/* Two interfaces asked to take one fixed name: the second move would
 * fail with the first one's already made. A name with %d is numbered by
 * the kernel and never clashes. */
static int
check_net_device_names (const struct spc_linux *l, const struct jpath *p, spc_err_t *err)
{
  for (size_t i = 0; i < l->n_net_devices; i++)
    for (size_t j = 0; j < i; j++)
      if (strchr (l->net_devices[i].name, '%') == NULL
          && strcmp (l->net_devices[i].name, l->net_devices[j].name) == 0)
        return config_fail (JPATH_MAPKEY_OF (p, l->net_devices[i].host_name), err,
                            "the name \"%s\" is also given to \"%s\"", l->net_devices[i].name,
                            l->net_devices[j].host_name);
  return 0;
}

static int
parse_net_devices (const spc_json *v, const struct jpath *p, struct spc_linux *l, spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  l->net_devices = calloc (v->u.object.len ? v->u.object.len : 1, sizeof *l->net_devices);
  if (l->net_devices == NULL)
    return spc_error_make (err, ENOMEM, "calloc");
  l->n_net_devices = v->u.object.len;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *host_name = v->u.object.keys[i];
      CONFIG_TRY (&st, parse_net_device (v->u.object.values[i], host_name,
                                         JPATH_MAPKEY_OF (p, host_name), &l->net_devices[i], err));
    }
  if (st.failed)
    return -1;
  return check_net_device_names (l, p, err);
}

/* ---- memoryPolicy (1.3) --------------------------------------------------- */

/* The kernel's numbers (uapi/linux/mempolicy.h; older headers lack the
 * last ones). */
static const struct
{
  const char *name;
  int value;
} mempolicy_modes[] = {
  { "MPOL_DEFAULT", 0 },   { "MPOL_PREFERRED", 1 },      { "MPOL_BIND", 2 },
  { "MPOL_INTERLEAVE", 3 }, { "MPOL_LOCAL", 4 },         { "MPOL_PREFERRED_MANY", 5 },
  { "MPOL_WEIGHTED_INTERLEAVE", 6 },
};

static const struct
{
  const char *name;
  unsigned value;
} mempolicy_flags[] = {
  { "MPOL_F_NUMA_BALANCING", 1u << 13 },
  { "MPOL_F_RELATIVE_NODES", 1u << 14 },
  { "MPOL_F_STATIC_NODES", 1u << 15 },
};

const char *
spc_config_mempolicy_mode_name (size_t i)
{
  return i < sizeof mempolicy_modes / sizeof *mempolicy_modes ? mempolicy_modes[i].name : NULL;
}

const char *
spc_config_mempolicy_flag_name (size_t i)
{
  return i < sizeof mempolicy_flags / sizeof *mempolicy_flags ? mempolicy_flags[i].name : NULL;
}

static int
parse_mempolicy_flags (const spc_json *v, const struct jpath *p, struct spc_memory_policy *mp,
                       spc_err_t *err)
{
  _cleanup_strv_ char **flags = NULL;
  size_t n = 0;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_opt_strv (v, "flags", p, &flags, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      size_t k = 0;
      while (spc_config_mempolicy_flag_name (k) && strcmp (flags[i], mempolicy_flags[k].name))
        k++;
      if (spc_config_mempolicy_flag_name (k))
        mp->flags |= mempolicy_flags[k].value;
      else
        CONFIG_TRY (&st, config_fail (JPATH_INDEX_OF (JPATH_MEMBER_OF (p, "flags"), i), err,
                                      "unknown flag \"%s\"", flags[i]));
    }
  return st.failed ? -1 : 0;
}

/* The modes' rules on nodes, as set_mempolicy(2) has them: default and
 * local take none, preferred one or none, the others at least one. */
static int
check_mempolicy_nodes (const struct spc_memory_policy *mp, const char *mode,
                       const struct jpath *p, spc_err_t *err)
{
  char why[256];
  unsigned long mask[SPC_MAX_NUMA_NODES / SPC_BITS_PER_LONG];
  size_t count = 0;
  if (mp->nodes && spc_parse_index_list (mp->nodes, mask, SPC_MAX_NUMA_NODES, why, sizeof why) < 0)
    return config_fail (JPATH_MEMBER_OF (p, "nodes"), err, "%s", why);
  for (size_t i = 0; mp->nodes && i < SPC_MAX_NUMA_NODES; i++)
    count += spc_mask_test (mask, i);
  if ((mp->mode == 0 || mp->mode == 4) && count)
    return config_fail (JPATH_MEMBER_OF (p, "nodes"), err, "%s takes no nodes", mode);
  if (mp->mode != 0 && mp->mode != 4 && mp->mode != 1 && count == 0)
    return config_fail (JPATH_MEMBER_OF (p, "nodes"), err, "%s needs at least one node", mode);
  if ((mp->flags & (1u << 14)) && (mp->flags & (1u << 15)))
    return config_fail (JPATH_MEMBER_OF (p, "flags"), err,
                        "MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES exclude each other");
  return 0;
}

static int
parse_memory_policy (const spc_json *v, const struct jpath *p, struct spc_memory_policy *mp,
                     spc_err_t *err)
{
  _cleanup_free_ char *mode = NULL;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_string (v, "mode", p, &mode, err));
  size_t k = 0;
  while (mode && spc_config_mempolicy_mode_name (k) && strcmp (mode, mempolicy_modes[k].name))
    k++;
  if (mode && spc_config_mempolicy_mode_name (k))
    mp->mode = mempolicy_modes[k].value;
  else if (mode)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "mode"), err, "unknown mode \"%s\"", mode));
  CONFIG_TRY (&st, config_opt_string (v, "nodes", p, &mp->nodes, err));
  if (mp->nodes && mp->nodes[0] == '\0')
    free (steal_pointer (&mp->nodes));
  CONFIG_TRY (&st, parse_mempolicy_flags (v, p, mp, err));
  if (st.failed || check_mempolicy_nodes (mp, mode, p, err) < 0)
    return -1;
  mp->present = true;
  return 0;
}

/* ---- intelRdt ------------------------------------------------------------- */

static int
check_schema_line (const char *line, const char *prefix, const struct jpath *p, spc_err_t *err)
{
  if (strchr (line, '\n'))
    return config_fail (p, err, "must not hold a newline");
  if (prefix && strncmp (line, prefix, strlen (prefix)) != 0)
    return config_fail (p, err, "must start with \"%s\"", prefix);
  return 0;
}

static int
parse_intel_rdt (const spc_json *v, const struct jpath *p, struct spc_intel_rdt *rdt,
                 spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_opt_string (v, "closID", p, &rdt->clos_id, err));
  /* A directory of the resctrl root, or the root itself. */
  if (rdt->clos_id && strcmp (rdt->clos_id, "/") != 0
      && (rdt->clos_id[0] == '\0' || strchr (rdt->clos_id, '/')
          || strcmp (rdt->clos_id, ".") == 0 || strcmp (rdt->clos_id, "..") == 0))
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "closID"), err,
                                  "\"%s\" is not a directory name", rdt->clos_id));
  CONFIG_TRY (&st, config_opt_string (v, "l3CacheSchema", p, &rdt->l3_cache_schema, err));
  if (rdt->l3_cache_schema)
    CONFIG_TRY (&st, check_schema_line (rdt->l3_cache_schema, NULL,
                                        JPATH_MEMBER_OF (p, "l3CacheSchema"), err));
  CONFIG_TRY (&st, config_opt_string (v, "memBwSchema", p, &rdt->mem_bw_schema, err));
  if (rdt->mem_bw_schema)
    CONFIG_TRY (&st, check_schema_line (rdt->mem_bw_schema, "MB:",
                                        JPATH_MEMBER_OF (p, "memBwSchema"), err));
  CONFIG_TRY (&st, config_opt_strv (v, "schemata", p, &rdt->schemata, &rdt->n_schemata, err));
  for (size_t i = 0; i < rdt->n_schemata; i++)
    CONFIG_TRY (&st, check_schema_line (rdt->schemata[i], NULL,
                                        JPATH_INDEX_OF (JPATH_MEMBER_OF (p, "schemata"), i), err));
  CONFIG_TRY (&st, config_opt_bool (v, "enableMonitoring", p, NULL, &rdt->enable_monitoring, err));
  if (st.failed)
    return -1;
  rdt->present = true;
  return 0;
}

/* ---- uid/gid mappings ---- */

static bool
ranges_overlap (uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size)
{
  return (uint64_t) a < (uint64_t) b + b_size && (uint64_t) b < (uint64_t) a + a_size;
}

/* The kernel refuses overlapping ranges with a bare EINVAL at write time;
 * name the pair here instead. */
int
config_check_id_mappings (const struct spc_id_mapping *m, size_t n, const struct jpath *p,
                          spc_err_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      const struct jpath *at = JPATH_INDEX_OF (p, i);
      /* 4294967295 is (uid_t) -1, which no map may contain. */
      if ((uint64_t) m[i].container_id + m[i].size > UINT32_MAX
          || (uint64_t) m[i].host_id + m[i].size > UINT32_MAX)
        return config_fail (at, err, "range goes past the last mappable id 4294967294");
      for (size_t j = 0; j < i; j++)
        {
          if (ranges_overlap (m[i].container_id, m[i].size, m[j].container_id, m[j].size))
            return config_fail (at, err, "containerID range overlaps entry %zu's", j);
          if (ranges_overlap (m[i].host_id, m[i].size, m[j].host_id, m[j].size))
            return config_fail (at, err, "hostID range overlaps entry %zu's", j);
        }
    }
  return 0;
}

/* Maps belong to a user namespace the runtime creates, and such a
 * namespace without maps would leave the container as the overflow user
 * with no way to set itself up. */
static int
check_user_namespace (const struct spc_linux *l, const struct jpath *p, spc_err_t *err)
{
  const struct spc_namespace *user = NULL;
  for (size_t i = 0; i < l->n_namespaces; i++)
    if (l->namespaces[i].type == SPC_NS_USER)
      user = &l->namespaces[i];
  bool maps = l->n_uid_mappings || l->n_gid_mappings;
  if (maps && (user == NULL || user->path))
    return config_fail (JPATH_MEMBER_OF (p, l->n_uid_mappings ? "uidMappings" : "gidMappings"),
                        err, "only for a new user namespace");
  if (user && user->path == NULL && !(l->n_uid_mappings && l->n_gid_mappings))
    return config_fail (JPATH_MEMBER_OF (p, l->n_uid_mappings ? "gidMappings" : "uidMappings"),
                        err, "required with a new user namespace");
  struct config_steps st = CONFIG_STEPS (p, err);
  CONFIG_TRY (&st, config_check_id_mappings (l->uid_mappings, l->n_uid_mappings,
                                             JPATH_MEMBER_OF (p, "uidMappings"), err));
  CONFIG_TRY (&st, config_check_id_mappings (l->gid_mappings, l->n_gid_mappings,
                                             JPATH_MEMBER_OF (p, "gidMappings"), err));
  return st.failed ? -1 : 0;
}

int
config_parse_linux (const spc_json *v, const struct jpath *p, struct spc_linux *l, spc_err_t *err)
{
  const spc_json *member;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  int namespaces = parse_namespaces (v, p, l, err);
  CONFIG_TRY (&st, namespaces);
  int uid_maps = CONFIG_OPT_ARRAY (v, "uidMappings", p, config_parse_id_mapping, &l->uid_mappings,
                                   &l->n_uid_mappings, err);
  CONFIG_TRY (&st, uid_maps);
  int gid_maps = CONFIG_OPT_ARRAY (v, "gidMappings", p, config_parse_id_mapping, &l->gid_mappings,
                                   &l->n_gid_mappings, err);
  CONFIG_TRY (&st, gid_maps);
  if (namespaces == 0 && uid_maps == 0 && gid_maps == 0)
    CONFIG_TRY (&st, check_user_namespace (l, p, err));
  if ((member = config_member (v, "timeOffsets")))
    CONFIG_TRY (&st, parse_time_offsets (member, JPATH_MEMBER_OF (p, "timeOffsets"), l, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "devices", p, parse_device, &l->devices, &l->n_devices,
                                     err));
  CONFIG_TRY (&st, config_opt_string (v, "cgroupsPath", p, &l->cgroups_path, err));
  if ((member = config_member (v, "resources")))
    CONFIG_TRY (&st, config_parse_resources (member, JPATH_MEMBER_OF (p, "resources"),
                                             &l->resources, err));
  CONFIG_TRY (&st, parse_rootfs_propagation (v, p, l, err));
  CONFIG_TRY (&st, parse_seccomp_member (v, p, l, err));
  CONFIG_TRY (&st, CONFIG_OPT_STRING_MAP (v, "sysctl", p, &l->sysctl, &l->n_sysctl, err));
  CONFIG_TRY (&st, config_opt_strv (v, "maskedPaths", p, &l->masked_paths, &l->n_masked_paths,
                                    err));
  CONFIG_TRY (&st, config_opt_strv (v, "readonlyPaths", p, &l->readonly_paths,
                                    &l->n_readonly_paths, err));
  CONFIG_TRY (&st, config_opt_string (v, "mountLabel", p, &l->mount_label, err));
  if ((member = config_member (v, "personality")))
    CONFIG_TRY (&st, parse_personality (member, JPATH_MEMBER_OF (p, "personality"), l, err));
  if ((member = config_member (v, "netDevices")))
    CONFIG_TRY (&st, parse_net_devices (member, JPATH_MEMBER_OF (p, "netDevices"), l, err));
  if ((member = config_member (v, "memoryPolicy")))
    CONFIG_TRY (&st, parse_memory_policy (member, JPATH_MEMBER_OF (p, "memoryPolicy"),
                                          &l->memory_policy, err));
  if ((member = config_member (v, "intelRdt")))
    CONFIG_TRY (&st, parse_intel_rdt (member, JPATH_MEMBER_OF (p, "intelRdt"), &l->intel_rdt,
                                      err));
  return st.failed ? -1 : 0;
}

void
config_linux_free (struct spc_linux *l)
{
  for (size_t i = 0; i < l->n_namespaces; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (size_t i = 0; i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  free (l->cgroups_path);
  config_resources_free (&l->resources);
  if (l->seccomp)
    {
      config_seccomp_free (l->seccomp);
      free (l->seccomp);
    }
  for (size_t i = 0; i < l->n_sysctl; i++)
    {
      free (l->sysctl[i].key);
      free (l->sysctl[i].value);
    }
  free (l->sysctl);
  config_strv_free (l->masked_paths);
  config_strv_free (l->readonly_paths);
  free (l->mount_label);
  free (l->personality_domain);
  for (size_t i = 0; i < l->n_net_devices; i++)
    {
      free (l->net_devices[i].host_name);
      free (l->net_devices[i].name);
    }
  free (l->net_devices);
  free (l->memory_policy.nodes);
  free (l->intel_rdt.clos_id);
  free (l->intel_rdt.l3_cache_schema);
  free (l->intel_rdt.mem_bw_schema);
  config_strv_free (l->intel_rdt.schemata);
}
