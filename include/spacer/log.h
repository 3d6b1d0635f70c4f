/* Diagnostics for the runtime. Messages go to the --log file, or without
 * one to stderr; with --log-format json each record there is exactly one
 * line {"level":"...","msg":"...","time":"..."} because conmon and podman
 * read that line back and show it to the user. In a --log file, text
 * records are runc's (logrus) lines, time="..." level=... msg="...";
 * on stderr they are "spacer: ..." for a person. */
#ifndef SPACER_LOG_H
#define SPACER_LOG_H

#include <stdbool.h>

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

/* Fatal error report used by the CLI: with a log file it writes the record
 * there and a text line to stderr, so a person sees it; without, the
 * record goes to stderr in the --log-format asked for. */
void spc_log_fatal (const char *msg);

#endif
