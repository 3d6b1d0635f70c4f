/* Shared by the cgroup files (cgroup*.c) only. */
#ifndef SPACER_CGROUP_INTERNAL_H
#define SPACER_CGROUP_INTERNAL_H

#include "spacer/cgroup.h"

/* Is word (of len bytes) one of the words of list, separated by ',', ' '
 * or newlines? */
bool spc_cgroup_listed (const char *list, const char *word, size_t len);

/* The container's directory in the cgroup2 hierarchy, or NULL. */
const struct spc_cgroup_dir *spc_cgroup_v2_dir (const struct spc_cgroup *cg);

/* cgroup2 has no device controller: access is filtered by an eBPF program
 * (BPF_CGROUP_DEVICE) attached to the container's directory, built from
 * linux.resources.devices (cgroup-devices.c). */
int spc_cgroup_devices_v2 (const struct spc_cgroup *cg, const struct spc_cgroup_dir *d,
                           const struct spc_device_cgroup_rule *rules, size_t n, spc_err_t *err);

/* The decision that program takes on a request for access ("r", "w", "m"
 * or several; NULL: all three) to device type ('c' or 'b') major:minor,
 * taken in C, for the tests. An invalid list allows nothing. */
bool spc_devices_allowed (const struct spc_device_cgroup_rule *rules, size_t n, char type,
                          uint32_t major, uint32_t minor, const char *access);

#endif
