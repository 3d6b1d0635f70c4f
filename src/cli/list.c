#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/container.h"
#include "spacer/json.h"

static void
print_table (const struct spc_container_info *list, size_t n)
{
  /* Column widths from the data, like runc's tabwriter output. */
  int wid = 2, wbundle = 6;
  for (size_t i = 0; i < n; i++)
    {
      int l = (int) strlen (list[i].state.id);
      wid = l > wid ? l : wid;
      l = (int) strlen (list[i].state.bundle);
      wbundle = l > wbundle ? l : wbundle;
    }
  printf ("%-*s   %-8s %-10s %-*s   %-30s   %s\n", wid, "ID", "PID", "STATUS", wbundle, "BUNDLE",
          "CREATED", "OWNER");
  for (size_t i = 0; i < n; i++)
    {
      const struct spc_state *s = &list[i].state;
      char owner[256];
      int pid = list[i].status == SPC_STATUS_STOPPED ? 0 : s->pid;
      printf ("%-*s   %-8d %-10s %-*s   %-30s   %s\n", wid, s->id, pid,
              spc_status_name (list[i].status), wbundle, s->bundle, s->created,
              spc_state_owner_name (s->owner, owner, sizeof owner));
    }
}

static void
print_json (const struct spc_container_info *list, size_t n)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_array (w);
  for (size_t i = 0; i < n; i++)
    {
      spc_jw_begin_object (w);
      spc_state_write_runtime_members (w, &list[i].state, list[i].status);
      spc_jw_end_object (w);
    }
  spc_jw_end_array (w);
  printf ("%s\n", spc_jw_buffer (w, NULL));
}

int
spc_cmd_list (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { 0 },
  };
  const char *format = "table";
  bool quiet = false;
  int c;
  while ((c = spc_cli_getopt (argc, argv, "f:q", opts, "list", err)) != -1)
    switch (c)
      {
      case 'f':
        format = optarg;
        break;
      case 'q':
        quiet = true;
        break;
      default:
        return spc_cli_usage_error (err, "list");
      }
  if (optind != argc)
    return spc_cli_usage_error (err, "list");
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return spc_error_make (err, 0, "list: --format: unknown format `%s` (table or json)", format);

  struct spc_container_info *list;
  size_t n;
  if (spc_container_list (g->root, &list, &n, err) < 0)
    return -1;
  if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", list[i].state.id);
  else if (strcmp (format, "json") == 0)
    print_json (list, n);
  else
    print_table (list, n);
  spc_container_list_free (list, n);
  return EXIT_SUCCESS;
}
