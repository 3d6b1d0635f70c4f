/* Why checkpoint and restore are refused on this host (criu.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/criu.h"
#include "spacer/hooks.h"
#include "spacer/utils.h"

extern char **environ;

/* `criu check` looks at the kernel's features for a few seconds at most;
 * one that hangs is not waited for longer than this. */
#define CRIU_CHECK_TIMEOUT 10

/* The criu binary: a path as given (runc's --criu), else a name looked up
 * in PATH. NULL with errno when there is none. */
static char *
find_criu (const char *criu)
{
  if (strchr (criu, '/') == NULL)
    return spc_find_executable (criu, environ);
  if (access (criu, X_OK) < 0)
    return NULL;
  return strdup (criu);
}

int
spc_criu_refuse (const char *op, const char *criu, spc_err_t *err)
{
  const char *name = criu ? criu : "criu";
  _cleanup_free_ char *path = find_criu (name);
  if (path == NULL)
    return spc_error_classed (err, ENOTSUP,
                              "%s: CRIU is not installed (`%s`: %s), and checkpoint/restore "
                              "needs it",
                              op, name, strerror (errno ? errno : ENOENT));
  char *args[] = { path, (char *) "check", NULL };
  struct spc_hook check = {
    .path = path,
    .args = args,
    .n_args = 2,
    .env = environ,
    .has_timeout = true,
    .timeout = CRIU_CHECK_TIMEOUT,
  };
  spc_err_t failed = NULL;
  if (spc_program_run (&check, "`criu check`", "", &failed) < 0)
    {
      spc_error_classed (err, ENOTSUP, "%s: CRIU cannot work here: %s", op, failed->msg);
      spc_error_free (&failed);
      return -1;
    }
  return spc_error_classed (err, ENOTSUP,
                            "%s: spacer does not implement checkpoint/restore (`%s check` "
                            "passes, but spacer does not drive CRIU)",
                            op, path);
}
