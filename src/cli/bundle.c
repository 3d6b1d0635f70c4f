#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "spacer/archive.h"
#include "spacer/cleanup.h"
#include "spacer/image.h"
#include "spacer/path.h"
#include "spacer/spec.h"
#include "spacer/utils.h"

/* DIR/rootfs from the image, DIR/config.json from its process; both made
 * in a directory beside DIR and renamed into place together. */
static int
make_bundle (const char *source, const char *tmp, const struct spc_image_opts *io,
             spc_err_t *err)
{
  _cleanup_free_ char *rootfs = NULL;
  if (asprintf (&rootfs, "%s/rootfs", tmp) < 0)
    return spc_error_errno (err, "malloc");
  struct spc_image_process proc;
  if (spc_image_unpack (source, rootfs, io, &proc, err) < 0)
    return -1;
  struct spc_spec_opts o = {
    .rootless = geteuid () != 0,
    .host_uid = geteuid (),
    .host_gid = getegid (),
    .has_terminal = true,
    .terminal = false,
  };
  int ret = spc_image_spec_opts (&proc, rootfs, &o, err);
  _cleanup_free_ char *text = ret == 0 ? spc_spec_generate (&o) : NULL;
  spc_image_process_free (&proc);
  if (ret < 0)
    return -1;
  if (text == NULL)
    return spc_error_errno (err, "generate config.json");
  size_t len = strlen (text);
  text[len] = '\n';
  _cleanup_close_ int dirfd = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return spc_error_errno (err, "open `%s`", tmp);
  /* text had a NUL at len: reuse it for the newline, write len + 1. */
  return spc_write_file_atomic_at (dirfd, "config.json", text, len + 1, 0644, err);
}

int
spc_cmd_bundle (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  enum
  {
    OPT_TAG = 256,
    OPT_MAX_SIZE,
  };
  static const struct option opts[] = {
    { "tag", required_argument, NULL, OPT_TAG },
    { "max-size", required_argument, NULL, OPT_MAX_SIZE },
    { "quiet", no_argument, NULL, 'q' },
    { 0 },
  };
  struct spc_image_opts io = { 0 };
  bool quiet = false;
  int c;
  while ((c = spc_cli_getopt (argc, argv, "q", opts, "bundle", err)) != -1)
    switch (c)
      {
      case OPT_TAG:
        io.tag = optarg;
        break;
      case OPT_MAX_SIZE:
        if (spc_cli_parse_max_size (optarg, &io.max_size, err) < 0)
          return spc_error_prefix (err, "bundle");
        break;
      case 'q':
        quiet = true;
        break;
      default:
        return spc_cli_usage_error (err, "bundle");
      }
  if (argc - optind != 2)
    return spc_cli_usage_error (err, "bundle");
  const char *source = argv[optind], *dir = argv[optind + 1];
  if (!quiet && isatty (STDERR_FILENO))
    io.progress = spc_cli_show_progress;

  if (spc_archive_check_dest (dir, err) < 0)
    return spc_error_prefix (err, "bundle");
  _cleanup_free_ char *tmp = NULL;
  if (spc_archive_tmpdir (dir, &tmp, err) < 0)
    return spc_error_prefix (err, "bundle");
  /* Built through the fd: by path, the rootfs and config.json would go
   * wherever a symlink put in tmp's place by whoever can write to DIR's
   * parent leads. */
  _cleanup_close_ int tmpfd = spc_archive_open_tmpdir (tmp, err);
  char tmp_fd_path[SPC_FD_PATH_MAX];
  spc_cli_cancel_on_signals ();
  if (tmpfd < 0 || make_bundle (source, spc_fd_path (tmpfd, tmp_fd_path), &io, err) < 0
      || (fchmod (tmpfd, 0755) < 0 && spc_error_errno (err, "chmod `%s`", tmp) < 0)
      || spc_archive_commit (tmp, dir, err) < 0)
    {
      spc_archive_discard (tmp);
      spc_cli_reraise_cancel ();
      return spc_error_prefix (err, "bundle");
    }
  (void) g;
  return EXIT_SUCCESS;
}
