/* Diagnostics for the runtime. Messages go to the --log file, or without
 * one to stderr; with --log-format json each record there is exactly one
 * line {"level":"...","msg":"...","time":"..."} because conmon and podman
 * read that line back and show it to the user. In a --log file, text
 * records are runc's (logrus) lines, time="..." level=... msg="...";
 * on stderr they are "spacer: ..." for a person. */
#ifndef SPACER_LOG_H
#define SPACER_LOG_H

#include <stdbool.h>

#include "spacer/error.h"

enum spc_log_level
{
  SPC_LOG_ERROR = 0,
  SPC_LOG_WARNING = 1,
  SPC_LOG_INFO = 2,
  SPC_LOG_DEBUG = 3,
};

enum spc_log_format
{
  SPC_LOG_FORMAT_TEXT,
  SPC_LOG_FORMAT_JSON,
};

/* path == NULL logs to stderr. Returns < 0 with errno set if the file cannot
 * be opened. */
int spc_log_init (const char *path, enum spc_log_format format, bool debug);

void spc_log (enum spc_log_level level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#define spc_warn(...) spc_log (SPC_LOG_WARNING, __VA_ARGS__)
#define spc_debug(...) spc_log (SPC_LOG_DEBUG, __VA_ARGS__)

bool spc_log_debug_enabled (void);

/* A callback that takes every record of the calling thread instead of
 * stderr and the --log file (libspacer's log callback): set for the
 * duration of a library call, then restored. fn NULL drops the records.
 * Records more verbose than max_level are dropped. */
typedef void (*spc_log_sink_fn) (void *data, enum spc_log_level level, const char *msg);
struct spc_log_sink
{
  spc_log_sink_fn fn;
  void *data;
  bool set;
  enum spc_log_level level;
};
void spc_log_set_sink (spc_log_sink_fn fn, void *data, enum spc_log_level max_level,
                       struct spc_log_sink *saved);
void spc_log_restore_sink (const struct spc_log_sink *saved);

/* Fatal error report used by the CLI: with a log file it writes the record
 * there and a text line to stderr, so a person sees it; without, the
 * record goes to stderr in the --log-format asked for. */
void spc_log_fatal (const char *msg);
/* The same for an error: in JSON its record also has "errno" (when not 0)
 * and "path" (a config error's JSON path). With SPACER_LOG_NO_STDERR=1 in
 * the environment nothing goes to stderr when there is a log file: for a
 * caller that reads the log (libspacer) and whose stderr is another's. */
void spc_log_fatal_error (const spc_error_t *e);

#endif
