#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/utils.h"

int
spc_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

int
spc_write_file_atomic_at (int dirfd, const char *name, const char *data, size_t len,
                          mode_t mode, spc_err_t *err)
{
  return spc_write_file_replace_at (dirfd, name, data, len, mode, true, err);
}

int
spc_write_file_replace_at (int dirfd, const char *name, const char *data, size_t len,
                           mode_t mode, bool durable, spc_err_t *err)
{
  _cleanup_free_ char *tmp = NULL;
  if (asprintf (&tmp, ".%s.tmp.%d", name, (int) getpid ()) < 0)
    return spc_error_errno (err, "asprintf");

  _cleanup_close_ int fd
      = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return spc_error_errno (err, "create `%s`", tmp);
  if (spc_write_all (fd, data, len) < 0 || (durable && fsync (fd) < 0))
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return spc_error_make (err, saved, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return spc_error_make (err, saved, "rename `%s` to `%s`", tmp, name);
    }
  return 0;
}

int
spc_read_file_at (int dirfd, const char *name, char **out, size_t *len, spc_err_t *err)
{
  _cleanup_close_ int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", name);

  size_t cap = 4096, used = 0;
  _cleanup_free_ char *buf = malloc (cap);
  if (buf == NULL)
    return spc_error_errno (err, "malloc");
  for (;;)
    {
      if (used + 1 >= cap)
        {
          char *n = realloc (buf, cap * 2);
          if (n == NULL)
            return spc_error_errno (err, "realloc");
          buf = n;
          cap *= 2;
        }
      ssize_t r = read (fd, buf + used, cap - used - 1);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return spc_error_errno (err, "read `%s`", name);
        }
      if (r == 0)
        break;
      used += (size_t) r;
    }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

int
spc_read_regular_file_at (int dirfd, const char *name, size_t max, char **out, size_t *len,
                          spc_err_t *err)
{
  /* O_NONBLOCK: opening a FIFO put in the file's place must not wait for a
   * writer; O_NOFOLLOW: nor may a symlink lead to /dev/zero. */
  _cleanup_close_ int fd
      = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP)
    return spc_error_make (err, ELOOP, "`%s` is a symbolic link, not a file: refused", name);
  if (fd < 0)
    return spc_error_errno (err, "open `%s`", name);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "stat `%s`", name);
  if (!S_ISREG (st.st_mode))
    return spc_error_make (err, EINVAL, "`%s` is not a regular file: refused", name);
  if ((uint64_t) st.st_size > max)
    return spc_error_make (err, EFBIG, "`%s` is %llu bytes, more than the %zu spacer reads", name,
                           (unsigned long long) st.st_size, max);
  /* One byte more than allowed tells a file that grew meanwhile. */
  size_t cap = (size_t) st.st_size + 2, used = 0;
  _cleanup_free_ char *buf = malloc (cap);
  if (buf == NULL)
    return spc_error_errno (err, "malloc");
  for (;;)
    {
      if (used + 1 >= cap)
        {
          if (cap > max + 1)
            return spc_error_make (err, EFBIG, "`%s`: more than the %zu bytes spacer reads",
                                   name, max);
          size_t bigger = cap * 2 > max + 2 ? max + 2 : cap * 2;
          char *n = realloc (buf, bigger);
          if (n == NULL)
            return spc_error_errno (err, "realloc");
          buf = n;
          cap = bigger;
        }
      size_t asked = cap - used - 1;
      ssize_t r = read (fd, buf + used, asked);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return spc_error_errno (err, "read `%s`", name);
      if (r == 0)
        break;
      used += (size_t) r;
      /* The files spacer keeps are replaced whole, never written in place:
       * a read that gave all the bytes fstat counted and not the one more
       * asked for ended at the end, with no read more to say so. */
      if (used == (size_t) st.st_size && (size_t) r < asked)
        break;
    }
  if (used > max)
    return spc_error_make (err, EFBIG, "`%s`: more than the %zu bytes spacer reads", name, max);
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

int
spc_mkdir_p (const char *path, mode_t mode, spc_err_t *err)
{
  _cleanup_free_ char *copy = strdup (path);
  if (copy == NULL)
    return spc_error_errno (err, "strdup");
  for (char *p = copy + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (copy, mode) < 0 && errno != EEXIST)
        return spc_error_errno (err, "mkdir `%s`", copy);
      *p = '/';
    }
  if (mkdir (copy, mode) < 0 && errno != EEXIST)
    return spc_error_errno (err, "mkdir `%s`", copy);
  return 0;
}

static int
rm_rf_children (int dfd, dev_t dev, spc_err_t *err)
{
  DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return spc_error_errno (err, "fdopendir");
    }
  _cleanup_closedir_ DIR *dir = d;
  struct dirent *de;
  while ((de = readdir (dir)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      struct stat st;
      if (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno == ENOENT)
            continue;
          return spc_error_errno (err, "stat `%s`", de->d_name);
        }
      if (S_ISDIR (st.st_mode))
        {
          if (st.st_dev != dev)
            return spc_error_make (err, EBUSY, "`%s` is a mount point", de->d_name);
          int child = openat (dirfd (dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
          if (child < 0)
            return spc_error_errno (err, "open `%s`", de->d_name);
          if (rm_rf_children (child, dev, err) < 0)
            return -1;
          if (unlinkat (dirfd (dir), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
            return spc_error_errno (err, "rmdir `%s`", de->d_name);
        }
      else if (unlinkat (dirfd (dir), de->d_name, 0) < 0 && errno != ENOENT)
        return spc_error_errno (err, "unlink `%s`", de->d_name);
    }
  return 0;
}

int
spc_rm_rf_at (int dirfd, const char *name, spc_err_t *err)
{
  int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      if (errno == ENOTDIR)
        return unlinkat (dirfd, name, 0) < 0 ? spc_error_errno (err, "unlink `%s`", name) : 0;
      return spc_error_errno (err, "open `%s`", name);
    }
  struct stat st;
  if (fstat (fd, &st) < 0)
    {
      close (fd);
      return spc_error_errno (err, "stat `%s`", name);
    }
  if (rm_rf_children (fd, st.st_dev, err) < 0)
    return spc_error_prefix (err, "remove `%s`", name);
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return spc_error_errno (err, "rmdir `%s`", name);
  return 0;
}

void
spc_rfc3339_now (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  /* Not strftime: glibc's reads the local time zone first, a file. */
  snprintf (buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

int
spc_process_stat_parse (const char *text, struct spc_process_stat *ps)
{
  /* comm (field 2) may contain spaces and parentheses: skip to the last ')'. */
  const char *p = strrchr (text, ')');
  if (p == NULL || p[1] != ' ' || p[2] == '\0')
    return -1;
  /* A zombie has exited: treat it as gone. */
  char state = p[2];
  if (state == 'Z' || state == 'X')
    return -1;
  /* p[1] is the space before field 3 (state); flags is field 9, starttime
   * field 22. */
  p++;
  uint64_t flags = 0;
  for (int field = 3; field < 22 && p; field++)
    {
      if (field == 9)
        flags = strtoull (p + 1, NULL, 10);
      p = strchr (p + 1, ' ');
    }
  if (p == NULL)
    return -1;
  *ps = (struct spc_process_stat){
    .start_time = strtoull (p + 1, NULL, 10),
    .flags = flags,
    .state = state,
  };
  return ps->start_time ? 0 : -1;
}

int
spc_process_stat (int procfd, pid_t pid, struct spc_process_stat *ps)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, procfd >= 0 ? "%d/stat" : "/proc/%d/stat", (int) pid);
  _cleanup_close_ int fd = openat (procfd >= 0 ? procfd : AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  return spc_process_stat_parse (buf, ps);
}

uint64_t
spc_process_start_time (pid_t pid)
{
  struct spc_process_stat ps;
  return spc_process_stat (-1, pid, &ps) == 0 ? ps.start_time : 0;
}

/* 0 if path names a file the caller may execute; else -1 with errno
 * ENOENT (missing), EISDIR (a directory) or EACCES (anything else that
 * cannot be executed). */
static int
check_executable (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return -1;
  if (S_ISDIR (st.st_mode))
    {
      errno = EISDIR;
      return -1;
    }
  if (!S_ISREG (st.st_mode) || access (path, X_OK) < 0)
    {
      errno = EACCES;
      return -1;
    }
  return 0;
}

static int
check_host_executable (const char *path, void *data)
{
  (void) data;
  return check_executable (path);
}

char *
spc_find_executable (const char *name, char *const env[])
{
  return spc_find_executable_with (name, env, check_host_executable, NULL);
}

char *
spc_find_executable_with (const char *name, char *const env[],
                          int (*check) (const char *path, void *data), void *data)
{
  if (strchr (name, '/'))
    return check (name, data) == 0 ? strdup (name) : NULL;

  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (char *const *e = env; e && *e; e++)
    if (strncmp (*e, "PATH=", 5) == 0)
      path = *e + 5;

  /* As execvp(3): a file found but not executable is reported only when
   * no later directory has one that is. */
  int last_errno = ENOENT;
  const char *p = path;
  for (;;)
    {
      const char *end = strchrnul (p, ':');
      size_t dirlen = (size_t) (end - p);
      _cleanup_free_ char *candidate = NULL;
      if (asprintf (&candidate, "%.*s%s%s", (int) dirlen, p, dirlen ? "/" : "", name) < 0)
        return NULL;
      if (check (candidate, data) == 0)
        return steal_pointer (&candidate);
      if (errno == EACCES)
        last_errno = EACCES;
      if (*end == '\0')
        break;
      p = end + 1;
    }
  errno = last_errno;
  return NULL;
}

int
spc_send_fd (int sock, int fd, const void *data, size_t len, spc_err_t *err)
{
  char nothing = 0;
  struct iovec iov = { .iov_base = len ? (void *) data : &nothing, .iov_len = len ? len : 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control = { 0 };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof fd);
  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return spc_error_errno (err, "sendmsg");
  return 0;
}

int
spc_unix_connect (const char *path, const char *what, spc_err_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return spc_error_make (err, ENAMETOOLONG, "%s `%s`", what, path);
  strcpy (addr.sun_path, path);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return spc_error_errno (err, "%s: socket", what);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return spc_error_errno (err, "%s `%s`", what, path);
  return spc_steal_fd (&fd);
}

int
spc_send_pidfd (int sock, pid_t pid, const char *msg, spc_err_t *err)
{
  _cleanup_close_ int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return spc_error_errno (err, "--pidfd-socket: pidfd_open of pid %d%s", (int) pid,
                            errno == ENOSYS ? " (Linux 5.3 or later is needed)" : "");
  if (spc_send_fd (sock, pidfd, msg, strlen (msg), err) < 0)
    return spc_error_prefix (err, "--pidfd-socket: send the pidfd");
  return 0;
}

int
spc_recv_fd (int sock, void *data, size_t len, spc_err_t *err)
{
  char spare[256];
  struct iovec iov = { .iov_base = data ? data : spare, .iov_len = data ? len : sizeof spare };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return spc_error_errno (err, "recvmsg");
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  if (n == 0 || c == NULL || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN (sizeof (int)))
    return spc_error_make (err, EPROTO, "no file descriptor received");
  int fd;
  memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

int
spc_write_pid_file (const char *path, pid_t pid, spc_err_t *err)
{
  _cleanup_free_ char *dir = strdup (path);
  if (dir == NULL)
    return spc_error_errno (err, "strdup");
  char *slash = strrchr (dir, '/');
  const char *base = path;
  if (slash)
    {
      *slash = '\0';
      base = slash + 1;
    }
  _cleanup_close_ int dirfd
      = open (slash ? (dir[0] ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return spc_error_errno (err, "pid file `%s`", path);
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%d", (int) pid);
  if (spc_write_file_atomic_at (dirfd, base, buf, (size_t) len, 0644, err) < 0)
    return spc_error_prefix (err, "pid file `%s`", path);
  return 0;
}

/* The signals this thread ignores or catches, from its status in procfs;
 * false when that cannot be read. */
static bool
signals_not_default (uint64_t *mask)
{
  char buf[2048];
  _cleanup_close_ int fd = open ("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  const char *ign = strstr (buf, "\nSigIgn:\t"), *cgt = strstr (buf, "\nSigCgt:\t");
  if (ign == NULL || cgt == NULL)
    return false;
  char *end1, *end2;
  uint64_t a = strtoull (ign + 9, &end1, 16), b = strtoull (cgt + 9, &end2, 16);
  if (*end1 != '\n' || *end2 != '\n')
    return false;
  *mask = a | b;
  return true;
}

/* Every signal back to its default action, none blocked. Only those not
 * at their default are set: a syscall each costs more than the read of
 * the status that names them (on a VM, about as much as the whole rest of
 * this function). Where procfs cannot tell, all of them. */
void
spc_reset_signals (void)
{
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  uint64_t mask;
  if (!signals_not_default (&mask))
    mask = ~UINT64_C (0);
  for (int sig = 1; sig < NSIG && sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP && (mask & (UINT64_C (1) << (sig - 1))))
      signal (sig, SIG_DFL);
}

int
spc_parse_size (const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  if (*s < '0' || *s > '9')
    return -1;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno)
    return -1;
  unsigned shift = 0;
  switch (*end)
    {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
  if (*end == 'i' && shift)
    end++;
  if (*end == 'B' || *end == 'b')
    end++;
  if (*end != '\0' || v == 0 || (shift && v > (UINT64_MAX >> shift)))
    return -1;
  *out = (uint64_t) v << shift;
  return 0;
}

/* One number of an index list: digits only (strtoul would take a sign or
 * leading blanks). */
static bool
parse_index (const char **s, size_t *out)
{
  const char *p = *s;
  size_t v = 0;
  if (*p < '0' || *p > '9')
    return false;
  for (; *p >= '0' && *p <= '9'; p++)
    {
      if (v > (SIZE_MAX - 9) / 10)
        return false;
      v = v * 10 + (size_t) (*p - '0');
    }
  *s = p;
  *out = v;
  return true;
}

int
spc_parse_index_list (const char *text, unsigned long *mask, size_t nbits, char *why,
                      size_t why_len)
{
  memset (mask, 0, (nbits + SPC_BITS_PER_LONG - 1) / SPC_BITS_PER_LONG * sizeof *mask);
  const char *p = text;
  while (*p && *p != '\n')
    {
      size_t from, to;
      if (!parse_index (&p, &from))
        goto bad;
      to = from;
      if (*p == '-' && (p++, !parse_index (&p, &to)))
        goto bad;
      if (to < from)
        {
          snprintf (why, why_len, "`%s`: range %zu-%zu goes backwards", text, from, to);
          return -1;
        }
      if (to >= nbits)
        {
          snprintf (why, why_len, "`%s`: %zu is past the last one, %zu", text, to, nbits - 1);
          return -1;
        }
      for (size_t i = from; i <= to; i++)
        mask[i / SPC_BITS_PER_LONG] |= 1UL << (i % SPC_BITS_PER_LONG);
      if (*p == ',' && (p++, *p == '\0' || *p == '\n'))
        goto bad; /* a trailing comma */
      else if (*p && *p != '\n' && p[-1] != ',')
        goto bad;
    }
  if (*p == '\0' || (p[0] == '\n' && p[1] == '\0'))
    return 0;
bad:
  snprintf (why, why_len, "`%s`: not a list of numbers and ranges such as \"0-3,7\"", text);
  return -1;
}

static const struct
{
  const char *name;
  int number;
} signal_names[] = {
  { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
  { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
  { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
  { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH }, { "IO", SIGIO },         { "POLL", SIGPOLL },   { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

static int
parse_signal_number (const char *text, long *out)
{
  char *end;
  errno = 0;
  long v = strtol (text, &end, 10);
  if (errno || end == text || *end)
    return -1;
  *out = v;
  return 0;
}

int
spc_parse_signal (const char *text, spc_err_t *err)
{
  long n;
  if (parse_signal_number (text, &n) == 0)
    {
      /* 0 as with runc and kill(1): nothing is sent, only whether the
       * container runs is checked. */
      if (n < 0 || n >= NSIG)
        return spc_error_make (err, 0, "invalid signal `%s`", text);
      return (int) n;
    }
  const char *name = strncasecmp (text, "SIG", 3) == 0 ? text + 3 : text;
  for (size_t i = 0; i < sizeof signal_names / sizeof *signal_names; i++)
    if (strcasecmp (name, signal_names[i].name) == 0)
      return signal_names[i].number;
  /* Real-time signals: RTMIN, RTMIN+N, RTMAX, RTMAX-N. */
  if (strncasecmp (name, "RTMIN", 5) == 0 || strncasecmp (name, "RTMAX", 5) == 0)
    {
      bool min = strncasecmp (name, "RTMIN", 5) == 0;
      long off = 0;
      const char *rest = name + 5;
      if (*rest && ((min && *rest != '+') || (!min && *rest != '-')
                    || parse_signal_number (rest + 1, &off) < 0))
        return spc_error_make (err, 0, "invalid signal `%s`", text);
      long sig = min ? SIGRTMIN + off : SIGRTMAX - off;
      if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        return (int) sig;
    }
  return spc_error_make (err, 0, "invalid signal `%s`", text);
}
