/* JSON for spacer: a yajl-driven tree builder and a small streaming writer.
 * This is the only file that knows yajl exists. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "spacer/cleanup.h"
#include "spacer/json.h"

/* Deeper documents are rejected: config.json nests a handful of levels, and
 * the bound keeps recursive consumers (and spc_json_free) off the stack
 * limit whatever the input. */
#define SPC_JSON_MAX_DEPTH 256

static void *
xrealloc (void *p, size_t size)
{
  void *r = realloc (p, size ? size : 1);
  if (r == NULL)
    abort ();
  return r;
}

/* ------------------------------------------------------------------ */
/* Tree                                                                */
/* ------------------------------------------------------------------ */

void
spc_json_free (spc_json *v)
{
  if (v == NULL)
    return;
  switch (v->type)
    {
    case SPC_JSON_NUMBER:
      free (v->u.number);
      break;
    case SPC_JSON_STRING:
      free (v->u.string.str);
      break;
    case SPC_JSON_ARRAY:
      for (size_t i = 0; i < v->u.array.len; i++)
        spc_json_free (v->u.array.items[i]);
      free (v->u.array.items);
      break;
    case SPC_JSON_OBJECT:
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          free (v->u.object.keys[i]);
          spc_json_free (v->u.object.values[i]);
        }
      free (v->u.object.keys);
      free (v->u.object.values);
      break;
    case SPC_JSON_NULL:
    case SPC_JSON_BOOL:
      break;
    }
  free (v);
}

spc_json *
spc_json_get (const spc_json *obj, const char *key)
{
  if (obj == NULL || obj->type != SPC_JSON_OBJECT)
    return NULL;
  /* Backwards, so a duplicated key resolves to its last occurrence, as in
   * the Go decoder engines use to write these files. */
  for (size_t i = obj->u.object.len; i > 0; i--)
    if (strcmp (obj->u.object.keys[i - 1], key) == 0)
      return obj->u.object.values[i - 1];
  return NULL;
}

const char *
spc_json_type_name (enum spc_json_type t)
{
  switch (t)
    {
    case SPC_JSON_NULL:
      return "null";
    case SPC_JSON_BOOL:
      return "boolean";
    case SPC_JSON_NUMBER:
      return "number";
    case SPC_JSON_STRING:
      return "string";
    case SPC_JSON_ARRAY:
      return "array";
    case SPC_JSON_OBJECT:
      return "object";
    }
  return "unknown";
}

/* Only plain integer literals qualify: "1.0" and "1e3" are rejected even
 * though they denote integers, because the spec types these fields as
 * integers and a fraction there is almost always a mistake. */
static bool
is_integer_literal (const char *s)
{
  if (*s == '-')
    s++;
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

int
spc_json_to_int64 (const spc_json *v, int64_t *out)
{
  if (v == NULL || v->type != SPC_JSON_NUMBER || !is_integer_literal (v->u.number))
    return -EINVAL;
  errno = 0;
  long long r = strtoll (v->u.number, NULL, 10);
  if (errno == ERANGE)
    return -ERANGE;
  *out = r;
  return 0;
}

int
spc_json_to_uint64 (const spc_json *v, uint64_t *out)
{
  if (v == NULL || v->type != SPC_JSON_NUMBER || !is_integer_literal (v->u.number))
    return -EINVAL;
  /* strtoull() would silently wrap "-1" around to UINT64_MAX. */
  if (v->u.number[0] == '-')
    return -ERANGE;
  errno = 0;
  unsigned long long r = strtoull (v->u.number, NULL, 10);
  if (errno == ERANGE)
    return -ERANGE;
  *out = r;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Parser: yajl callbacks append to the innermost open container.       */
/* ------------------------------------------------------------------ */

struct open_container
{
  spc_json *value;
  size_t capacity;
};

struct tree_builder
{
  spc_json *root; /* everything built so far hangs off root */
  struct open_container stack[SPC_JSON_MAX_DEPTH];
  size_t depth;
  char *pending_key;
  const char *failure; /* why a callback stopped the parse */
  /* Value positions. A value starts at the first byte after the previous
   * token that is not whitespace, a ',' or ':' between tokens, or a
   * closing bracket (yajl takes no comments here). Where the previous
   * token ended is known without asking yajl for most tokens: numbers and
   * strings without escapes come as pointers into the text, containers
   * open with one byte and literals have fixed lengths. Only a string
   * with escapes (yajl hands over a decoded copy) takes
   * yajl_get_bytes_consumed(), which inside a callback is the end of the
   * token at hand. */
  yajl_handle handle;
  const char *text;
  size_t len;
  size_t scanned; /* the end of the previous token */
  /* spc_json_parse_members: the top-level members to build (NULL: all).
   * The value of any other is parsed, so checked, but not built:
   * skip_next says the next value is such a one, skipped how many of
   * its containers are open. */
  const char *const *keep;
  bool skip_next;
  size_t skipped;
};

static bool
kept_member (const struct tree_builder *b, const char *key, size_t len)
{
  for (const char *const *k = b->keep; *k; k++)
    if (strlen (*k) == len && memcmp (*k, key, len) == 0)
      return true;
  return false;
}

/* A value of a member not kept: not built (a scalar ends the skip, a
 * container's end does). */
static bool
skip_scalar (struct tree_builder *b)
{
  if (b->skipped)
    return true;
  bool skip = b->skip_next;
  b->skip_next = false;
  return skip;
}

/* What yajl skips between tokens: JSON's four, and \v and \f too. */
static bool
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static size_t
next_token (const struct tree_builder *b)
{
  size_t i = b->scanned;
  while (i < b->len
         && (is_json_space (b->text[i]) || b->text[i] == ',' || b->text[i] == ':'
             || b->text[i] == '}' || b->text[i] == ']'))
    i++;
  return i;
}

/* Where a token yajl passed as (token, len) starts, and the end of it
 * recorded. `quoted`: a string, whose quotes yajl has stripped. */
static size_t
token_start (struct tree_builder *b, const char *token, size_t len, bool quoted)
{
  uintptr_t at = (uintptr_t) token, text = (uintptr_t) b->text;
  if (at >= text + quoted && at + len + quoted <= text + b->len)
    {
      size_t start = at - text - quoted;
      b->scanned = start + len + 2 * quoted;
      return start;
    }
  size_t start = next_token (b);
  b->scanned = yajl_get_bytes_consumed (b->handle);
  return start;
}

/* The same for a token of known length (literals, opening brackets). */
static size_t
fixed_token_start (struct tree_builder *b, size_t len)
{
  size_t start = next_token (b);
  b->scanned = start + len;
  return start;
}

static spc_json *
new_value (struct tree_builder *b, enum spc_json_type type, size_t offset)
{
  spc_json *v = calloc (1, sizeof *v);
  if (v == NULL)
    b->failure = "out of memory";
  else
    {
      v->type = type;
      v->offset = offset > UINT32_MAX ? UINT32_MAX : (uint32_t) offset;
    }
  return v;
}

static bool
grow_container (struct open_container *c)
{
  size_t len = c->value->type == SPC_JSON_ARRAY ? c->value->u.array.len : c->value->u.object.len;
  if (len < c->capacity)
    return true;
  size_t cap = c->capacity ? c->capacity * 2 : 4;
  if (c->value->type == SPC_JSON_ARRAY)
    {
      spc_json **items = realloc (c->value->u.array.items, cap * sizeof *items);
      if (items == NULL)
        return false;
      c->value->u.array.items = items;
    }
  else
    {
      char **keys = realloc (c->value->u.object.keys, cap * sizeof *keys);
      if (keys == NULL)
        return false;
      c->value->u.object.keys = keys;
      spc_json **values = realloc (c->value->u.object.values, cap * sizeof *values);
      if (values == NULL)
        return false;
      c->value->u.object.values = values;
    }
  c->capacity = cap;
  return true;
}

/* Takes ownership of v in every case, so callers never clean up. */
static int
attach_value (struct tree_builder *b, spc_json *v)
{
  if (v == NULL)
    return 0;
  if (b->depth == 0)
    {
      b->root = v;
      return 1;
    }
  struct open_container *top = &b->stack[b->depth - 1];
  if (!grow_container (top))
    {
      spc_json_free (v);
      b->failure = "out of memory";
      return 0;
    }
  if (top->value->type == SPC_JSON_ARRAY)
    top->value->u.array.items[top->value->u.array.len++] = v;
  else
    {
      size_t i = top->value->u.object.len++;
      top->value->u.object.keys[i] = steal_pointer (&b->pending_key);
      top->value->u.object.values[i] = v;
    }
  return 1;
}

static int
on_null (void *ctx)
{
  size_t start = fixed_token_start (ctx, 4);
  if (skip_scalar (ctx))
    return 1;
  return attach_value (ctx, new_value (ctx, SPC_JSON_NULL, start));
}

static int
on_boolean (void *ctx, int value)
{
  size_t start = fixed_token_start (ctx, value ? 4 : 5);
  if (skip_scalar (ctx))
    return 1;
  spc_json *v = new_value (ctx, SPC_JSON_BOOL, start);
  if (v)
    v->u.boolean = value != 0;
  return attach_value (ctx, v);
}

static int
on_number (void *ctx, const char *text, size_t len)
{
  struct tree_builder *b = ctx;
  size_t start = token_start (b, text, len, false);
  if (skip_scalar (b))
    return 1;
  spc_json *v = new_value (b, SPC_JSON_NUMBER, start);
  if (v && (v->u.number = strndup (text, len)) == NULL)
    {
      free (v);
      v = NULL;
      b->failure = "out of memory";
    }
  return attach_value (b, v);
}

static int
on_string (void *ctx, const unsigned char *text, size_t len)
{
  struct tree_builder *b = ctx;
  size_t start = token_start (b, (const char *) text, len, true);
  if (skip_scalar (b))
    return 1;
  spc_json *v = new_value (b, SPC_JSON_STRING, start);
  if (v)
    {
      /* memcpy, not strndup: "\u0000" is legal JSON and must survive so
       * consumers can reject it instead of silently truncating. */
      v->u.string.str = malloc (len + 1);
      if (v->u.string.str == NULL)
        {
          free (v);
          v = NULL;
          b->failure = "out of memory";
        }
      else
        {
          memcpy (v->u.string.str, text, len);
          v->u.string.str[len] = '\0';
          v->u.string.len = len;
        }
    }
  return attach_value (b, v);
}

static int
open_container (struct tree_builder *b, enum spc_json_type type)
{
  if (b->depth + b->skipped == SPC_JSON_MAX_DEPTH)
    {
      b->failure = "nesting too deep";
      return 0;
    }
  size_t start = fixed_token_start (b, 1);
  if (b->skipped || b->skip_next)
    {
      b->skip_next = false;
      b->skipped++;
      return 1;
    }
  spc_json *v = new_value (b, type, start);
  if (!attach_value (b, v))
    return 0;
  b->stack[b->depth++] = (struct open_container){ .value = v };
  return 1;
}

static int
close_container (void *ctx)
{
  struct tree_builder *b = ctx;
  if (b->skipped)
    b->skipped--;
  else
    b->depth--;
  return 1;
}

static int
on_start_map (void *ctx)
{
  return open_container (ctx, SPC_JSON_OBJECT);
}

static int
on_start_array (void *ctx)
{
  return open_container (ctx, SPC_JSON_ARRAY);
}

static int
on_map_key (void *ctx, const unsigned char *key, size_t len)
{
  struct tree_builder *b = ctx;
  free (b->pending_key);
  b->pending_key = NULL;
  token_start (b, (const char *) key, len, true);
  if (b->skipped)
    return 1;
  if (b->keep && b->depth == 1 && !kept_member (b, (const char *) key, len))
    {
      b->skip_next = true;
      return 1;
    }
  b->pending_key = strndup ((const char *) key, len);
  if (b->pending_key == NULL)
    {
      b->failure = "out of memory";
      return 0;
    }
  return 1;
}

static const yajl_callbacks tree_callbacks = {
  .yajl_null = on_null,
  .yajl_boolean = on_boolean,
  .yajl_number = on_number, /* keeps the literal; integer/double unused */
  .yajl_string = on_string,
  .yajl_start_map = on_start_map,
  .yajl_map_key = on_map_key,
  .yajl_end_map = close_container,
  .yajl_start_array = on_start_array,
  .yajl_end_array = close_container,
};

void
spc_json_line_column (const char *buf, size_t len, size_t offset, size_t *line, size_t *column)
{
  size_t line_start = 0;
  if (offset > len)
    offset = len;
  *line = 1;
  for (const char *nl = buf; (nl = memchr (nl, '\n', offset - (size_t) (nl - buf))) != NULL; nl++)
    {
      (*line)++;
      line_start = (size_t) (nl - buf) + 1;
    }
  *column = offset - line_start + 1;
}

size_t
spc_json_key_offset (const char *buf, size_t len, size_t value_offset)
{
  size_t i = value_offset < len ? value_offset : len;
  while (i > 0 && is_json_space (buf[i - 1]))
    i--;
  if (i == 0 || buf[i - 1] != ':')
    return value_offset;
  i--;
  while (i > 0 && is_json_space (buf[i - 1]))
    i--;
  if (i == 0 || buf[i - 1] != '"')
    return value_offset;
  i--; /* the closing quote */
  /* Inside the key every quote is escaped, by an odd run of backslashes;
   * the first one going back that is not is the opening quote. */
  while (i > 0)
    {
      i--;
      if (buf[i] != '"')
        continue;
      size_t backslashes = 0;
      while (backslashes < i && buf[i - 1 - backslashes] == '\\')
        backslashes++;
      if (backslashes % 2 == 0)
        return i;
    }
  return value_offset;
}

/* yajl ends its messages with a newline (and, verbose, adds context lines);
 * our errors are single-line. */
static char *
yajl_reason (yajl_handle h, const char *buf, size_t len)
{
  unsigned char *text = yajl_get_error (h, 0, (const unsigned char *) buf, len);
  if (text == NULL)
    return strdup ("invalid JSON");
  char *reason = strndup ((const char *) text, strcspn ((const char *) text, "\r\n"));
  yajl_free_error (h, text);
  return reason;
}

static int
report_parse_error (yajl_handle h, const struct tree_builder *b, const char *buf, size_t len,
                    size_t offset, spc_err_t *err)
{
  size_t line, column;
  spc_json_line_column (buf, len, offset, &line, &column);
  if (b->failure)
    return spc_error_make (err, 0, "line %zu, column %zu: %s", line, column, b->failure);
  _cleanup_free_ char *reason = yajl_reason (h, buf, len);
  return spc_error_make (err, 0, "line %zu, column %zu: %s", line, column,
                         reason ? reason : "invalid JSON");
}

static void
yajl_freep (yajl_handle *h)
{
  if (*h)
    yajl_free (*h);
}

int
spc_json_parse (const char *buf, size_t len, spc_json **out, spc_err_t *err)
{
  return spc_json_parse_members (buf, len, NULL, out, err);
}

int
spc_json_parse_members (const char *buf, size_t len, const char *const *keep, spc_json **out,
                        spc_err_t *err)
{
  struct tree_builder b = { .text = buf, .len = len, .keep = keep };
  __attribute__ ((cleanup (yajl_freep))) yajl_handle h = yajl_alloc (&tree_callbacks, NULL, &b);
  if (h == NULL)
    return spc_error_make (err, ENOMEM, "json parser");
  b.handle = h;

  yajl_status st = yajl_parse (h, (const unsigned char *) buf, len);
  /* yajl stops just past the offending token; point at its last byte. */
  size_t offset = yajl_get_bytes_consumed (h);
  if (offset > 0)
    offset--;
  if (st == yajl_status_ok)
    {
      st = yajl_complete_parse (h);
      /* Errors found only at the end (truncated input) sit at the end. */
      offset = len;
    }

  int r = 0;
  if (st != yajl_status_ok)
    {
      r = report_parse_error (h, &b, buf, len, offset, err);
      spc_json_free (steal_pointer (&b.root));
    }
  free (b.pending_key);
  *out = b.root;
  return r;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

struct spc_json_writer
{
  char *buf;
  size_t len, cap;
  bool pretty;
  bool after_key; /* the next value completes a "key": pair */
  /* has_items[d]: the container open at depth d already holds an item, so
   * the next one needs a comma. */
  bool *has_items;
  size_t depth, depth_cap;
};

spc_json_writer *
spc_jw_new (bool pretty)
{
  spc_json_writer *w = xrealloc (NULL, sizeof *w);
  *w = (spc_json_writer){ .pretty = pretty };
  /* A state document (~2.5 KB) fits at once: no chain of reallocations,
   * each of which can reach fresh heap pages (a page fault each). */
  w->cap = 4096;
  w->buf = xrealloc (NULL, w->cap);
  w->buf[0] = '\0';
  return w;
}

void
spc_jw_free (spc_json_writer *w)
{
  if (w == NULL)
    return;
  free (w->buf);
  free (w->has_items);
  free (w);
}

static void
put_bytes (spc_json_writer *w, const char *s, size_t n)
{
  if (w->len + n + 1 > w->cap)
    {
      while (w->len + n + 1 > w->cap)
        w->cap *= 2;
      w->buf = xrealloc (w->buf, w->cap);
    }
  memcpy (w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void
put_char (spc_json_writer *w, char c)
{
  put_bytes (w, &c, 1);
}

static void
put_str (spc_json_writer *w, const char *s)
{
  put_bytes (w, s, strlen (s));
}

static void
put_newline_indent (spc_json_writer *w)
{
  put_char (w, '\n');
  for (size_t i = 0; i < w->depth; i++)
    put_bytes (w, "  ", 2);
}

/* Separator and indentation owed before the next key or array item. */
static void
begin_item (spc_json_writer *w)
{
  if (w->after_key)
    {
      w->after_key = false;
      return;
    }
  if (w->depth == 0)
    return;
  if (w->has_items[w->depth - 1])
    put_char (w, ',');
  w->has_items[w->depth - 1] = true;
  if (w->pretty)
    put_newline_indent (w);
}

static void
open_level (spc_json_writer *w, char bracket)
{
  begin_item (w);
  put_char (w, bracket);
  if (w->depth == w->depth_cap)
    {
      w->depth_cap = w->depth_cap ? w->depth_cap * 2 : 8;
      w->has_items = xrealloc (w->has_items, w->depth_cap * sizeof *w->has_items);
    }
  w->has_items[w->depth++] = false;
}

static void
close_level (spc_json_writer *w, char bracket)
{
  if (w->depth == 0)
    return; /* unbalanced call: keep the buffer well-formed so far */
  bool had_items = w->has_items[--w->depth];
  if (w->pretty && had_items)
    put_newline_indent (w);
  put_char (w, bracket);
}

void
spc_jw_begin_object (spc_json_writer *w)
{
  open_level (w, '{');
}

void
spc_jw_end_object (spc_json_writer *w)
{
  close_level (w, '}');
}

void
spc_jw_begin_array (spc_json_writer *w)
{
  open_level (w, '[');
}

void
spc_jw_end_array (spc_json_writer *w)
{
  close_level (w, ']');
}

static void
put_quoted (spc_json_writer *w, const char *s)
{
  put_char (w, '"');
  const char *run = s; /* bytes that need no escaping are copied in runs */
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      const char *esc = NULL;
      char hex[8];
      switch (c)
        {
        case '"':
          esc = "\\\"";
          break;
        case '\\':
          esc = "\\\\";
          break;
        case '\b':
          esc = "\\b";
          break;
        case '\f':
          esc = "\\f";
          break;
        case '\n':
          esc = "\\n";
          break;
        case '\r':
          esc = "\\r";
          break;
        case '\t':
          esc = "\\t";
          break;
        default:
          if (c < 0x20)
            {
              snprintf (hex, sizeof hex, "\\u%04x", c);
              esc = hex;
            }
        }
      if (esc)
        {
          put_bytes (w, run, (size_t) (s - run));
          put_str (w, esc);
          run = s + 1;
        }
    }
  put_bytes (w, run, (size_t) (s - run));
  put_char (w, '"');
}

void
spc_jw_key (spc_json_writer *w, const char *key)
{
  begin_item (w);
  put_quoted (w, key);
  put_str (w, w->pretty ? ": " : ":");
  w->after_key = true;
}

void
spc_jw_string (spc_json_writer *w, const char *s)
{
  begin_item (w);
  if (s == NULL)
    put_str (w, "null");
  else
    put_quoted (w, s);
}

void
spc_jw_int (spc_json_writer *w, int64_t v)
{
  char num[32];
  begin_item (w);
  snprintf (num, sizeof num, "%" PRId64, v);
  put_str (w, num);
}

void
spc_jw_uint (spc_json_writer *w, uint64_t v)
{
  char num[32];
  begin_item (w);
  snprintf (num, sizeof num, "%" PRIu64, v);
  put_str (w, num);
}

void
spc_jw_bool (spc_json_writer *w, bool v)
{
  begin_item (w);
  put_str (w, v ? "true" : "false");
}

void
spc_jw_null (spc_json_writer *w)
{
  begin_item (w);
  put_str (w, "null");
}

const char *
spc_jw_buffer (spc_json_writer *w, size_t *len)
{
  if (len)
    *len = w->len;
  return w->buf;
}

char *
spc_jw_steal (spc_json_writer *w, size_t *len)
{
  if (len)
    *len = w->len;
  char *r = w->buf;
  w->cap = 256;
  w->buf = xrealloc (NULL, w->cap);
  w->buf[0] = '\0';
  w->len = 0;
  return r;
}
