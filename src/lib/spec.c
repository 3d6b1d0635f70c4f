/* The config.json spacer generates (spacer/spec.h). Its defaults, what
 * `spacer spec` writes, are close to `runc spec`, so bundles and muscle
 * memory carry over between the two runtimes, plus the default seccomp
 * profile (seccomp-profile.c) that runc leaves to the engines above it. */
#include "config.h"

#include <stddef.h>

#include <string.h>

#include "spacer/config.h"
#include "spacer/json.h"
#include "spacer/seccomp-profile.h"
#include "spacer/spec.h"

static const char *const default_env[] = {
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "TERM=xterm",
  NULL,
};

/* The capabilities runc grants by default: enough for a shell that binds a
 * low port and signals its children, nothing that reaches the host. */
static const char *const default_capabilities[] = {
  "CAP_AUDIT_WRITE",
  "CAP_KILL",
  "CAP_NET_BIND_SERVICE",
  NULL,
};

/* Kernel interfaces that leak host information or allow host-wide actions
 * and have no business being visible in a container. */
static const char *const default_masked_paths[] = {
  "/proc/acpi",          "/proc/asound",     "/proc/kcore",
  "/proc/keys",          "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats",   "/proc/sched_debug", "/sys/firmware",
  "/proc/scsi",          NULL,
};

static const char *const default_readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static void
write_string_array (spc_json_writer *w, const char *key, const char *const *items)
{
  spc_jw_key (w, key);
  spc_jw_begin_array (w);
  for (; *items; items++)
    spc_jw_string (w, *items);
  spc_jw_end_array (w);
}

static void
write_capabilities (spc_json_writer *w)
{
  spc_jw_key (w, "capabilities");
  spc_jw_begin_object (w);
  write_string_array (w, "bounding", default_capabilities);
  write_string_array (w, "effective", default_capabilities);
  write_string_array (w, "permitted", default_capabilities);
  spc_jw_end_object (w);
}

static void
write_rlimit (spc_json_writer *w, const char *type, uint64_t soft, uint64_t hard)
{
  spc_jw_begin_object (w);
  spc_jw_key (w, "type");
  spc_jw_string (w, type);
  spc_jw_key (w, "hard");
  spc_jw_uint (w, hard);
  spc_jw_key (w, "soft");
  spc_jw_uint (w, soft);
  spc_jw_end_object (w);
}

/* Does "K=V" set the variable named by the "K=..." entry `other`? */
static bool
same_env_key (const char *entry, const char *other)
{
  size_t n = strcspn (entry, "=");
  return strncmp (entry, other, n) == 0 && (other[n] == '=' || other[n] == '\0');
}

static bool
env_has_key (const char *const *env, const char *entry)
{
  for (; env && *env; env++)
    if (same_env_key (*env, entry))
      return true;
  return false;
}

/* The defaults a caller did not set, in their order, then the caller's. */
static void
write_env (spc_json_writer *w, const char *const *env)
{
  spc_jw_key (w, "env");
  spc_jw_begin_array (w);
  for (const char *const *d = default_env; *d; d++)
    if (!env_has_key (env, *d))
      spc_jw_string (w, *d);
  for (; env && *env; env++)
    spc_jw_string (w, *env);
  spc_jw_end_array (w);
}

static void
write_process (spc_json_writer *w, const struct spc_spec_opts *o)
{
  static const char *const default_args[] = { "sh", NULL };

  spc_jw_key (w, "process");
  spc_jw_begin_object (w);
  spc_jw_key (w, "terminal");
  spc_jw_bool (w, o->has_terminal ? o->terminal : true);
  spc_jw_key (w, "user");
  spc_jw_begin_object (w);
  spc_jw_key (w, "uid");
  spc_jw_uint (w, o->has_user ? o->uid : 0);
  spc_jw_key (w, "gid");
  spc_jw_uint (w, o->has_user ? o->gid : 0);
  spc_jw_end_object (w);
  write_string_array (w, "args", o->args ? o->args : default_args);
  write_env (w, o->env);
  spc_jw_key (w, "cwd");
  spc_jw_string (w, o->cwd ? o->cwd : "/");
  write_capabilities (w);
  spc_jw_key (w, "rlimits");
  spc_jw_begin_array (w);
  write_rlimit (w, "RLIMIT_NOFILE", 1024, 1024);
  spc_jw_end_array (w);
  spc_jw_key (w, "noNewPrivileges");
  spc_jw_bool (w, true);
  spc_jw_end_object (w);
}

static void
write_root (spc_json_writer *w, const struct spc_spec_opts *o)
{
  spc_jw_key (w, "root");
  spc_jw_begin_object (w);
  spc_jw_key (w, "path");
  spc_jw_string (w, o->root_path ? o->root_path : "rootfs");
  spc_jw_key (w, "readonly");
  spc_jw_bool (w, o->has_readonly ? o->readonly : true);
  spc_jw_end_object (w);
}

static void
write_annotations (spc_json_writer *w, const struct spc_spec_opts *o)
{
  if (o->n_annotations == 0)
    return;
  spc_jw_key (w, "annotations");
  spc_jw_begin_object (w);
  for (size_t i = 0; i < o->n_annotations; i++)
    {
      spc_jw_key (w, o->annotations[i].key);
      spc_jw_string (w, o->annotations[i].value);
    }
  spc_jw_end_object (w);
}

static void
write_mount (spc_json_writer *w, const char *destination, const char *type, const char *source,
             const char *const *options)
{
  spc_jw_begin_object (w);
  spc_jw_key (w, "destination");
  spc_jw_string (w, destination);
  spc_jw_key (w, "type");
  spc_jw_string (w, type);
  spc_jw_key (w, "source");
  spc_jw_string (w, source);
  if (options)
    write_string_array (w, "options", options);
  spc_jw_end_object (w);
}

/* By default no network namespace for rootless: an unprivileged user
 * could not configure it, so it would leave the container offline. */
static bool
creates_netns (const struct spc_spec_opts *o)
{
  return o->network == SPC_SPEC_NETWORK_DEFAULT ? !o->rootless
                                                 : o->network == SPC_SPEC_NETWORK_NONE;
}

static void
write_mounts (spc_json_writer *w, const struct spc_spec_opts *o)
{
  bool rootless = o->rootless;
  static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                     "mode=0620", "gid=5", NULL };
  /* Without gid=5: in a user namespace only the caller's own gid is mapped,
   * and the kernel refuses a devpts owned by an unmapped group. */
  static const char *const pts_rootless[] = { "nosuid", "noexec", "newinstance",
                                              "ptmxmode=0666", "mode=0620", NULL };
  static const char *const shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
  static const char *const mqueue[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  /* A new sysfs needs a network namespace owned by the user namespace;
   * rootless containers share the host's by default, so they bind the
   * host's /sys. */
  static const char *const sys_rootless[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const cgroup[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };

  spc_jw_key (w, "mounts");
  spc_jw_begin_array (w);
  write_mount (w, "/proc", "proc", "proc", NULL);
  write_mount (w, "/dev", "tmpfs", "tmpfs", dev);
  write_mount (w, "/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts);
  write_mount (w, "/dev/shm", "tmpfs", "shm", shm);
  write_mount (w, "/dev/mqueue", "mqueue", "mqueue", mqueue);
  if (rootless && !creates_netns (o))
    write_mount (w, "/sys", "none", "/sys", sys_rootless);
  else
    write_mount (w, "/sys", "sysfs", "sysfs", sys);
  if (!rootless)
    write_mount (w, "/sys/fs/cgroup", "cgroup", "cgroup", cgroup);
  /* rbind, as runc's engines bind: mounts below the source come along. */
  static const char *const bind_rw[] = { "rbind", "rw", NULL };
  static const char *const bind_ro[] = { "rbind", "ro", NULL };
  for (size_t i = 0; i < o->n_binds; i++)
    write_mount (w, o->binds[i].destination, "bind", o->binds[i].source,
                 o->binds[i].readonly ? bind_ro : bind_rw);
  spc_jw_end_array (w);
}

static void
write_id_mappings (spc_json_writer *w, const char *key, uint32_t host_id)
{
  spc_jw_key (w, key);
  spc_jw_begin_array (w);
  spc_jw_begin_object (w);
  spc_jw_key (w, "containerID");
  spc_jw_uint (w, 0);
  spc_jw_key (w, "hostID");
  spc_jw_uint (w, host_id);
  spc_jw_key (w, "size");
  spc_jw_uint (w, 1);
  spc_jw_end_object (w);
  spc_jw_end_array (w);
}

static void
write_namespaces (spc_json_writer *w, const struct spc_spec_opts *o)
{
  bool rootless = o->rootless, netns = creates_netns (o);
  static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", "user",
                                       NULL };

  spc_jw_key (w, "namespaces");
  spc_jw_begin_array (w);
  for (const char *const *t = types; *t; t++)
    {
      if ((strcmp (*t, "network") == 0 && !netns) || (strcmp (*t, "user") == 0 && !rootless))
        continue;
      spc_jw_begin_object (w);
      spc_jw_key (w, "type");
      spc_jw_string (w, *t);
      spc_jw_end_object (w);
    }
  spc_jw_end_array (w);
}

static bool
has_limits (const struct spc_spec_opts *o)
{
  return o->has_memory_limit || o->has_cpu_quota || o->has_pids_limit;
}

/* Rootful: deny every device by default; the runtime adds back the
 * standard ones. Rootless containers get the host's device nodes bound,
 * and no rules. Then the limits asked for. */
static void
write_resources (spc_json_writer *w, const struct spc_spec_opts *o)
{
  if (o->rootless && !has_limits (o))
    return;
  spc_jw_key (w, "resources");
  spc_jw_begin_object (w);
  if (!o->rootless)
    {
      spc_jw_key (w, "devices");
      spc_jw_begin_array (w);
      spc_jw_begin_object (w);
      spc_jw_key (w, "allow");
      spc_jw_bool (w, false);
      spc_jw_key (w, "access");
      spc_jw_string (w, "rwm");
      spc_jw_end_object (w);
      spc_jw_end_array (w);
    }
  if (o->has_memory_limit)
    {
      spc_jw_key (w, "memory");
      spc_jw_begin_object (w);
      spc_jw_key (w, "limit");
      spc_jw_int (w, o->memory_limit);
      spc_jw_end_object (w);
    }
  if (o->has_cpu_quota)
    {
      spc_jw_key (w, "cpu");
      spc_jw_begin_object (w);
      spc_jw_key (w, "quota");
      spc_jw_int (w, o->cpu_quota);
      if (o->cpu_period)
        {
          spc_jw_key (w, "period");
          spc_jw_uint (w, o->cpu_period);
        }
      spc_jw_end_object (w);
    }
  if (o->has_pids_limit)
    {
      spc_jw_key (w, "pids");
      spc_jw_begin_object (w);
      spc_jw_key (w, "limit");
      spc_jw_int (w, o->pids_limit);
      spc_jw_end_object (w);
    }
  spc_jw_end_object (w);
}

static void
write_linux (spc_json_writer *w, const struct spc_spec_opts *o)
{
  spc_jw_key (w, "linux");
  spc_jw_begin_object (w);
  if (o->rootless)
    {
      write_id_mappings (w, "uidMappings", o->host_uid);
      write_id_mappings (w, "gidMappings", o->host_gid);
    }
  write_resources (w, o);
  write_namespaces (w, o);
  write_string_array (w, "maskedPaths", default_masked_paths);
  write_string_array (w, "readonlyPaths", default_readonly_paths);
  spc_jw_key (w, "seccomp");
  spc_spec_write_seccomp (w);
  spc_jw_end_object (w);
}

char *
spc_spec_generate (const struct spc_spec_opts *o)
{
  spc_json_writer *w = spc_jw_new (true);
  spc_jw_begin_object (w);
  spc_jw_key (w, "ociVersion");
  spc_jw_string (w, SPC_RUNTIME_SPEC_VERSION);
  write_process (w, o);
  write_root (w, o);
  spc_jw_key (w, "hostname");
  spc_jw_string (w, o->hostname ? o->hostname : "spacer");
  write_mounts (w, o);
  write_linux (w, o);
  write_annotations (w, o);
  spc_jw_end_object (w);

  char *text = spc_jw_steal (w, NULL);
  spc_jw_free (w);
  return text;
}
