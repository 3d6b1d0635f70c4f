/* What the commands that extract share (bundle, unpack, launch --image):
 * cancelling on a signal, --max-size, and the progress line. */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "spacer/archive.h"
#include "spacer/image.h"
#include "spacer/utils.h"

static void
on_cancel (int sig)
{
  spc_archive_cancel = sig;
}

void
spc_cli_cancel_on_signals (void)
{
  /* No SA_RESTART: a read blocked on a slow pipe returns EINTR at once. */
  struct sigaction sa = { .sa_handler = on_cancel };
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

void
spc_cli_reraise_cancel (void)
{
  int sig = spc_archive_cancel;
  if (sig == 0)
    return;
  /* The partial tree is gone: die of the signal, as the caller expects. */
  signal (sig, SIG_DFL);
  raise (sig);
}

int
spc_cli_parse_max_size (const char *text, uint64_t *out, spc_err_t *err)
{
  if (spc_parse_size (text, out) < 0)
    return spc_error_make (err, 0, "--max-size `%s`: a size in bytes (K, M, G, T suffixes)",
                           text);
  return 0;
}

void
spc_cli_show_progress (const struct spc_image_progress *p, void *data)
{
  (void) data;
  const double mib = 1048576.0;
  fprintf (stderr, "\r\033[Klayers %" PRIu64 "/%" PRIu64 "  %.1f/%.1f MiB  %.1f MiB/s",
           p->layers_done, p->layers_total, (double) p->bytes / mib, (double) p->total / mib,
           p->seconds > 0 ? (double) p->bytes / mib / p->seconds : 0.0);
  if (p->done)
    fputc ('\n', stderr);
}
