/* spacer's default seccomp profile, the linux.seccomp that `spacer spec`
 * writes: an allow-list of what ordinary programs use, EPERM for what a
 * container must not do, ENOSYS for everything else. */
#ifndef SPACER_SECCOMP_PROFILE_H
#define SPACER_SECCOMP_PROFILE_H

#include "spacer/json.h"

/* Writes the profile as one JSON object: the value of the "seccomp"
 * member, whose key the caller has written. */
void spc_spec_write_seccomp (spc_json_writer *w);

#endif
