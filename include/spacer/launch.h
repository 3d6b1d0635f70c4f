/* The one-shot run, `spacer launch`: a container from a root filesystem
 * used in place (or an image unpacked to a private directory) and
 * command-line options, without a config.json anywhere. The config is the
 * default spec (spec.h) under the options, made in memory; the container
 * is then created and run as `spacer run` does (container.h). The CLI
 * parses the flags; the values' meaning is here. */
#ifndef SPACER_LAUNCH_H
#define SPACER_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>

#include "spacer/error.h"
#include "spacer/image.h"
#include "spacer/spec.h"

struct spc_launch_opts
{
  const char *rootfs; /* a directory, used in place */
  const char *image;  /* or an image source (image.h), unpacked for the run */
  const char *tag;
  spc_image_progress_fn progress; /* reports of an image's unpack (NULL: none) */
  const char *user;   /* "UID[:GID]", names resolved in the rootfs; NULL: the image's, or 0:0 */
  /* Everything else. args, env, cwd NULL: the image's (or the defaults);
   * with an image, args replace its Cmd and follow its Entrypoint; env
   * is set over the image's. root_path, has_user, uid, gid are ours. */
  struct spc_spec_opts spec;
};

/* A prepared launch: where its root filesystem is, and the directory
 * that goes away at the end. */
struct spc_launch
{
  char *rootfs;  /* absolute, symlinks resolved */
  char *dir;     /* private (0700), below $TMPDIR; NULL: none yet */
  bool from_image;
  struct spc_image_process image;  /* its config's process */
  struct spc_spec_opts image_spec; /* the image's process as spec options */
  char **args;   /* owned storage the config's options point into */
  char **env;
};

/* Find the rootfs, or unpack the image into DIR/rootfs, DIR a new
 * private directory below $TMPDIR (default /var/tmp). On failure nothing
 * is left. An extraction stops at spc_archive_cancel. */
int spc_launch_prepare (const struct spc_launch_opts *o, struct spc_launch *l, spc_err_t *err);

/* The config (pretty JSON, malloc'd). root.path is the rootfs's absolute
 * path; for_print with an image, "rootfs": the printed config is for a
 * bundle that has the image unpacked there. */
int spc_launch_config (const struct spc_launch_opts *o, struct spc_launch *l, bool for_print,
                       char **text, spc_err_t *err);

/* DIR (made now for a rootfs) becomes the container's bundle: the config
 * goes to DIR/config.json, mode 0600. The container is created from the
 * text in memory; the file is the record of it for what reads a running
 * container's bundle (`spacer exec`). */
int spc_launch_bundle (struct spc_launch *l, const char *config, spc_err_t *err);

/* Remove DIR (if any) and free l. */
void spc_launch_release (struct spc_launch *l);

/* "2", "0.5", "1.25" CPUs as a CFS quota per period (100 ms). At least
 * 0.01 (the kernel's 1 ms quota), at most 5 decimals. */
int spc_launch_parse_cpus (const char *text, int64_t *quota, uint64_t *period, spc_err_t *err);

/* "SRC:DST[:ro|:rw]": SRC must exist and is made absolute, DST is an
 * absolute path in the container (not "/"). Strings are malloc'd. */
int spc_launch_parse_volume (const char *text, char **source, char **destination, bool *readonly,
                             spc_err_t *err);

/* "K=V", or "K" for the caller's own K, as docker takes -e: *entry is a
 * malloc'd "K=V", or NULL when the caller has no K (nothing to set). */
int spc_launch_parse_env (const char *text, char **entry, spc_err_t *err);

/* A fresh container ID, "launch-" and 12 random hex digits. */
int spc_launch_new_id (char id[32], spc_err_t *err);

#endif
