/* Root filesystems and image layers arrive as tarballs; this extracts them
 * safely. libarchive only decodes: every entry is written by spacer itself,
 * by file descriptor, below a directory fd it holds, its parent resolved by
 * the kernel inside that root (openat2 RESOLVE_IN_ROOT), so no name, ".."
 * or symlink in the archive can reach a file outside the tree. */
#ifndef SPACER_ARCHIVE_H
#define SPACER_ARCHIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "spacer/error.h"
#include "spacer/sha256.h"

/* Real images reach a few GiB unpacked (CUDA and ML images 10-15 GiB);
 * 16 GiB lets those through while a decompression bomb (a few KiB of zstd
 * can expand to terabytes) is stopped long before it fills a disk. */
#define SPC_ARCHIVE_DEFAULT_MAX_SIZE (16ULL << 30)

/* A signal handler sets it (to the signal number): extraction then stops
 * at the next block or entry, the caller's cleanup removes the partial
 * tree, and the call fails with EINTR. */
extern volatile sig_atomic_t spc_archive_cancel;

struct spc_archive_opts
{
  uint64_t max_size; /* data bytes plus 512 per entry, at most (0: the default) */
  bool whiteouts;    /* an image layer: apply .wh.NAME and .wh..wh..opq */
  /* Called with the count of raw (compressed) bytes read so far. */
  void (*progress) (void *data, uint64_t raw_bytes);
  void *progress_data;
};

struct spc_archive_stats
{
  uint64_t written;         /* counted against max_size */
  uint64_t entries;
  uint64_t devices_skipped; /* device nodes not made (not root) */
  uint64_t setid_dropped;   /* setuid/setgid bits dropped (not root) */
};

/* Extraction of one or more archives (an image's layers, in order) into a
 * tree: entries of later archives replace earlier ones. Directory modes
 * and times are applied by spc_extractor_finish, after every entry. */
typedef struct spc_extractor spc_extractor;

spc_extractor *spc_extractor_new (int rootfd, const struct spc_archive_opts *opts);
/* Extract the archive read from fd. The whole raw stream (to its end, also
 * past the archive's last block) is hashed into *digest and counted into
 * *raw_size when they are not NULL: check them before trusting the tree. */
int spc_extractor_apply (spc_extractor *x, int fd, const char *name,
                         uint8_t digest[SPC_SHA256_SIZE], uint64_t *raw_size, spc_err_t *err);
int spc_extractor_finish (spc_extractor *x, spc_err_t *err);
void spc_extractor_free (spc_extractor *x);
const struct spc_archive_stats *spc_extractor_stats (const spc_extractor *x);

/* A new empty directory beside `dest` (".NAME.XXXXXX", mode 0700 until
 * spc_extractor_finish gives it the archive's mode, or 0755) for building
 * dest in; spc_archive_commit renames it to dest, which must be missing or
 * an empty directory. */
int spc_archive_tmpdir (const char *dest, char **tmp, spc_err_t *err);
/* An fd of the directory spc_archive_tmpdir just made, refused if
 * anything else is at its path now. */
int spc_archive_open_tmpdir (const char *tmp, spc_err_t *err);
int spc_archive_commit (const char *tmp, const char *dest, spc_err_t *err);
/* 0 if `dest` is missing or an empty directory (what commit replaces). */
int spc_archive_check_dest (const char *dest, spc_err_t *err);
/* Remove the tree at path (best effort, for error paths). */
void spc_archive_discard (const char *path);

/* Extract `archive` (any format/compression libarchive reads; "-" is
 * stdin) to `dest`, which must be missing or an empty directory: the tree
 * is built beside it and renamed into place, so a failure (or
 * spc_archive_cancel) leaves nothing. st may be NULL. */
int spc_archive_extract (const char *archive, const char *dest, const struct spc_archive_opts *opts,
                         struct spc_archive_stats *st, spc_err_t *err);

/* libarchive, loaded on first use; 0 when available. */
int spc_archive_load (spc_err_t *err);

#endif
