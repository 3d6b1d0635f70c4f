/* Shared by the config loader files (config*.c) only.
 *
 * The loader parses straight into a zeroed struct spc_config: every
 * allocation is linked into the struct the moment it is made, so on any
 * error the caller frees the half-built config with spc_config_free() and
 * nothing leaks, without per-function unwinding.
 *
 * Error locations are a chain of stack-allocated path segments built on the
 * way down; the text "config.json: linux.namespaces[2].type" is only
 * rendered when something is wrong, so a valid file costs no formatting. */
#ifndef SPACER_CONFIG_INTERNAL_H
#define SPACER_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spacer/config.h"
#include "spacer/json.h"
#include "spacer/validate.h"

enum jpath_kind
{
  JPATH_FILE,   /* the root: key is the file's display name */
  JPATH_MEMBER, /* .key */
  JPATH_INDEX,  /* [index] */
  JPATH_MAPKEY, /* ["key"], for free-form maps such as annotations */
};

struct config_collect;

struct jpath
{
  const struct jpath *parent;
  enum jpath_kind kind;
  const char *key;
  size_t index;
  /* Only on the JPATH_FILE root: non-NULL in collect mode. */
  struct config_collect *collect;
};

/* Child segments live in the caller's block (compound literals). */
#define JPATH_MEMBER_OF(p, k) (&(const struct jpath){ .parent = (p), .kind = JPATH_MEMBER, .key = (k) })
#define JPATH_INDEX_OF(p, i) (&(const struct jpath){ .parent = (p), .kind = JPATH_INDEX, .index = (i) })
#define JPATH_MAPKEY_OF(p, k) (&(const struct jpath){ .parent = (p), .kind = JPATH_MAPKEY, .key = (k) })

/* Collect mode (spacer validate, spc_config_check): config_fail() and
 * config_warn() record a diagnostic in the root's sink instead of setting
 * *err or logging, and the parse goes on with the next member or array
 * element, so one pass reports every problem. The default mode (create)
 * stops at the first failure with exactly the message it always had.
 *
 * Each parse function runs its independent steps through CONFIG_TRY on a
 * config_steps: a failed step returns -1 at once in the default mode (or on
 * a system error such as ENOMEM, which sets *err in both modes), and in
 * collect mode marks the object failed and carries on. Checks across
 * members run only when no step before them failed ("if (st.failed) return
 * -1"): they need the values those steps would have produced. A half-built
 * object stays freeable, as the loader always guarantees. */
struct config_steps
{
  const struct jpath *p;
  spc_err_t *err;
  bool failed;
};
#define CONFIG_STEPS(path, e) { .p = (path), .err = (e) }
/* After a step failed: true when the caller must return -1 now. */
bool config_stop (struct config_steps *st);
#define CONFIG_TRY(st, expr)                                                                  \
  do                                                                                          \
    {                                                                                         \
      if ((expr) < 0 && config_stop (st))                                                     \
        return -1;                                                                            \
    }                                                                                         \
  while (0)
bool config_collecting (const struct jpath *p);

/* "<name>: <path>: <what>"; returns -1. */
int config_fail (const struct jpath *p, spc_err_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* spc_warn("<name>: <path>: <what>"). */
void config_warn (const struct jpath *p, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* A member that is present and not null (null reads as absent, like the Go
 * decoders that write these files). */
const spc_json *config_member (const spc_json *obj, const char *key);

int config_expect (const spc_json *v, enum spc_json_type type, const struct jpath *p, spc_err_t *err);

/* Conversions of a single value at path p. */
int config_to_string (const spc_json *v, const struct jpath *p, char **out, spc_err_t *err);
int config_to_bool (const spc_json *v, const struct jpath *p, bool *out, spc_err_t *err);
int config_to_int64 (const spc_json *v, const struct jpath *p, int64_t min, int64_t max,
                     int64_t *out, spc_err_t *err);
int config_to_uint64 (const spc_json *v, const struct jpath *p, uint64_t max, uint64_t *out,
                      spc_err_t *err);

/* Members of obj. `has` may be NULL; it is set only when the member is
 * present. The req_* forms fail with "required" when it is absent. */
int config_opt_string (const spc_json *obj, const char *key, const struct jpath *p, char **out,
                       spc_err_t *err);
int config_req_string (const spc_json *obj, const char *key, const struct jpath *p, char **out,
                       spc_err_t *err);
int config_opt_bool (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                     bool *out, spc_err_t *err);
int config_opt_int64 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                      int64_t *out, spc_err_t *err);
int config_req_int64 (const spc_json *obj, const char *key, const struct jpath *p, int64_t *out,
                      spc_err_t *err);
int config_opt_uint64 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                       uint64_t *out, spc_err_t *err);
int config_req_uint64 (const spc_json *obj, const char *key, const struct jpath *p,
                       uint64_t *out, spc_err_t *err);
int config_opt_uint32 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                       uint32_t *out, spc_err_t *err);
int config_req_uint32 (const spc_json *obj, const char *key, const struct jpath *p,
                       uint32_t *out, spc_err_t *err);
int config_opt_uint16 (const spc_json *obj, const char *key, const struct jpath *p, bool *has,
                       uint16_t *out, spc_err_t *err);

/* A string vector; always allocated (empty when the member is absent) so
 * consumers can hand it to execve() without a NULL check. */
int config_opt_strv (const spc_json *obj, const char *key, const struct jpath *p, char ***out,
                     size_t *n, spc_err_t *err);

/* An array of structs. The zeroed array of full length is stored in the
 * caller's pointer before any element is parsed, so a failure part-way
 * leaves only freeable elements behind. `out_array` is the address of the
 * caller's typed pointer (T **); use CONFIG_OPT_ARRAY, which checks that. */
typedef int (*config_elem_fn) (const spc_json *v, const struct jpath *p, void *elem,
                               spc_err_t *err);
int config_opt_array (const spc_json *obj, const char *key, const struct jpath *p,
                      size_t elem_size, config_elem_fn parse_elem, void *out_array, size_t *n,
                      spc_err_t *err);
#define CONFIG_OPT_ARRAY(obj, member, p, parse_elem, arrp, np, err)                           \
  config_opt_array ((obj), (member), (p), sizeof **(arrp), (parse_elem), (arrp), (np), (err))

/* A {"string": "string"} object into an array of structs with char *key and
 * char *value members, in document order (lookups take the last match, as
 * for duplicated JSON keys). */
int config_opt_string_map (const spc_json *obj, const char *key, const struct jpath *p,
                           size_t elem_size, size_t key_offset, size_t value_offset,
                           void *out_array, size_t *n, spc_err_t *err);
#define CONFIG_OPT_STRING_MAP(obj, member, p, arrp, np, err)                                  \
  config_opt_string_map ((obj), (member), (p), sizeof **(arrp),                                   \
                         offsetof (__typeof__ (**(arrp)), key),                                \
                         offsetof (__typeof__ (**(arrp)), value), (arrp), (np), (err))

int config_parse_id_mapping (const spc_json *v, const struct jpath *p, void *elem,
                             spc_err_t *err);
/* Ranges within 32 bits and overlapping no other on either side. */
int config_check_id_mappings (const struct spc_id_mapping *m, size_t n, const struct jpath *p,
                              spc_err_t *err);
bool config_is_absolute (const char *path);
/* MS_PRIVATE, MS_SHARED|MS_REC, ... for "private", "rshared", ...; 0 if
 * the name is not a propagation mode. */
unsigned long config_propagation_from_name (const char *name);

void config_strv_free (char **v);

/* Collect mode's entry (config.c): runs the loader over doc with every
 * failure recorded in collect (see spc_config_check). */
struct config_collect
{
  const spc_json *doc;
  struct spc_diags *diags;
};
int config_record (const struct jpath *p, enum spc_diag_severity severity, const char *message,
                   spc_err_t *err);

/* Sections in their own files. */
int config_parse_linux (const spc_json *v, const struct jpath *p, struct spc_linux *out,
                        spc_err_t *err);
void config_linux_free (struct spc_linux *l);
int config_parse_resources (const spc_json *v, const struct jpath *p, struct spc_resources *out,
                            spc_err_t *err);
void config_resources_free (struct spc_resources *r);
int config_parse_seccomp (const spc_json *v, const struct jpath *p, struct spc_seccomp *out,
                          spc_err_t *err);
void config_seccomp_free (struct spc_seccomp *s);

#endif
