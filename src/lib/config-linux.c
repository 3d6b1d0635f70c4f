/* config.json loader: the linux object (apart from resources and seccomp,
 * which have files of their own), and the namespace lookups. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
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
}
