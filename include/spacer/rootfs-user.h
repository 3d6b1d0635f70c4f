/* Users and groups as a root filesystem names them. */
#ifndef SPACER_ROOTFS_USER_H
#define SPACER_ROOTFS_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spacer/error.h"

/* A user as the rootfs names it: "UID", "UID:GID", "NAME", "NAME:GROUP"
 * (either part a name or a number). Names are looked up in ROOTFS's
 * /etc/passwd and /etc/group, resolved inside ROOTFS (its symlinks cannot
 * lead to the host's files); without a group, the user's own from
 * /etc/passwd, or 0 for a uid it does not list. */
int spc_rootfs_resolve_user (const char *rootfs, const char *user, uint32_t *uid, uint32_t *gid,
                             spc_err_t *err);

/* The name ROOTFS's /etc/passwd gives uid, into buf; false when it names
 * none (or cannot be read). Only the file, never NSS: runc's lookup, and
 * the one a statically linked spacer can make without glibc's modules. */
bool spc_rootfs_user_name (const char *rootfs, uint32_t uid, char *buf, size_t size);

#endif
