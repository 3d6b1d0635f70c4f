/* One error type threaded through every call: functions take a trailing
 * `spc_err_t *err`, return < 0 on failure and fill *err with a message that
 * names the step that failed (and the errno, when there is one). Callers add
 * context with spc_error_prefix() as the error travels up. */
#ifndef SPACER_ERROR_H
#define SPACER_ERROR_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>

typedef struct spc_error
{
  int errno_; /* 0 when the failure has no errno (bad input, ...) */
  char *msg;  /* complete message, strerror already appended */
  char *path; /* NULL, or where in a config the failure is ("process.args"):
                 the message names it too; this is it alone, for programs
                 (spacer_error_path, the "path" of a JSON log record) */
} spc_error_t;

typedef spc_error_t *spc_err_t;

/* Fill *err (if err and *err is still empty) and return -1. When errno_ is
 * non-zero ": strerror(errno_)" is appended to the message. */
int spc_error_make (spc_err_t *err, int errno_, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int spc_error_makev (spc_err_t *err, int errno_, const char *fmt, va_list ap);

/* An error classed by errno_ for callers (ENOENT: missing) whose message
 * already says it in words: nothing is appended. */
int spc_error_classed (spc_err_t *err, int errno_, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Convenience: errno at the time of the call. */
#define spc_error_errno(err, ...) spc_error_make ((err), errno, __VA_ARGS__)

/* Prepend "<prefix>: " to an existing error message; returns -1. */
int spc_error_prefix (spc_err_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Record the JSON path of the failure in *err (a copy; a failed copy
 * leaves none). */
void spc_error_set_path (spc_err_t *err, const char *path);

void spc_error_free (spc_err_t *err);

/* Did the failure in *err come with errno e (ENOENT: something missing)? */
static inline bool
spc_error_is (const spc_err_t *err, int e)
{
  return err && *err && (*err)->errno_ == e;
}

/* Release an error that is deliberately ignored (best-effort paths). */
static inline void spc_error_ignore (spc_err_t *err) { spc_error_free (err); }

#define _cleanup_error_ __attribute__ ((cleanup (spc_error_free)))

#endif
