/* `spacer validate`: every problem of a config.json (and of the bundle's
 * rootfs, as far as it can be judged before create), each with where it is
 * in the file. The config rules are the loader's own (spc_config_check runs
 * it in collect mode); the schema adds only the check for unknown keys. */
#ifndef SPACER_VALIDATE_H
#define SPACER_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/json.h"

enum spc_diag_severity
{
  SPC_DIAG_ERROR,
  SPC_DIAG_WARNING,
};

struct spc_diag
{
  enum spc_diag_severity severity;
  size_t offset; /* in the file: the value, key or object it is about */
  size_t line, column; /* of offset, 1-based (set by spc_validate_buffer) */
  char *path;    /* "linux.namespaces[2].type"; "" for the document itself */
  char *message;
};

struct spc_diags
{
  struct spc_diag *items;
  size_t len, cap;
};

/* Adds a copy of path and the formatted message; < 0 only without memory. */
int spc_diags_add (struct spc_diags *d, enum spc_diag_severity severity, size_t offset,
                   const char *path, spc_err_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 6, 7)));
void spc_diags_free (struct spc_diags *d);
size_t spc_diags_count (const struct spc_diags *d, enum spc_diag_severity severity);

/* The config loader over doc in collect mode: every error and warning that
 * spc_config_load_buffer() would stop at (or log) goes into diags, in
 * document order of the loader's walk. *out (may be NULL) receives the
 * config as far as it could be built: always freeable, but with members
 * that failed left absent. < 0 only on a system error (no memory). */
int spc_config_check (const spc_json *doc, struct spc_diags *diags, struct spc_config **out,
                      spc_err_t *err);

/* The closest of `candidates` (NULL-terminated) to `word` by edit distance
 * (insertions, deletions, substitutions, adjacent transpositions), if it
 * is close enough to be a plausible typo; NULL otherwise. */
const char *spc_suggest (const char *word, const char *const *candidates);

/* The whole of the regular file at path, as the loader reads config.json
 * (a FIFO or device is refused, not waited on); `name` is for errors. */
int spc_config_read_file (const char *path, const char *name, char **buf, size_t *len,
                          spc_err_t *err);

struct spc_validate_options
{
  const char *display_name; /* the file's name in diagnostics */
  int rootfs_dirfd;          /* the bundle directory for rootfs checks; -1: none */
};

/* Validate the text of a config.json: parse errors, the loader's rules,
 * unknown keys (warnings, with suggestions), and with a bundle the rootfs
 * (warnings). The diagnostics come sorted: errors first, each group in
 * file order. < 0 only on a system error. */
int spc_validate_buffer (const char *buf, size_t len, const struct spc_validate_options *opts,
                         struct spc_diags *diags, spc_err_t *err);

#endif
