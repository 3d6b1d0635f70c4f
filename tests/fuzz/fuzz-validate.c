/* libFuzzer entry point for `spacer validate`: any byte string must be
 * validated without crashing or leaking, every JSON value must know where
 * it starts, and the verdict must be the loader's. The loader accepts the input exactly when validate reports no
 * error, and when it refuses it, the one error it stops at is among
 * validate's, word for word. A disagreement aborts (a "crash" to the
 * fuzzer and to the corpus replay). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/json.h"
#include "spacer/log.h"
#include "spacer/validate.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The loader's message for diagnostic d: "config.json: PATH: what", or
 * "config.json: line L, column C: what" for a JSON syntax error. */
static bool
same_message (const char *loader, const struct spc_diag *d)
{
  char *text = NULL;
  int r;
  if (d->path[0])
    r = asprintf (&text, "config.json: %s: %s", d->path, d->message);
  else
    r = asprintf (&text, "config.json: %s", d->message);
  if (r < 0)
    abort ();
  bool same = strcmp (text, loader) == 0;
  free (text);
  if (same || d->path[0])
    return same;
  /* Syntax errors: the loader's "line L, column C: " prefix is validate's
   * line and column. */
  if (asprintf (&text, "config.json: line %zu, column %zu: %s", d->line, d->column, d->message) < 0)
    abort ();
  same = strcmp (text, loader) == 0;
  free (text);
  return same;
}

/* Every value's offset is where its text starts: a bracket, a quote, a
 * digit or minus sign, or the first letter of its literal. */
static void
check_offsets (const char *buf, size_t len, const spc_json *v)
{
  static const char *const starts[] = {
    [SPC_JSON_NULL] = "n", [SPC_JSON_BOOL] = "tf", [SPC_JSON_NUMBER] = "-0123456789",
    [SPC_JSON_STRING] = "\"", [SPC_JSON_ARRAY] = "[", [SPC_JSON_OBJECT] = "{",
  };
  if (v->offset >= len || buf[v->offset] == '\0' || strchr (starts[v->type], buf[v->offset]) == NULL)
    {
      fprintf (stderr, "a %s at offset %u, which holds 0x%02x\n", spc_json_type_name (v->type),
               v->offset, v->offset < len ? (unsigned char) buf[v->offset] : 0);
      abort ();
    }
  if (v->type == SPC_JSON_ARRAY)
    for (size_t i = 0; i < v->u.array.len; i++)
      check_offsets (buf, len, v->u.array.items[i]);
  if (v->type == SPC_JSON_OBJECT)
    for (size_t i = 0; i < v->u.object.len; i++)
      {
        check_offsets (buf, len, v->u.object.values[i]);
        size_t key = spc_json_key_offset (buf, len, v->u.object.values[i]->offset);
        if (key >= v->u.object.values[i]->offset || buf[key] != '"')
          {
            fprintf (stderr, "the key of the value at %u is not at %zu\n",
                     v->u.object.values[i]->offset, key);
            abort ();
          }
      }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static bool quiet;
  if (!quiet)
    quiet = spc_log_init ("/dev/null", SPC_LOG_FORMAT_TEXT, false) == 0;

  spc_json *doc = NULL;
  spc_err_t parse_err = NULL;
  if (spc_json_parse ((const char *) data, size, &doc, &parse_err) == 0)
    check_offsets ((const char *) data, size, doc);
  spc_json_free (doc);
  spc_error_free (&parse_err);

  struct spc_config *c = NULL;
  spc_err_t load_err = NULL;
  bool loads = spc_config_load_buffer ((const char *) data, size, "config.json", &c, &load_err) == 0;
  spc_config_free (c);

  struct spc_diags diags = { 0 };
  spc_err_t err = NULL;
  const struct spc_validate_options o = { .display_name = "config.json", .rootfs_dirfd = -1 };
  if (spc_validate_buffer ((const char *) data, size, &o, &diags, &err) < 0)
    abort (); /* only a system error gets here */
  size_t errors = spc_diags_count (&diags, SPC_DIAG_ERROR);
  if (loads != (errors == 0))
    {
      fprintf (stderr, "loader %s, validate reports %zu errors\n", loads ? "accepts" : "refuses",
               errors);
      abort ();
    }
  /* Messages past spc_error's bound are shortened in the middle. */
  if (!loads && load_err && strlen (load_err->msg) < 1000)
    {
      bool found = false;
      for (size_t i = 0; i < diags.len && !found; i++)
        found = diags.items[i].severity == SPC_DIAG_ERROR
                && same_message (load_err->msg, &diags.items[i]);
      if (!found)
        {
          fprintf (stderr, "the loader's error is not among validate's: %s\n", load_err->msg);
          abort ();
        }
    }
  spc_diags_free (&diags);
  spc_error_free (&load_err);
  spc_error_free (&err);
  return 0;
}
