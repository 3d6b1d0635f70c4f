/* Embedding spacer in C: a container from spacer's default config, made
 * in memory, and `echo` run in it with its output read from a pipe.
 *   cc embed.c $(pkg-config --cflags --libs spacer) -o embed
 *   ./embed ROOTFS [STATE_ROOT]        (as root) */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spacer/spacer.h>

/* text with `from` replaced by `to`, once (the caller frees). */
static char *
replace (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);
  char *out = NULL;
  if (at == NULL
      || asprintf (&out, "%.*s%s%s", (int) (at - text), text, to, at + strlen (from)) < 0)
    return NULL;
  return out;
}

static void
on_log (void *data, enum spacer_log_level level, const char *msg)
{
  (void) data;
  fprintf (stderr, "spacer %s: %s\n", level == SPACER_LOG_ERROR ? "error" : "warning", msg);
}

static int
fail (const char *what, spacer_error *err)
{
  fprintf (stderr, "%s: %s\n", what, spacer_error_message (err));
  spacer_error_free (err);
  return 1;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: embed ROOTFS [STATE_ROOT]\n");
      return 2;
    }
  spacer_error *err = NULL;
  struct spacer_context_options co = {
    .size = sizeof co, .root = argc > 2 ? argv[2] : NULL, .log = on_log,
  };
  spacer_context *ctx;
  if (spacer_context_open (&co, &ctx, &err) < 0)
    return fail ("open", err);

  /* The config: `spacer spec`'s, with our rootfs, no terminal, and an
   * init that waits for us. */
  char *spec, *root, *a, *b, *config;
  if (spacer_spec_default (0, &spec, &err) < 0)
    return fail ("spec", err);
  if (asprintf (&root, "\"path\": \"%s\"", argv[1]) < 0)
    return 1;
  a = replace (spec, "\"path\": \"rootfs\"", root);
  b = a ? replace (a, "\"terminal\": true", "\"terminal\": false") : NULL;
  config = b ? replace (b, "\"args\": [\n      \"sh\"\n    ]", "\"args\": [\"sleep\", \"1000\"]")
             : NULL;
  spacer_free (spec);
  free (root);
  free (a);
  free (b);
  if (config == NULL)
    return 1;

  struct spacer_create_options o = {
    .size = sizeof o, .config = config, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
  };
  if (spacer_create (ctx, "embedded", &o, &err) < 0)
    return fail ("create", err);
  free (config);
  if (spacer_start (ctx, "embedded", &err) < 0)
    return fail ("start", err);

  int out[2];
  if (pipe (out) < 0)
    return 1;
  const char *args[] = { "echo", "hello from", "the container", NULL };
  struct spacer_exec_options e = {
    .size = sizeof e, .args = args, .stdin_fd = -1, .stdout_fd = out[1], .stderr_fd = -1,
  };
  spacer_process *p;
  if (spacer_exec (ctx, "embedded", &e, &p, &err) < 0)
    return fail ("exec", err);
  close (out[1]);
  char buf[256];
  ssize_t n = read (out[0], buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = '\0';
  int status;
  if (spacer_process_wait (p, 0, &status, &err) < 0)
    return fail ("wait", err);
  spacer_process_free (p);
  printf ("echo said: %s", buf);
  printf ("echo exited with %d\n", status);

  if (spacer_kill (ctx, "embedded", SIGKILL, SPACER_KILL_ALL, &err) < 0
      || spacer_delete (ctx, "embedded", SPACER_DELETE_FORCE, &err) < 0)
    return fail ("kill/delete", err);
  spacer_context_close (ctx);
  return 0;
}
