/* The cost of spacer_exec() of /bin/true (until waited for) against
 * `spacer exec ID /bin/true` run from a shell, N times each, in one
 * running busybox container.
 *   cc bench/api-exec.c $(pkg-config --cflags --libs spacer) -o api-exec
 *   SPACER_BINARY=build/spacer ./api-exec ROOTFS [N]        (as root) */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spacer/spacer.h>

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static char *
replace (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);
  char *out = NULL;
  if (at == NULL
      || asprintf (&out, "%.*s%s%s", (int) (at - text), text, to, at + strlen (from)) < 0)
    exit (1);
  return out;
}

static void
die (const char *what, spacer_error *err)
{
  fprintf (stderr, "%s: %s\n", what, err ? spacer_error_message (err) : "failed");
  exit (1);
}

int
main (int argc, char **argv)
{
  if (argc < 2 || getenv ("SPACER_BINARY") == NULL)
    {
      fprintf (stderr, "usage: SPACER_BINARY=SPACER api-exec ROOTFS [N]\n");
      return 2;
    }
  int n = argc > 2 ? atoi (argv[2]) : 50;
  char root[] = "/tmp/spacer-bench-XXXXXX";
  if (mkdtemp (root) == NULL)
    return 1;
  spacer_error *err = NULL;
  struct spacer_context_options co = { .size = sizeof co, .root = root };
  spacer_context *ctx;
  if (spacer_context_open (&co, &ctx, &err) < 0)
    die ("open", err);
  char *spec, *path, *a, *b, *config;
  if (spacer_spec_default (0, &spec, &err) < 0)
    die ("spec", err);
  if (asprintf (&path, "\"path\": \"%s\"", argv[1]) < 0)
    return 1;
  a = replace (spec, "\"path\": \"rootfs\"", path);
  b = replace (a, "\"terminal\": true", "\"terminal\": false");
  config = replace (b, "\"args\": [\n      \"sh\"\n    ]", "\"args\": [\"sleep\", \"1000\"]");
  struct spacer_create_options o = {
    .size = sizeof o, .config = config, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
  };
  if (spacer_create (ctx, "bench", &o, &err) < 0 || spacer_start (ctx, "bench", &err) < 0)
    die ("create", err);

  const char *args[] = { "/bin/true", NULL };
  struct spacer_exec_options e = {
    .size = sizeof e, .args = args, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
  };
  double t0 = now ();
  for (int i = 0; i < n; i++)
    {
      spacer_process *p;
      int code;
      if (spacer_exec (ctx, "bench", &e, &p, &err) < 0
          || spacer_process_wait (p, 0, &code, &err) < 0)
        die ("exec", err);
      if (code != 0)
        die ("exec: /bin/true failed", NULL);
      spacer_process_free (p);
    }
  double api = (now () - t0) / n;

  char *loop;
  if (asprintf (&loop, "for i in $(seq %d); do \"$SPACER_BINARY\" --root %s exec bench /bin/true "
                       "|| exit 1; done", n, root) < 0)
    return 1;
  t0 = now ();
  if (system (loop) != 0)
    die ("spacer exec from a shell", NULL);
  double shell = (now () - t0) / n;

  printf ("%d execs of /bin/true each\n", n);
  printf ("spacer_exec + wait:          %.2f ms\n", api * 1e3);
  printf ("spacer exec from a shell:    %.2f ms\n", shell * 1e3);
  printf ("ratio (API / shell):         %.2fx\n", api / shell);

  spacer_delete (ctx, "bench", SPACER_DELETE_FORCE, NULL);
  spacer_context_close (ctx);
  char *rm;
  if (asprintf (&rm, "rm -rf %s", root) >= 0)
    (void) !system (rm);
  return 0;
}
