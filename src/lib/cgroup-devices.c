/* The cgroup2 device filter. cgroup2 has no devices controller: the kernel
 * asks the BPF_PROG_TYPE_CGROUP_DEVICE programs attached to a cgroup
 * whether a process may open (read, write) or mknod a device, and any one
 * of them saying no is a no. spacer builds such a program from
 * linux.resources.devices, loads it with bpf(2) and attaches it to the
 * container's directory.
 *
 * What the rules mean (the v1 devices controller's model, which runc and
 * crun carry over to cgroup2):
 *  - the last rule that matches a device decides, so the program checks
 *    the rules from the last to the first;
 *  - no matching rule means no access, whether or not the list starts with
 *    a deny-all: runc builds its program from an emulator that starts as
 *    an allow-list (in its devicefilter_test an empty list compiles to
 *    "return 0"), and crun ends every program with "return 0". Only an
 *    allow-all rule makes the default allow, here as there: it matches
 *    everything, so it decides whatever no later rule decided;
 *  - type "a" matches char and block devices, an absent major or minor
 *    every number (so does a negative one, as runc and crun read it).
 *    A major, minor or access on an "a" rule counts, as in crun; v1, and
 *    runc after it, take any "a" rule for allow-all or deny-all. The "a"
 *    rule that lists really hold (no numbers, "rwm") means the same to
 *    all three;
 *  - access is decided bit by bit (r, w, m), as v1's exception lists (and
 *    runc's emulation of them) do: "allow c 1:5 r" then "allow c 1:5 w"
 *    lets a process open 1:5 read-write, "allow c 1:5 rw" then "deny c 1:5
 *    w" does not. crun wants one rule to hold the whole request and gets
 *    both wrong, the second the unsafe way.
 * So each rule, checked from the last, looks at the access bits still
 * undecided: a deny rule that holds any of them refuses the request; an
 * allow rule decides the bits it holds, and once none is left the request
 * is allowed.
 *
 * spc_devices_allowed() takes the same decision in C for the tests; both
 * it and the program are built from the same struct dev_block, one per
 * rule. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "cgroup-internal.h"

#define WHAT "linux.resources.devices"

/* Our programs carry this name, so that an update detaches the filter
 * spacer attached before and nothing that someone else (systemd, ...) put
 * on the directory. At most BPF_OBJ_NAME_LEN - 1 characters. */
#define PROG_NAME "spacer_devices"

/* BPF_PROG_LOAD needs a license string (a NULL one is EFAULT), but only to
 * decide whether the program may call GPL-only helpers; this one calls no
 * helper at all, so it names none. */
#define PROG_LICENSE ""

/* Where the rules of a synthetic (test) tree are written instead. */
#define RULES_FILE "devices.bpf.rules"

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* ---- rules ---- */

/* One rule, checked and in the program's terms. */
struct dev_block
{
  bool allow;
  char type; /* 'a', 'c' or 'b' */
  bool has_major, has_minor;
  uint32_t major, minor;
  uint32_t access; /* BPF_DEVCG_ACC_* */
};

static int
device_number (int64_t v, bool present, const char *name, size_t i, bool *has,
               uint32_t *out, spc_err_t *err)
{
  *has = present && v >= 0;
  *out = *has ? (uint32_t) v : 0;
  if (*has && v > UINT32_MAX)
    return spc_error_make (err, 0, WHAT "[%zu]: %s %" PRId64 " is out of range", i, name, v);
  return 0;
}

static int
access_bits (const char *access, size_t i, uint32_t *out, spc_err_t *err)
{
  *out = access ? 0 : ACC_ALL;
  for (const char *c = access; c && *c; c++)
    switch (*c)
      {
      case 'r':
        *out |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        *out |= BPF_DEVCG_ACC_WRITE;
        break;
      case 'm':
        *out |= BPF_DEVCG_ACC_MKNOD;
        break;
      case 'a': /* accepted as runc does; no access of its own */
        break;
      default:
        return spc_error_make (err, 0, WHAT "[%zu].access: unknown access '%c'", i, *c);
      }
  return 0;
}

/* Rule i as a block. Returns 1, or 0 for a rule with an empty access
 * string: it allows and denies nothing, so it gets no block. */
static int
dev_block_from_rule (const struct spc_device_cgroup_rule *r, size_t i, struct dev_block *b,
                     spc_err_t *err)
{
  if (r->type != 'a' && r->type != 'c' && r->type != 'b')
    return spc_error_make (err, 0, WHAT "[%zu].type: unknown device type '%c'", i, r->type);
  b->allow = r->allow;
  b->type = r->type;
  if (device_number (r->major, r->has_major, "major", i, &b->has_major, &b->major, err) < 0
      || device_number (r->minor, r->has_minor, "minor", i, &b->has_minor, &b->minor, err) < 0
      || access_bits (r->access, i, &b->access, err) < 0)
    return -1;
  return b->access != 0;
}

static uint32_t
bpf_dev_type (char type)
{
  return type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

/* What the block does with a request: 1 allow, 0 deny, -1 on to the next
 * (earlier) rule, with *pending the access bits still undecided. This is
 * emit_block() in C. */
static int
dev_block_decide (const struct dev_block *b, uint32_t type, uint32_t major, uint32_t minor,
                  uint32_t *pending)
{
  if ((b->type != 'a' && type != bpf_dev_type (b->type))
      || (b->has_major && major != b->major) || (b->has_minor && minor != b->minor))
    return -1;
  if (!b->allow)
    return (*pending & b->access) ? 0 : -1;
  *pending &= ~b->access;
  return *pending == 0 ? 1 : -1;
}

bool
spc_devices_allowed (const struct spc_device_cgroup_rule *rules, size_t n, char type,
                     uint32_t major, uint32_t minor, const char *access)
{
  uint32_t pending;
  if ((type != 'c' && type != 'b') || access_bits (access, 0, &pending, NULL) < 0)
    return false;
  for (size_t i = n; i-- > 0;)
    {
      struct dev_block b;
      int r = dev_block_from_rule (&rules[i], i, &b, NULL);
      if (r < 0)
        return false; /* such a list is refused, so nothing is allowed */
      if (r == 0)
        continue;
      int verdict = dev_block_decide (&b, bpf_dev_type (type), major, minor, &pending);
      if (verdict >= 0)
        return verdict;
    }
  return false;
}

/* ---- the program ---- */

/* Registers: the context comes in r1; the prologue loads its fields, after
 * which r1 is free. r0 holds the verdict at exit (1: allow). */
enum
{
  R_VERDICT = BPF_REG_0,
  R_CTX = BPF_REG_1,
  R_MISMATCH = BPF_REG_1, /* 0 when the request is for the rule's devices */
  R_SCRATCH = BPF_REG_1,
  R_TYPE = BPF_REG_2,    /* BPF_DEVCG_DEV_* */
  R_PENDING = BPF_REG_3, /* BPF_DEVCG_ACC_* requested and not yet allowed */
  R_MAJOR = BPF_REG_4,
  R_MINOR = BPF_REG_5,
  R_FIELD = BPF_REG_6,
};

/* The instruction forms the program needs. */
static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  return (struct bpf_insn) { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}
/* dst = *(u32 *) (src + off) */
#define LDX_W(dst, src, off) insn (BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
/* dst op= imm / src, on the low 32 bits (the high ones become 0) */
#define ALU32_IMM(op, dst, imm) insn (BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define ALU32_REG(op, dst, src) insn (BPF_ALU | (op) | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) insn (BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
/* if (dst op imm) skip the next off instructions */
#define JMP_IMM(op, dst, imm, off) insn (BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT() insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The most one block takes: the type (two instructions), major and minor
 * (three each), the jump, and five for the verdict. */
#define MAX_BLOCK_INSNS 14
#define PROLOGUE_INSNS 6
#define EPILOGUE_INSNS 2

struct program
{
  struct bpf_insn *insns;
  size_t n;
  /* The jumps of the block being written that go to the next block; their
   * offsets are known once the block is complete. */
  size_t to_next[2];
  size_t n_to_next;
};

static void
emit (struct program *p, struct bpf_insn i)
{
  p->insns[p->n++] = i;
}

static void
emit_to_next (struct program *p, struct bpf_insn jump)
{
  p->to_next[p->n_to_next++] = p->n;
  emit (p, jump);
}

static void
emit_prologue (struct program *p)
{
  /* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; },
   * access_type = access << 16 | type */
  emit (p, LDX_W (R_TYPE, R_CTX, 0));
  emit (p, ALU32_IMM (BPF_AND, R_TYPE, 0xffff));
  emit (p, LDX_W (R_PENDING, R_CTX, 0));
  emit (p, ALU32_IMM (BPF_RSH, R_PENDING, 16));
  emit (p, LDX_W (R_MAJOR, R_CTX, 4));
  emit (p, LDX_W (R_MINOR, R_CTX, 8));
}

/* R_MISMATCH |= reg ^ value. The fields are compared by arithmetic, with
 * one jump for the lot: with a jump per field the verifier reaches the
 * next block knowing a different set of facts on each path and walks the
 * rest of the program once per set, quadratic in the rules (some 900 rules
 * exceed its limit of a million steps); this way it stays linear. The
 * 32-bit xor also compares any u32, which a jump's sign-extended
 * immediate would not. */
static void
emit_mismatch (struct program *p, bool *any, int reg, uint32_t value)
{
  int dst = *any ? R_FIELD : R_MISMATCH;
  emit (p, ALU32_REG (BPF_MOV, dst, reg));
  emit (p, ALU32_IMM (BPF_XOR, dst, (int32_t) value));
  if (*any)
    emit (p, ALU32_REG (BPF_OR, R_MISMATCH, R_FIELD));
  *any = true;
}

static void
emit_block (struct program *p, const struct dev_block *b)
{
  p->n_to_next = 0;
  bool any = false;
  if (b->type != 'a')
    emit_mismatch (p, &any, R_TYPE, bpf_dev_type (b->type));
  if (b->has_major)
    emit_mismatch (p, &any, R_MAJOR, b->major);
  if (b->has_minor)
    emit_mismatch (p, &any, R_MINOR, b->minor);
  if (any)
    emit_to_next (p, JMP_IMM (BPF_JNE, R_MISMATCH, 0, 0));
  if (b->allow)
    {
      /* These bits are allowed; once none is pending, so is the request. */
      emit (p, ALU32_IMM (BPF_AND, R_PENDING, (int32_t) ~b->access));
      emit_to_next (p, JMP_IMM (BPF_JNE, R_PENDING, 0, 0));
      emit (p, MOV64_IMM (R_VERDICT, 1));
    }
  else
    {
      /* Denied, if it holds any bit no later rule allowed. */
      emit (p, ALU32_REG (BPF_MOV, R_SCRATCH, R_PENDING));
      emit (p, ALU32_IMM (BPF_AND, R_SCRATCH, (int32_t) b->access));
      emit_to_next (p, JMP_IMM (BPF_JEQ, R_SCRATCH, 0, 0));
      emit (p, MOV64_IMM (R_VERDICT, 0));
    }
  emit (p, EXIT ());
  for (size_t i = 0; i < p->n_to_next; i++)
    p->insns[p->to_next[i]].off = (int16_t) (p->n - p->to_next[i] - 1);
}

/* "allow c 1:3 rwm" */
static void
print_block (FILE *f, const struct dev_block *b)
{
  fprintf (f, "%s %c ", b->allow ? "allow" : "deny", b->type);
  if (b->has_major)
    fprintf (f, "%" PRIu32 ":", b->major);
  else
    fputs ("*:", f);
  if (b->has_minor)
    fprintf (f, "%" PRIu32 " ", b->minor);
  else
    fputs ("* ", f);
  fprintf (f, "%s%s%s\n", b->access & BPF_DEVCG_ACC_READ ? "r" : "",
           b->access & BPF_DEVCG_ACC_WRITE ? "w" : "", b->access & BPF_DEVCG_ACC_MKNOD ? "m" : "");
}

/* The rules, last first, as a program, or as text for a synthetic tree
 * (one line per rule, in the program's order); prog or text is NULL. */
static int
build (const struct spc_device_cgroup_rule *rules, size_t n, struct program *prog, FILE *text,
       spc_err_t *err)
{
  if (prog)
    emit_prologue (prog);
  for (size_t i = n; i-- > 0;)
    {
      struct dev_block b;
      int r = dev_block_from_rule (&rules[i], i, &b, err);
      if (r < 0)
        return -1;
      if (r > 0 && prog)
        emit_block (prog, &b);
      if (r > 0 && text)
        print_block (text, &b);
    }
  /* No rule matched, or some access is still pending: no. */
  if (prog)
    {
      emit (prog, MOV64_IMM (R_VERDICT, 0));
      emit (prog, EXIT ());
    }
  if (text)
    fputs ("deny a *:* rwm\n", text);
  return 0;
}

/* ---- bpf(2) ---- */

static int
bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

static uint64_t
ptr (const void *p)
{
  return (uint64_t) (uintptr_t) p;
}

/* The verifier's log as one line, "; " between its lines, ending with its
 * last words (where it says what it did not like): at most max bytes. */
static char *
one_line_log (const char *log, size_t max)
{
  size_t len = strlen (log);
  while (len > 0 && (log[len - 1] == '\n' || log[len - 1] == ' '))
    len--;
  char *line = malloc (2 * len + 1), *o = line;
  if (line == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++)
    if (log[i] != '\n')
      *o++ = log[i];
    else if (o > line && o[-1] != ' ')
      o = stpcpy (o, "; ");
  *o = '\0';
  size_t out = (size_t) (o - line);
  if (out > max)
    {
      memmove (line + 3, o - (max - 3), max - 3 + 1);
      memcpy (line, "...", 3);
    }
  return line;
}

static int
load (const struct program *prog, spc_err_t *err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = ptr (prog->insns);
  attr.insn_cnt = (uint32_t) prog->n;
  attr.license = ptr (PROG_LICENSE);
  memcpy (attr.prog_name, PROG_NAME, sizeof PROG_NAME);
  int fd = bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;

  /* The verifier explains a refusal only into a log, and logging slows
   * every load down: ask again, with a log, only now. */
  int saved = errno;
  size_t log_size = 64 * 1024;
  _cleanup_free_ char *log = calloc (1, log_size);
  if (log == NULL)
    return spc_error_make (err, saved, WHAT ": load the eBPF device filter");
  attr.log_level = 1;
  attr.log_buf = ptr (log);
  attr.log_size = (uint32_t) log_size;
  fd = bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd; /* whatever failed the first time has passed */
  _cleanup_free_ char *line = one_line_log (log, 240);
  if (line == NULL || *line == '\0')
    return spc_error_make (err, saved, WHAT ": load the eBPF device filter");
  return spc_error_make (err, saved, WHAT ": load the eBPF device filter (verifier: %s)", line);
}

/* The ids of the device programs attached to the directory itself. */
static int
query_attached (int dirfd, const char *path, uint32_t **ids, size_t *n, spc_err_t *err)
{
  uint32_t cap = 16;
  for (int attempt = 0; attempt < 8; attempt++)
    {
      _cleanup_free_ uint32_t *buf = calloc (cap, sizeof *buf);
      if (buf == NULL)
        return spc_error_errno (err, "calloc");
      union bpf_attr attr;
      memset (&attr, 0, sizeof attr);
      attr.query.target_fd = (uint32_t) dirfd;
      attr.query.attach_type = BPF_CGROUP_DEVICE;
      attr.query.prog_ids = ptr (buf);
      attr.query.prog_cnt = cap;
      if (bpf (BPF_PROG_QUERY, &attr) == 0)
        {
          *ids = steal_pointer (&buf);
          *n = attr.query.prog_cnt;
          return 0;
        }
      /* ENOSPC: more than cap, and prog_cnt says how many (which may
       * still grow while we ask again). */
      if (errno != ENOSPC)
        break;
      cap = attr.query.prog_cnt > cap ? attr.query.prog_cnt : cap * 2;
    }
  return spc_error_errno (err, WHAT ": list the eBPF device filters of `%s`", path);
}

/* An fd of program id when it is one of ours, else -1 (it is someone
 * else's, or gone, or hidden from us by an LSM: then not ours to touch). */
static int
open_if_ours (uint32_t id)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_id = id;
  _cleanup_close_ int fd = bpf (BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0)
    return -1;
  struct bpf_prog_info info;
  memset (&info, 0, sizeof info);
  memset (&attr, 0, sizeof attr);
  attr.info.bpf_fd = (uint32_t) fd;
  attr.info.info_len = sizeof info;
  attr.info.info = ptr (&info);
  if (bpf (BPF_OBJ_GET_INFO_BY_FD, &attr) < 0 || info.type != BPF_PROG_TYPE_CGROUP_DEVICE
      || strncmp (info.name, PROG_NAME, sizeof info.name) != 0)
    return -1;
  return spc_steal_fd (&fd);
}

static int
detach (int dirfd, const char *path, int prog_fd, uint32_t id, spc_err_t *err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  /* ENOENT: a concurrent update detached it already. */
  if (bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
    return spc_error_errno (err, WHAT ": detach the previous eBPF device filter (id %" PRIu32
                                 ") from `%s`", id, path);
  return 0;
}

/* Attach the new program next to whatever is attached (BPF_F_ALLOW_MULTI:
 * every program must allow), then detach our previous ones: between the
 * two steps both filters apply, so there is never a moment without one. */
static int
attach_replacing_ours (int dirfd, const char *path, int prog_fd, spc_err_t *err)
{
  _cleanup_free_ uint32_t *old = NULL;
  size_t n_old = 0;
  if (query_attached (dirfd, path, &old, &n_old, err) < 0)
    return -1;

  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf (BPF_PROG_ATTACH, &attr) < 0)
    return spc_error_errno (err, WHAT ": attach the eBPF device filter to `%s`", path);

  for (size_t i = 0; i < n_old; i++)
    {
      _cleanup_close_ int fd = open_if_ours (old[i]);
      if (fd >= 0 && detach (dirfd, path, fd, old[i], err) < 0)
        return -1;
    }
  return 0;
}

/* ---- entry ---- */

/* A synthetic tree is no cgroup, so nothing can be attached there: the
 * rules the program would check are written to RULES_FILE instead, one
 * line each in the program's order ("allow c 1:3 rwm", the last rule of
 * the list first, then the "deny a *:* rwm" that ends every program), for
 * tests to read what would be enforced. */
static int
write_rules_file (const struct spc_cgroup *cg, const struct spc_cgroup_dir *d,
                  const struct spc_device_cgroup_rule *rules, size_t n, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  if (f == NULL)
    return spc_error_errno (err, "open_memstream");
  int r = build (rules, n, NULL, f, err);
  if (fclose (f) != 0 && r == 0)
    return spc_error_errno (err, WHAT ": write the rules");
  if (r < 0)
    return -1;
  return spc_cgroup_write (cg, d->path, RULES_FILE, text, err);
}

int
spc_cgroup_devices_v2 (const struct spc_cgroup *cg, const struct spc_cgroup_dir *d,
                       const struct spc_device_cgroup_rule *rules, size_t n, spc_err_t *err)
{
  if (cg->synthetic)
    return write_rules_file (cg, d, rules, n, err);

  struct program prog = { 0 };
  _cleanup_free_ struct bpf_insn *insns
      = calloc (PROLOGUE_INSNS + n * MAX_BLOCK_INSNS + EPILOGUE_INSNS, sizeof *insns);
  if (insns == NULL)
    return spc_error_errno (err, "calloc");
  prog.insns = insns;
  if (build (rules, n, &prog, NULL, err) < 0)
    return -1;

  _cleanup_close_ int dirfd = open (d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return spc_error_errno (err, WHAT ": open `%s`", d->path);
  _cleanup_close_ int prog_fd = load (&prog, err);
  if (prog_fd < 0)
    return -1;
  /* Once attached, the cgroup holds the program: our fd can go. */
  if (attach_replacing_ours (dirfd, d->path, prog_fd, err) < 0)
    return -1;
  spc_debug ("%s: eBPF device filter of %zu instructions attached", d->path, prog.n);
  return 0;
}
