/* config.json loader: linux.seccomp. Names are validated against the spec's
 * vocabulary here, so a typo fails `create` with a precise path instead of
 * surfacing later as an opaque filter-load error. Syscall names are not
 * checked: they depend on the architecture and the libseccomp version, and
 * the filter code skips unknown ones as other runtimes do. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "config-internal.h"

static const char *const seccomp_actions[] = {
  "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
  NULL,
};

static const char *const seccomp_architectures[] = {
  "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
  NULL,
};

static const char *const seccomp_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

static const char *const seccomp_operators[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
  NULL,
};

const char *
spc_config_seccomp_name (enum spc_seccomp_vocabulary v, size_t i)
{
  static const char *const *const tables[] = {
    [SPC_SECCOMP_ACTIONS] = seccomp_actions,
    [SPC_SECCOMP_OPERATORS] = seccomp_operators,
    [SPC_SECCOMP_ARCHITECTURES] = seccomp_architectures,
    [SPC_SECCOMP_FLAGS] = seccomp_flags,
  };
  if ((unsigned) v >= sizeof tables / sizeof *tables)
    return NULL;
  /* Each table ends with NULL: stop there. */
  for (size_t j = 0; j < i; j++)
    if (tables[v][j] == NULL)
      return NULL;
  return tables[v][i];
}

/* The kernel passes six syscall arguments. */
#define SECCOMP_MAX_ARG_INDEX 5

static bool
name_in (const char *name, const char *const *names)
{
  for (; *names; names++)
    if (strcmp (*names, name) == 0)
      return true;
  return false;
}

static int
check_name (const char *name, const char *const *names, const char *what,
            const struct jpath *p, spc_err_t *err)
{
  if (!name_in (name, names))
    return config_fail (p, err, "unknown %s \"%s\"", what, name);
  return 0;
}

static int
check_names (char **values, const char *const *names, const char *what, const struct jpath *p,
             spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  for (size_t i = 0; values[i]; i++)
    CONFIG_TRY (&st, check_name (values[i], names, what, JPATH_INDEX_OF (p, i), err));
  return st.failed ? -1 : 0;
}

static int
parse_action (const spc_json *v, const char *key, const struct jpath *p, char **out,
              spc_err_t *err)
{
  if (config_req_string (v, key, p, out, err) < 0)
    return -1;
  return check_name (*out, seccomp_actions, "action", JPATH_MEMBER_OF (p, key), err);
}

static int
parse_arg (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_seccomp_arg *arg = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  int index = config_req_uint32 (v, "index", p, &arg->index, err);
  CONFIG_TRY (&st, index);
  if (index == 0 && arg->index > SECCOMP_MAX_ARG_INDEX)
    CONFIG_TRY (&st, config_fail (JPATH_MEMBER_OF (p, "index"), err, "out of range"));
  CONFIG_TRY (&st, config_req_uint64 (v, "value", p, &arg->value, err));
  CONFIG_TRY (&st, config_opt_uint64 (v, "valueTwo", p, NULL, &arg->value_two, err));
  CONFIG_TRY (&st, config_req_string (v, "op", p, &arg->op, err));
  if (arg->op)
    CONFIG_TRY (&st, check_name (arg->op, seccomp_operators, "operator",
                                 JPATH_MEMBER_OF (p, "op"), err));
  return st.failed ? -1 : 0;
}

static int
parse_syscall_names (const spc_json *v, const struct jpath *p, struct spc_seccomp_syscall *sc,
                     spc_err_t *err)
{
  const spc_json *names = config_member (v, "names");
  const struct jpath *here = JPATH_MEMBER_OF (p, "names");
  if (names == NULL)
    return config_fail (here, err, "required");
  if (names->type == SPC_JSON_ARRAY && names->u.array.len == 0)
    return config_fail (here, err, "must be a non-empty array");
  return config_opt_strv (v, "names", p, &sc->names, &sc->n_names, err);
}

static int
parse_syscall (const spc_json *v, const struct jpath *p, void *elem, spc_err_t *err)
{
  struct spc_seccomp_syscall *sc = elem;
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, parse_syscall_names (v, p, sc, err));
  CONFIG_TRY (&st, parse_action (v, "action", p, &sc->action, err));
  CONFIG_TRY (&st, config_opt_uint32 (v, "errnoRet", p, &sc->has_errno_ret, &sc->errno_ret, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "args", p, parse_arg, &sc->args, &sc->n_args, err));
  return st.failed ? -1 : 0;
}

int
config_parse_seccomp (const spc_json *v, const struct jpath *p, struct spc_seccomp *s,
                      spc_err_t *err)
{
  struct config_steps st = CONFIG_STEPS (p, err);
  if (config_expect (v, SPC_JSON_OBJECT, p, err) < 0)
    return -1;
  CONFIG_TRY (&st, parse_action (v, "defaultAction", p, &s->default_action, err));
  CONFIG_TRY (&st, config_opt_uint32 (v, "defaultErrnoRet", p, &s->has_default_errno_ret,
                                      &s->default_errno_ret, err));
  /* Names are checked only in vectors that parsed whole: after a dropped
   * element the indexes would not be the document's. */
  if (config_opt_strv (v, "architectures", p, &s->architectures, &s->n_architectures, err) == 0)
    CONFIG_TRY (&st, check_names (s->architectures, seccomp_architectures, "architecture",
                                  JPATH_MEMBER_OF (p, "architectures"), err));
  else
    CONFIG_TRY (&st, -1);
  if (config_opt_strv (v, "flags", p, &s->flags, &s->n_flags, err) == 0)
    CONFIG_TRY (&st, check_names (s->flags, seccomp_flags, "flag", JPATH_MEMBER_OF (p, "flags"),
                                  err));
  else
    CONFIG_TRY (&st, -1);
  CONFIG_TRY (&st, config_opt_string (v, "listenerPath", p, &s->listener_path, err));
  CONFIG_TRY (&st, config_opt_string (v, "listenerMetadata", p, &s->listener_metadata, err));
  CONFIG_TRY (&st, CONFIG_OPT_ARRAY (v, "syscalls", p, parse_syscall, &s->syscalls,
                                     &s->n_syscalls, err));
  if (st.failed)
    return -1;
  /* The notify fd has to go somewhere. */
  bool notifies = strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0;
  for (size_t i = 0; i < s->n_syscalls; i++)
    notifies |= strcmp (s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0;
  if (notifies && s->listener_path == NULL)
    return config_fail (JPATH_MEMBER_OF (p, "listenerPath"), err,
                        "required with SCMP_ACT_NOTIFY");
  if (s->listener_path && !config_is_absolute (s->listener_path))
    return config_fail (JPATH_MEMBER_OF (p, "listenerPath"), err, "must be an absolute path");
  return 0;
}

void
config_seccomp_free (struct spc_seccomp *s)
{
  free (s->default_action);
  config_strv_free (s->architectures);
  config_strv_free (s->flags);
  free (s->listener_path);
  free (s->listener_metadata);
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      struct spc_seccomp_syscall *sc = &s->syscalls[i];
      config_strv_free (sc->names);
      free (sc->action);
      for (size_t j = 0; j < sc->n_args; j++)
        free (sc->args[j].op);
      free (sc->args);
    }
  free (s->syscalls);
}
