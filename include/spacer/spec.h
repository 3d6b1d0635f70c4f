/* The config.json spacer generates: `spacer spec` (the defaults), `spacer
 * bundle` (the defaults under an image's process) and the one-shot run
 * (the defaults under command-line options). One builder serves all three,
 * so a config printed by one of them runs the same in the others. */
#ifndef SPACER_SPEC_H
#define SPACER_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spacer/config.h"

/* Where the container's network is. */
enum spc_spec_network
{
  SPC_SPEC_NETWORK_DEFAULT = 0, /* a new namespace; the host's for rootless */
  SPC_SPEC_NETWORK_NONE,        /* a new namespace: only lo, up */
  SPC_SPEC_NETWORK_HOST,        /* the host's: no network namespace */
};

/* A bind mount of a host path, after the default mounts. */
struct spc_spec_bind
{
  const char *source; /* as the config takes it: absolute, or the bundle's */
  const char *destination;
  bool readonly;
};

/* What differs from spacer's default spec. Zeroed, it asks for exactly
 * what `spacer spec` writes. Pointers are borrowed for the call. */
struct spc_spec_opts
{
  bool rootless; /* a user namespace mapping root to host_uid/host_gid, no netns */
  uid_t host_uid;
  gid_t host_gid;

  /* process */
  const char *const *args; /* NULL-terminated; NULL: "sh" */
  const char *const *env;  /* "K=V", set over the defaults: a key given replaces its default */
  const char *cwd;         /* NULL: "/" */
  bool has_user;
  uint32_t uid;
  uint32_t gid;
  bool has_terminal;       /* default: true, as runc spec */
  bool terminal;

  /* root and identity */
  const char *root_path;   /* NULL: "rootfs" */
  bool has_readonly;       /* default: a read-only root, as runc spec */
  bool readonly;
  const char *hostname;    /* NULL: "spacer" */
  const struct spc_annotation *annotations;
  size_t n_annotations;

  /* mounts and network */
  const struct spc_spec_bind *binds;
  size_t n_binds;
  enum spc_spec_network network;

  /* linux.resources, beside the default device rules */
  bool has_memory_limit;
  int64_t memory_limit; /* bytes */
  bool has_cpu_quota;
  int64_t cpu_quota;    /* microseconds per cpu_period */
  uint64_t cpu_period;  /* microseconds; 0: the kernel's (100000) */
  bool has_pids_limit;
  int64_t pids_limit;
};

/* The document (malloc'd, pretty, no final newline); NULL with errno
 * ENOMEM only. Deterministic: the same options give the same bytes. */
char *spc_spec_generate (const struct spc_spec_opts *opts);

#endif
