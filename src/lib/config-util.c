/* Typed accessors for the config loader: each one checks the JSON type and
 * range of one value and reports failures at its path. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "config-internal.h"

static void
write_jpath (FILE *f, const struct jpath *p)
{
  if (p->kind == JPATH_FILE)
    {
      fputs (p->key, f);
      return;
    }
  write_jpath (f, p->parent);
  bool first = p->parent->kind == JPATH_FILE;
  switch (p->kind)
    {
    case JPATH_MEMBER:
      fprintf (f, "%s%s", first ? ": " : ".", p->key);
      break;
    case JPATH_INDEX:
      fprintf (f, "%s[%zu]", first ? ": " : "", p->index);
      break;
    case JPATH_MAPKEY:
      fprintf (f, "%s[\"%s\"]", first ? ": " : "", p->key);
      break;
    case JPATH_FILE:
      break;
    }
}

/* "config.json: linux.namespaces[2].type" */
static char *
render_jpath (const struct jpath *p)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return NULL;
  write_jpath (f, p);
  if (fclose (f) != 0)
    {
      free (text);
      return NULL;
    }
  return text;
}

static __attribute__ ((format (printf, 2, 0))) char *
render_located_message (const struct jpath *p, const char *fmt, va_list ap)
{
  _cleanup_free_ char *where = render_jpath (p);
  _cleanup_free_ char *what = NULL;
  char *msg = NULL;
  if (vasprintf (&what, fmt, ap) < 0)
    what = NULL;
  if (asprintf (&msg, "%s: %s", where ? where : "config", what ? what : "invalid") < 0)
    return NULL;
  return msg;
}

static struct config_collect *
collector (const struct jpath *p)
{
  while (p->kind != JPATH_FILE)
    p = p->parent;
  return p->collect;
}

bool
config_collecting (const struct jpath *p)
{
  return collector (p) != NULL;
}

bool
config_stop (struct config_steps *st)
{
  if (st->err == NULL || *st->err != NULL || !config_collecting (st->p))
    return true;
  st->failed = true;
  return false;
}

/* The path without the file's name: "linux.namespaces[2].type". */
static void
write_inner_jpath (FILE *f, const struct jpath *p)
{
  if (p->kind == JPATH_FILE)
    return;
  write_inner_jpath (f, p->parent);
  bool first = p->parent->kind == JPATH_FILE;
  switch (p->kind)
    {
    case JPATH_MEMBER:
      fprintf (f, "%s%s", first ? "" : ".", p->key);
      break;
    case JPATH_INDEX:
      fprintf (f, "[%zu]", p->index);
      break;
    case JPATH_MAPKEY:
      fprintf (f, "[\"%s\"]", p->key);
      break;
    case JPATH_FILE:
      break;
    }
}

/* "linux.namespaces[2].type", malloc'd (NULL without memory). */
static char *
render_inner_jpath (const struct jpath *p)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return NULL;
  write_inner_jpath (f, p);
  if (fclose (f) != 0)
    {
      free (text);
      return NULL;
    }
  return text;
}

/* The deepest value on the way down p that the document has: the value
 * itself, or for a missing member the object that lacks it. */
static const spc_json *
locate (const spc_json *doc, const struct jpath *p)
{
  if (p->kind == JPATH_FILE)
    return doc;
  const spc_json *parent = locate (doc, p->parent);
  const spc_json *v = NULL;
  switch (p->kind)
    {
    case JPATH_MEMBER:
    case JPATH_MAPKEY:
      v = spc_json_get (parent, p->key);
      break;
    case JPATH_INDEX:
      if (parent->type == SPC_JSON_ARRAY && p->index < parent->u.array.len)
        v = parent->u.array.items[p->index];
      break;
    case JPATH_FILE:
      break;
    }
  return v ? v : parent;
}

int
config_record (const struct jpath *p, enum spc_diag_severity severity, const char *message,
               spc_err_t *err)
{
  struct config_collect *collect = collector (p);
  char *path = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&path, &len);
  if (f == NULL)
    return spc_error_make (err, ENOMEM, "open_memstream");
  write_inner_jpath (f, p);
  if (fclose (f) != 0)
    {
      free (path);
      return spc_error_make (err, ENOMEM, "open_memstream");
    }
  int r = spc_diags_add (collect->diags, severity, locate (collect->doc, p)->offset, path, err,
                         "%s", message);
  free (path);
  return r < 0 ? -1 : 0;
}

static __attribute__ ((format (printf, 3, 0))) int
collect_message (const struct jpath *p, enum spc_diag_severity severity, const char *fmt,
                 va_list ap, spc_err_t *err)
{
  _cleanup_free_ char *what = NULL;
  if (vasprintf (&what, fmt, ap) < 0)
    return spc_error_make (err, ENOMEM, "vasprintf");
  return config_record (p, severity, what, err);
}

int
config_fail (const struct jpath *p, spc_err_t *err, const char *fmt, ...)
{
  if (err == NULL || *err != NULL)
    return -1; /* first error wins: skip the formatting */
  va_list ap;
  va_start (ap, fmt);
  if (config_collecting (p))
    {
      collect_message (p, SPC_DIAG_ERROR, fmt, ap, err);
      va_end (ap);
      return -1;
    }
  _cleanup_free_ char *msg = render_located_message (p, fmt, ap);
  va_end (ap);
  spc_error_make (err, 0, "%s", msg ? msg : "invalid config");
  _cleanup_free_ char *inner = render_inner_jpath (p);
  if (inner && *inner)
    spc_error_set_path (err, inner);
  return -1;
}

void
config_warn (const struct jpath *p, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (config_collecting (p))
    {
      /* A warning that cannot be recorded for lack of memory is lost; the
       * next allocation will fail the run anyway. */
      _cleanup_error_ spc_err_t ignored = NULL;
      collect_message (p, SPC_DIAG_WARNING, fmt, ap, &ignored);
      va_end (ap);
      return;
    }
  _cleanup_free_ char *msg = render_located_message (p, fmt, ap);
  va_end (ap);
  if (msg)
    spc_warn ("%s", msg);
}

const spc_json *
config_member (const spc_json *obj, const char *key)
{
  const spc_json *v = spc_json_get (obj, key);
  return v && v->type != SPC_JSON_NULL ? v : NULL;
}

static const char *
expected_type_phrase (enum spc_json_type type)
{
  switch (type)
    {
    case SPC_JSON_BOOL:
      return "must be a boolean";
    case SPC_JSON_NUMBER:
      return "must be an integer";
    case SPC_JSON_STRING:
      return "must be a string";
    case SPC_JSON_ARRAY:
      return "must be an array";
    case SPC_JSON_OBJECT:
      return "must be an object";
    case SPC_JSON_NULL:
      break;
    }
  return "must be null";
}

int
config_expect (const spc_json *v, enum spc_json_type type, const struct jpath *p, spc_err_t *err)
{
  if (v->type != type)
    return config_fail (p, err, "%s", expected_type_phrase (type));
  return 0;
}

int
config_to_string (const spc_json *v, const struct jpath *p, char **out, spc_err_t *err)
{
  if (config_expect (v, SPC_JSON_STRING, p, err) < 0)
    return -1;
  /* An embedded NUL would silently shorten a path or argument for every C
   * consumer; refuse it rather than run something else. */
  if (strlen (v->u.string.str) != v->u.string.len)
    return config_fail (p, err, "must not contain NUL bytes");
  *out = strdup (v->u.string.str);
  if (*out == NULL)
    return spc_error_make (err, ENOMEM, "strdup");
  return 0;
}

int
config_to_bool (const spc_json *v, const struct jpath *p, bool *out, spc_err_t *err)
{
  if (config_expect (v, SPC_JSON_BOOL, p, err) < 0)
    return -1;
  *out = v->u.boolean;
  return 0;
}

int
config_to_int64 (const spc_json *v, const struct jpath *p, int64_t min, int64_t max,
                 int64_t *out, spc_err_t *err)
{
  int64_t value;
  int r = spc_json_to_int64 (v, &value);
  if (r == -ERANGE || (r == 0 && (value < min || value > max)))
    return config_fail (p, err, "out of range");
  if (r < 0)
    return config_fail (p, err, "must be an integer");
  *out = value;
  return 0;
}

int
config_to_uint64 (const spc_json *v, const struct jpath *p, uint64_t max, uint64_t *out,
                  spc_err_t *err)
{
  uint64_t value;
  int r = spc_json_to_uint64 (v, &value);
  if (r == -ERANGE || (r == 0 && value > max))
    return config_fail (p, err, "out of range");
  if (r < 0)
    return config_fail (p, err, "must be an integer");
  *out = value;
  return 0;
}

static void
mark_present (bool *has)
{
  if (has)
    *has = true;
}

int
config_opt_string (const spc_json *obj, const char *key, const struct jpath *p, char **out,
                   spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  if (v == NULL)
    return 0;
  return config_to_string (v, JPATH_MEMBER_OF (p, key), out, err);
}

int
config_req_string (const spc_json *obj, const char *key, const struct jpath *p, char **out,
                   spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  if (v == NULL)
    return config_fail (JPATH_MEMBER_OF (p, key), err, "required");
  return config_to_string (v, JPATH_MEMBER_OF (p, key), out, err);
}

int
config_opt_bool (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                 bool *out, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  if (v == NULL)
    return 0;
  if (config_to_bool (v, JPATH_MEMBER_OF (p, key), out, err) < 0)
    return -1;
  mark_present (has);
  return 0;
}

int
config_opt_int64 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                  int64_t *out, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  if (v == NULL)
    return 0;
  if (config_to_int64 (v, JPATH_MEMBER_OF (p, key), INT64_MIN, INT64_MAX, out, err) < 0)
    return -1;
  mark_present (has);
  return 0;
}

int
config_req_int64 (const spc_json *obj, const char *key, const struct jpath *p, int64_t *out,
                  spc_err_t *err)
{
  if (config_member (obj, key) == NULL)
    return config_fail (JPATH_MEMBER_OF (p, key), err, "required");
  return config_opt_int64 (obj, key, p, NULL, out, err);
}

int
config_opt_uint64 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                   uint64_t *out, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  if (v == NULL)
    return 0;
  if (config_to_uint64 (v, JPATH_MEMBER_OF (p, key), UINT64_MAX, out, err) < 0)
    return -1;
  mark_present (has);
  return 0;
}

int
config_req_uint64 (const spc_json *obj, const char *key, const struct jpath *p, uint64_t *out,
                   spc_err_t *err)
{
  if (config_member (obj, key) == NULL)
    return config_fail (JPATH_MEMBER_OF (p, key), err, "required");
  return config_opt_uint64 (obj, key, p, NULL, out, err);
}

int
config_opt_uint32 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                   uint32_t *out, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  uint64_t value;
  if (v == NULL)
    return 0;
  if (config_to_uint64 (v, JPATH_MEMBER_OF (p, key), UINT32_MAX, &value, err) < 0)
    return -1;
  *out = (uint32_t) value;
  mark_present (has);
  return 0;
}

int
config_req_uint32 (const spc_json *obj, const char *key, const struct jpath *p, uint32_t *out,
                   spc_err_t *err)
{
  if (config_member (obj, key) == NULL)
    return config_fail (JPATH_MEMBER_OF (p, key), err, "required");
  return config_opt_uint32 (obj, key, p, NULL, out, err);
}

int
config_opt_uint16 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                   uint16_t *out, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  uint64_t value;
  if (v == NULL)
    return 0;
  if (config_to_uint64 (v, JPATH_MEMBER_OF (p, key), UINT16_MAX, &value, err) < 0)
    return -1;
  *out = (uint16_t) value;
  mark_present (has);
  return 0;
}

/* Stores a pointer of any object type through the address of the caller's
 * typed pointer variable; memcpy keeps this clear of aliasing rules. */
static void
store_array_pointer (void *out_array, void *array)
{
  memcpy (out_array, &array, sizeof array);
}

static void *
alloc_array (size_t n, size_t elem_size, spc_err_t *err)
{
  /* One spare element: string vectors need their NULL terminator, and
   * calloc (0, ...) may return NULL. */
  void *array = calloc (n + 1, elem_size);
  if (array == NULL)
    spc_error_make (err, ENOMEM, "calloc");
  return array;
}

int
config_opt_strv (const spc_json *obj, const char *key, const struct jpath *p, char ***out,
                 size_t *n, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  const struct jpath *here = JPATH_MEMBER_OF (p, key);
  if (v && config_expect (v, SPC_JSON_ARRAY, here, err) < 0)
    return -1;
  size_t len = v ? v->u.array.len : 0;
  char **strv = alloc_array (len, sizeof *strv, err);
  if (strv == NULL)
    return -1;
  *out = strv;
  *n = 0;
  struct config_steps st = CONFIG_STEPS (p, err);
  for (size_t i = 0; i < len; i++)
    {
      /* Strings that fail leave no hole: the vector stays NULL-terminated
       * and whole for whoever frees it. */
      CONFIG_TRY (&st, config_to_string (v->u.array.items[i], JPATH_INDEX_OF (here, i),
                                         &strv[*n], err));
      if (strv[*n])
        (*n)++;
    }
  return st.failed ? -1 : 0;
}

int
config_opt_array (const spc_json *obj, const char *key, const struct jpath *p, size_t elem_size,
                  config_elem_fn parse_elem, void *out_array, size_t *n, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  const struct jpath *here = JPATH_MEMBER_OF (p, key);
  if (v == NULL)
    return 0;
  if (config_expect (v, SPC_JSON_ARRAY, here, err) < 0)
    return -1;
  char *array = alloc_array (v->u.array.len, elem_size, err);
  if (array == NULL)
    return -1;
  store_array_pointer (out_array, array);
  *n = v->u.array.len;
  struct config_steps st = CONFIG_STEPS (p, err);
  for (size_t i = 0; i < v->u.array.len; i++)
    CONFIG_TRY (&st, parse_elem (v->u.array.items[i], JPATH_INDEX_OF (here, i),
                                 array + i * elem_size, err));
  return st.failed ? -1 : 0;
}

int
config_opt_string_map (const spc_json *obj, const char *key, const struct jpath *p,
                       size_t elem_size, size_t key_offset, size_t value_offset,
                       void *out_array, size_t *n, spc_err_t *err)
{
  const spc_json *v = config_member (obj, key);
  const struct jpath *here = JPATH_MEMBER_OF (p, key);
  if (v == NULL)
    return 0;
  if (config_expect (v, SPC_JSON_OBJECT, here, err) < 0)
    return -1;
  char *array = alloc_array (v->u.object.len, elem_size, err);
  if (array == NULL)
    return -1;
  store_array_pointer (out_array, array);
  *n = v->u.object.len;
  struct config_steps st = CONFIG_STEPS (p, err);
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      char *elem = array + i * elem_size;
      char **k = (char **) (elem + key_offset);
      char **value = (char **) (elem + value_offset);
      const char *name = v->u.object.keys[i];
      CONFIG_TRY (&st, config_to_string (v->u.object.values[i], JPATH_MAPKEY_OF (here, name),
                                         value, err));
      if ((*k = strdup (name)) == NULL)
        return spc_error_make (err, ENOMEM, "strdup");
    }
  return st.failed ? -1 : 0;
}

int
config_parse_id_mapping (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_id_mapping *m = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, config_req_uint32 (v, "containerID", p, &m->container_id, err));
  CONFIG_TRY (&st, config_req_uint32 (v, "hostID", p, &m->host_id, err));
  CONFIG_TRY (&st, config_req_uint32 (v, "size", p, &m->size, err));
  if (st.failed)
    return -1;
  if (m->size == 0)
    return config_fail (JPATH_MEMBER_OF (p, "size"), err, "must be greater than 0");
  return 0;
}

bool
config_is_absolute (const char *path)
{
  return path[0] == '/';
}

void
config_strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **i = v; *i; i++)
    free (*i);
  free (v);
}
