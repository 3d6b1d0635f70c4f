#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/error.h"

/* What *err points to when an error cannot even be allocated: callers
 * always find a message. Never freed, never changed. */
static spc_error_t out_of_memory = { .errno_ = ENOMEM, .msg = (char *) "out of memory" };

/* Messages echo input (a value from the config, a path): one of 10 MB
 * would be printed whole. The middle of a long message goes, and the
 * message says how much: its start names the step, its end the errno. */
#define MSG_MAX 1024
#define MSG_HEAD 640
#define MSG_TAIL 256

static char *
bounded (char *msg)
{
  size_t len = strlen (msg);
  if (len <= MSG_MAX)
    return msg;
  size_t head = MSG_HEAD, tail = len - MSG_TAIL;
  /* Whole UTF-8 characters only: no cut between a lead byte and the
   * continuation bytes (10xxxxxx) after it. */
  while (head > 0 && ((unsigned char) msg[head] & 0xc0) == 0x80)
    head--;
  while (tail < len && ((unsigned char) msg[tail] & 0xc0) == 0x80)
    tail++;
  char *out = NULL;
  if (asprintf (&out, "%.*s[... %zu bytes left out ...]%s", (int) head, msg, tail - head,
                msg + tail)
      < 0)
    {
      msg[MSG_MAX] = '\0';
      return msg;
    }
  free (msg);
  return out;
}

int
spc_error_makev (spc_err_t *err, int errno_, const char *fmt, va_list ap)
{
  if (err == NULL || *err != NULL)
    return -1; /* keep the first (innermost) error */

  char *msg = NULL;
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  if (msg && errno_)
    {
      char *full = NULL;
      if (asprintf (&full, "%s: %s", msg, strerror (errno_)) >= 0)
        {
          free (msg);
          msg = full;
        }
    }

  if (msg)
    msg = bounded (msg);
  spc_error_t *e = msg ? calloc (1, sizeof *e) : NULL;
  if (e == NULL)
    {
      free (msg);
      *err = &out_of_memory;
      return -1;
    }
  e->errno_ = errno_;
  e->msg = msg;
  *err = e;
  return -1;
}

int
spc_error_make (spc_err_t *err, int errno_, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  spc_error_makev (err, errno_, fmt, ap);
  va_end (ap);
  return -1;
}

int
spc_error_classed (spc_err_t *err, int errno_, const char *fmt, ...)
{
  if (err == NULL || *err != NULL)
    return -1; /* keep the first (innermost) error */
  va_list ap;
  va_start (ap, fmt);
  spc_error_makev (err, 0, fmt, ap);
  va_end (ap);
  if (*err && *err != &out_of_memory)
    (*err)->errno_ = errno_;
  return -1;
}

int
spc_error_prefix (spc_err_t *err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL || *err == &out_of_memory)
    return -1;

  char *prefix = NULL;
  va_list ap;
  va_start (ap, fmt);
  int r = vasprintf (&prefix, fmt, ap);
  va_end (ap);
  if (r < 0)
    return -1;

  char *full = NULL;
  if (asprintf (&full, "%s: %s", prefix, (*err)->msg ? (*err)->msg : "") >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = bounded (full);
    }
  free (prefix);
  return -1;
}

void
spc_error_set_path (spc_err_t *err, const char *path)
{
  if (err == NULL || *err == NULL || *err == &out_of_memory)
    return;
  free ((*err)->path);
  (*err)->path = path ? strdup (path) : NULL;
}

void
spc_error_free (spc_err_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  if (*err != &out_of_memory)
    {
      free ((*err)->path);
      free ((*err)->msg);
      free (*err);
    }
  *err = NULL;
}
