/* Compiled seccomp programs, kept by the runtime. libseccomp takes
 * longer to compile a large profile (the default one `spacer spec` writes)
 * than the whole rest of a container start; engines start most of their
 * containers with one and the same profile. So the runtime keeps each
 * program under ROOT/.seccomp-cache, named by the SHA-256 of everything
 * that decides it: the profile's rules, libseccomp's version and the API
 * level it found in the kernel, the kernel release and the machine.
 *
 * The runtime looks the program up before it clones the init. On a hit the
 * init loads the cached program and libseccomp is not called at all; on a
 * miss the init compiles into a memfd the runtime gave it, and the runtime
 * stores that once the container is created. The cache never fails a
 * create: an entry it cannot read, or a directory it cannot write, is a
 * miss. */
#ifndef SPACER_SECCOMP_CACHE_H
#define SPACER_SECCOMP_CACHE_H

#include "spacer/config.h"
#include "spacer/seccomp.h"
#include "spacer/sha256.h"

#define SPC_SECCOMP_CACHE_DIR ".seccomp-cache"

struct spc_seccomp_cache
{
  int dirfd;                          /* ROOT/.seccomp-cache; -1: no caching */
  char key[2 * SPC_SHA256_SIZE + 1];  /* the entry's name */
  struct spc_seccomp_program program; /* a hit; n_insns == 0 on a miss */
  int export_fd;                      /* a miss: what the init compiles into; else -1 */
};

#define SPC_SECCOMP_CACHE_INIT { .dirfd = -1, .export_fd = -1 }

/* The entry name for profile S on this host. */
void spc_seccomp_cache_key (const struct spc_seccomp *s, char key[2 * SPC_SHA256_SIZE + 1]);

/* Before the init is cloned: fill C with a hit, or prepare for a miss. */
void spc_seccomp_cache_lookup (const char *root, const struct spc_seccomp *s,
                               struct spc_seccomp_cache *c);

/* Once the container is created: store what the init compiled on a miss. */
void spc_seccomp_cache_store (struct spc_seccomp_cache *c);

void spc_seccomp_cache_clear (struct spc_seccomp_cache *c);

#define _cleanup_seccomp_cache_ __attribute__ ((cleanup (spc_seccomp_cache_clear)))

#endif
