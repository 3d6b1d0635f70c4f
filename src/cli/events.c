#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spacer/container.h"

/* A Go-style duration as runc takes it: "5s", "500ms", "1m", "2" (s). */
static int
parse_duration_ms (const char *text, int *ms)
{
  char *end;
  errno = 0;
  double v = strtod (text, &end);
  if (errno || end == text || v <= 0)
    return -1;
  double scale = 1000;
  if (strcmp (end, "ms") == 0)
    scale = 1;
  else if (strcmp (end, "m") == 0)
    scale = 60000;
  else if (strcmp (end, "h") == 0)
    scale = 3600000;
  else if (*end && strcmp (end, "s") != 0)
    return -1;
  double total = v * scale;
  if (total < 1 || total > 86400000)
    return -1;
  *ms = (int) total;
  return 0;
}

int
spc_cmd_events (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  enum
  {
    OPT_STATS = 256,
    OPT_INTERVAL,
  };
  static const struct option opts[] = {
    { "stats", no_argument, NULL, OPT_STATS },
    { "interval", required_argument, NULL, OPT_INTERVAL },
    { 0 },
  };
  bool stats = false;
  int interval_ms = 5000, c;
  while ((c = spc_cli_getopt (argc, argv, "", opts, "events", err)) != -1)
    switch (c)
      {
      case OPT_STATS:
        stats = true;
        break;
      case OPT_INTERVAL:
        if (parse_duration_ms (optarg, &interval_ms) < 0)
          return spc_error_make (err, 0, "events: --interval: `%s` is not a duration (5s, 500ms)",
                                 optarg);
        break;
      default:
        return spc_cli_usage_error (err, "events");
      }
  const char *id;
  if (spc_cli_take_id (argc, argv, "events", &id, err) < 0)
    return -1;
  if (spc_container_events (g->root, id, stats, interval_ms, stdout, err) < 0)
    return -1;
  return EXIT_SUCCESS;
}
