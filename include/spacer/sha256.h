/* SHA-256 (FIPS 180-4), for keys that must not collide by accident or by
 * design: the seccomp program cache names its entries by the digest of
 * the profile that compiled them. */
#ifndef SPACER_SHA256_H
#define SPACER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SPC_SHA256_SIZE 32

struct spc_sha256
{
  uint32_t h[8];
  uint64_t total; /* bytes hashed so far */
  uint8_t block[64];
  size_t used; /* bytes waiting in block */
};

void spc_sha256_init (struct spc_sha256 *s);
void spc_sha256_update (struct spc_sha256 *s, const void *data, size_t len);
void spc_sha256_final (struct spc_sha256 *s, uint8_t digest[SPC_SHA256_SIZE]);

/* The digest as 64 lowercase hex digits and a NUL. */
void spc_sha256_hex (const uint8_t digest[SPC_SHA256_SIZE], char hex[2 * SPC_SHA256_SIZE + 1]);

#endif
