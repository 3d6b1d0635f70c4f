/* Root filesystems arrive as plain tarballs; this extracts one safely with
 * libarchive: no absolute paths, no "..", no writing through symlinks. */
#ifndef SPACER_ARCHIVE_H
#define SPACER_ARCHIVE_H

#include "spacer/error.h"

/* Extract `archive` (any format/compression libarchive reads; "-" is stdin)
 * into the existing directory `dest`. */
int spc_archive_extract (const char *archive, const char *dest, spc_err_t *err);

#endif
