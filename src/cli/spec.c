#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/spec.h"
#include "spacer/utils.h"

int
spc_cmd_spec (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  enum
  {
    OPT_ROOTLESS = 256
  };
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, OPT_ROOTLESS },
    { 0 },
  };
  const char *bundle = ".";
  bool rootless = false;
  int c;
  while ((c = spc_cli_getopt (argc, argv, "b:", opts, "spec", err)) != -1)
    switch (c)
      {
      case 'b':
        bundle = optarg;
        break;
      case OPT_ROOTLESS:
        rootless = true;
        break;
      default:
        return spc_cli_usage_error (err, "spec");
      }
  if (optind != argc)
    return spc_cli_usage_error (err, "spec");

  _cleanup_close_ int dirfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return spc_error_errno (err, "spec: bundle `%s`", bundle);
  /* Like runc, never overwrite a config someone may have edited. */
  if (faccessat (dirfd, "config.json", F_OK, 0) == 0)
    return spc_error_make (err, 0, "spec: %s/config.json already exists", bundle);

  struct spc_spec_opts spec = { .rootless = rootless, .host_uid = getuid (), .host_gid = getgid () };
  _cleanup_free_ char *text = spc_spec_generate (&spec);
  if (text == NULL)
    return spc_error_errno (err, "spec: generate default config");
  size_t len = strlen (text);
  _cleanup_free_ char *with_newline = malloc (len + 2);
  if (with_newline == NULL)
    return spc_error_errno (err, "malloc");
  memcpy (with_newline, text, len);
  with_newline[len] = '\n';
  with_newline[len + 1] = '\0';
  if (spc_write_file_atomic_at (dirfd, "config.json", with_newline, len + 1, 0644, err) < 0)
    return spc_error_prefix (err, "spec");
  (void) g;
  return EXIT_SUCCESS;
}
