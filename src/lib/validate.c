/* spacer validate: every problem of a config.json with its place in the
 * file. The rules are the loader's (spc_config_check, its collect mode);
 * this file adds what only makes sense without creating anything: keys the
 * schema does not know, syscall names libseccomp does not know, and a look
 * at the bundle's rootfs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/path.h"
#include "spacer/seccomp.h"
#include "spacer/seccomp-profile.h"
#include "spacer/utils.h"
#include "spacer/validate.h"

/* schema/config-schema.json as a C string (made by the Makefile). */
static const char config_schema[] =
#include "schema-data.h"
    ;

/* ---- the list of diagnostics -------------------------------------------- */

int
spc_diags_add (struct spc_diags *d, enum spc_diag_severity severity, size_t offset,
               const char *path, spc_err_t *err, const char *fmt, ...)
{
  if (d->len == d->cap)
    {
      size_t cap = d->cap ? d->cap * 2 : 16;
      struct spc_diag *items = realloc (d->items, cap * sizeof *items);
      if (items == NULL)
        return spc_error_make (err, ENOMEM, "realloc");
      d->items = items;
      d->cap = cap;
    }
  struct spc_diag *item = &d->items[d->len];
  *item = (struct spc_diag){ .severity = severity, .offset = offset };
  va_list ap;
  va_start (ap, fmt);
  int r = vasprintf (&item->message, fmt, ap);
  va_end (ap);
  if (r < 0 || (item->path = strdup (path ? path : "")) == NULL)
    {
      if (r >= 0)
        free (item->message);
      return spc_error_make (err, ENOMEM, "diagnostic");
    }
  d->len++;
  return 0;
}

void
spc_diags_free (struct spc_diags *d)
{
  for (size_t i = 0; i < d->len; i++)
    {
      free (d->items[i].path);
      free (d->items[i].message);
    }
  free (d->items);
  *d = (struct spc_diags){ 0 };
}

size_t
spc_diags_count (const struct spc_diags *d, enum spc_diag_severity severity)
{
  size_t n = 0;
  for (size_t i = 0; i < d->len; i++)
    n += d->items[i].severity == severity;
  return n;
}

/* ---- suggestions -------------------------------------------------------- */

#define SUGGEST_MAX_LEN 64

/* Optimal string alignment distance: Levenshtein plus the swap of two
 * neighbours ("hostnmae"), each edit costing 1. */
static size_t
edit_distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  unsigned char d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
  for (size_t i = 0; i <= la; i++)
    d[i][0] = (unsigned char) i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = (unsigned char) j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++)
      {
        size_t cost = a[i - 1] != b[j - 1];
        size_t best = d[i - 1][j - 1] + cost;
        if ((size_t) d[i - 1][j] + 1 < best)
          best = (size_t) d[i - 1][j] + 1;
        if ((size_t) d[i][j - 1] + 1 < best)
          best = (size_t) d[i][j - 1] + 1;
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
            && (size_t) d[i - 2][j - 2] + 1 < best)
          best = (size_t) d[i - 2][j - 2] + 1;
        d[i][j] = (unsigned char) best;
      }
  return d[la][lb];
}

const char *
spc_suggest (const char *word, const char *const *candidates)
{
  size_t len = strlen (word);
  if (len == 0 || len > SUGGEST_MAX_LEN)
    return NULL;
  /* A third of the word may be wrong (at least one edit, at most three):
   * beyond that the "suggestion" is another word. */
  size_t limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
  const char *best = NULL;
  size_t best_distance = limit + 1;
  for (; *candidates; candidates++)
    {
      if (strlen (*candidates) > SUGGEST_MAX_LEN)
        continue;
      /* Case alone ("HostName") is always a plausible slip. */
      size_t distance = strcasecmp (word, *candidates) == 0 ? 1 : edit_distance (word, *candidates);
      if (distance < best_distance)
        {
          best = *candidates;
          best_distance = distance;
        }
    }
  return best;
}

/* ---- where things are in the file --------------------------------------- */

struct path_buf
{
  char *text;
  size_t len, cap;
};

static __attribute__ ((format (printf, 3, 4))) int
path_push (struct path_buf *p, spc_err_t *err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char piece[256];
  int n = vsnprintf (piece, sizeof piece, fmt, ap);
  va_end (ap);
  if (n < 0)
    return spc_error_make (err, EINVAL, "path");
  size_t add = (size_t) n < sizeof piece ? (size_t) n : sizeof piece - 1;
  if (p->len + add + 1 > p->cap)
    {
      size_t cap = (p->len + add + 1) * 2;
      char *text = realloc (p->text, cap);
      if (text == NULL)
        return spc_error_make (err, ENOMEM, "realloc");
      p->text = text;
      p->cap = cap;
    }
  memcpy (p->text + p->len, piece, add);
  p->len += add;
  p->text[p->len] = '\0';
  return 0;
}

/* ---- unknown keys, from the schema -------------------------------------- */

/* The schema is spacer's own description of what the loader reads (see its
 * description); its `properties` are the known keys of each object, and an
 * object with `additionalProperties` instead (annotations, sysctl, unified)
 * is free-form. Only "#/$defs/NAME" references occur in it. */
struct schema_walk
{
  const spc_json *schema;
  const char *buf;
  size_t len;
  struct spc_diags *diags;
  struct path_buf path;
};

static const spc_json *
schema_deref (const struct schema_walk *w, const spc_json *node)
{
  for (int hops = 0; node && hops < 16; hops++)
    {
      const spc_json *ref = spc_json_get (node, "$ref");
      if (ref == NULL || ref->type != SPC_JSON_STRING)
        return node;
      if (strncmp (ref->u.string.str, "#/$defs/", 8) != 0)
        return NULL;
      node = spc_json_get (spc_json_get (w->schema, "$defs"), ref->u.string.str + 8);
    }
  return node;
}

/* The schema of member `key` under node: in its properties or those of
 * the schemas it combines with allOf. */
static const spc_json *
schema_property (const struct schema_walk *w, const spc_json *node, const char *key)
{
  node = schema_deref (w, node);
  const spc_json *v = spc_json_get (spc_json_get (node, "properties"), key);
  if (v)
    return v;
  const spc_json *all = spc_json_get (node, "allOf");
  for (size_t i = 0; all && all->type == SPC_JSON_ARRAY && i < all->u.array.len; i++)
    if ((v = schema_property (w, all->u.array.items[i], key)))
      return v;
  return NULL;
}

static bool
schema_lists_properties (const struct schema_walk *w, const spc_json *node)
{
  node = schema_deref (w, node);
  if (spc_json_get (node, "properties"))
    return true;
  const spc_json *all = spc_json_get (node, "allOf");
  for (size_t i = 0; all && all->type == SPC_JSON_ARRAY && i < all->u.array.len; i++)
    if (schema_lists_properties (w, all->u.array.items[i]))
      return true;
  return false;
}

static void
schema_collect_keys (const struct schema_walk *w, const spc_json *node, const char **keys,
                     size_t *n, size_t max)
{
  node = schema_deref (w, node);
  const spc_json *props = spc_json_get (node, "properties");
  for (size_t i = 0; props && props->type == SPC_JSON_OBJECT && i < props->u.object.len; i++)
    if (*n < max)
      keys[(*n)++] = props->u.object.keys[i];
  const spc_json *all = spc_json_get (node, "allOf");
  for (size_t i = 0; all && all->type == SPC_JSON_ARRAY && i < all->u.array.len; i++)
    schema_collect_keys (w, all->u.array.items[i], keys, n, max);
}

static int walk_value (struct schema_walk *w, const spc_json *v, const spc_json *schema,
                       spc_err_t *err);

/* A member of the runtime-spec that spacer does not read (the schema's
 * x-spacer-ignored list) is not a typo: it is only ignored. */
static bool
schema_ignores (const struct schema_walk *w, const spc_json *node, const char *key)
{
  const spc_json *ignored = spc_json_get (schema_deref (w, node), "x-spacer-ignored");
  for (size_t i = 0; ignored && ignored->type == SPC_JSON_ARRAY && i < ignored->u.array.len; i++)
    if (ignored->u.array.items[i]->type == SPC_JSON_STRING
        && strcmp (ignored->u.array.items[i]->u.string.str, key) == 0)
      return true;
  return false;
}

static int
report_unknown_key (struct schema_walk *w, const spc_json *schema, const char *key,
                    const spc_json *value, spc_err_t *err)
{
  size_t offset = spc_json_key_offset (w->buf, w->len, value->offset);
  if (schema_ignores (w, schema, key))
    return spc_diags_add (w->diags, SPC_DIAG_WARNING, offset, w->path.text, err,
                          "runtime-spec field that spacer does not use (ignored)");
  const char *keys[128];
  size_t n = 0;
  schema_collect_keys (w, schema, keys, &n, sizeof keys / sizeof *keys - 1);
  keys[n] = NULL;
  const char *suggestion = spc_suggest (key, keys);
  if (suggestion)
    return spc_diags_add (w->diags, SPC_DIAG_WARNING, offset, w->path.text, err,
                          "unknown field; did you mean \"%s\"?", suggestion);
  return spc_diags_add (w->diags, SPC_DIAG_WARNING, offset, w->path.text, err,
                        "unknown field");
}

static bool
is_identifier (const char *key)
{
  if (*key == '\0')
    return false;
  for (; *key; key++)
    if (!((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') || (*key >= '0' && *key <= '9')
          || *key == '_'))
      return false;
  return true;
}

static int
walk_object (struct schema_walk *w, const spc_json *v, const spc_json *schema, spc_err_t *err)
{
  bool closed = schema_lists_properties (w, schema);
  const spc_json *extra = spc_json_get (schema_deref (w, schema), "additionalProperties");
  size_t mark = w->path.len;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *key = v->u.object.keys[i];
      const spc_json *sub = closed ? schema_property (w, schema, key) : extra;
      /* Names as the loader's paths write them: .member for the spec's
       * own, ["key"] in free-form maps and for what could not be a
       * member's name. */
      int r = closed && is_identifier (key)
                  ? path_push (&w->path, err, "%s%s", mark ? "." : "", key)
                  : path_push (&w->path, err, "[\"%s\"]", key);
      if (r < 0)
        return -1;
      if (closed && sub == NULL)
        r = report_unknown_key (w, schema, key, v->u.object.values[i], err);
      else if (sub)
        r = walk_value (w, v->u.object.values[i], sub, err);
      w->path.len = mark;
      w->path.text[mark] = '\0';
      if (r < 0)
        return -1;
    }
  return 0;
}

static int
walk_value (struct schema_walk *w, const spc_json *v, const spc_json *schema, spc_err_t *err)
{
  schema = schema_deref (w, schema);
  if (schema == NULL)
    return 0;
  if (v->type == SPC_JSON_OBJECT)
    return walk_object (w, v, schema, err);
  if (v->type != SPC_JSON_ARRAY)
    return 0;
  const spc_json *items = spc_json_get (schema, "items");
  if (items == NULL)
    return 0;
  size_t mark = w->path.len;
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      if (path_push (&w->path, err, "[%zu]", i) < 0)
        return -1;
      int r = walk_value (w, v->u.array.items[i], items, err);
      w->path.len = mark;
      w->path.text[mark] = '\0';
      if (r < 0)
        return -1;
    }
  return 0;
}

static int
check_unknown_keys (const char *buf, size_t len, const spc_json *doc, struct spc_diags *diags,
                    spc_err_t *err)
{
  _cleanup_json_ spc_json *schema = NULL;
  if (spc_json_parse (config_schema, sizeof config_schema - 1, &schema, err) < 0)
    return spc_error_prefix (err, "config-schema.json");
  struct schema_walk w = { .schema = schema, .buf = buf, .len = len, .diags = diags };
  if (path_push (&w.path, err, "%s", "") < 0)
    return -1;
  int r = walk_value (&w, doc, schema, err);
  free (w.path.text);
  return r;
}

/* ---- syscall names ------------------------------------------------------ */

/* create skips names libseccomp does not know (as other runtimes do), so
 * a typo there silently leaves the syscall unfiltered: worth a warning. A
 * name counts as known on the host's architecture or any listed one, and
 * so does every name of spacer's own default profile: it lists calls newer
 * than some libseccomp versions, which are real all the same. */
static bool
libseccomp_knows (const char *name, const struct spc_seccomp *s)
{
  if (seccomp_syscall_resolve_name (name) != __NR_SCMP_ERROR)
    return true;
  for (size_t i = 0; s && i < s->n_architectures; i++)
    {
      uint32_t arch = spc_seccomp_arch_token (s->architectures[i]);
      if (arch && seccomp_syscall_resolve_name_arch (arch, name) != __NR_SCMP_ERROR)
        return true;
    }
  return false;
}

static bool
in_profile (const spc_json *profile, const char *name)
{
  const spc_json *syscalls = spc_json_get (profile, "syscalls");
  for (size_t i = 0; syscalls && syscalls->type == SPC_JSON_ARRAY && i < syscalls->u.array.len; i++)
    {
      const spc_json *names = spc_json_get (syscalls->u.array.items[i], "names");
      for (size_t j = 0; names && names->type == SPC_JSON_ARRAY && j < names->u.array.len; j++)
        if (names->u.array.items[j]->type == SPC_JSON_STRING
            && strcmp (names->u.array.items[j]->u.string.str, name) == 0)
          return true;
    }
  return false;
}

/* Every name libseccomp has for the host's architecture (it offers no
 * list: numbers are asked one by one), for suggestions. */
static char **
libseccomp_names (void)
{
  size_t n = 0, cap = 512;
  char **names = calloc (cap + 1, sizeof *names);
  for (int nr = 0; names && nr < 1024; nr++)
    {
      char *name = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
      if (name == NULL)
        continue;
      if (n == cap)
        {
          char **bigger = realloc (names, (cap * 2 + 1) * sizeof *names);
          if (bigger == NULL)
            {
              free (name);
              break;
            }
          names = bigger;
          cap *= 2;
        }
      names[n++] = name;
      names[n] = NULL;
    }
  return names;
}

static int
report_unknown_syscall (const spc_json *name, size_t i, size_t j, char ***known,
                        struct spc_diags *diags, spc_err_t *err)
{
  char path[96];
  snprintf (path, sizeof path, "linux.seccomp.syscalls[%zu].names[%zu]", i, j);
  if (*known == NULL)
    *known = libseccomp_names ();
  const char *suggestion
      = *known ? spc_suggest (name->u.string.str, (const char *const *) *known) : NULL;
  if (suggestion)
    return spc_diags_add (diags, SPC_DIAG_WARNING, name->offset, path, err,
                          "unknown syscall \"%s\" (create skips it); did you mean \"%s\"?",
                          name->u.string.str, suggestion);
  return spc_diags_add (diags, SPC_DIAG_WARNING, name->offset, path, err,
                        "unknown syscall \"%s\" (create skips it)", name->u.string.str);
}

static int
check_syscall_names (const spc_json *doc, const struct spc_config *c, struct spc_diags *diags,
                     spc_err_t *err)
{
  const spc_json *syscalls = spc_json_get (spc_json_get (spc_json_get (doc, "linux"), "seccomp"),
                                           "syscalls");
  const struct spc_seccomp *s = c && c->has_linux ? c->linux_.seccomp : NULL;
  _cleanup_json_ spc_json *profile = NULL;
  _cleanup_strv_ char **known = NULL;
  if (syscalls == NULL || syscalls->type != SPC_JSON_ARRAY)
    return 0;
  for (size_t i = 0; i < syscalls->u.array.len; i++)
    {
      const spc_json *names = spc_json_get (syscalls->u.array.items[i], "names");
      for (size_t j = 0; names && names->type == SPC_JSON_ARRAY && j < names->u.array.len; j++)
        {
          const spc_json *name = names->u.array.items[j];
          if (name->type != SPC_JSON_STRING || strlen (name->u.string.str) != name->u.string.len
              || libseccomp_knows (name->u.string.str, s))
            continue;
          if (profile == NULL)
            {
              _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
              size_t len;
              spc_spec_write_seccomp (w);
              const char *text = spc_jw_buffer (w, &len);
              if (spc_json_parse (text, len, &profile, err) < 0)
                return spc_error_prefix (err, "default seccomp profile");
            }
          if (in_profile (profile, name->u.string.str))
            continue;
          if (report_unknown_syscall (name, i, j, &known, diags, err) < 0)
            return -1;
        }
    }
  return 0;
}

/* ---- the rootfs --------------------------------------------------------- */

/* Paths that must exist when the container starts; what create will find
 * may differ, so these are warnings. Lookups go through path.c, as create's
 * do: inside the root, never out through a symlink. */
struct rootfs_check
{
  const spc_json *doc;
  int rootfd;
  struct spc_diags *diags;
};

static size_t
offset_of (const spc_json *doc, const char *a, const char *b, size_t index, const char *c)
{
  const spc_json *v = spc_json_get (doc, a), *best = doc;
  if (v)
    best = v;
  if (v && b && (v = spc_json_get (v, b)))
    best = v;
  if (v && index != (size_t) -1)
    {
      v = v->type == SPC_JSON_ARRAY && index < v->u.array.len ? v->u.array.items[index] : NULL;
      if (v)
        best = v;
    }
  if (v && c && (v = spc_json_get (v, c)))
    best = v;
  return best->offset;
}

static int
root_stat (int rootfd, const char *path, struct stat *st)
{
  _cleanup_error_ spc_err_t ignored = NULL;
  _cleanup_close_ int fd = spc_root_open (rootfd, path, SPC_PATH_NO_CREATE, &ignored);
  if (fd < 0)
    {
      errno = ignored && ignored->errno_ ? ignored->errno_ : ENOENT;
      return -1;
    }
  return fstat (fd, st);
}

static int
root_executable (const char *path, void *data)
{
  const struct rootfs_check *rc = data;
  struct stat st;
  if (root_stat (rc->rootfd, path, &st) < 0)
    return -1;
  if (S_ISDIR (st.st_mode))
    {
      errno = EISDIR;
      return -1;
    }
  if (!S_ISREG (st.st_mode) || (st.st_mode & 0111) == 0)
    {
      errno = EACCES;
      return -1;
    }
  return 0;
}

static int
check_program (const struct rootfs_check *rc, const struct spc_process *proc, spc_err_t *err)
{
  if (proc->args == NULL || proc->args[0] == NULL)
    return 0;
  /* After an args element the loader refused, the vector is not the
   * document's: that error is reported already. */
  const spc_json *args = spc_json_get (spc_json_get (rc->doc, "process"), "args");
  if (args == NULL || args->type != SPC_JSON_ARRAY || args->u.array.len == 0
      || args->u.array.items[0]->type != SPC_JSON_STRING
      || strcmp (args->u.array.items[0]->u.string.str, proc->args[0]) != 0)
    return 0;
  const char *prog = proc->args[0];
  _cleanup_free_ char *relative = NULL;
  /* "./run" is relative to the working directory, as for execve. */
  if (prog[0] != '/' && strchr (prog, '/'))
    {
      if (proc->cwd == NULL || proc->cwd[0] != '/')
        return 0;
      if (asprintf (&relative, "%s/%s", proc->cwd, prog) < 0)
        return spc_error_make (err, ENOMEM, "asprintf");
      prog = relative;
    }
  _cleanup_free_ char *found
      = spc_find_executable_with (prog, proc->env, root_executable, (void *) rc);
  if (found)
    return 0;
  const char *why = errno == EACCES ? "is not executable in the rootfs"
                    : errno == EISDIR ? "is a directory in the rootfs"
                    : strchr (proc->args[0], '/') ? "does not exist in the rootfs"
                                                  : "is not found in the rootfs's PATH";
  return spc_diags_add (rc->diags, SPC_DIAG_WARNING,
                        offset_of (rc->doc, "process", "args", 0, NULL), "process.args[0]", err,
                        "\"%s\" %s", proc->args[0], why);
}

static int
check_cwd (const struct rootfs_check *rc, const struct spc_process *proc, spc_err_t *err)
{
  struct stat st;
  /* A cwd the loader refused is reported already. */
  if (proc->cwd == NULL || proc->cwd[0] != '/')
    return 0;
  size_t offset = offset_of (rc->doc, "process", "cwd", (size_t) -1, NULL);
  if (root_stat (rc->rootfd, proc->cwd, &st) < 0)
    return spc_diags_add (rc->diags, SPC_DIAG_WARNING, offset, "process.cwd", err,
                          "\"%s\" does not exist in the rootfs", proc->cwd);
  if (!S_ISDIR (st.st_mode))
    return spc_diags_add (rc->diags, SPC_DIAG_WARNING, offset, "process.cwd", err,
                          "\"%s\" is not a directory in the rootfs", proc->cwd);
  return 0;
}

static int
check_mount_destinations (const struct rootfs_check *rc, const struct spc_config *c,
                          spc_err_t *err)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const char *dest = c->mounts[i].destination;
      _cleanup_error_ spc_err_t why = NULL;
      _cleanup_free_ char *canonical = NULL;
      if (dest == NULL || spc_root_canonical (rc->rootfd, dest, &canonical, &why) == 0)
        continue;
      char path[64];
      snprintf (path, sizeof path, "mounts[%zu].destination", i);
      const char *text = why && why->errno_ == EXDEV ? "leads out of the rootfs through a symlink"
                                                     : why && why->msg ? why->msg : "unusable";
      if (spc_diags_add (rc->diags, SPC_DIAG_WARNING,
                         offset_of (rc->doc, "mounts", NULL, i, "destination"), path, err,
                         "\"%s\" %s", dest, text)
          < 0)
        return -1;
    }
  return 0;
}

static int
check_rootfs (const spc_json *doc, const struct spc_config *c, int bundlefd,
              struct spc_diags *diags, spc_err_t *err)
{
  if (c->root.path == NULL)
    return 0;
  /* No rootfs yet (it may be unpacked later): nothing to look at. */
  _cleanup_close_ int rootfd = openat (bundlefd, c->root.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return 0;
  struct rootfs_check rc = { .doc = doc, .rootfd = rootfd, .diags = diags };
  if (c->has_process
      && (check_program (&rc, &c->process, err) < 0 || check_cwd (&rc, &c->process, err) < 0))
    return -1;
  return check_mount_destinations (&rc, c, err);
}

/* ---- the whole ---------------------------------------------------------- */

/* Lines and columns for every diagnostic with one pass over the text:
 * the list is in offset order within each severity. */
static void
locate_diags (const char *buf, size_t len, struct spc_diags *d)
{
  size_t start = 0;
  while (start < d->len)
    {
      size_t end = start + 1;
      while (end < d->len && d->items[end].severity == d->items[start].severity)
        end++;
      size_t line = 1, line_start = 0, pos = 0;
      for (size_t i = start; i < end; i++)
        {
          size_t offset = d->items[i].offset < len ? d->items[i].offset : len;
          for (const char *nl; pos < offset && (nl = memchr (buf + pos, '\n', offset - pos));)
            {
              line++;
              pos = line_start = (size_t) (nl - buf) + 1;
            }
          pos = offset > pos ? offset : pos;
          d->items[i].line = line;
          d->items[i].column = offset - line_start + 1;
        }
      start = end;
    }
}

/* spc_json_parse's message starts "line L, column C: " (json.h). */
static int
report_parse_error (const char *buf, size_t len, const char *msg, struct spc_diags *diags,
                    spc_err_t *err)
{
  size_t line = 1, column = 1, offset = 0;
  int consumed = 0;
  if (sscanf (msg, "line %zu, column %zu: %n", &line, &column, &consumed) == 2 && consumed > 0)
    msg += consumed;
  for (size_t l = 1; l < line && offset < len; offset++)
    if (buf[offset] == '\n')
      l++;
  offset += column - 1;
  if (spc_diags_add (diags, SPC_DIAG_ERROR, offset > len ? len : offset, "", err, "%s", msg) < 0)
    return -1;
  locate_diags (buf, len, diags);
  return 0;
}

static int
compare_diags (const void *a, const void *b)
{
  const struct spc_diag *x = a, *y = b;
  if (x->severity != y->severity)
    return x->severity < y->severity ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Errors first, each group in file order; the loader's order among
 * diagnostics at one place (a stable sort would keep it, and qsort is
 * not stable: insertion sort is, and the lists are short). */
static void
sort_diags (struct spc_diags *d)
{
  for (size_t i = 1; i < d->len; i++)
    {
      struct spc_diag item = d->items[i];
      size_t j = i;
      for (; j > 0 && compare_diags (&d->items[j - 1], &item) > 0; j--)
        d->items[j] = d->items[j - 1];
      d->items[j] = item;
    }
}

int
spc_validate_buffer (const char *buf, size_t len, const struct spc_validate_options *opts,
                     struct spc_diags *diags, spc_err_t *err)
{
  _cleanup_json_ spc_json *doc = NULL;
  _cleanup_error_ spc_err_t parse_err = NULL;
  if (spc_json_parse (buf, len, &doc, &parse_err) < 0)
    {
      if (parse_err && parse_err->errno_ == ENOMEM)
        return spc_error_make (err, ENOMEM, "%s", opts->display_name);
      return report_parse_error (buf, len,
                                 parse_err && parse_err->msg ? parse_err->msg : "invalid JSON",
                                 diags, err);
    }
  _cleanup_config_ struct spc_config *c = NULL;
  if (spc_config_check (doc, diags, &c, err) < 0
      || check_unknown_keys (buf, len, doc, diags, err) < 0
      || check_syscall_names (doc, c, diags, err) < 0)
    return -1;
  if (opts->rootfs_dirfd >= 0 && check_rootfs (doc, c, opts->rootfs_dirfd, diags, err) < 0)
    return -1;
  sort_diags (diags);
  locate_diags (buf, len, diags);
  return 0;
}
