#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "spacer/archive.h"
#include "spacer/image.h"

/* The progress line of one archive: its bytes read of its size, shown as
 * an image's one layer, at most every 0.1 s. */
struct unpack_progress
{
  struct spc_image_progress p;
  struct timespec start, last;
};

static double
since (const struct timespec *t)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (double) (now.tv_sec - t->tv_sec) + (double) (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
show_progress (void *data, uint64_t raw_bytes)
{
  struct unpack_progress *u = data;
  if (since (&u->last) < 0.1)
    return;
  clock_gettime (CLOCK_MONOTONIC, &u->last);
  u->p.bytes = raw_bytes;
  u->p.seconds = since (&u->start);
  spc_cli_show_progress (&u->p, NULL);
}

static void
end_progress (struct unpack_progress *u)
{
  u->p.bytes = u->p.total;
  u->p.layers_done = 1;
  u->p.seconds = since (&u->start);
  u->p.done = true;
  spc_cli_show_progress (&u->p, NULL);
}

int
spc_cmd_unpack (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  enum
  {
    OPT_MAX_SIZE = 256
  };
  static const struct option opts[] = {
    { "max-size", required_argument, NULL, OPT_MAX_SIZE },
    { "quiet", no_argument, NULL, 'q' },
    { 0 },
  };
  struct spc_archive_opts o = { 0 };
  bool quiet = false;
  int c;
  while ((c = spc_cli_getopt (argc, argv, "q", opts, "unpack", err)) != -1)
    switch (c)
      {
      case 'q':
        quiet = true;
        break;
      case OPT_MAX_SIZE:
        if (spc_cli_parse_max_size (optarg, &o.max_size, err) < 0)
          return spc_error_prefix (err, "unpack");
        break;
      default:
        return spc_cli_usage_error (err, "unpack");
      }
  if (argc - optind != 2)
    return spc_cli_usage_error (err, "unpack");
  const char *archive = argv[optind], *dest = argv[optind + 1];
  struct spc_archive_stats st = { 0 };
  struct unpack_progress progress = { .p.layers_total = 1 };
  struct stat sb;
  /* A size to show progress against: a file's, not stdin's. */
  if (!quiet && isatty (STDERR_FILENO) && strcmp (archive, "-") != 0 && stat (archive, &sb) == 0
      && S_ISREG (sb.st_mode))
    {
      progress.p.total = (uint64_t) sb.st_size;
      clock_gettime (CLOCK_MONOTONIC, &progress.start);
      o.progress = show_progress;
      o.progress_data = &progress;
    }
  spc_cli_cancel_on_signals ();
  if (spc_archive_extract (archive, dest, &o, &st, err) < 0)
    {
      if (o.progress)
        fputc ('\n', stderr);
      spc_cli_reraise_cancel ();
      return spc_error_prefix (err, "unpack");
    }
  if (o.progress)
    end_progress (&progress);
  if (st.devices_skipped)
    fprintf (stderr, "unpack: %llu device nodes left out: only root makes them\n",
             (unsigned long long) st.devices_skipped);
  (void) g;
  return EXIT_SUCCESS;
}
