/* Id maps written through shadow's setuid helpers newuidmap(1) and
 * newgidmap(1), as runc and crun do for a rootless container.
 *
 * A runtime without CAP_SETUID (CAP_SETGID) over its own user namespace
 * may write one line mapping its own id to a new user namespace itself
 * (user_namespaces(7)). Anything more, such as root to the user and ids
 * 1-65536 to a range of its own, takes these helpers: they check each
 * range against the ones /etc/subuid and /etc/subgid grant the user and
 * write the map as root. */
#ifndef SPACER_NEWIDMAP_H
#define SPACER_NEWIDMAP_H

#include <sys/types.h>

#include "spacer/config.h"
#include "spacer/error.h"

/* The helper ("newuidmap" or "newgidmap") on the runtime's PATH, as
 * execvp(3) finds it, malloc'd; NULL with errno set where there is none. */
char *spc_newidmap_find (const char *tool);

/* TOOL PID CONTAINER-ID HOST-ID SIZE... for the n mappings of the user
 * namespace the process pid was born in. A helper that is missing or
 * refuses is an error naming it, the mapping and what it said. */
int spc_newidmap_write (const char *tool, pid_t pid, const struct spc_id_mapping *m, size_t n,
                        spc_err_t *err);

#endif
