#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/json.h"
#include "spacer/log.h"
#include "spacer/seccomp.h"
#include "spacer/status.h"
#include "spacer/utils.h"

/* What the kernel loads: the program and seccomp(2)'s flags. libseccomp
 * only compiles; loading is one system call, the same for a program
 * compiled now and one from the cache. */
struct spc_seccomp_filter
{
  struct spc_seccomp_program program;
  unsigned flags; /* SECCOMP_FILTER_FLAG_* */
  bool notifies;
};

/* ---- names into libseccomp's values ---- */

void
spc_seccomp_library_version (char *buf, size_t size)
{
  const struct scmp_version *v = seccomp_version ();
  if (v == NULL)
    snprintf (buf, size, "unknown");
  else
    snprintf (buf, size, "%u.%u.%u", v->major, v->minor, v->micro);
}

static bool
is_action (const char *name, const char *action)
{
  return strcmp (name, action) == 0;
}

/* errnoRet defaults to EPERM, as in runc. Names were checked at load. */
static uint32_t
action_value (const char *name, bool has_ret, uint32_t ret)
{
  if (is_action (name, "SCMP_ACT_KILL") || is_action (name, "SCMP_ACT_KILL_THREAD"))
    return SCMP_ACT_KILL_THREAD;
  if (is_action (name, "SCMP_ACT_KILL_PROCESS"))
    return SCMP_ACT_KILL_PROCESS;
  if (is_action (name, "SCMP_ACT_TRAP"))
    return SCMP_ACT_TRAP;
  if (is_action (name, "SCMP_ACT_ERRNO"))
    return SCMP_ACT_ERRNO (has_ret ? ret : EPERM);
  if (is_action (name, "SCMP_ACT_TRACE"))
    return SCMP_ACT_TRACE (has_ret ? ret : EPERM);
  if (is_action (name, "SCMP_ACT_LOG"))
    return SCMP_ACT_LOG;
  if (is_action (name, "SCMP_ACT_NOTIFY"))
    return SCMP_ACT_NOTIFY;
  return SCMP_ACT_ALLOW;
}

static enum scmp_compare
operator_value (const char *op)
{
  static const struct
  {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (strcmp (ops[i].name, op) == 0)
      return ops[i].op;
  return SCMP_CMP_EQ;
}

/* "SCMP_ARCH_X86_64" is libseccomp's "x86_64"; 0 when it does not know it. */
uint32_t
spc_seccomp_arch_token (const char *name)
{
  char lower[64];
  const char *p = strncmp (name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
  size_t i = 0;
  for (; p[i] && i < sizeof lower - 1; i++)
    lower[i] = (char) tolower ((unsigned char) p[i]);
  lower[i] = '\0';
  return seccomp_arch_resolve_name (lower);
}

bool
spc_seccomp_notifies (const struct spc_seccomp *s)
{
  if (s == NULL)
    return false;
  if (is_action (s->default_action, "SCMP_ACT_NOTIFY"))
    return true;
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (is_action (s->syscalls[i].action, "SCMP_ACT_NOTIFY"))
      return true;
  return false;
}

/* ---- building ---- */

/* The linux.seccomp.flags spacer passes on to seccomp(2); the others the
 * config knows (config-seccomp.c) are warned about and ignored. */
static const struct
{
  const char *name;
  unsigned flag;
} filter_flag_names[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
};

static unsigned
filter_flag_value (const char *name)
{
  for (size_t i = 0; i < sizeof filter_flag_names / sizeof *filter_flag_names; i++)
    if (strcmp (filter_flag_names[i].name, name) == 0)
      return filter_flag_names[i].flag;
  return 0;
}

/* linux.seccomp.flags as seccomp(2) takes them. */
static unsigned
filter_flags (const struct spc_seccomp *s)
{
  unsigned flags = 0;
  for (size_t i = 0; i < s->n_flags; i++)
    {
      unsigned flag = filter_flag_value (s->flags[i]);
      if (flag == 0)
        spc_warn ("linux.seccomp.flags[%zu]: %s is not supported, ignored", i, s->flags[i]);
      flags |= flag;
    }
  if (spc_seccomp_notifies (s))
    {
      flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* The kernel takes TSYNC with a listener only in this form: a
       * thread that cannot sync fails the call with ESRCH, not its tid
       * (which would be mistaken for the listener's fd). */
      if (flags & SECCOMP_FILTER_FLAG_TSYNC)
        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
  return flags;
}

bool
spc_seccomp_flag_supported (const char *name)
{
  unsigned flag = filter_flag_value (name);
  if (flag == 0)
    return false;
  /* libseccomp's own probe: the kernel checks the flags before it reads
   * the program, so a NULL one fails with EFAULT for a flag it knows and
   * EINVAL for one it does not, and nothing is installed either way. */
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static int
add_architectures (const struct spc_seccomp *s, scmp_filter_ctx ctx, spc_err_t *err)
{
  for (size_t i = 0; i < s->n_architectures; i++)
    {
      uint32_t arch = spc_seccomp_arch_token (s->architectures[i]);
      if (arch == 0)
        {
          spc_debug ("linux.seccomp.architectures[%zu]: %s unknown to libseccomp, skipped", i,
                     s->architectures[i]);
          continue;
        }
      int r = seccomp_arch_add (ctx, arch);
      if (r < 0 && r != -EEXIST)
        return spc_error_make (err, -r, "linux.seccomp.architectures[%zu]: %s", i,
                               s->architectures[i]);
    }
  return 0;
}

/* libseccomp takes one comparison per argument in a rule: comparisons of
 * the same argument become one rule each (any of them matches), the way
 * runc reads such a rule. */
static bool
repeats_an_argument (const struct spc_seccomp_syscall *sc)
{
  for (size_t i = 0; i < sc->n_args; i++)
    for (size_t j = 0; j < i; j++)
      if (sc->args[i].index == sc->args[j].index)
        return true;
  return false;
}

static struct scmp_arg_cmp
comparison (const struct spc_seccomp_arg *a)
{
  return (struct scmp_arg_cmp){ .arg = a->index, .op = operator_value (a->op),
                                .datum_a = a->value, .datum_b = a->value_two };
}

static int
add_rule (scmp_filter_ctx ctx, uint32_t action, int nr, const struct spc_seccomp_syscall *sc,
          const char *name, size_t i, spc_err_t *err)
{
  struct scmp_arg_cmp cmps[6];
  int r = 0;
  if (repeats_an_argument (sc))
    for (size_t a = 0; r == 0 && a < sc->n_args; a++)
      {
        cmps[0] = comparison (&sc->args[a]);
        r = seccomp_rule_add_array (ctx, action, nr, 1, cmps);
      }
  else
    {
      for (size_t a = 0; a < sc->n_args && a < 6; a++)
        cmps[a] = comparison (&sc->args[a]);
      r = seccomp_rule_add_array (ctx, action, nr, (unsigned) sc->n_args, cmps);
    }
  if (r < 0)
    return spc_error_make (err, -r, "linux.seccomp.syscalls[%zu]: %s", i, name);
  return 0;
}

static int
add_syscalls (const struct spc_seccomp *s, scmp_filter_ctx ctx, uint32_t default_action,
              spc_err_t *err)
{
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      const struct spc_seccomp_syscall *sc = &s->syscalls[i];
      uint32_t action = action_value (sc->action, sc->has_errno_ret, sc->errno_ret);
      /* libseccomp refuses a rule that repeats the default. */
      if (action == default_action)
        continue;
      for (size_t n = 0; n < sc->n_names; n++)
        {
          int nr = seccomp_syscall_resolve_name (sc->names[n]);
          if (nr == __NR_SCMP_ERROR)
            {
              spc_debug ("linux.seccomp.syscalls[%zu]: syscall %s unknown here, skipped", i,
                         sc->names[n]);
              continue;
            }
          if (add_rule (ctx, action, nr, sc, sc->names[n], i, err) < 0)
            return -1;
        }
    }
  return 0;
}

/* Everything build_context sets besides the profile; the cache's keys
 * include it, so a change here must change this text. */
const char *
spc_seccomp_compile_options (void)
{
  return "nnp=0 optimize=2";
}

static int
build_context (const struct spc_seccomp *s, scmp_filter_ctx *out, spc_err_t *err)
{
  uint32_t default_action
      = action_value (s->default_action, s->has_default_errno_ret, s->default_errno_ret);
  scmp_filter_ctx ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return spc_error_make (err, EINVAL, "linux.seccomp.defaultAction: %s", s->default_action);
  /* no_new_privs is process.noNewPrivileges' business, not the filter's.
   * A binary tree over the syscall numbers, not libseccomp's default
   * linear chain: compiling is paid once (the cache), the chain on every
   * system call of the container and when the kernel works out which
   * calls it may allow without running the filter at all. */
  int r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (r == 0)
    r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (r < 0)
    {
      seccomp_release (ctx);
      return spc_error_make (err, -r, "linux.seccomp: libseccomp attributes");
    }
  if (add_architectures (s, ctx, err) < 0 || add_syscalls (s, ctx, default_action, err) < 0)
    {
      seccomp_release (ctx);
      return -1;
    }
  *out = ctx;
  return 0;
}

bool
spc_seccomp_program_size_ok (size_t len)
{
  return len > 0 && len % sizeof (struct sock_filter) == 0
         && len / sizeof (struct sock_filter) <= BPF_MAXINSNS;
}

/* libseccomp writes its program to a file descriptor; read it back from
 * there (2.5 has no export to memory). */
static int
read_program (int fd, struct spc_seccomp_program *p, spc_err_t *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "linux.seccomp: the compiled program");
  size_t len = (size_t) st.st_size;
  if (!spc_seccomp_program_size_ok (len))
    return spc_error_make (err, E2BIG, "linux.seccomp: libseccomp compiled a program of %zu bytes",
                           len);
  p->insns = malloc (len);
  if (p->insns == NULL)
    return spc_error_errno (err, "malloc");
  if (pread (fd, p->insns, len, 0) != (ssize_t) len)
    return spc_error_errno (err, "linux.seccomp: read the compiled program");
  p->n_insns = len / sizeof (struct sock_filter);
  return 0;
}

/* libseccomp's part: rules in, BPF out (into export_fd when the runtime
 * gave one to cache it from, else into a memfd of our own). */
static int
compile_program (const struct spc_seccomp *s, int export_fd, struct spc_seccomp_program *p,
                 spc_err_t *err)
{
  scmp_filter_ctx ctx = NULL;
  if (build_context (s, &ctx, err) < 0)
    return -1;
  _cleanup_close_ int own_fd = -1;
  if (export_fd < 0 && (export_fd = own_fd = memfd_create ("spacer-seccomp", MFD_CLOEXEC)) < 0)
    {
      seccomp_release (ctx);
      return spc_error_errno (err, "memfd_create");
    }
  int r = seccomp_export_bpf (ctx, export_fd);
  seccomp_release (ctx);
  if (r < 0)
    return spc_error_make (err, -r, "linux.seccomp: compile the filter");
  return read_program (export_fd, p, err);
}

int
spc_seccomp_build (const struct spc_seccomp *s, const struct spc_seccomp_program *cached,
                   int export_fd, struct spc_seccomp_filter **out, spc_err_t *err)
{
  struct spc_seccomp_filter *f = calloc (1, sizeof *f);
  if (f == NULL)
    return spc_error_errno (err, "calloc");
  f->flags = filter_flags (s);
  f->notifies = spc_seccomp_notifies (s);
  int r = 0;
  if (cached && cached->n_insns > 0)
    {
      size_t len = cached->n_insns * sizeof *cached->insns;
      if ((f->program.insns = malloc (len)) == NULL)
        r = spc_error_errno (err, "malloc");
      else
        {
          memcpy (f->program.insns, cached->insns, len);
          f->program.n_insns = cached->n_insns;
        }
    }
  else
    r = compile_program (s, export_fd, &f->program, err);
  /* After the cache: entries hold libseccomp's program as it wrote it
   * (EXPORT_FD), and the stub is added to a cached one the same way. */
  if (r == 0)
    r = spc_seccomp_enosys_patch (s, &f->program, err);
  if (r < 0)
    {
      spc_seccomp_free (f);
      return -1;
    }
  *out = f;
  return 0;
}

int
spc_seccomp_load (struct spc_seccomp_filter *f, int *notify_fd, spc_err_t *err)
{
  *notify_fd = -1;
  struct sock_fprog prog = { .len = (unsigned short) f->program.n_insns,
                             .filter = f->program.insns };
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
  if (r < 0)
    return spc_error_errno (err, "linux.seccomp: load the filter");
  if ((f->flags & SECCOMP_FILTER_FLAG_TSYNC) && !(f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
      && r > 0)
    return spc_error_make (err, ESRCH, "linux.seccomp: thread %ld cannot take the filter", r);
  if (f->notifies)
    *notify_fd = (int) r;
  return 0;
}

void
spc_seccomp_free (struct spc_seccomp_filter *f)
{
  if (f == NULL)
    return;
  free (f->program.insns);
  free (f);
}

/* ---- the listener ---- */

/* runtime-spec "container process state": the fd's name, the process, the
 * profile's metadata and the container's state. */
static char *
process_state (const struct spc_seccomp *s, const struct spc_state *st)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_object (w);
  spc_jw_key (w, "ociVersion");
  spc_jw_string (w, st->oci_version);
  spc_jw_key (w, "fds");
  spc_jw_begin_array (w);
  spc_jw_string (w, "seccompFd");
  spc_jw_end_array (w);
  spc_jw_key (w, "pid");
  spc_jw_int (w, st->pid);
  spc_jw_key (w, "metadata");
  spc_jw_string (w, s->listener_metadata ? s->listener_metadata : "");
  spc_jw_key (w, "state");
  spc_jw_begin_object (w);
  spc_state_write_members (w, st, SPC_STATUS_CREATING);
  spc_jw_end_object (w);
  spc_jw_end_object (w);
  return spc_jw_steal (w, NULL);
}

int
spc_seccomp_send_listener (const struct spc_seccomp *s, int notify_fd,
                           const struct spc_state *st, spc_err_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (s->listener_path == NULL || strlen (s->listener_path) >= sizeof addr.sun_path)
    return spc_error_make (err, EINVAL, "linux.seccomp.listenerPath: `%s`",
                           s->listener_path ? s->listener_path : "");
  strcpy (addr.sun_path, s->listener_path);
  _cleanup_close_ int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    return spc_error_errno (err, "linux.seccomp.listenerPath: connect `%s`", s->listener_path);
  _cleanup_free_ char *state = process_state (s, st);
  if (spc_send_fd (sock, notify_fd, state, strlen (state), err) < 0)
    return spc_error_prefix (err, "linux.seccomp.listenerPath: `%s`", s->listener_path);
  return 0;
}
