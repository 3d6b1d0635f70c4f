/* libspacer's public API: errors, contexts, the log callback, and the
 * default config. The lifecycle is in api-lifecycle.c, processes in
 * api-exec.c, running the spacer binary in api-spawn.c. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/spec.h"
#include "spacer/status.h"
#include "api-internal.h"

const char *
spacer_version (void)
{
  return PACKAGE_VERSION;
}

/* ---- errors ---- */

/* What an error is when even it cannot be allocated: never freed. */
static struct spacer_error out_of_memory = { .code = ENOMEM, .message = (char *) "out of memory" };

static int
error_set (spacer_error **out, int code, const char *path, char *message)
{
  if (out == NULL)
    {
      free (message);
      return -1;
    }
  struct spacer_error *e = message ? calloc (1, sizeof *e) : NULL;
  if (e == NULL || (path && (e->path = strdup (path)) == NULL))
    {
      free (e);
      free (message);
      *out = &out_of_memory;
      return -1;
    }
  e->code = code;
  e->message = message;
  *out = e;
  return -1;
}

int
api_error_take (spc_err_t *e, spacer_error **out)
{
  if (e == NULL || *e == NULL)
    return error_set (out, EIO, NULL, strdup ("failed without saying why"));
  int r = error_set (out, (*e)->errno_, (*e)->path, strdup ((*e)->msg ? (*e)->msg : ""));
  spc_error_free (e);
  return r;
}

int
api_error_new (spacer_error **out, int code, const char *path, const char *fmt, ...)
{
  char *msg = NULL;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  return error_set (out, code, path, msg);
}

int
spacer_error_code (const spacer_error *e)
{
  return e ? e->code : 0;
}

const char *
spacer_error_message (const spacer_error *e)
{
  return e ? e->message : NULL;
}

const char *
spacer_error_path (const spacer_error *e)
{
  return e ? e->path : NULL;
}

void
spacer_error_free (spacer_error *e)
{
  if (e == NULL || e == &out_of_memory)
    return;
  free (e->message);
  free (e->path);
  free (e);
}

void
spacer_free (void *p)
{
  free (p);
}

void
spacer_strv_free (char **v)
{
  spc_strvfreep (&v);
}

/* ---- options ---- */

int
api_read_options (void *into, size_t into_size, const void *opts, size_t opts_size,
                  const char *what, spacer_error **err)
{
  if (opts == NULL)
    return 0;
  if (opts_size < sizeof (size_t))
    return api_error_new (err, EINVAL, NULL, "%s: size %zu is too small", what, opts_size);
  for (size_t i = into_size; i < opts_size; i++)
    if (((const unsigned char *) opts)[i] != 0)
      return api_error_new (err, E2BIG, NULL,
                            "%s: set members this libspacer (%s) does not know", what,
                            PACKAGE_VERSION);
  memcpy (into, opts, opts_size < into_size ? opts_size : into_size);
  return 0;
}

/* ---- the log ---- */

static void
to_callback (void *data, enum spc_log_level level, const char *msg)
{
  const spacer_context *ctx = data;
  /* The levels of spacer.h and log.h are the same numbers. */
  ctx->log (ctx->log_data, (enum spacer_log_level) level, msg);
}

void
api_log_begin (const spacer_context *ctx, struct spc_log_sink *saved)
{
  if (ctx && ctx->log)
    spc_log_set_sink (to_callback, (void *) ctx, (enum spc_log_level) ctx->log_level, saved);
  else
    spc_log_set_sink (NULL, NULL, SPC_LOG_ERROR, saved);
}

void
api_log_end (struct spc_log_sink *saved)
{
  spc_log_restore_sink (saved);
}

/* ---- contexts ---- */

void
spacer_context_close (spacer_context *ctx)
{
  if (ctx == NULL)
    return;
  free (ctx->root);
  free (ctx->binary);
  free (ctx);
}

static int
absolute (const char *path, char **out)
{
  if (path[0] == '/')
    return (*out = strdup (path)) ? 0 : -1;
  _cleanup_free_ char *cwd = getcwd (NULL, 0);
  return cwd && asprintf (out, "%s/%s", cwd, path) >= 0 ? 0 : -1;
}

int
spacer_context_open (const struct spacer_context_options *opts, spacer_context **out,
                     spacer_error **err)
{
  struct spacer_context_options o = { .size = sizeof o, .log_level = SPACER_LOG_WARNING };
  if (api_read_options (&o, sizeof o, opts, opts ? opts->size : 0, "spacer_context_options",
                        err)
      < 0)
    return -1;
  spacer_context *ctx = calloc (1, sizeof *ctx);
  if (ctx == NULL)
    return api_error_new (err, ENOMEM, NULL, "out of memory");
  ctx->log = o.log;
  ctx->log_data = o.log_data;
  ctx->log_level = o.log_level;
  API_LOG_SCOPE (ctx);

  /* Absolute both: the caller may change its cwd between calls. */
  const char *binary = o.binary ? o.binary : getenv ("SPACER_BINARY");
  if (absolute (o.root ? o.root : SPACER_DEFAULT_ROOT, &ctx->root) < 0
      || absolute (binary && *binary ? binary : SPACER_BINDIR "/spacer", &ctx->binary) < 0)
    {
      spacer_context_close (ctx);
      return api_error_new (err, ENOMEM, NULL, "out of memory");
    }
  spc_err_t e = NULL;
  int fd = spc_state_root_open (ctx->root, true, &e);
  if (fd < 0)
    {
      spacer_context_close (ctx);
      return api_error_take (&e, err);
    }
  close (fd);
  *out = ctx;
  return 0;
}

/* ---- configs ---- */

int
spacer_spec_default (unsigned flags, char **json, spacer_error **err)
{
  if (flags & ~(unsigned) SPACER_SPEC_ROOTLESS)
    return api_error_new (err, EINVAL, NULL, "spacer_spec_default: unknown flags %#x", flags);
  struct spc_spec_opts spec = { .rootless = flags & SPACER_SPEC_ROOTLESS,
                                .host_uid = getuid (),
                                .host_gid = getgid () };
  char *text = spc_spec_generate (&spec);
  if (text == NULL)
    return api_error_new (err, errno ? errno : ENOMEM, NULL, "generate the default config");
  *json = text;
  return 0;
}
