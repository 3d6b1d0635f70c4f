/* Namespaces: which to create, which to join (by path), uid/gid maps, time
 * offsets, and the loopback interface of a new network namespace. */
#ifndef SPACER_NAMESPACES_H
#define SPACER_NAMESPACES_H

#include <sys/types.h>

#include "spacer/config.h"
#include "spacer/error.h"

/* Open every linux.namespaces[].path (fds[type], -1 where none) and check
 * that each file really is a namespace of that type. */
int spc_namespaces_open (const struct spc_config *c, int fds[SPC_NS_COUNT], spc_err_t *err);
void spc_namespaces_close (int fds[SPC_NS_COUNT]);

/* CLONE_NEW* flags for the namespaces to create at clone time. The time
 * namespace is not among them (see spc_namespaces_prepare_parent()), nor the
 * cgroup namespace: the init unshares it itself once it sits in the
 * container's cgroup, so that cgroup becomes the namespace's root. */
int spc_namespaces_clone_flags (const struct spc_config *c);

bool spc_namespaces_creates (const struct spc_config *c, enum spc_ns_type t);

/* Done by the runtime just before clone: join a pid namespace by path (it
 * applies to children only) and create the time namespace with its offsets,
 * which must be set before any process lives in it. */
int spc_namespaces_prepare_parent (const struct spc_config *c, int fds[SPC_NS_COUNT],
                                   spc_err_t *err);

/* After the clone: children of the runtime are born in its own pid and
 * time namespaces again (a runtime that waits for the container, and tools
 * such as LeakSanitizer that clone helpers, expect that). */
int spc_namespaces_restore_parent (const struct spc_config *c, int fds[SPC_NS_COUNT],
                                   spc_err_t *err);

/* In the init: join the namespaces given by path, user namespace first. */
int spc_namespaces_join (const struct spc_config *c, int fds[SPC_NS_COUNT], spc_err_t *err);

/* Write /proc/PID/FILE (uid_map or gid_map) from n mappings, through the
 * procfs handle procfd (procfs.h); none: no-op. */
int spc_namespaces_write_map (int procfd, pid_t pid, const char *file,
                              const struct spc_id_mapping *m, size_t n, spc_err_t *err);

/* Runtime side: write /proc/PID/{uid_map,gid_map} from the config (and
 * setgroups "deny" where a plain user writes gid_map itself), through a
 * procfs handle of its own, or through newuidmap/newgidmap where a plain
 * user maps more than its own id (newidmap.h). */
int spc_namespaces_write_id_maps (pid_t pid, const struct spc_config *c, spc_err_t *err);

/* Bring up "lo" in the current network namespace. */
int spc_namespaces_loopback_up (spc_err_t *err);

#endif
