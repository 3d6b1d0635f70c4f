/* Images to root filesystems: an OCI image layout (a directory, or a
 * tarball of one), a `docker save` archive, or a plain rootfs tarball, told
 * apart by what they hold, never by their names.
 *
 * Everything in an image is untrusted until its digest says otherwise: a
 * manifest or config blob is read whole and hashed before it is parsed; a
 * layer is hashed while it is extracted (it can be gigabytes) and a
 * mismatch at its end fails the whole unpack, whose tree is then removed:
 * it was built in a directory beside the target and is renamed into
 * place only when every digest matched. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "spacer/archive.h"
#include "spacer/cleanup.h"
#include "spacer/image.h"
#include "spacer/json.h"
#include "spacer/path.h"
#include "spacer/sha256.h"
#include "spacer/utils.h"

/* Manifests, indexes and configs are small; anything bigger is not one.
 * Registries refuse manifests over 4 MiB; parsed, such a document takes
 * some sixty times its size in memory. */
#define MAX_JSON_BLOB (4 * 1024 * 1024)

/* Names of images listed in an error (the rest counted): a hostile
 * index can have millions, and an error is one line. */
#define MAX_LISTED 16

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

/* A file of the image, below its directory (symlinks followed inside it),
 * opened for reading; it must be a regular file. */
static int
open_image_file (int dirfd, const char *path, struct stat *st, spc_err_t *err)
{
  _cleanup_close_ int pfd = spc_root_open (dirfd, path, SPC_PATH_NO_CREATE, err);
  if (pfd < 0)
    return -1;
  /* Checked before it is opened: an image made by root can hold device
   * nodes (in a tarball of a layout, as a blob), and opening some has an
   * effect of its own (a watchdog's arms a reboot, a tape's rewinds). */
  if (fstat (pfd, st) < 0)
    return spc_error_errno (err, "stat `%s`", path);
  if (!S_ISREG (st->st_mode))
    return spc_error_make (err, EINVAL, "`%s` is not a regular file", path);
  char proc[SPC_FD_PATH_MAX];
  int fd = open (spc_fd_path (pfd, proc), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", path);
  if (fstat (fd, st) < 0 || !S_ISREG (st->st_mode))
    {
      int e = errno;
      close (fd);
      return spc_error_make (err, S_ISREG (st->st_mode) ? e : EINVAL,
                             "`%s` is not a regular file", path);
    }
  return fd;
}

static int
read_small (int fd, const char *path, size_t max, char **out, size_t *len, spc_err_t *err)
{
  size_t cap = 4096, n = 0;
  _cleanup_free_ char *buf = malloc (cap + 1);
  if (buf == NULL)
    return spc_error_errno (err, "malloc");
  for (;;)
    {
      if (n == cap)
        {
          if (cap >= max)
            return spc_error_make (err, EFBIG, "`%s`: larger than %zu bytes", path, max);
          cap *= 2;
          char *nb = realloc (buf, cap + 1);
          if (nb == NULL)
            return spc_error_errno (err, "malloc");
          buf = nb;
        }
      ssize_t r = read (fd, buf + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return spc_error_errno (err, "read `%s`", path);
      if (r == 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  *out = steal_pointer (&buf);
  *len = n;
  return 0;
}

static int
read_json_file (int dirfd, const char *path, spc_json **out, uint8_t digest[SPC_SHA256_SIZE],
                spc_err_t *err)
{
  struct stat st;
  _cleanup_close_ int fd = open_image_file (dirfd, path, &st, err);
  if (fd < 0)
    return -1;
  _cleanup_free_ char *buf = NULL;
  size_t len;
  if (read_small (fd, path, MAX_JSON_BLOB, &buf, &len, err) < 0)
    return -1;
  if (digest)
    {
      struct spc_sha256 s;
      spc_sha256_init (&s);
      spc_sha256_update (&s, buf, len);
      spc_sha256_final (&s, digest);
    }
  if (spc_json_parse (buf, len, out, err) < 0)
    return spc_error_prefix (err, "`%s`", path);
  return 0;
}

/* "sha256:<64 lowercase hex>" -> the hex part; NULL otherwise. */
static const char *
digest_hex (const char *digest)
{
  if (digest == NULL || strncmp (digest, "sha256:", 7) != 0)
    return NULL;
  const char *hex = digest + 7;
  if (strlen (hex) != 64 || strspn (hex, "0123456789abcdef") != 64)
    return NULL;
  return hex;
}

static const char *
json_str (const spc_json *obj, const char *key)
{
  spc_json *v = spc_json_get (obj, key);
  return v && v->type == SPC_JSON_STRING ? v->u.string.str : NULL;
}

/* A descriptor's digest and size, checked for form. */
struct desc
{
  const char *media_type;
  const char *digest;
  const char *hex;
  uint64_t size;
};

static int
parse_desc (const spc_json *d, struct desc *out, spc_err_t *err)
{
  if (d == NULL || d->type != SPC_JSON_OBJECT)
    return spc_error_make (err, EINVAL, "a descriptor is not an object");
  out->media_type = json_str (d, "mediaType");
  out->digest = json_str (d, "digest");
  out->hex = digest_hex (out->digest);
  if (out->hex == NULL)
    return spc_error_make (err, EINVAL, "descriptor digest `%s`: only sha256:<64 hex> is supported",
                           out->digest ? out->digest : "(none)");
  spc_json *size = spc_json_get (d, "size");
  if (size == NULL || spc_json_to_uint64 (size, &out->size) < 0)
    return spc_error_make (err, EINVAL, "descriptor %s: no valid size", out->digest);
  return 0;
}

/* A blob of the layout (blobs/sha256/HEX), open, its size checked. */
static int
open_blob (int layoutfd, const struct desc *d, spc_err_t *err)
{
  char path[96];
  snprintf (path, sizeof path, "blobs/sha256/%s", d->hex);
  struct stat st;
  int fd = open_image_file (layoutfd, path, &st, err);
  if (fd < 0)
    return -1;
  if ((uint64_t) st.st_size != d->size)
    {
      close (fd);
      return spc_error_make (err, EINVAL,
                             "blob %s: %" PRIu64 " bytes, the descriptor says %" PRIu64,
                             d->digest, (uint64_t) st.st_size, d->size);
    }
  return fd;
}

/* A JSON blob, parsed only once its bytes hashed to its digest. */
static int
read_json_blob (int layoutfd, const struct desc *d, spc_json **out, spc_err_t *err)
{
  _cleanup_close_ int fd = open_blob (layoutfd, d, err);
  if (fd < 0)
    return -1;
  _cleanup_free_ char *buf = NULL;
  size_t len;
  if (read_small (fd, d->digest, MAX_JSON_BLOB, &buf, &len, err) < 0)
    return -1;
  uint8_t digest[SPC_SHA256_SIZE];
  char hex[2 * SPC_SHA256_SIZE + 1];
  struct spc_sha256 s;
  spc_sha256_init (&s);
  spc_sha256_update (&s, buf, len);
  spc_sha256_final (&s, digest);
  spc_sha256_hex (digest, hex);
  if (len != d->size || strcmp (hex, d->hex) != 0)
    return spc_error_make (err, EBADMSG, "blob %s: its content hashes to sha256:%s", d->digest,
                           hex);
  if (spc_json_parse (buf, len, out, err) < 0)
    return spc_error_prefix (err, "blob %s", d->digest);
  return 0;
}

static const char *
host_arch (void)
{
  static struct utsname u;
  if (uname (&u) < 0)
    return "amd64";
  static const char *const map[][2] = {
    { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "386" },   { "i386", "386" },
    { "armv7l", "arm" },   { "armv6l", "arm" },    { "ppc64le", "ppc64le" },
    { "s390x", "s390x" },  { "riscv64", "riscv64" }, { "mips64", "mips64" },
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp (u.machine, map[i][0]) == 0)
      return map[i][1];
  return u.machine;
}

static bool
is_index (const struct desc *d)
{
  return d->media_type
         && (strcmp (d->media_type, MT_OCI_INDEX) == 0
             || strcmp (d->media_type, MT_DOCKER_LIST) == 0);
}

/* From an image index, the manifest for linux on this machine. */
static int
pick_platform (const spc_json *index, const char *what, const spc_json **out, spc_err_t *err)
{
  spc_json *m = spc_json_get (index, "manifests");
  if (m == NULL || m->type != SPC_JSON_ARRAY)
    return spc_error_make (err, EINVAL, "%s: no manifests", what);
  const char *arch = host_arch ();
  for (size_t i = 0; i < m->u.array.len; i++)
    {
      spc_json *p = spc_json_get (m->u.array.items[i], "platform");
      const char *os = json_str (p, "os"), *a = json_str (p, "architecture");
      if (os && a && strcmp (os, "linux") == 0 && strcmp (a, arch) == 0)
        {
          *out = m->u.array.items[i];
          return 0;
        }
    }
  return spc_error_make (err, ENOENT, "%s: no manifest for linux/%s", what, arch);
}

/* index.json's manifest for `tag` (org.opencontainers.image.ref.name),
 * `digest`, or its only one. */
static int
pick_manifest (const spc_json *index, const char *tag, const char *digest, const spc_json **out,
               spc_err_t *err)
{
  spc_json *m = spc_json_get (index, "manifests");
  if (m == NULL || m->type != SPC_JSON_ARRAY || m->u.array.len == 0)
    return spc_error_make (err, EINVAL, "index.json: no manifests");
  if (tag == NULL && digest == NULL)
    {
      if (m->u.array.len == 1)
        {
          *out = m->u.array.items[0];
          return 0;
        }
    }
  else
    for (size_t i = 0; i < m->u.array.len; i++)
      {
        const spc_json *d = m->u.array.items[i];
        const char *ref = json_str (spc_json_get (d, "annotations"),
                                    "org.opencontainers.image.ref.name");
        const char *dg = json_str (d, "digest");
        if ((tag && ref && strcmp (ref, tag) == 0) || (digest && dg && strcmp (dg, digest) == 0))
          {
            *out = d;
            return 0;
          }
      }
  /* Say what there is to choose from. */
  _cleanup_free_ char *list = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&list, &len);
  if (f == NULL)
    return spc_error_errno (err, "malloc");
  for (size_t i = 0; i < m->u.array.len && i < MAX_LISTED; i++)
    {
      const spc_json *d = m->u.array.items[i];
      const char *ref = json_str (spc_json_get (d, "annotations"),
                                  "org.opencontainers.image.ref.name");
      const char *dg = json_str (d, "digest");
      fprintf (f, "%s%s", i ? ", " : "", ref ? ref : dg ? dg : "(no digest)");
    }
  if (m->u.array.len > MAX_LISTED)
    fprintf (f, " and %zu more", m->u.array.len - MAX_LISTED);
  fclose (f);
  if (tag == NULL && digest == NULL)
    return spc_error_make (err, EINVAL, "the layout holds %zu images, name one (LAYOUT:TAG): %s",
                           m->u.array.len, list ? list : "");
  return spc_error_make (err, ENOENT, "no image `%s` in the layout (it has: %s)",
                         tag ? tag : digest, list ? list : "");
}

/* Progress: bytes and layers done of the total, reported to the caller's
 * function, which shows them (the library prints nothing). */
struct progress
{
  spc_image_progress_fn fn;
  void *data;
  uint64_t total, layers_total, layers_done;
  struct timespec start, last;
};

static double
seconds_since (const struct timespec *t)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (double) (now.tv_sec - t->tv_sec) + (double) (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
progress_report (struct progress *p, uint64_t bytes, bool done)
{
  struct spc_image_progress r = { .bytes = bytes, .total = p->total,
                                  .layers_done = p->layers_done,
                                  .layers_total = p->layers_total,
                                  .seconds = seconds_since (&p->start), .done = done };
  p->fn (&r, p->data);
}

static void
progress_show (void *data, uint64_t bytes)
{
  struct progress *p = data;
  if (p->fn == NULL || seconds_since (&p->last) < 0.1)
    return;
  clock_gettime (CLOCK_MONOTONIC, &p->last);
  progress_report (p, bytes, false);
}

static void
progress_end (struct progress *p, uint64_t bytes)
{
  if (p->fn)
    progress_report (p, bytes, true);
}

static int
verify_layer (const char *what, const uint8_t digest[SPC_SHA256_SIZE], uint64_t size,
              const char *want_hex, uint64_t want_size, spc_err_t *err)
{
  char hex[2 * SPC_SHA256_SIZE + 1];
  spc_sha256_hex (digest, hex);
  if (want_hex && strcmp (hex, want_hex) != 0)
    return spc_error_make (err, EBADMSG, "layer %s: its content hashes to sha256:%s", what, hex);
  if (want_size != UINT64_MAX && size != want_size)
    return spc_error_make (err, EBADMSG, "layer %s: %" PRIu64 " bytes, the manifest says %" PRIu64,
                           what, size, want_size);
  return 0;
}

static int
strv_from_json (const spc_json *v, char ***out, spc_err_t *err)
{
  *out = NULL;
  if (v == NULL || v->type == SPC_JSON_NULL)
    return 0;
  if (v->type != SPC_JSON_ARRAY)
    return spc_error_make (err, EINVAL, "image config: an array expected");
  char **r = calloc (v->u.array.len + 1, sizeof *r);
  if (r == NULL)
    return spc_error_errno (err, "malloc");
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      const spc_json *s = v->u.array.items[i];
      if (s->type != SPC_JSON_STRING || strlen (s->u.string.str) != s->u.string.len)
        {
          spc_strvfreep (&r);
          return spc_error_make (err, EINVAL, "image config: an array of strings expected");
        }
      if ((r[i] = strdup (s->u.string.str)) == NULL)
        {
          spc_strvfreep (&r);
          return spc_error_errno (err, "malloc");
        }
    }
  *out = r;
  return 0;
}

static int
str_from_json (const spc_json *obj, const char *key, char **out, spc_err_t *err)
{
  const char *s = json_str (obj, key);
  *out = NULL;
  if (s == NULL || *s == '\0')
    return 0;
  if ((*out = strdup (s)) == NULL)
    return spc_error_errno (err, "malloc");
  return 0;
}

/* The image config's process (its "config" object). */
static int
process_from_config (const spc_json *config, struct spc_image_process *proc, spc_err_t *err)
{
  const spc_json *c = spc_json_get (config, "config");
  if (c == NULL || c->type != SPC_JSON_OBJECT)
    return 0;
  if (strv_from_json (spc_json_get (c, "Entrypoint"), &proc->entrypoint, err) < 0
      || strv_from_json (spc_json_get (c, "Cmd"), &proc->cmd, err) < 0
      || strv_from_json (spc_json_get (c, "Env"), &proc->env, err) < 0
      || str_from_json (c, "WorkingDir", &proc->working_dir, err) < 0
      || str_from_json (c, "User", &proc->user, err) < 0
      || str_from_json (c, "StopSignal", &proc->stop_signal, err) < 0)
    return -1;
  return 0;
}

struct unpack
{
  const struct spc_image_opts *opts;
  spc_extractor *x;
  struct progress progress;
};

static int
apply_layer (struct unpack *u, int dirfd, const char *path, const char *what,
             const char *want_hex, uint64_t want_size, const char *alt_hex, spc_err_t *err)
{
  struct stat st;
  _cleanup_close_ int fd = open_image_file (dirfd, path, &st, err);
  if (fd < 0)
    return -1;
  if (want_size != UINT64_MAX && (uint64_t) st.st_size != want_size)
    return spc_error_make (err, EBADMSG, "layer %s: %" PRIu64 " bytes, the manifest says %" PRIu64,
                           what, (uint64_t) st.st_size, want_size);
  uint8_t digest[SPC_SHA256_SIZE];
  uint64_t size;
  if (spc_extractor_apply (u->x, fd, what, digest, &size, err) < 0)
    return -1;
  u->progress.layers_done++;
  if (alt_hex)
    {
      char hex[2 * SPC_SHA256_SIZE + 1];
      spc_sha256_hex (digest, hex);
      if (strcmp (hex, alt_hex) == 0)
        return 0;
    }
  return verify_layer (what, digest, size, want_hex, want_size, err);
}

static int unpack_manifest (struct unpack *u, int layoutfd, struct desc *mdp, spc_json *docs[5],
                            struct spc_image_process *proc, spc_err_t *err);

/* 1: the layout has no such image but a docker manifest.json beside it,
 * which may (a docker save archive of Docker 25 or later). */
static int
unpack_layout (struct unpack *u, int layoutfd, const char *tag, const char *digest,
               struct spc_image_process *proc, spc_err_t *err)
{
  _cleanup_json_ spc_json *index = NULL;
  if (read_json_file (layoutfd, "index.json", &index, NULL, err) < 0)
    return -1;
  const spc_json *d = NULL;
  if (pick_manifest (index, tag, digest, &d, err) < 0)
    {
      /* Docker 25 and later save an OCI layout with a manifest.json
       * beside it whose RepoTags ("busybox:latest") are what users name;
       * index.json's ref.name holds only the tag. */
      struct stat st;
      if (digest == NULL
          && fstatat (layoutfd, "manifest.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
        {
          spc_error_free (err);
          return 1;
        }
      return -1;
    }
  struct desc md;
  if (parse_desc (d, &md, err) < 0)
    return -1;
  /* Every document read stays until the end: descriptors point into them. */
  spc_json *docs[5] = { NULL };
  int ret = unpack_manifest (u, layoutfd, &md, docs, proc, err);
  for (size_t i = 0; i < 5; i++)
    spc_json_free (docs[i]);
  return ret;
}

static int
unpack_manifest (struct unpack *u, int layoutfd, struct desc *mdp, spc_json *docs[5],
                 struct spc_image_process *proc, spc_err_t *err)
{
  struct desc md = *mdp;
  if (read_json_blob (layoutfd, &md, &docs[0], err) < 0)
    return -1;
  spc_json *manifest = docs[0];
  /* An index inside: follow it to this machine's manifest (a few levels). */
  for (int depth = 1; is_index (&md) || spc_json_get (manifest, "manifests"); depth++)
    {
      if (depth == 5)
        return spc_error_make (err, ELOOP, "image indexes nested too deep");
      const spc_json *pd = NULL;
      if (pick_platform (manifest, md.digest, &pd, err) < 0 || parse_desc (pd, &md, err) < 0
          || read_json_blob (layoutfd, &md, &docs[depth], err) < 0)
        return -1;
      manifest = docs[depth];
    }
  struct desc cd;
  _cleanup_json_ spc_json *config = NULL;
  if (parse_desc (spc_json_get (manifest, "config"), &cd, err) < 0
      || read_json_blob (layoutfd, &cd, &config, err) < 0)
    return spc_error_prefix (err, "image config");
  spc_json *layers = spc_json_get (manifest, "layers");
  if (layers == NULL || layers->type != SPC_JSON_ARRAY)
    return spc_error_make (err, EINVAL, "manifest: no layers");
  struct desc *ld = calloc (layers->u.array.len + 1, sizeof *ld);
  if (ld == NULL)
    return spc_error_errno (err, "malloc");
  int ret = 0;
  u->progress.layers_total = layers->u.array.len;
  for (size_t i = 0; i < layers->u.array.len && ret == 0; i++)
    if ((ret = parse_desc (layers->u.array.items[i], &ld[i], err)) == 0)
      u->progress.total += ld[i].size;
  for (size_t i = 0; i < layers->u.array.len && ret == 0; i++)
    {
      char path[96];
      snprintf (path, sizeof path, "blobs/sha256/%s", ld[i].hex);
      ret = apply_layer (u, layoutfd, path, ld[i].digest, ld[i].hex, ld[i].size, NULL, err);
    }
  free (ld);
  progress_end (&u->progress, u->progress.total);
  if (ret < 0)
    return -1;
  return process_from_config (config, proc, err);
}

/* A `docker save` archive: manifest.json lists each image's config (named
 * by its digest) and layers (uncompressed tars whose digests are the
 * config's rootfs.diff_ids). */
static int
unpack_docker (struct unpack *u, int dirfd, const char *tag, struct spc_image_process *proc,
               spc_err_t *err)
{
  _cleanup_json_ spc_json *manifest = NULL;
  if (read_json_file (dirfd, "manifest.json", &manifest, NULL, err) < 0)
    return -1;
  if (manifest->type != SPC_JSON_ARRAY || manifest->u.array.len == 0)
    return spc_error_make (err, EINVAL, "manifest.json: no images");
  const spc_json *image = NULL;
  size_t n = manifest->u.array.len;
  for (size_t i = 0; i < n && tag; i++)
    {
      spc_json *tags = spc_json_get (manifest->u.array.items[i], "RepoTags");
      for (size_t j = 0; tags && tags->type == SPC_JSON_ARRAY && j < tags->u.array.len; j++)
        {
          const spc_json *t = tags->u.array.items[j];
          if (t->type == SPC_JSON_STRING && strcmp (t->u.string.str, tag) == 0)
            image = manifest->u.array.items[i];
        }
    }
  if (image == NULL && tag == NULL && n == 1)
    image = manifest->u.array.items[0];
  if (image == NULL)
    {
      _cleanup_free_ char *list = NULL;
      size_t len = 0;
      FILE *f = open_memstream (&list, &len);
      if (f == NULL)
        return spc_error_errno (err, "malloc");
      size_t listed = 0, more = 0;
      for (size_t i = 0; i < n; i++)
        {
          spc_json *tags = spc_json_get (manifest->u.array.items[i], "RepoTags");
          for (size_t j = 0; tags && tags->type == SPC_JSON_ARRAY && j < tags->u.array.len; j++)
            if (tags->u.array.items[j]->type != SPC_JSON_STRING)
              continue;
            else if (listed++ < MAX_LISTED)
              fprintf (f, "%s%s", ftell (f) ? ", " : "", tags->u.array.items[j]->u.string.str);
            else
              more++;
        }
      if (more)
        fprintf (f, " and %zu more", more);
      fclose (f);
      if (tag)
        return spc_error_make (err, ENOENT, "no image `%s` in the archive (it has: %s)", tag,
                               list ? list : "");
      return spc_error_make (err, EINVAL, "the archive holds %zu images, name one (--tag): %s", n,
                             list ? list : "");
    }

  const char *config_path = json_str (image, "Config");
  if (config_path == NULL)
    return spc_error_make (err, EINVAL, "manifest.json: an image without Config");
  /* The config's name is its digest: "HEX.json" or "blobs/sha256/HEX". */
  const char *base = strrchr (config_path, '/');
  base = base ? base + 1 : config_path;
  if (strspn (base, "0123456789abcdef") != 64 || (base[64] && strcmp (base + 64, ".json") != 0))
    return spc_error_make (err, EINVAL, "config `%s`: not named by its sha256 digest",
                           config_path);
  uint8_t digest[SPC_SHA256_SIZE];
  char hex[2 * SPC_SHA256_SIZE + 1];
  _cleanup_json_ spc_json *config = NULL;
  if (read_json_file (dirfd, config_path, &config, digest, err) < 0)
    return -1;
  spc_sha256_hex (digest, hex);
  if (strncmp (hex, base, 64) != 0)
    return spc_error_make (err, EBADMSG, "config `%s`: its content hashes to sha256:%s",
                           config_path, hex);

  spc_json *layers = spc_json_get (image, "Layers");
  spc_json *diff_ids = spc_json_get (spc_json_get (config, "rootfs"), "diff_ids");
  if (layers == NULL || layers->type != SPC_JSON_ARRAY || diff_ids == NULL
      || diff_ids->type != SPC_JSON_ARRAY || diff_ids->u.array.len != layers->u.array.len)
    return spc_error_make (err, EINVAL, "manifest.json's Layers and the config's diff_ids differ");
  u->progress.layers_total = layers->u.array.len;
  for (size_t i = 0; i < layers->u.array.len; i++)
    {
      const spc_json *l = layers->u.array.items[i];
      struct stat st;
      if (l->type != SPC_JSON_STRING)
        return spc_error_make (err, EINVAL, "manifest.json: a layer is not a path");
      _cleanup_close_ int fd = open_image_file (dirfd, l->u.string.str, &st, err);
      if (fd < 0)
        return -1;
      u->progress.total += (uint64_t) st.st_size;
    }
  int ret = 0;
  for (size_t i = 0; i < layers->u.array.len && ret == 0; i++)
    {
      const char *path = layers->u.array.items[i]->u.string.str;
      const spc_json *id = diff_ids->u.array.items[i];
      const char *want = digest_hex (id->type == SPC_JSON_STRING ? id->u.string.str : NULL);
      if (want == NULL)
        return spc_error_make (err, EINVAL, "config: diff_id %zu is not a sha256 digest", i);
      /* A compressed layer (newer docker, blobs/sha256/HEX) is named by the
       * digest of its bytes; an uncompressed one's bytes are its diff_id. */
      const char *b = strrchr (path, '/');
      b = b ? b + 1 : path;
      const char *alt = strncmp (path, "blobs/sha256/", 13) == 0 && strlen (b) == 64 ? b : NULL;
      ret = apply_layer (u, dirfd, path, path, want, UINT64_MAX, alt, err);
    }
  progress_end (&u->progress, u->progress.total);
  if (ret < 0)
    return -1;
  return process_from_config (config, proc, err);
}

/* The tarball at path extracted whole into dir (made by
 * spc_archive_tmpdir); an fd of dir. */
static int
extract_whole (const char *path, const char *dir, const struct spc_archive_opts *ao,
               spc_err_t *err)
{
  _cleanup_close_ int in = open (path, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return spc_error_errno (err, "open `%s`", path);
  _cleanup_close_ int fd = spc_archive_open_tmpdir (dir, err);
  if (fd < 0)
    return -1;
  spc_extractor *x = spc_extractor_new (fd, ao);
  if (x == NULL)
    return spc_error_errno (err, "malloc");
  int ret = spc_extractor_apply (x, in, path, NULL, NULL, err);
  if (ret == 0)
    ret = spc_extractor_finish (x, err);
  spc_extractor_free (x);
  return ret < 0 ? -1 : spc_steal_fd (&fd);
}

enum kind
{
  KIND_NONE,
  KIND_LAYOUT,
  KIND_DOCKER,
};

static enum kind
detect (int dirfd)
{
  struct stat st;
  if (fstatat (dirfd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode)
      && fstatat (dirfd, "index.json", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode))
    return KIND_LAYOUT;
  if (fstatat (dirfd, "manifest.json", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode))
    return KIND_DOCKER;
  return KIND_NONE;
}

/* SOURCE, SOURCE:TAG or SOURCE@sha256:HEX: the path that exists wins, so
 * a layout whose path holds ':' still works. */
static int
split_source (const char *source, char **path, char **tag, char **digest, spc_err_t *err)
{
  *tag = *digest = NULL;
  struct stat st;
  if (stat (source, &st) == 0)
    return (*path = strdup (source)) ? 0 : spc_error_errno (err, "malloc");
  const char *at = strstr (source, "@sha256:");
  const char *colon = strrchr (source, ':');
  if (at)
    {
      *path = strndup (source, (size_t) (at - source));
      *digest = strdup (at + 1);
    }
  else if (colon && colon != source)
    {
      *path = strndup (source, (size_t) (colon - source));
      *tag = strdup (colon + 1);
    }
  else
    return spc_error_errno (err, "`%s`", source);
  if (*path == NULL || (*tag == NULL && *digest == NULL))
    return spc_error_errno (err, "malloc");
  if (stat (*path, &st) < 0)
    return spc_error_errno (err, "`%s`", *path);
  if (*digest && digest_hex (*digest) == NULL)
    return spc_error_make (err, EINVAL, "`%s`: not a sha256:<64 hex> digest", *digest);
  return 0;
}

static void
progress_init (struct progress *p, const struct spc_image_opts *opts)
{
  memset (p, 0, sizeof *p);
  if (opts)
    {
      p->fn = opts->progress;
      p->data = opts->progress_data;
    }
  clock_gettime (CLOCK_MONOTONIC, &p->start);
}

int
spc_image_unpack (const char *source, const char *rootfs, const struct spc_image_opts *opts,
                  struct spc_image_process *proc, spc_err_t *err)
{
  memset (proc, 0, sizeof *proc);
  struct stat st;
  if (lstat (rootfs, &st) == 0)
    return spc_error_make (err, EEXIST, "`%s` exists", rootfs);
  if (spc_archive_load (err) < 0)
    return -1;
  _cleanup_free_ char *path = NULL, *tag = NULL, *digest = NULL;
  if (split_source (source, &path, &tag, &digest, err) < 0)
    return -1;
  if (tag == NULL && opts && opts->tag)
    tag = strdup (opts->tag);
  struct spc_archive_opts ao = { .max_size = opts ? opts->max_size : 0 };

  _cleanup_free_ char *staging = NULL, *tmp = NULL;
  struct unpack u = { .opts = opts };
  _cleanup_close_ int srcfd = -1, rootfd = -1;
  int ret = -1;
  if (stat (path, &st) < 0)
    return spc_error_errno (err, "`%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      srcfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (srcfd < 0)
        return spc_error_errno (err, "open `%s`", path);
      if (detect (srcfd) == KIND_NONE)
        return spc_error_make (err, EINVAL,
                               "`%s`: neither an OCI image layout (oci-layout, index.json) "
                               "nor a docker save directory (manifest.json)",
                               path);
    }
  else
    {
      /* A tarball: of a layout, of a docker save, or of a root filesystem.
       * Extracted beside rootfs first; if it is a root filesystem, that
       * tree is the result, renamed into place. */
      if (spc_archive_tmpdir (rootfs, &staging, err) < 0)
        return -1;
      srcfd = extract_whole (path, staging, &ao, err);
      if (srcfd < 0)
        goto out;
      if (detect (srcfd) == KIND_NONE)
        {
          ret = spc_archive_commit (staging, rootfs, err);
          if (ret == 0)
            {
              free (staging);
              staging = NULL;
            }
          goto out;
        }
    }

  progress_init (&u.progress, opts);
  ao.whiteouts = true;
  ao.progress = progress_show;
  ao.progress_data = &u.progress;
  if (spc_archive_tmpdir (rootfs, &tmp, err) < 0)
    goto out;
  rootfd = spc_archive_open_tmpdir (tmp, err);
  if (rootfd < 0)
    goto out;
  if ((u.x = spc_extractor_new (rootfd, &ao)) == NULL)
    {
      spc_error_errno (err, "malloc");
      goto out;
    }
  ret = 1;
  if (detect (srcfd) == KIND_LAYOUT)
    ret = unpack_layout (&u, srcfd, tag, digest, proc, err);
  if (ret == 1)
    ret = unpack_docker (&u, srcfd, tag, proc, err);
  if (ret == 0)
    ret = spc_extractor_finish (u.x, err);
  if (ret == 0)
    ret = spc_archive_commit (tmp, rootfs, err);
out:
  spc_extractor_free (u.x);
  if (ret < 0)
    {
      spc_image_process_free (proc);
      if (tmp)
        spc_archive_discard (tmp);
    }
  if (staging)
    spc_archive_discard (staging);
  return ret;
}

void
spc_image_process_free (struct spc_image_process *proc)
{
  spc_strvfreep (&proc->entrypoint);
  spc_strvfreep (&proc->cmd);
  spc_strvfreep (&proc->env);
  free (proc->working_dir);
  free (proc->user);
  free (proc->stop_signal);
  /* args_ borrows the strings of entrypoint and cmd. */
  free (proc->args_);
  free (proc->annotation_.key);
  free (proc->annotation_.value);
  memset (proc, 0, sizeof *proc);
}
