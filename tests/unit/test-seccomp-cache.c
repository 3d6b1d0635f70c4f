/* Unit tests for SHA-256 (src/lib/sha256.c) and the cache of compiled
 * seccomp programs (src/lib/seccomp-cache.c): known digests, which changes
 * to a profile give it a new key and which do not, and entries stored,
 * found, and refused when torn, tampered with or writable by others. No
 * root needed: the cache lives in a temporary state root. Each case is a
 * bool function run by tests/unit/unit.h. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/log.h"
#include "spacer/seccomp-cache.h"
#include "spacer/sha256.h"
#include "spacer/utils.h"
#include "unit.h"

/* ---- SHA-256 ---- */

static void
sha256_of (const void *data, size_t len, size_t chunk, char hex[65])
{
  struct spc_sha256 h;
  uint8_t digest[SPC_SHA256_SIZE];
  spc_sha256_init (&h);
  for (size_t off = 0; off < len; off += chunk)
    spc_sha256_update (&h, (const char *) data + off, len - off < chunk ? len - off : chunk);
  spc_sha256_final (&h, digest);
  spc_sha256_hex (digest, hex);
}

/* FIPS 180-4's examples (NIST's "SHA256.pdf"), and the lengths around the
 * padding's edge, where a second block is needed for the length. */
static bool
sha256_known_digests (void)
{
  char hex[65];
  sha256_of ("", 0, 1, hex);
  CHECK_STR (hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha256_of ("abc", 3, 3, hex);
  CHECK_STR (hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha256_of (two_blocks, strlen (two_blocks), 7, hex);
  CHECK_STR (hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  static char million[1000000];
  memset (million, 'a', sizeof million);
  sha256_of (million, sizeof million, 4093, hex);
  CHECK_STR (hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  /* 55 bytes fit the length in the same block; 56 do not. */
  char a55[55], a56[56];
  memset (a55, 'a', sizeof a55);
  memset (a56, 'a', sizeof a56);
  sha256_of (a55, sizeof a55, 55, hex);
  CHECK_STR (hex, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  sha256_of (a56, sizeof a56, 1, hex);
  CHECK_STR (hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  return true;
}

/* ---- keys ---- */

static struct spc_config *
load (const char *seccomp_json)
{
  _cleanup_free_ char *json = NULL;
  if (asprintf (&json,
                "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"},"
                " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
                " \"linux\": {\"seccomp\": %s}}",
                seccomp_json)
      < 0)
    return NULL;
  _cleanup_error_ spc_err_t err = NULL;
  struct spc_config *c = NULL;
  if (spc_config_load_buffer (json, strlen (json), "config.json", &c, &err) < 0)
    printf ("#   %s\n", err->msg);
  return c;
}

static bool
key_of (const char *seccomp_json, char key[65])
{
  _cleanup_config_ struct spc_config *c = load (seccomp_json);
  if (c == NULL || c->linux_.seccomp == NULL)
    return false;
  spc_seccomp_cache_key (c->linux_.seccomp, key);
  return true;
}

#define BASE_PROFILE                                                                          \
  "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"               \
  " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"                  \
  " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"                                  \
  "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}"

static bool
same_key (const char *a, const char *b)
{
  _cleanup_free_ char *ja = unit_dequote (a), *jb = unit_dequote (b);
  char ka[65], kb[65];
  return key_of (ja, ka) && key_of (jb, kb) && strcmp (ka, kb) == 0;
}

static bool
different_key (const char *a, const char *b)
{
  _cleanup_free_ char *ja = unit_dequote (a), *jb = unit_dequote (b);
  char ka[65], kb[65];
  return key_of (ja, ka) && key_of (jb, kb) && strcmp (ka, kb) != 0;
}

static bool
key_is_stable (void)
{
  CHECK (same_key (BASE_PROFILE, BASE_PROFILE));
  char key[65];
  _cleanup_free_ char *json = unit_dequote (BASE_PROFILE);
  CHECK (key_of (json, key));
  CHECK (strlen (key) == 64 && strspn (key, "0123456789abcdef") == 64);
  return true;
}

/* Everything the program is compiled from is in the key. */
static bool
key_follows_every_rule (void)
{
  const char *variants[] = {
    "{'defaultAction': 'SCMP_ACT_KILL', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
    /* an errno given equal to the default still counts: the key follows
     * the profile, it does not interpret it */
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1, 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['readwrite'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_LOG'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW', 'errnoRet': 1},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 1, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 9, 'op': 'SCMP_CMP_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'valueTwo': 8, 'op': 'SCMP_CMP_MASKED_EQ'}]}]}",
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_NE'}]}]}",
    /* the same names, grouped differently */
    "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
    " 'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['write'], 'action': 'SCMP_ACT_ALLOW'},"
    " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
    "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}",
  };
  for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
    if (!different_key (BASE_PROFILE, variants[i]))
      {
        printf ("#   variant %zu has the base profile's key\n", i);
        return false;
      }
  /* valueTwo alone */
  CHECK (different_key ("{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'],"
                        " 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 1,"
                        " 'valueTwo': 1, 'op': 'SCMP_CMP_MASKED_EQ'}]}]}",
                        "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'],"
                        " 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 1,"
                        " 'valueTwo': 3, 'op': 'SCMP_CMP_MASKED_EQ'}]}]}"));
  return true;
}

/* What is not compiled into the program does not split the cache. */
static bool
key_ignores_load_flags_and_listener (void)
{
  CHECK (same_key (BASE_PROFILE,
                   "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
                   " 'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
                   " 'listenerPath': '/run/l.sock', 'listenerMetadata': 'x',"
                   " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
                   " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
                   "  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]}]}"));
  return true;
}

/* ---- entries ---- */

/* A state root of its own and the base profile loaded. */
struct fixture
{
  char root[64];
  struct spc_config *config;
  const struct spc_seccomp *s;
};

static void
fixture_clear (struct fixture *f)
{
  if (f->root[0])
    {
      spc_err_t ignored = NULL;
      spc_rm_rf_at (AT_FDCWD, f->root, &ignored);
      spc_error_free (&ignored);
    }
  spc_config_free (f->config);
}

#define _cleanup_fixture_ __attribute__ ((cleanup (fixture_clear)))

static bool
fixture_setup (struct fixture *f)
{
  _cleanup_free_ char *json = unit_dequote (BASE_PROFILE);
  f->config = load (json);
  if (f->config == NULL)
    return false;
  f->s = f->config->linux_.seccomp;
  strcpy (f->root, "/tmp/spacer-cache-test.XXXXXX");
  if (mkdtemp (f->root) == NULL)
    {
      f->root[0] = '\0';
      return false;
    }
  return true;
}

/* A made-up program: the cache stores bytes, the kernel judges them. */
static void
fill_program (struct sock_filter *insns, size_t n, unsigned seed)
{
  for (size_t i = 0; i < n; i++)
    insns[i] = (struct sock_filter){ .code = (uint16_t) (i + seed), .jt = 1, .jf = 2,
                                     .k = (uint32_t) (i * 7 + seed) };
}

/* Look up; on a miss play the init (compile into export_fd) and store. */
static bool
store_program (const char *root, const struct spc_seccomp *s, const struct sock_filter *insns,
               size_t n)
{
  _cleanup_seccomp_cache_ struct spc_seccomp_cache c = SPC_SECCOMP_CACHE_INIT;
  spc_seccomp_cache_lookup (root, s, &c);
  CHECK (c.program.n_insns == 0 && c.export_fd >= 0 && c.dirfd >= 0);
  CHECK (spc_write_all (c.export_fd, insns, n * sizeof *insns) == 0);
  spc_seccomp_cache_store (&c);
  return true;
}

static bool
finds_program (const char *root, const struct spc_seccomp *s, const struct sock_filter *insns,
               size_t n)
{
  _cleanup_seccomp_cache_ struct spc_seccomp_cache c = SPC_SECCOMP_CACHE_INIT;
  spc_seccomp_cache_lookup (root, s, &c);
  CHECK (c.export_fd < 0);
  CHECK (c.program.n_insns == n);
  CHECK (memcmp (c.program.insns, insns, n * sizeof *insns) == 0);
  return true;
}

static bool
misses (const char *root, const struct spc_seccomp *s)
{
  _cleanup_seccomp_cache_ struct spc_seccomp_cache c = SPC_SECCOMP_CACHE_INIT;
  spc_seccomp_cache_lookup (root, s, &c);
  CHECK (c.program.n_insns == 0 && c.program.insns == NULL);
  return true;
}

static char *
entry_path (const char *root, const struct spc_seccomp *s)
{
  char key[65];
  spc_seccomp_cache_key (s, key);
  char *path = NULL;
  if (asprintf (&path, "%s/%s/%s", root, SPC_SECCOMP_CACHE_DIR, key) < 0)
    return NULL;
  return path;
}

static bool
stored_program_is_found (void)
{
  _cleanup_fixture_ struct fixture f = { 0 };
  CHECK (fixture_setup (&f));
  const char *root = f.root;
  const struct spc_seccomp *s = f.s;
  struct sock_filter insns[100];
  fill_program (insns, 100, 3);
  CHECK (misses (root, s));
  CHECK (store_program (root, s, insns, 100));
  CHECK (finds_program (root, s, insns, 100));

  /* Private to its owner: the programs decide what containers may do. */
  _cleanup_free_ char *dir = NULL, *entry = entry_path (root, s);
  CHECK (asprintf (&dir, "%s/%s", root, SPC_SECCOMP_CACHE_DIR) > 0);
  struct stat st;
  CHECK (stat (dir, &st) == 0 && (st.st_mode & 07777) == 0700);
  CHECK (stat (entry, &st) == 0 && (st.st_mode & 07777) == 0600);
  CHECK ((size_t) st.st_size == 24 + sizeof insns);
  return true;
}

static bool
other_profile_misses (void)
{
  _cleanup_fixture_ struct fixture f = { 0 };
  CHECK (fixture_setup (&f));
  _cleanup_config_ struct spc_config *other
      = load ("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
              " \"syscalls\": [{\"names\": [\"acct\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
  CHECK (other != NULL);
  struct sock_filter insns[10];
  fill_program (insns, 10, 1);
  CHECK (store_program (f.root, f.s, insns, 10));
  CHECK (misses (f.root, other->linux_.seccomp));
  CHECK (finds_program (f.root, f.s, insns, 10));
  return true;
}

/* Overwrite LEN bytes at OFFSET of the entry. */
static bool
patch_entry (const char *path, off_t offset, const void *data, size_t len)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  return fd >= 0 && pwrite (fd, data, len, offset) == (ssize_t) len;
}

/* A torn write, a flipped bit, a foreign format, an entry others could
 * have written: each is a miss, never a program loaded. */
static bool
damaged_entries_miss (void)
{
  _cleanup_fixture_ struct fixture f = { 0 };
  CHECK (fixture_setup (&f));
  const char *root = f.root;
  const struct spc_seccomp *s = f.s;
  _cleanup_free_ char *entry = entry_path (root, s);
  struct sock_filter insns[64];
  fill_program (insns, 64, 5);

  CHECK (store_program (root, s, insns, 64));
  CHECK (truncate (entry, 24 + 63 * 8) == 0);
  CHECK (misses (root, s));

  CHECK (store_program (root, s, insns, 64));
  CHECK (patch_entry (entry, 24 + 100, "\x55", 1));
  CHECK (misses (root, s));

  CHECK (store_program (root, s, insns, 64));
  CHECK (patch_entry (entry, 6, "2", 1));
  CHECK (misses (root, s));

  CHECK (store_program (root, s, insns, 64));
  CHECK (truncate (entry, 0) == 0);
  CHECK (misses (root, s));

  CHECK (store_program (root, s, insns, 64));
  CHECK (chmod (entry, 0620) == 0);
  CHECK (misses (root, s));

  /* and after all that, a sound entry is found again */
  CHECK (store_program (root, s, insns, 64));
  CHECK (finds_program (root, s, insns, 64));
  return true;
}

/* The init compiled nothing usable (a failed create, a program no kernel
 * would take): nothing is stored. */
static bool
unusable_exports_are_not_stored (void)
{
  _cleanup_fixture_ struct fixture f = { 0 };
  CHECK (fixture_setup (&f));
  const char *root = f.root;
  const struct spc_seccomp *s = f.s;
  _cleanup_free_ char *entry = entry_path (root, s);
  const size_t sizes[] = { 0, 13, (BPF_MAXINSNS + 1) * sizeof (struct sock_filter) };
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    {
      _cleanup_seccomp_cache_ struct spc_seccomp_cache cache = SPC_SECCOMP_CACHE_INIT;
      spc_seccomp_cache_lookup (root, s, &cache);
      CHECK (cache.export_fd >= 0);
      CHECK (ftruncate (cache.export_fd, (off_t) sizes[i]) == 0);
      spc_seccomp_cache_store (&cache);
      CHECK (access (entry, F_OK) < 0);
    }
  return true;
}

/* A cache directory that cannot be made is no cache, and no error. */
static bool
no_cache_directory_no_caching (void)
{
  _cleanup_fixture_ struct fixture f = { 0 };
  CHECK (fixture_setup (&f));
  _cleanup_free_ char *dir = NULL;
  CHECK (asprintf (&dir, "%s/%s", f.root, SPC_SECCOMP_CACHE_DIR) > 0);
  _cleanup_close_ int fd = open (dir, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  CHECK (fd >= 0);
  _cleanup_seccomp_cache_ struct spc_seccomp_cache cache = SPC_SECCOMP_CACHE_INIT;
  spc_seccomp_cache_lookup (f.root, f.s, &cache);
  CHECK (cache.dirfd < 0 && cache.export_fd < 0 && cache.program.n_insns == 0);
  spc_seccomp_cache_store (&cache);
  return true;
}

int
main (void)
{
  RUN (sha256_known_digests);
  RUN (key_is_stable);
  RUN (key_follows_every_rule);
  RUN (key_ignores_load_flags_and_listener);
  RUN (stored_program_is_found);
  RUN (other_profile_misses);
  RUN (damaged_entries_miss);
  RUN (unusable_exports_are_not_stored);
  RUN (no_cache_directory_no_caching);
  return unit_summary ();
}
