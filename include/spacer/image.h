/* Container images (an OCI image layout, a `docker save` archive, or a
 * plain rootfs tarball) turned into a root filesystem and the process
 * their config asks for. `spacer bundle` and the one-shot run use it. */
#ifndef SPACER_IMAGE_H
#define SPACER_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/spec.h"

/* How far an unpack is, for a progress display of the caller's. */
struct spc_image_progress
{
  uint64_t bytes, total; /* of the layers' blobs, as stored */
  uint64_t layers_done, layers_total;
  double seconds;        /* since the layers began */
  bool done;             /* the last report */
};

typedef void (*spc_image_progress_fn) (const struct spc_image_progress *p, void *data);

struct spc_image_opts
{
  const char *tag;   /* the manifest to pick when the source holds several */
  uint64_t max_size; /* bytes written at most (0: the default) */
  /* Called at most every 0.1 s while layers are applied, and once at the
   * end with done set; NULL: no reports. */
  spc_image_progress_fn progress;
  void *progress_data;
};

/* An image config's process, as the image says it (NULL where absent).
 * Vectors are NULL-terminated. A plain rootfs tarball has none of it. */
struct spc_image_process
{
  char **entrypoint;
  char **cmd;
  char **env;
  char *working_dir;
  char *user; /* "name", "uid", "uid:gid", "name:group" */
  char *stop_signal;
  /* Owned storage the spec options below point into. */
  char **args_;
  struct spc_annotation annotation_;
};

/* Extract SOURCE's root filesystem to ROOTFS, which must not exist: it is
 * made beside it and renamed into place at the end, so a failure leaves
 * nothing. *proc is filled from the image config. */
int spc_image_unpack (const char *source, const char *rootfs, const struct spc_image_opts *opts,
                      struct spc_image_process *proc, spc_err_t *err);

/* Set o's process (args: Entrypoint + Cmd, env, cwd, user resolved in
 * ROOTFS's /etc/passwd and /etc/group, the stop signal as the
 * org.opencontainers.image.stopSignal annotation) from *proc; o then
 * points into *proc, which must outlive it. */
int spc_image_spec_opts (struct spc_image_process *proc, const char *rootfs,
                         struct spc_spec_opts *o, spc_err_t *err);

void spc_image_process_free (struct spc_image_process *proc);

#endif
