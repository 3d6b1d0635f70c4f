/* The cache of compiled seccomp programs (see seccomp-cache.h). An entry
 * is a small header and the program:
 *
 *   "SPCBPF1\n"  magic and format
 *   u32          instructions that follow
 *   u32          zero
 *   u64          FNV-1a of the instructions
 *   struct sock_filter[n]
 *
 * Entries are written to a temporary file and renamed into place, without
 * fsync: a crash may leave a torn or empty entry, which the length and
 * checksum then turn into a miss, and the next create writes it again. A
 * writer killed between the write and the rename leaves its temporary
 * file: the next store removes it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "spacer/seccomp-cache.h"
#include "spacer/utils.h"

static const char ENTRY_MAGIC[8] = { 'S', 'P', 'C', 'B', 'P', 'F', '1', '\n' };

struct entry_header
{
  char magic[8];
  uint32_t n_insns;
  uint32_t zero;
  uint64_t checksum;
};

/* ---- the key ---- */

static void
hash_u64 (struct spc_sha256 *h, uint64_t v)
{
  spc_sha256_update (h, &v, sizeof v);
}

/* Length first, so that no two lists of strings hash alike. */
static void
hash_string (struct spc_sha256 *h, const char *s)
{
  size_t len = s ? strlen (s) : 0;
  hash_u64 (h, s ? len : UINT64_MAX);
  spc_sha256_update (h, s ? s : "", len);
}

static void
hash_strings (struct spc_sha256 *h, char **v, size_t n)
{
  hash_u64 (h, n);
  for (size_t i = 0; i < n; i++)
    hash_string (h, v[i]);
}

static void
hash_syscall (struct spc_sha256 *h, const struct spc_seccomp_syscall *sc)
{
  hash_strings (h, sc->names, sc->n_names);
  hash_string (h, sc->action);
  hash_u64 (h, sc->has_errno_ret);
  hash_u64 (h, sc->errno_ret);
  hash_u64 (h, sc->n_args);
  for (size_t i = 0; i < sc->n_args; i++)
    {
      hash_u64 (h, sc->args[i].index);
      hash_u64 (h, sc->args[i].value);
      hash_u64 (h, sc->args[i].value_two);
      hash_string (h, sc->args[i].op);
    }
}

/* What compiles the program besides the profile: how spacer drives
 * libseccomp, libseccomp itself (its version, and the kernel's seccomp
 * features it found), the kernel and the machine.
 * The load flags, the listener's path and metadata are not part of the
 * program. */
static void
hash_compiler (struct spc_sha256 *h)
{
  const struct scmp_version *v = seccomp_version ();
  hash_string (h, "spacer seccomp cache 1");
  hash_string (h, spc_seccomp_compile_options ());
  hash_u64 (h, v ? v->major : 0);
  hash_u64 (h, v ? v->minor : 0);
  hash_u64 (h, v ? v->micro : 0);
  hash_u64 (h, seccomp_api_get ());
  struct utsname u;
  if (uname (&u) == 0)
    {
      hash_string (h, u.release);
      hash_string (h, u.version);
      hash_string (h, u.machine);
    }
}

void
spc_seccomp_cache_key (const struct spc_seccomp *s, char key[2 * SPC_SHA256_SIZE + 1])
{
  struct spc_sha256 h;
  spc_sha256_init (&h);
  hash_compiler (&h);
  hash_string (&h, s->default_action);
  hash_u64 (&h, s->has_default_errno_ret);
  hash_u64 (&h, s->default_errno_ret);
  hash_strings (&h, s->architectures, s->n_architectures);
  hash_u64 (&h, s->n_syscalls);
  for (size_t i = 0; i < s->n_syscalls; i++)
    hash_syscall (&h, &s->syscalls[i]);
  uint8_t digest[SPC_SHA256_SIZE];
  spc_sha256_final (&h, digest);
  spc_sha256_hex (digest, key);
}

/* ---- entries ---- */

static uint64_t
checksum (const void *data, size_t len)
{
  const unsigned char *p = data;
  uint64_t x = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; i++)
    x = (x ^ p[i]) * 0x100000001b3ULL;
  return x;
}

/* Only what this user wrote and nobody else can change is trusted: the
 * program decides what the container may do. */
static bool
trusted (const struct stat *st)
{
  return st->st_uid == geteuid () && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static int
open_cache_dir (const char *root)
{
  _cleanup_free_ char *path = NULL;
  if (asprintf (&path, "%s/%s", root, SPC_SECCOMP_CACHE_DIR) < 0)
    return -1;
  if (mkdir (path, 0700) < 0 && errno != EEXIST)
    return -1;
  _cleanup_close_ int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !trusted (&st))
    return -1;
  return spc_steal_fd (&fd);
}

static bool
read_entry (int dirfd, const char *key, struct spc_seccomp_program *p)
{
  _cleanup_close_ int fd = openat (dirfd, key, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || !trusted (&st)
      || (size_t) st.st_size <= sizeof (struct entry_header)
      || !spc_seccomp_program_size_ok ((size_t) st.st_size - sizeof (struct entry_header)))
    return false;
  size_t len = (size_t) st.st_size - sizeof (struct entry_header);
  struct entry_header hdr;
  _cleanup_free_ struct sock_filter *insns = malloc (len);
  if (insns == NULL || pread (fd, &hdr, sizeof hdr, 0) != (ssize_t) sizeof hdr
      || pread (fd, insns, len, sizeof hdr) != (ssize_t) len)
    return false;
  if (memcmp (hdr.magic, ENTRY_MAGIC, sizeof hdr.magic) != 0
      || hdr.n_insns != len / sizeof *insns || checksum (insns, len) != hdr.checksum)
    return false;
  p->insns = steal_pointer (&insns);
  p->n_insns = hdr.n_insns;
  return true;
}

void
spc_seccomp_cache_lookup (const char *root, const struct spc_seccomp *s,
                          struct spc_seccomp_cache *c)
{
  *c = (struct spc_seccomp_cache) SPC_SECCOMP_CACHE_INIT;
  c->dirfd = open_cache_dir (root);
  if (c->dirfd < 0)
    {
      spc_debug ("seccomp cache: `%s/%s` unusable (%s), compiling", root, SPC_SECCOMP_CACHE_DIR,
                 strerror (errno));
      return;
    }
  spc_seccomp_cache_key (s, c->key);
  if (read_entry (c->dirfd, c->key, &c->program))
    {
      spc_debug ("seccomp cache: hit %s (%zu instructions)", c->key, c->program.n_insns);
      return;
    }
  c->export_fd = memfd_create ("spacer-seccomp", MFD_CLOEXEC);
  spc_debug ("seccomp cache: miss %s", c->key);
}

/* A temporary entry ".KEY.tmp.PID" (spc_write_file_replace_at) whose
 * writer was killed before the rename: nothing else would ever remove it.
 * One is stale when its pid is gone, or (the pid reused since) when it is
 * older than a minute: a write takes far less. */
#define STALE_TMP_SECONDS 60

static bool
stale_temporary (int dirfd, const char *name)
{
  const char *mark = strstr (name, ".tmp.");
  if (name[0] != '.' || mark == NULL)
    return false;
  char *end;
  long pid = strtol (mark + 5, &end, 10);
  if (*end != '\0' || pid <= 0)
    return false;
  if (pid == (long) getpid ())
    return false;
  struct stat st;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
    return false;
  if (kill ((pid_t) pid, 0) < 0 && errno == ESRCH)
    return true;
  return time (NULL) - st.st_mtime > STALE_TMP_SECONDS;
}

static void
remove_stale_temporaries (int dirfd)
{
  int fd = dup (dirfd);
  _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  struct dirent *de;
  while ((de = readdir (d)))
    if (stale_temporary (dirfd, de->d_name) && unlinkat (dirfd, de->d_name, 0) == 0)
      spc_debug ("seccomp cache: removed stale `%s`", de->d_name);
}

void
spc_seccomp_cache_store (struct spc_seccomp_cache *c)
{
  if (c->dirfd < 0 || c->export_fd < 0)
    return;
  remove_stale_temporaries (c->dirfd);
  struct stat st;
  if (fstat (c->export_fd, &st) < 0 || !spc_seccomp_program_size_ok ((size_t) st.st_size))
    return;
  size_t len = (size_t) st.st_size;
  size_t total = sizeof (struct entry_header) + len;
  _cleanup_free_ char *buf = malloc (total);
  if (buf == NULL || pread (c->export_fd, buf + sizeof (struct entry_header), len, 0) != (ssize_t) len)
    return;
  struct entry_header hdr = { .n_insns = (uint32_t) (len / sizeof (struct sock_filter)),
                              .checksum = checksum (buf + sizeof hdr, len) };
  memcpy (hdr.magic, ENTRY_MAGIC, sizeof hdr.magic);
  memcpy (buf, &hdr, sizeof hdr);
  spc_err_t err = NULL;
  if (spc_write_file_replace_at (c->dirfd, c->key, buf, total, 0600, false, &err) < 0)
    spc_debug ("seccomp cache: %s", err->msg);
  else
    spc_debug ("seccomp cache: stored %s (%u instructions)", c->key, hdr.n_insns);
  spc_error_free (&err);
}

void
spc_seccomp_cache_clear (struct spc_seccomp_cache *c)
{
  if (c->dirfd >= 0)
    close (c->dirfd);
  if (c->export_fd >= 0)
    close (c->export_fd);
  free (c->program.insns);
  *c = (struct spc_seccomp_cache) SPC_SECCOMP_CACHE_INIT;
}
