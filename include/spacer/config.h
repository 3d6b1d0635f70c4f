/* The typed config model: config.json parsed once into these structs, with
 * defaults applied and every value validated. Nothing outside the loader
 * (src/lib/config*.c) sees JSON.
 *
 * Conventions: an optional scalar comes with a `has_` flag where zero is a
 * meaningful value; arrays are (pointer, n_) pairs; string vectors are also
 * NULL-terminated so they can go straight to execve(). */
#ifndef SPACER_CONFIG_H
#define SPACER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spacer/error.h"

struct spc_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct spc_annotation
{
  char *key;
  char *value;
};

/* ---- process ---- */

struct spc_rlimit
{
  char *type;   /* "RLIMIT_NOFILE" */
  int resource; /* RLIMIT_NOFILE */
  uint64_t soft;
  uint64_t hard;
};

/* Bit masks indexed by capability number. Unknown names were dropped with a
 * warning while parsing. */
struct spc_capabilities
{
  bool present; /* absent: the init keeps what it has */
  uint64_t bounding;
  uint64_t effective;
  uint64_t inheritable;
  uint64_t permitted;
  uint64_t ambient;
};

struct spc_user
{
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* Windows only in the spec; kept for completeness */
};

struct spc_process
{
  bool terminal;
  bool has_console_size;
  uint32_t console_height;
  uint32_t console_width;
  struct spc_user user;
  char **args; /* non-empty */
  size_t n_args;
  char **env;
  size_t n_env;
  char *cwd; /* absolute */
  struct spc_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  struct spc_capabilities capabilities;
  char *apparmor_profile;
  char *selinux_label;
  /* runtime-spec 1.2 process.scheduler: sched_setattr(2) */
  bool has_scheduler;
  int sched_policy; /* SCHED_OTHER, ... */
  int32_t sched_nice;
  int32_t sched_priority;
  uint64_t sched_flags; /* SCHED_FLAG_* */
  uint64_t sched_runtime, sched_deadline, sched_period;
  /* runtime-spec 1.2 process.ioPriority: ioprio_set(2) */
  bool has_io_priority;
  int io_class; /* IOPRIO_CLASS_RT, _BE, _IDLE */
  int io_priority;
  /* runtime-spec 1.2.1 process.execCPUAffinity: CPU lists ("0-3,7") for
   * processes `spacer exec` starts (never the init, as the spec says):
   * `initial` from the moment the helper exists, `final` just before the
   * program runs. NULL: not given (an empty string reads as NULL). */
  char *exec_cpus_initial;
  char *exec_cpus_final;
};

/* ---- root, mounts ---- */

struct spc_root
{
  char *path; /* relative to the bundle, or absolute */
  bool readonly;
};

struct spc_mount
{
  char *destination; /* absolute, inside the container */
  char *type;        /* NULL for a bind mount given by options only */
  char *source;
  char **options;
  size_t n_options;
  /* Derived from options: */
  unsigned long flags;       /* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, ...) */
  unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
  /* The same for the whole tree of a bind mount ("rro", "rnosuid", ...):
   * as with runc, the plain options change its top mount only. */
  unsigned long rec_flags;
  unsigned long rec_clear_flags;
  unsigned long propagation; /* MS_PRIVATE|MS_REC, ...; 0: leave as is */
  char *data;                /* the options that are filesystem data */
  /* An idmapped mount ("idmap", "ridmap", or mappings given): files show
   * their on-disk owner N as mapping(N). Without mappings of its own the
   * mount takes the container's user namespace mappings. */
  bool idmap;
  bool idmap_recursive;
  struct spc_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct spc_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

/* ---- hooks ---- */

enum spc_hook_kind
{
  SPC_HOOK_PRESTART,
  SPC_HOOK_CREATE_RUNTIME,
  SPC_HOOK_CREATE_CONTAINER,
  SPC_HOOK_START_CONTAINER,
  SPC_HOOK_POSTSTART,
  SPC_HOOK_POSTSTOP,
  SPC_HOOK_KIND_COUNT,
};

struct spc_hook
{
  char *path; /* absolute */
  char **args;
  size_t n_args;
  char **env;
  size_t n_env;
  bool has_timeout;
  int timeout; /* seconds, > 0 */
};

struct spc_hooks
{
  struct spc_hook *hooks[SPC_HOOK_KIND_COUNT];
  size_t n_hooks[SPC_HOOK_KIND_COUNT];
};

/* ---- linux ---- */

enum spc_ns_type
{
  SPC_NS_PID,
  SPC_NS_NETWORK,
  SPC_NS_MOUNT,
  SPC_NS_IPC,
  SPC_NS_UTS,
  SPC_NS_USER,
  SPC_NS_CGROUP,
  SPC_NS_TIME,
  SPC_NS_COUNT,
};

struct spc_namespace
{
  enum spc_ns_type type;
  char *path; /* NULL: create a new one */
};

struct spc_time_offset
{
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct spc_device
{
  char *path;
  char type; /* 'c', 'b', 'u' (unbuffered char) or 'p' */
  int64_t major;
  int64_t minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid;
  uint32_t uid;
  bool has_gid;
  uint32_t gid;
};

struct spc_sysctl
{
  char *key;
  char *value;
};

struct spc_device_cgroup_rule
{
  bool allow;
  char type; /* 'a', 'c' or 'b' */
  bool has_major;
  int64_t major;
  bool has_minor;
  int64_t minor;
  char *access; /* "rwm" subset; NULL: all */
};

struct spc_weight_device
{
  int64_t major;
  int64_t minor;
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
};

struct spc_throttle_device
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct spc_hugepage_limit
{
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct spc_net_priority
{
  char *name;
  uint32_t priority;
};

struct spc_unified
{
  char *key;
  char *value;
};

struct spc_resources
{
  bool present;
  struct spc_device_cgroup_rule *devices;
  size_t n_devices;
  struct
  {
    bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
    int64_t limit, reservation, swap, kernel, kernel_tcp;
    uint64_t swappiness;
    bool has_disable_oom_killer, disable_oom_killer;
    bool has_use_hierarchy, use_hierarchy;
    bool check_before_update;
  } memory;
  struct
  {
    bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
        has_realtime_period, has_idle;
    uint64_t shares;
    int64_t quota;
    uint64_t burst;
    uint64_t period;
    int64_t realtime_runtime;
    uint64_t realtime_period;
    int64_t idle;
    char *cpus;
    char *mems;
  } cpu;
  struct
  {
    bool has_limit;
    int64_t limit;
  } pids;
  struct
  {
    bool has_weight, has_leaf_weight;
    uint16_t weight, leaf_weight;
    struct spc_weight_device *weight_device;
    size_t n_weight_device;
    struct spc_throttle_device *throttle_read_bps;
    size_t n_throttle_read_bps;
    struct spc_throttle_device *throttle_write_bps;
    size_t n_throttle_write_bps;
    struct spc_throttle_device *throttle_read_iops;
    size_t n_throttle_read_iops;
    struct spc_throttle_device *throttle_write_iops;
    size_t n_throttle_write_iops;
  } block_io;
  struct spc_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct
  {
    bool has_class_id;
    uint32_t class_id;
    struct spc_net_priority *priorities;
    size_t n_priorities;
  } network;
  struct spc_unified *unified;
  size_t n_unified;
};

struct spc_seccomp_arg
{
  uint32_t index; /* 0..5 */
  uint64_t value;
  uint64_t value_two;
  char *op; /* "SCMP_CMP_EQ", ... (validated) */
};

struct spc_seccomp_syscall
{
  char **names;
  size_t n_names;
  char *action; /* "SCMP_ACT_ERRNO", ... (validated) */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct spc_seccomp_arg *args;
  size_t n_args;
};

struct spc_seccomp
{
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures;
  size_t n_architectures;
  char **flags;
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct spc_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

/* runtime-spec 1.3 linux.netDevices: host interface `host_name` moves
 * into the container's network namespace as `name` (which may hold "%d"
 * for the kernel to number). */
struct spc_net_device
{
  char *host_name;
  char *name; /* the host name again when the config gave none */
};

/* runtime-spec 1.3 linux.memoryPolicy: set_mempolicy(2) for the program. */
struct spc_memory_policy
{
  bool present;
  int mode;         /* MPOL_* */
  unsigned flags;   /* MPOL_F_* */
  char *nodes;      /* "0-3,7"; NULL: none */
};

/* linux.intelRdt (runtime-spec 1.3's shape). */
struct spc_intel_rdt
{
  bool present;
  char *clos_id; /* NULL: the container's ID; "/": the resctrl root */
  char *l3_cache_schema;
  char *mem_bw_schema;
  char **schemata; /* lines, NULL-terminated */
  size_t n_schemata;
  bool enable_monitoring;
};

struct spc_linux
{
  struct spc_namespace *namespaces; /* each type at most once */
  size_t n_namespaces;
  struct spc_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct spc_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct spc_time_offset time_offset_monotonic;
  struct spc_time_offset time_offset_boottime;
  struct spc_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct spc_resources resources;
  unsigned long rootfs_propagation; /* MS_* or 0 */
  struct spc_seccomp *seccomp;      /* NULL: none */
  struct spc_sysctl *sysctl;
  size_t n_sysctl;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  bool has_personality;
  char *personality_domain; /* "LINUX" or "LINUX32" */
  struct spc_net_device *net_devices;
  size_t n_net_devices;
  struct spc_memory_policy memory_policy;
  struct spc_intel_rdt intel_rdt;
};

struct spc_config
{
  char *oci_version;
  struct spc_root root;
  bool has_process;
  struct spc_process process;
  char *hostname;
  char *domainname;
  struct spc_mount *mounts;
  size_t n_mounts;
  struct spc_hooks hooks;
  struct spc_annotation *annotations;
  size_t n_annotations;
  bool has_linux;
  struct spc_linux linux_; /* `linux` is a predefined macro under GNU C */
};

/* Parse a config.json held in memory. `name` is how the file is named in
 * errors ("bundle/config.json"). On failure *out is untouched. */
int spc_config_load_buffer (const char *buf, size_t len, const char *name,
                            struct spc_config **out, spc_err_t *err);
int spc_config_load_file (const char *path, const char *name, struct spc_config **out,
                          spc_err_t *err);
void spc_config_free (struct spc_config *c);

/* The last value of annotation `key`, or NULL. */
const char *spc_config_annotation (const struct spc_config *c, const char *key);

/* "CAP_KILL" for 5; NULL for a number Linux does not define. */
const char *spc_capability_name (int cap);

/* The names the parser knows, one at a time, for `spacer features`: the
 * i-th one, NULL past the last. They are read from the same tables the
 * parser checks configs against, so what spacer claims is what it takes. */
/* Every mounts[].options entry with a meaning of its own to spacer (flags,
 * propagation, idmap, tmpcopyup); anything else is filesystem data. */
const char *spc_config_mount_option_name (size_t i);
enum spc_seccomp_vocabulary
{
  SPC_SECCOMP_ACTIONS,
  SPC_SECCOMP_OPERATORS,
  SPC_SECCOMP_ARCHITECTURES,
  SPC_SECCOMP_FLAGS,
};
const char *spc_config_seccomp_name (enum spc_seccomp_vocabulary v, size_t i);

/* linux.memoryPolicy's mode and flag names (MPOL_BIND, ...). */
const char *spc_config_mempolicy_mode_name (size_t i);
const char *spc_config_mempolicy_flag_name (size_t i);
/* The most NUMA nodes a node list may name (the kernel's MAX_NUMNODES at
 * its largest). */
#define SPC_MAX_NUMA_NODES 1024

/* The linux.namespaces entry of type t, or NULL. */
const struct spc_namespace *spc_config_namespace (const struct spc_config *c,
                                                  enum spc_ns_type t);

/* "network", "net" (in /proc/PID/ns) and CLONE_NEWNET for SPC_NS_NETWORK;
 * NULL/0 for an out-of-range type. */
const char *spc_ns_type_name (enum spc_ns_type t);
const char *spc_ns_type_proc_name (enum spc_ns_type t);
int spc_ns_type_clone_flag (enum spc_ns_type t);

/* A linux.resources object in JSON text (libspacer's spacer_update), or
 * in a file of its own (update -r FILE); errors name paths inside it
 * ("resources.json: memory.limit: ..."). */
int spc_config_load_resources_buffer (const char *buf, size_t len, const char *name,
                                      struct spc_resources *out, spc_err_t *err);
int spc_config_load_resources (const char *path, const char *name, struct spc_resources *out,
                               spc_err_t *err);
void spc_resources_free (struct spc_resources *r);

/* A runtime-spec `process` object in a file of its own (exec --process);
 * errors name the file and the JSON path in it. On failure *out is
 * untouched. spc_process_clear frees what one holds and zeroes it. */
int spc_config_load_process (const char *path, const char *name, struct spc_process *out,
                             spc_err_t *err);
void spc_process_clear (struct spc_process *proc);

/* Hooks round-trip through the state file, so that `start` and `delete`
 * can run poststart and poststop without the bundle. `kinds` is a mask of
 * (1 << SPC_HOOK_*); name is the file in errors. */
struct spc_json_writer;
void spc_config_write_hooks (struct spc_json_writer *w, const struct spc_hooks *hooks,
                             unsigned kinds);
struct spc_json;
int spc_config_parse_hooks (const struct spc_json *v, const char *name, struct spc_hooks *hooks,
                            spc_err_t *err);
void spc_hooks_free (struct spc_hooks *hooks);

/* The runtime-spec version spacer implements, which `spacer spec` writes
 * as ociVersion and `spacer --version` prints: everything of 1.3 that
 * concerns a container (execCPUAffinity for exec'd processes, as the spec
 * has it; intelRdt where resctrl is mounted; mountLabel where SELinux is
 * active). */
#define SPC_RUNTIME_SPEC_VERSION "1.3.0"

static inline void spc_config_freep (struct spc_config **c) { spc_config_free (*c); }
#define _cleanup_config_ __attribute__ ((cleanup (spc_config_freep)))

#endif
