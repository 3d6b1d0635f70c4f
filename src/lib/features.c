/* `spacer features`: the runtime-spec Features structure. Every list is
 * read from the table the config parser checks against, so a name added
 * there is claimed here and nothing is claimed that the parser refuses.
 * What the parser has no table for (cgroup managers, LSMs, idmap) is said
 * next to the code that implements it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/container.h"
#include "spacer/features.h"
#include "spacer/hooks.h"
#include "spacer/json.h"
#include "spacer/lsm.h"
#include "spacer/newidmap.h"
#include "spacer/seccomp.h"

/* The oldest ociVersion spacer takes without a word (check_oci_version). */
#define OCI_VERSION_MIN "1.0.0"

static void
write_bool_object (spc_json_writer *w, const char *key, bool enabled)
{
  spc_jw_key (w, key);
  spc_jw_begin_object (w);
  spc_jw_key (w, "enabled");
  spc_jw_bool (w, enabled);
  spc_jw_end_object (w);
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* mountOptions come from three tables (flags, propagation, spacer's
 * own): sorted, as the runtime-spec's example and runc list them. */
static int
write_mount_options (spc_json_writer *w, spc_err_t *err)
{
  size_t n = 0;
  while (spc_config_mount_option_name (n))
    n++;
  _cleanup_free_ const char **names = calloc (n ? n : 1, sizeof *names);
  if (names == NULL)
    return spc_error_make (err, ENOMEM, "features: mount options");
  for (size_t i = 0; i < n; i++)
    names[i] = spc_config_mount_option_name (i);
  qsort (names, n, sizeof *names, compare_names);
  spc_jw_key (w, "mountOptions");
  spc_jw_begin_array (w);
  for (size_t i = 0; i < n; i++)
    spc_jw_string (w, names[i]);
  spc_jw_end_array (w);
  return 0;
}

static void
write_hooks (spc_json_writer *w)
{
  spc_jw_key (w, "hooks");
  spc_jw_begin_array (w);
  for (int kind = 0; kind < SPC_HOOK_KIND_COUNT; kind++)
    spc_jw_string (w, spc_hook_kind_name (kind));
  spc_jw_end_array (w);
}

static void
write_namespaces (spc_json_writer *w)
{
  spc_jw_key (w, "namespaces");
  spc_jw_begin_array (w);
  for (int t = 0; t < SPC_NS_COUNT; t++)
    spc_jw_string (w, spc_ns_type_name (t));
  spc_jw_end_array (w);
}

/* In the kernel's order, as runc lists them. */
static void
write_capabilities (spc_json_writer *w)
{
  const char *name;
  spc_jw_key (w, "capabilities");
  spc_jw_begin_array (w);
  for (int cap = 0; (name = spc_capability_name (cap)); cap++)
    spc_jw_string (w, name);
  spc_jw_end_array (w);
}

/* cgroupfs on v1, v2 and hybrid hosts (cgroup.c). --systemd-cgroup only
 * reads cgroupsPath as slice:prefix:name and still writes cgroupfs, and
 * linux.resources.rdma is not parsed: neither is claimed. */
static void
write_cgroup (spc_json_writer *w)
{
  spc_jw_key (w, "cgroup");
  spc_jw_begin_object (w);
  spc_jw_key (w, "v1");
  spc_jw_bool (w, true);
  spc_jw_key (w, "v2");
  spc_jw_bool (w, true);
  spc_jw_key (w, "systemd");
  spc_jw_bool (w, false);
  spc_jw_key (w, "systemdUser");
  spc_jw_bool (w, false);
  spc_jw_key (w, "rdma");
  spc_jw_bool (w, false);
  spc_jw_end_object (w);
}

static void
write_seccomp_names (spc_json_writer *w, const char *key, enum spc_seccomp_vocabulary v)
{
  const char *name;
  spc_jw_key (w, key);
  spc_jw_begin_array (w);
  for (size_t i = 0; (name = spc_config_seccomp_name (v, i)); i++)
    spc_jw_string (w, name);
  spc_jw_end_array (w);
}

/* supportedFlags: the known flags spacer applies and this kernel takes,
 * asked now (spacer installs the filter itself, so libseccomp's view of
 * the kernel does not matter). */
static void
write_seccomp (spc_json_writer *w)
{
  const char *name;
  spc_jw_key (w, "seccomp");
  spc_jw_begin_object (w);
  spc_jw_key (w, "enabled");
  spc_jw_bool (w, true); /* libseccomp is not optional in this build */
  write_seccomp_names (w, "actions", SPC_SECCOMP_ACTIONS);
  write_seccomp_names (w, "operators", SPC_SECCOMP_OPERATORS);
  write_seccomp_names (w, "archs", SPC_SECCOMP_ARCHITECTURES);
  write_seccomp_names (w, "knownFlags", SPC_SECCOMP_FLAGS);
  spc_jw_key (w, "supportedFlags");
  spc_jw_begin_array (w);
  for (size_t i = 0; (name = spc_config_seccomp_name (SPC_SECCOMP_FLAGS, i)); i++)
    if (spc_seccomp_flag_supported (name))
      spc_jw_string (w, name);
  spc_jw_end_array (w);
  spc_jw_end_object (w);
}

static void
write_names (spc_json_writer *w, const char *key, const char *(*name) (size_t))
{
  const char *n;
  spc_jw_key (w, key);
  spc_jw_begin_array (w);
  for (size_t i = 0; (n = name (i)); i++)
    spc_jw_string (w, n);
  spc_jw_end_array (w);
}

/* 1.3's memoryPolicy: the parser's tables (modes and flags the kernel may
 * still refuse, as the spec allows). */
static void
write_memory_policy (spc_json_writer *w)
{
  spc_jw_key (w, "memoryPolicy");
  spc_jw_begin_object (w);
  write_names (w, "modes", spc_config_mempolicy_mode_name);
  write_names (w, "flags", spc_config_mempolicy_flag_name);
  spc_jw_end_object (w);
}

/* intelRdt says what spacer implements (intel-rdt.c), whatever the host
 * has, as the spec defines it: where resctrl is not mounted a config
 * with intelRdt is refused by name. */
static void
write_intel_rdt (spc_json_writer *w)
{
  spc_jw_key (w, "intelRdt");
  spc_jw_begin_object (w);
  spc_jw_key (w, "enabled");
  spc_jw_bool (w, true);
  spc_jw_key (w, "schemata");
  spc_jw_bool (w, true);
  spc_jw_key (w, "monitoring");
  spc_jw_bool (w, true);
  spc_jw_end_object (w);
}

static void
write_linux (spc_json_writer *w)
{
  spc_jw_key (w, "linux");
  spc_jw_begin_object (w);
  write_namespaces (w);
  write_capabilities (w);
  write_cgroup (w);
  write_seccomp (w);
  /* Labels are applied where the module is active and refused where it
   * is not (lsm.c): supported on this host means active on it. */
  write_bool_object (w, "apparmor", spc_lsm_apparmor_enabled ());
  write_bool_object (w, "selinux", spc_lsm_selinux_enabled ());
  write_intel_rdt (w);
  /* mounts[].uidMappings/gidMappings and idmap/ridmap (idmap.c). */
  spc_jw_key (w, "mountExtensions");
  spc_jw_begin_object (w);
  write_bool_object (w, "idmap", true);
  spc_jw_end_object (w);
  /* 1.3's netDevices (netdev.c) and memoryPolicy (mempolicy.c). */
  write_bool_object (w, "netDevices", true);
  write_memory_policy (w);
  spc_jw_end_object (w);
}

/* The helpers a plain user's maps of more ids than its own go through
 * (newidmap.h), as this runtime finds them on PATH now; "" where it finds
 * none, and such maps then fail. */
static void
write_newidmap_paths (spc_json_writer *w)
{
  static const char *const tools[] = { "newuidmap", "newgidmap" };
  for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
    {
      char key[64];
      snprintf (key, sizeof key, "dev.spacer.rootless.%s", tools[i]);
      _cleanup_free_ char *path = spc_newidmap_find (tools[i]);
      spc_jw_key (w, key);
      spc_jw_string (w, path ? path : "");
    }
}

/* runc's keys where they mean the same (libseccomp's version), spacer's
 * own prefix for what is spacer's. */
static void
write_annotations (spc_json_writer *w)
{
  char seccomp[32];
  spc_seccomp_library_version (seccomp, sizeof seccomp);
  spc_jw_key (w, "annotations");
  spc_jw_begin_object (w);
  spc_jw_key (w, "io.github.seccomp.libseccomp.version");
  spc_jw_string (w, seccomp);
  /* runc's org.opencontainers.runc.checkpoint.enabled, in spacer's name;
   * the Features structure has no field for it. The commands exist (with
   * runc's flags) only to refuse: the reason says so. */
  spc_jw_key (w, "dev.spacer.checkpoint.enabled");
  spc_jw_string (w, "false");
  spc_jw_key (w, "dev.spacer.checkpoint.reason");
  spc_jw_string (w, "unsupported: spacer does not drive CRIU; checkpoint and restore take "
                    "runc's flags and refuse, saying why on this host");
  spc_jw_key (w, "dev.spacer.version");
  spc_jw_string (w, PACKAGE_VERSION);
  write_newidmap_paths (w);
  spc_jw_end_object (w);
}

int
spc_features_json (char **out, spc_err_t *err)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (true);
  spc_jw_begin_object (w);
  spc_jw_key (w, "ociVersionMin");
  spc_jw_string (w, OCI_VERSION_MIN);
  spc_jw_key (w, "ociVersionMax");
  spc_jw_string (w, SPC_RUNTIME_SPEC_VERSION);
  write_hooks (w);
  if (write_mount_options (w, err) < 0)
    return -1;
  write_linux (w);
  write_annotations (w);
  /* The one config annotation that changes what spacer does: kill
   * without a signal sends the one it names. The others only reach the
   * state and hooks. */
  spc_jw_key (w, "potentiallyUnsafeConfigAnnotations");
  spc_jw_begin_array (w);
  spc_jw_string (w, SPC_STOP_SIGNAL_ANNOTATION);
  spc_jw_end_array (w);
  spc_jw_end_object (w);
  *out = spc_jw_steal (w, NULL);
  return 0;
}
