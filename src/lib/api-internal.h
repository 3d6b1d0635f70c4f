/* Shared by the files of libspacer's public API (api*.c): the handles
 * behind spacer.h's opaque types and the steps every call takes. */
#ifndef SPACER_API_INTERNAL_H
#define SPACER_API_INTERNAL_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "spacer/error.h"
#include "spacer/log.h"
#include "spacer/spacer.h"

struct spacer_error
{
  int code;
  char *message;
  char *path; /* NULL: not about a place in a config */
};

struct spacer_context
{
  char *root;   /* absolute */
  char *binary; /* the spacer binary create and exec run */
  spacer_log_fn log;
  void *log_data;
  enum spacer_log_level log_level;
};

/* Hands an internal error over to the caller as a spacer_error (when out
 * is not NULL) and frees it; returns -1. */
int api_error_take (spc_err_t *e, spacer_error **out);
/* A spacer_error made here; returns -1. */
int api_error_new (spacer_error **out, int code, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Every call sends the records of its thread to the context's callback,
 * never to stderr, for as long as it runs: api_log_begin at the start,
 * and the cleanup attribute restores the caller's sink on every return. */
void api_log_begin (const spacer_context *ctx, struct spc_log_sink *saved);
void api_log_end (struct spc_log_sink *saved);
#define API_LOG_SCOPE(ctx)                                                                   \
  __attribute__ ((cleanup (api_log_end))) struct spc_log_sink api_saved_sink_;              \
  api_log_begin ((ctx), &api_saved_sink_)

/* The caller's options struct read as far as its size says, over a copy
 * of defaults in *into (of sizeof *into bytes). Bytes the caller passes
 * beyond what this version knows must be 0 (a newer caller that asks for
 * something this library cannot do is refused, not ignored). */
int api_read_options (void *into, size_t into_size, const void *opts, size_t opts_size,
                      const char *what, spacer_error **err);

/* ---- running the spacer binary (api-spawn.c) ---- */

/* What the spacer child gets: its stdio (-1: /dev/null), extra fds at 3,
 * 4, ... and, after those, fds of the library's own (a config or process
 * in a memfd) at api_child_private_fd (n_extra, i). */
struct api_child_fds
{
  int stdio[3];
  const int *extra;
  size_t n_extra;
  const int *private_fds;
  size_t n_private;
};

/* The fd number the spacer child has the library's private fd i at. */
static inline int
api_child_private_fd (size_t n_extra, size_t i)
{
  return (int) (3 + n_extra + 1 + i); /* 3 + n_extra is the log's */
}

struct api_child
{
  pid_t pid;
  int pidfd;  /* of the spacer child: it is ours until waited for */
  int logfd;  /* the memfd its --log records go to */
  size_t log_read; /* how far the records were delivered */
};

/* Starts `spacer --root ROOT --log-format json --log LOG CMD_ARGS...` with
 * fds as told, default signal dispositions and an empty signal mask. */
int api_spawn (const spacer_context *ctx, const char *const *cmd_args,
               const struct api_child_fds *fds, struct api_child *child, spacer_error **err);
/* Sends the child's new log records to the context's callback and, when
 * failed, turns its error record into *err (or says how it ended when it
 * wrote none). how and status: its waitid() si_code and si_status. */
int api_child_finish (const spacer_context *ctx, struct api_child *child, bool failed,
                      int how, int status, const char *cmd, spacer_error **err);
void api_child_deliver_log (const spacer_context *ctx, struct api_child *child);
void api_child_close (struct api_child *child);
/* waitid(P_PIDFD) on the child, retried on EINTR. */
int api_child_wait (struct api_child *child, int options, siginfo_t *info);

/* A sealed memfd holding text: what the child reads can no longer change. */
int api_sealed_memfd (const char *name, const char *text, spacer_error **err);

#endif
