/* The runtime-spec Features structure (features.md, features-linux.md):
 * what this spacer recognizes, for `spacer features` and for engines that
 * ask before they write a config. */
#ifndef SPACER_FEATURES_H
#define SPACER_FEATURES_H

#include "spacer/error.h"

/* The document, indented JSON without a final newline (malloc'd). The
 * names come from the parser's own tables; supported seccomp flags and
 * the LSMs are as this host has them now. */
int spc_features_json (char **out, spc_err_t *err);

#endif
