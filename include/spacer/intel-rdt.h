/* linux.intelRdt (runtime-spec 1.3's shape): the container's tasks in a
 * resctrl group (CTRL_MON), closID or else one named after the
 * container, made when missing and given the config's schemata; with
 * enableMonitoring a MON group mon_groups/<id> of its own too. What was
 * made is recorded in the state and removed by delete; a group the
 * config named by closID and found is only joined, never removed.
 *
 * Everything takes the resctrl root as a path, so the unit tests run it
 * on a directory tree standing in for one. */
#ifndef SPACER_INTEL_RDT_H
#define SPACER_INTEL_RDT_H

#include <sys/types.h>

#include "spacer/config.h"
#include "spacer/error.h"

#define SPC_RESCTRL_ROOT "/sys/fs/resctrl"

/* What spacer made, relative to the root; NULL where nothing. */
struct spc_rdt_made
{
  char *root;  /* the resctrl root the others are below; NULL: intelRdt unused */
  char *group; /* "<id>" (the CTRL_MON group) */
  char *mon;   /* "<group>/mon_groups/<id>", or "mon_groups/<id>" under the root */
};

/* Is resctrl mounted at SPC_RESCTRL_ROOT (spacer features)? */
bool spc_rdt_available (void);

/* Before anything is made: an intelRdt config needs resctrl mounted in
 * the runtime's mount namespace. */
int spc_rdt_check (const struct spc_intel_rdt *rdt, spc_err_t *err);

/* Put pid in the group the config asks for below root. On failure what
 * this call made is removed again; what cannot be stays in *made (for
 * spc_rdt_remove, as the failed create is undone). */
int spc_rdt_setup (const char *root, const struct spc_intel_rdt *rdt, const char *id, pid_t pid,
                   struct spc_rdt_made *made, spc_err_t *err);

/* Remove what *made names (tasks left in a group go to its parent, as
 * resctrl does on rmdir); gone already is fine. Clears *made. */
int spc_rdt_remove (struct spc_rdt_made *made, spc_err_t *err);
void spc_rdt_made_clear (struct spc_rdt_made *made);

#endif
