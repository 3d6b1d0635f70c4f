/* The one-shot run's options turned into a config (spacer/launch.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/launch.h"
#include "spacer/log.h"
#include "spacer/path.h"
#include "spacer/rootfs-user.h"
#include "spacer/utils.h"

/* ---- flag values ---- */

int
spc_launch_parse_cpus (const char *text, int64_t *quota, uint64_t *period, spc_err_t *err)
{
  /* Fixed point, in the period's microseconds: no rounding of a binary
   * fraction makes 0.3 CPUs anything but 30000 per 100000. */
  enum { PERIOD = 100000, DECIMALS = 5, MAX_CPUS = 1 << 20 };
  const char *p = text;
  int64_t whole = 0, frac = 0, scale = PERIOD;
  if (*p < '0' || *p > '9')
    goto bad;
  for (; *p >= '0' && *p <= '9'; p++)
    if ((whole = whole * 10 + (*p - '0')) > MAX_CPUS)
      return spc_error_make (err, 0, "`%s` CPUs: more than %d", text, MAX_CPUS);
  if (*p == '.')
    {
      int n = 0;
      for (p++; *p >= '0' && *p <= '9'; p++, n++)
        {
          if (n == DECIMALS)
            return spc_error_make (err, 0, "`%s` CPUs: more than %d decimals", text, DECIMALS);
          scale /= 10;
          frac += (*p - '0') * scale;
        }
      if (n == 0)
        goto bad;
    }
  if (*p != '\0')
    goto bad;
  *quota = whole * PERIOD + frac;
  *period = PERIOD;
  if (*quota < 1000)
    return spc_error_make (err, 0, "`%s` CPUs: less than 0.01 (the kernel's smallest quota, "
                                   "1 ms in 100 ms)", text);
  return 0;
bad:
  return spc_error_make (err, 0, "`%s` is not a number of CPUs (like 2 or 0.5)", text);
}

int
spc_launch_parse_volume (const char *text, char **source, char **destination, bool *readonly,
                         spc_err_t *err)
{
  _cleanup_free_ char *copy = strdup (text);
  if (copy == NULL)
    return spc_error_errno (err, "strdup");
  *readonly = false;
  /* From the right: the source is the one part that may hold a colon. */
  char *colon = strrchr (copy, ':');
  if (colon && (strcmp (colon + 1, "ro") == 0 || strcmp (colon + 1, "rw") == 0))
    {
      *readonly = colon[2] == 'o';
      *colon = '\0';
      colon = strrchr (copy, ':');
    }
  if (colon == NULL || colon == copy || colon[1] == '\0')
    return spc_error_make (err, 0, "`%s`: want SRC:DST[:ro|:rw]", text);
  *colon = '\0';
  const char *dst = colon + 1;
  if (dst[0] != '/' || dst[strspn (dst, "/")] == '\0')
    return spc_error_make (err, 0, "`%s`: the destination must be an absolute path below /",
                           text);
  _cleanup_free_ char *src = realpath (copy, NULL);
  if (src == NULL)
    return spc_error_errno (err, "`%s`: source `%s`", text, copy);
  if ((*destination = strdup (dst)) == NULL)
    return spc_error_errno (err, "strdup");
  *source = steal_pointer (&src);
  return 0;
}

int
spc_launch_parse_env (const char *text, char **entry, spc_err_t *err)
{
  size_t key = strcspn (text, "=");
  *entry = NULL;
  if (key == 0)
    return spc_error_make (err, 0, "`%s`: want KEY=VALUE or KEY", text);
  if (text[key] == '=')
    {
      *entry = strdup (text);
      return *entry ? 0 : spc_error_errno (err, "strdup");
    }
  const char *value = getenv (text);
  if (value && asprintf (entry, "%s=%s", text, value) < 0)
    {
      *entry = NULL;
      return spc_error_errno (err, "asprintf");
    }
  return 0;
}

int
spc_launch_new_id (char id[32], spc_err_t *err)
{
  unsigned char bytes[6];
  if (getrandom (bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes)
    return spc_error_errno (err, "getrandom");
  snprintf (id, 32, "launch-%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3],
            bytes[4], bytes[5]);
  return 0;
}

/* ---- the launch ---- */

/* The launch's own directory: new, private (0700), below $TMPDIR. */
static int
make_dir (struct spc_launch *l, spc_err_t *err)
{
  if (l->dir)
    return 0;
  const char *tmpdir = getenv ("TMPDIR");
  /* /var/tmp, not /tmp: an image may well not fit a tmpfs. */
  _cleanup_free_ char *dir = NULL;
  if (asprintf (&dir, "%s/spacer-launch-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/var/tmp") < 0)
    {
      dir = NULL;
      return spc_error_errno (err, "asprintf");
    }
  if (mkdtemp (dir) == NULL)
    return spc_error_errno (err, "make a directory (`%s`)", dir);
  l->dir = realpath (dir, NULL);
  if (l->dir == NULL)
    {
      spc_error_errno (err, "`%s`", dir);
      rmdir (dir);
      return -1;
    }
  return 0;
}

/* The image unpacked into DIR/rootfs. */
static int
prepare_image (const struct spc_launch_opts *o, struct spc_launch *l, spc_err_t *err)
{
  _cleanup_free_ char *rootfs = NULL;
  struct spc_image_opts io = { .tag = o->tag, .progress = o->progress };
  if (make_dir (l, err) < 0)
    return spc_error_prefix (err, "image `%s`", o->image);
  if (asprintf (&rootfs, "%s/rootfs", l->dir) < 0)
    {
      rootfs = NULL;
      spc_error_errno (err, "asprintf");
    }
  else if (spc_image_unpack (o->image, rootfs, &io, &l->image, err) == 0)
    {
      l->from_image = true;
      if (spc_image_spec_opts (&l->image, rootfs, &l->image_spec, err) == 0
          && (l->rootfs = realpath (rootfs, NULL)) == NULL)
        spc_error_errno (err, "`%s`", rootfs);
    }
  if (l->rootfs == NULL)
    {
      spc_error_prefix (err, "image `%s`", o->image);
      spc_launch_release (l);
      return -1;
    }
  return 0;
}

int
spc_launch_prepare (const struct spc_launch_opts *o, struct spc_launch *l, spc_err_t *err)
{
  *l = (struct spc_launch){ 0 };
  if (o->image)
    return prepare_image (o, l, err);
  l->rootfs = realpath (o->rootfs, NULL);
  struct stat st;
  if (l->rootfs == NULL)
    return spc_error_errno (err, "rootfs `%s`", o->rootfs);
  if (stat (l->rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      spc_launch_release (l);
      return spc_error_make (err, 0, "rootfs `%s`: not a directory", o->rootfs);
    }
  return 0;
}

int
spc_launch_bundle (struct spc_launch *l, const char *config, spc_err_t *err)
{
  if (make_dir (l, err) < 0)
    return -1;
  _cleanup_close_ int dirfd = open (l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return spc_error_errno (err, "open `%s`", l->dir);
  size_t len = strlen (config);
  _cleanup_free_ char *text = malloc (len + 2);
  if (text == NULL)
    return spc_error_errno (err, "malloc");
  memcpy (text, config, len);
  memcpy (text + len, "\n", 2);
  if (spc_write_file_atomic_at (dirfd, "config.json", text, len + 1, 0600, err) < 0)
    return spc_error_prefix (err, "`%s`", l->dir);
  return 0;
}

/* a then b, as one NULL-terminated vector of copies. */
static char **
strv_concat (const char *const *a, const char *const *b)
{
  size_t n = 0;
  for (const char *const *p = a; p && *p; p++)
    n++;
  for (const char *const *p = b; p && *p; p++)
    n++;
  char **v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    return NULL;
  size_t i = 0;
  for (const char *const *p = a; p && *p; p++)
    if ((v[i++] = strdup (*p)) == NULL)
      goto fail;
  for (const char *const *p = b; p && *p; p++)
    if ((v[i++] = strdup (*p)) == NULL)
      goto fail;
  return v;
fail:
  spc_strvfreep (&v);
  return NULL;
}

/* The "K=V" in `over` whose key is entry's. */
static bool
overridden (const char *entry, const char *const *over)
{
  size_t n = strcspn (entry, "=");
  for (; over && *over; over++)
    if (strncmp (*over, entry, n) == 0 && ((*over)[n] == '=' || (*over)[n] == '\0'))
      return true;
  return false;
}

/* base's variables that over does not set, then over's. */
static char **
env_merge (const char *const *base, const char *const *over)
{
  size_t n = 0;
  for (const char *const *p = base; p && *p; p++)
    n++;
  _cleanup_free_ const char **kept = calloc (n + 1, sizeof *kept);
  if (kept == NULL)
    return NULL;
  size_t k = 0;
  for (const char *const *p = base; p && *p; p++)
    if (!overridden (*p, over))
      kept[k++] = *p;
  return strv_concat (kept, over);
}

int
spc_launch_config (const struct spc_launch_opts *o, struct spc_launch *l, bool for_print,
                   char **text, spc_err_t *err)
{
  struct spc_spec_opts spec = o->spec;
  const struct spc_spec_opts *image = l->from_image ? &l->image_spec : NULL;
  spec.root_path = l->from_image && for_print ? "rootfs" : l->rootfs;
  if (image)
    {
      /* As docker: a command replaces the image's Cmd, after its
       * Entrypoint; variables given are set over the image's. */
      if (o->spec.args)
        {
          spc_strvfreep (&l->args);
          if ((l->args = strv_concat ((const char *const *) l->image.entrypoint, o->spec.args))
              == NULL)
            return spc_error_errno (err, "malloc");
          spec.args = (const char *const *) l->args;
        }
      else
        spec.args = image->args;
      spc_strvfreep (&l->env);
      if ((l->env = env_merge (image->env, o->spec.env)) == NULL)
        return spc_error_errno (err, "malloc");
      spec.env = (const char *const *) l->env;
      if (spec.cwd == NULL)
        spec.cwd = image->cwd;
      spec.has_user = image->has_user;
      spec.uid = image->uid;
      spec.gid = image->gid;
      if (spec.n_annotations == 0)
        {
          spec.annotations = image->annotations;
          spec.n_annotations = image->n_annotations;
        }
    }
  if (o->user)
    {
      spec.has_user = true;
      if (spc_rootfs_resolve_user (l->rootfs, o->user, &spec.uid, &spec.gid, err) < 0)
        return -1;
    }
  *text = spc_spec_generate (&spec);
  return *text ? 0 : spc_error_errno (err, "generate the config");
}

void
spc_launch_release (struct spc_launch *l)
{
  if (l->dir)
    {
      spc_err_t err = NULL;
      if (spc_rm_rf_at (AT_FDCWD, l->dir, &err) < 0)
        spc_warn ("%s", err->msg);
      spc_error_free (&err);
    }
  if (l->from_image)
    spc_image_process_free (&l->image);
  free (l->rootfs);
  free (l->dir);
  spc_strvfreep (&l->args);
  spc_strvfreep (&l->env);
  *l = (struct spc_launch){ 0 };
}
