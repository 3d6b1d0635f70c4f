/* Linux security modules: process.apparmorProfile and process.selinuxLabel,
 * applied to the user program at its exec. Asking for either on a host
 * where that module is not active is an error before anything is made,
 * as in runc: a container must not run unconfined by surprise. */
#ifndef SPACER_LSM_H
#define SPACER_LSM_H

#include <stdbool.h>

#include "spacer/config.h"
#include "spacer/error.h"

int spc_lsm_check (const struct spc_config *c, spc_err_t *err);

/* linux.mountLabel where SELinux is active, for the context= option of
 * the container's new filesystems; NULL where it is not (a label there is
 * ignored, with a debug line from spc_lsm_check, as crun does). */
const char *spc_lsm_mount_label (const struct spc_config *c);

/* Is the module active on this host, so that a label for it is applied
 * (and not refused by spc_lsm_check)? */
bool spc_lsm_apparmor_enabled (void);
bool spc_lsm_selinux_enabled (void);

/* In the init, before exec: the label the program gets when it runs,
 * written through the procfs handle procfd (procfs.h). */
int spc_lsm_set_exec_label (const struct spc_process *p, int procfd, spc_err_t *err);

#endif
