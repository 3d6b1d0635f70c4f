/* runtime-spec 1.3 linux.netDevices: interfaces of the runtime's network
 * namespace moved into the container's, by rtnetlink (no `ip` binary).
 * Each is taken down, moved and renamed in one request (the kernel
 * numbers a name with "%d"; a fixed name already there is an error), and
 * in the container its permanent global addresses are added again (the
 * move drops them) and it is brought up. Nothing moves them back: when the
 * namespace goes, the kernel destroys virtual ones and returns physical
 * ones to the host's initial namespace. */
#ifndef SPACER_NETDEV_H
#define SPACER_NETDEV_H

#include <sys/types.h>

#include "spacer/config.h"
#include "spacer/error.h"

/* Runtime side, once the init exists: into the network namespace netns_fd
 * (the one the config joins by path), else the init's (/proc/PID/ns/net). */
int spc_netdev_move_all (const struct spc_linux *l, pid_t init_pid, int netns_fd,
                         spc_err_t *err);

#endif
