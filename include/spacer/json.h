/* The only JSON interface in spacer. The parser builds a small tree of our
 * own types, so nothing outside src/lib/json.c knows which JSON library is
 * behind it (today yajl; swapping it means rewriting that one file). */
#ifndef SPACER_JSON_H
#define SPACER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spacer/error.h"

enum spc_json_type
{
  SPC_JSON_NULL,
  SPC_JSON_BOOL,
  SPC_JSON_NUMBER,
  SPC_JSON_STRING,
  SPC_JSON_ARRAY,
  SPC_JSON_OBJECT,
};

typedef struct spc_json spc_json;

struct spc_json
{
  enum spc_json_type type;
  /* Where the value starts in the parsed text (its first byte: the quote,
   * bracket, digit or letter), for diagnostics that point into the file.
   * It sits in the padding after `type`, so it costs nothing; documents
   * past 4 GiB saturate at UINT32_MAX. */
  uint32_t offset;
  union
  {
    bool boolean;
    char *number; /* the literal text; callers convert with range checks */
    struct
    {
      char *str;
      size_t len; /* strings may hold NUL bytes; len excludes the final NUL */
    } string;
    struct
    {
      spc_json **items;
      size_t len;
    } array;
    struct
    {
      char **keys;
      spc_json **values;
      size_t len;
    } object;
  } u;
};

/* Parse a whole document. On error the message reads
 * "line L, column C: <reason>" (1-based). */
int spc_json_parse (const char *buf, size_t len, spc_json **out, spc_err_t *err);
/* The same, every byte checked alike, but of a top-level object only the
 * members named in keep (NULL-terminated) are built: a reader that needs
 * a few saves building the rest. */
int spc_json_parse_members (const char *buf, size_t len, const char *const *keep, spc_json **out,
                            spc_err_t *err);
void spc_json_free (spc_json *v);

/* 1-based line and column (in bytes) of offset in buf, as parse errors
 * count them. */
void spc_json_line_column (const char *buf, size_t len, size_t offset, size_t *line,
                           size_t *column);
/* Offset of the key (its opening quote) whose value starts at
 * value_offset in buf, an object's member; value_offset itself when the
 * text before it is not `"key":`. */
size_t spc_json_key_offset (const char *buf, size_t len, size_t value_offset);

/* Last value stored under key (NULL if absent or v is not an object). */
spc_json *spc_json_get (const spc_json *obj, const char *key);

const char *spc_json_type_name (enum spc_json_type t);

/* Number conversions: < 0 if the literal is not an integer in range. */
int spc_json_to_int64 (const spc_json *v, int64_t *out);
int spc_json_to_uint64 (const spc_json *v, uint64_t *out);

/* A streaming writer into a growing buffer, for state, spec and log output.
 * The writer inserts commas itself; `pretty` indents with two spaces. */
typedef struct spc_json_writer spc_json_writer;

spc_json_writer *spc_jw_new (bool pretty);
void spc_jw_free (spc_json_writer *w);
void spc_jw_begin_object (spc_json_writer *w);
void spc_jw_end_object (spc_json_writer *w);
void spc_jw_begin_array (spc_json_writer *w);
void spc_jw_end_array (spc_json_writer *w);
void spc_jw_key (spc_json_writer *w, const char *key);
void spc_jw_string (spc_json_writer *w, const char *s);
void spc_jw_int (spc_json_writer *w, int64_t v);
void spc_jw_uint (spc_json_writer *w, uint64_t v);
void spc_jw_bool (spc_json_writer *w, bool v);
void spc_jw_null (spc_json_writer *w);
/* The finished text, NUL-terminated; *len may be NULL. Owned by the writer
 * unless taken with spc_jw_steal(). Aborts only on out-of-memory. */
const char *spc_jw_buffer (spc_json_writer *w, size_t *len);
char *spc_jw_steal (spc_json_writer *w, size_t *len);

static inline void spc_json_freep (spc_json **v) { spc_json_free (*v); }
static inline void spc_jw_freep (spc_json_writer **w) { spc_jw_free (*w); }
#define _cleanup_json_ __attribute__ ((cleanup (spc_json_freep)))
#define _cleanup_jw_ __attribute__ ((cleanup (spc_jw_freep)))

#endif
