#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/json.h"
#include "spacer/validate.h"

static const char *
severity_name (enum spc_diag_severity s)
{
  return s == SPC_DIAG_ERROR ? "error" : "warning";
}

/* gcc's shape, which editors and CI annotators already parse:
 * FILE:LINE:COLUMN: error: PATH: message (no PATH for the document). */
static void
print_text (const char *file, const struct spc_diags *d)
{
  for (size_t i = 0; i < d->len; i++)
    {
      const struct spc_diag *x = &d->items[i];
      printf ("%s:%zu:%zu: %s: %s%s%s\n", file, x->line, x->column, severity_name (x->severity),
              x->path, x->path[0] ? ": " : "", x->message);
    }
}

static void
print_json (const char *file, const struct spc_diags *d)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_array (w);
  for (size_t i = 0; i < d->len; i++)
    {
      const struct spc_diag *x = &d->items[i];
      spc_jw_begin_object (w);
      spc_jw_key (w, "file");
      spc_jw_string (w, file);
      spc_jw_key (w, "line");
      spc_jw_uint (w, x->line);
      spc_jw_key (w, "column");
      spc_jw_uint (w, x->column);
      spc_jw_key (w, "path");
      spc_jw_string (w, x->path);
      spc_jw_key (w, "severity");
      spc_jw_string (w, severity_name (x->severity));
      spc_jw_key (w, "message");
      spc_jw_string (w, x->message);
      spc_jw_end_object (w);
    }
  spc_jw_end_array (w);
  printf ("%s\n", spc_jw_buffer (w, NULL));
}

int
spc_cmd_validate (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "strict", no_argument, NULL, 's' },
    { 0 },
  };
  const char *format = "text";
  bool strict = false;
  int c;
  while ((c = spc_cli_getopt (argc, argv, "f:", opts, "validate", err)) != -1)
    switch (c)
      {
      case 'f':
        format = optarg;
        break;
      case 's':
        strict = true;
        break;
      default:
        return spc_cli_usage_error (err, "validate");
      }
  if (argc - optind > 1 || (strcmp (format, "text") != 0 && strcmp (format, "json") != 0))
    return spc_cli_usage_error (err, "validate");
  const char *path = optind < argc ? argv[optind] : ".";

  /* A directory is a bundle: its config.json, and its rootfs if there. */
  struct stat st;
  _cleanup_free_ char *file = NULL;
  _cleanup_close_ int bundlefd = -1;
  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
    {
      bundlefd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (bundlefd < 0)
        return spc_error_errno (err, "validate: %s", path);
      if (strcmp (path, ".") == 0)
        file = strdup ("config.json");
      else if (asprintf (&file, "%s%sconfig.json", path,
                         path[strlen (path) - 1] == '/' ? "" : "/")
               < 0)
        file = NULL;
    }
  else
    file = strdup (path);
  if (file == NULL)
    return spc_error_make (err, ENOMEM, "validate");

  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (spc_config_read_file (file, file, &buf, &len, err) < 0)
    return spc_error_prefix (err, "validate");

  struct spc_diags diags = { 0 };
  const struct spc_validate_options o = { .display_name = file, .rootfs_dirfd = bundlefd };
  if (spc_validate_buffer (buf, len, &o, &diags, err) < 0)
    {
      spc_diags_free (&diags);
      return spc_error_prefix (err, "validate");
    }
  if (strcmp (format, "json") == 0)
    print_json (file, &diags);
  else
    print_text (file, &diags);
  bool failed = spc_diags_count (&diags, SPC_DIAG_ERROR) > 0
                || (strict && spc_diags_count (&diags, SPC_DIAG_WARNING) > 0);
  spc_diags_free (&diags);
  (void) g;
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
