#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/json.h"
#include "spacer/log.h"
#include "spacer/utils.h"

static int log_fd = -1; /* -1: stderr only */
static enum spc_log_format log_format = SPC_LOG_FORMAT_TEXT;
static bool log_debug;

/* Set by a library call for its duration (spc_log_set_sink): records of
 * that thread go to the caller's callback, never to stderr or the file. */
static __thread spc_log_sink_fn sink_fn;
static __thread void *sink_data;
static __thread bool sink_set;
static __thread enum spc_log_level sink_level;

void
spc_log_set_sink (spc_log_sink_fn fn, void *data, enum spc_log_level max_level,
                  struct spc_log_sink *saved)
{
  if (saved)
    *saved = (struct spc_log_sink){ .fn = sink_fn, .data = sink_data, .set = sink_set,
                                    .level = sink_level };
  sink_fn = fn;
  sink_data = data;
  sink_level = max_level;
  sink_set = true;
}

void
spc_log_restore_sink (const struct spc_log_sink *saved)
{
  sink_fn = saved->fn;
  sink_data = saved->data;
  sink_level = saved->level;
  sink_set = saved->set;
}

int
spc_log_init (const char *path, enum spc_log_format format, bool debug)
{
  log_format = format;
  log_debug = debug;
  if (path == NULL || *path == '\0')
    return 0;
  /* O_APPEND: engines pass one log file to many runtime invocations. */
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0)
    return -1;
  log_fd = fd;
  return 0;
}

bool
spc_log_debug_enabled (void)
{
  return log_debug;
}

static const char *
level_name (enum spc_log_level level)
{
  switch (level)
    {
    case SPC_LOG_ERROR:
      return "error";
    case SPC_LOG_WARNING:
      return "warning";
    case SPC_LOG_INFO:
      return "info";
    default:
      return "debug";
    }
}

/* Messages quote what they were given (config values, IDs, paths), and a
 * record is one line whatever they hold: control characters become \xNN,
 * which also keeps escape sequences away from the reader's terminal. */
static char *
one_line (const char *msg)
{
  char *out = malloc (strlen (msg) * 4 + 1), *o = out;
  if (out == NULL)
    return NULL;
  for (const unsigned char *p = (const unsigned char *) msg; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      o += sprintf (o, "\\x%02x", *p);
    else
      *o++ = (char) *p;
  *o = '\0';
  return out;
}

/* A logfmt value as Go's %q writes it, which is how logrus's text
 * formatter (runc's --log-format text) quotes: backslash before '"' and
 * '\\', \n \r \t for those, \xNN for other control bytes. Always
 * quoted, so a reader needs one rule for every record. */
static char *
logfmt_quote (const char *msg)
{
  char *out = malloc (strlen (msg) * 4 + 3), *o = out;
  if (out == NULL)
    return NULL;
  *o++ = '"';
  for (const unsigned char *p = (const unsigned char *) msg; *p; p++)
    switch (*p)
      {
      case '"':
      case '\\':
        *o++ = '\\';
        *o++ = (char) *p;
        break;
      case '\n':
        o = stpcpy (o, "\\n");
        break;
      case '\r':
        o = stpcpy (o, "\\r");
        break;
      case '\t':
        o = stpcpy (o, "\\t");
        break;
      default:
        if (*p < 0x20 || *p == 0x7f)
          o += sprintf (o, "\\x%02x", *p);
        else
          *o++ = (char) *p;
      }
  *o++ = '"';
  *o = '\0';
  return out;
}

/* One JSON record a line: {"level","msg","time"} as conmon and podman
 * read it, and for an error also what a program acts on (libspacer's
 * spacer_error): its errno and its JSON path, when it has them. */
static void
write_json_record (int fd, enum spc_log_level level, const char *msg, int errno_,
                   const char *path)
{
  char when[64];
  spc_rfc3339_now (when, sizeof when);
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_object (w);
  spc_jw_key (w, "level");
  spc_jw_string (w, level_name (level));
  spc_jw_key (w, "msg");
  spc_jw_string (w, msg);
  spc_jw_key (w, "time");
  spc_jw_string (w, when);
  if (errno_)
    {
      spc_jw_key (w, "errno");
      spc_jw_int (w, errno_);
    }
  if (path)
    {
      spc_jw_key (w, "path");
      spc_jw_string (w, path);
    }
  spc_jw_end_object (w);
  size_t len;
  const char *text = spc_jw_buffer (w, &len);
  _cleanup_free_ char *line = NULL;
  if (asprintf (&line, "%s\n", text) >= 0)
    (void) !write (fd, line, len + 1);
}

/* One write(2) per record so records from concurrent processes never
 * interleave inside a line. */
static void
write_record (int fd, enum spc_log_format format, enum spc_log_level level, const char *msg)
{
  if (format == SPC_LOG_FORMAT_JSON)
    {
      write_json_record (fd, level, msg, 0, NULL);
      return;
    }

  /* On stderr a person reads it: "spacer: ..." as other tools write.
   * In a --log file an engine does: runc's logrus line,
   * time="..." level=error msg="...", which engines already parse. */
  _cleanup_free_ char *line = NULL, *text = NULL;
  int n;
  if (fd == STDERR_FILENO)
    {
      if ((text = one_line (msg)) == NULL)
        return;
      n = asprintf (&line, "spacer: %s%s%s\n", level == SPC_LOG_ERROR ? "" : level_name (level),
                    level == SPC_LOG_ERROR ? "" : ": ", text);
    }
  else
    {
      char when[64];
      if ((text = logfmt_quote (msg)) == NULL)
        return;
      spc_rfc3339_now (when, sizeof when);
      n = asprintf (&line, "time=\"%s\" level=%s msg=%s\n", when, level_name (level), text);
    }
  if (n >= 0)
    (void) !write (fd, line, (size_t) n);
}

void
spc_log (enum spc_log_level level, const char *fmt, ...)
{
  /* A library caller's sink, when this thread has one, takes the place of
   * the log file and stderr. */
  bool wanted = sink_set ? sink_fn != NULL && level <= sink_level
                         : level != SPC_LOG_DEBUG || log_debug;
  if (!wanted)
    return;
  int saved = errno;
  _cleanup_free_ char *msg = NULL;
  va_list ap;
  va_start (ap, fmt);
  int r = vasprintf (&msg, fmt, ap);
  va_end (ap);
  if (r >= 0)
    {
      if (sink_set)
        sink_fn (sink_data, level, msg);
      else if (log_fd >= 0)
        write_record (log_fd, log_format, level, msg);
      else if (level <= SPC_LOG_WARNING || log_debug)
        write_record (STDERR_FILENO, log_format, level, msg);
    }
  errno = saved;
}

static void
write_fatal (int fd, const spc_error_t *e)
{
  if (log_format == SPC_LOG_FORMAT_JSON)
    write_json_record (fd, SPC_LOG_ERROR, e->msg ? e->msg : "", e->errno_, e->path);
  else
    write_record (fd, log_format, SPC_LOG_ERROR, e->msg ? e->msg : "");
}

void
spc_log_fatal_error (const spc_error_t *e)
{
  /* Without --log stderr is the log, as for runc (whose --log defaults
   * to /dev/stderr): a caller that asked for JSON gets a line it parses. */
  if (log_fd < 0)
    {
      write_fatal (STDERR_FILENO, e);
      return;
    }
  write_fatal (log_fd, e);
  /* The caller (an engine, or a person) also sees the error on stderr,
   * unless it reads the log itself and stderr belongs to someone else
   * (libspacer, whose spacer child shares the container's stderr). */
  const char *quiet = getenv ("SPACER_LOG_NO_STDERR");
  if (quiet && strcmp (quiet, "1") == 0)
    return;
  write_record (STDERR_FILENO, SPC_LOG_FORMAT_TEXT, SPC_LOG_ERROR, e->msg ? e->msg : "");
}

void
spc_log_fatal (const char *msg)
{
  spc_error_t e = { .msg = (char *) msg };
  spc_log_fatal_error (&e);
}
