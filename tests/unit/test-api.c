/* Unit tests for libspacer's public API (spacer.h), used as a program that
 * embeds it would: only spacer.h. The calls that need no container run
 * everywhere; those that run one need root, a busybox root filesystem in
 * SPACER_TEST_ROOTFS (bundles/make-rootfs.sh makes one) and the spacer
 * binary in SPACER_BINARY, and are skipped with the reason otherwise.
 * Throughout, fd 2 is a memfd: the library must write nothing there. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spacer/spacer.h"
#include "unit.h"

static char state_root[64];
static spacer_context *ctx;
static int stderr_mem = -1;

/* The log callback: what it was given, one record per line. */
static char records[8192];

static void
collect (void *data, enum spacer_log_level level, const char *msg)
{
  size_t used = strlen (records);
  snprintf (records + used, sizeof records - used, "%d %s\n", (int) level, msg);
  (void) data;
}

#define CHECK_ERROR(err, code)                                                                \
  do                                                                                          \
    {                                                                                         \
      CHECK ((err) != NULL);                                                                  \
      if (spacer_error_code (err) != (code))                                                  \
        {                                                                                     \
          printf ("#   %s:%d: error code %d (%s), expected %d\n", __FILE__, __LINE__,         \
                  spacer_error_code (err), spacer_error_message (err), (code));                \
          spacer_error_free (err);                                                            \
          return false;                                                                       \
        }                                                                                     \
    }                                                                                         \
  while (0)

/* Fails the case with the error's message. */
#define CHECK_OK(call)                                                                        \
  do                                                                                          \
    {                                                                                         \
      spacer_error *e_ = NULL;                                                                \
      spacer_error **err_ = &e_;                                                              \
      (void) err_;                                                                            \
      if ((call) < 0)                                                                         \
        {                                                                                     \
          printf ("#   %s:%d: %s: %s\n", __FILE__, __LINE__, #call,                           \
                  e_ ? spacer_error_message (e_) : "(no error)");                             \
          spacer_error_free (e_);                                                             \
          return false;                                                                       \
        }                                                                                     \
    }                                                                                         \
  while (0)

/* ---- without a container ---- */

static bool
version_is_the_package_version (void)
{
  CHECK_STR (spacer_version (), PACKAGE_VERSION);
  return true;
}

static bool
context_open_makes_the_root_and_refuses_a_file (void)
{
  struct stat st;
  CHECK (stat (state_root, &st) == 0 && S_ISDIR (st.st_mode));

  char file[] = "/tmp/spacer-api-file-XXXXXX";
  int fd = mkstemp (file);
  CHECK (fd >= 0);
  close (fd);
  struct spacer_context_options o = { .size = sizeof o, .root = file };
  spacer_context *c = NULL;
  spacer_error *err = NULL;
  int r = spacer_context_open (&o, &c, &err);
  unlink (file);
  CHECK (r == -1 && c == NULL);
  CHECK (err != NULL && spacer_error_code (err) != 0);
  CHECK_CONTAINS (spacer_error_message (err), file);
  spacer_error_free (err);
  return true;
}

static bool
an_unknown_container_is_enoent (void)
{
  spacer_error *err = NULL;
  enum spacer_status status;
  pid_t pid;
  CHECK (spacer_status (ctx, "nosuch", &status, &pid, &err) == -1);
  CHECK_ERROR (err, ENOENT);
  CHECK_CONTAINS (spacer_error_message (err), "nosuch");
  CHECK (spacer_error_path (err) == NULL);
  spacer_error_free (err);
  err = NULL;
  char *json = NULL;
  CHECK (spacer_state (ctx, "nosuch", &json, &err) == -1 && json == NULL);
  CHECK_ERROR (err, ENOENT);
  spacer_error_free (err);
  err = NULL;
  CHECK (spacer_kill (ctx, "nosuch", SIGTERM, 0, &err) == -1);
  CHECK_ERROR (err, ENOENT);
  spacer_error_free (err);
  err = NULL;
  CHECK (spacer_start (ctx, "nosuch", &err) == -1);
  CHECK_ERROR (err, ENOENT);
  spacer_error_free (err);
  err = NULL;
  CHECK (spacer_delete (ctx, "nosuch", 0, &err) == -1);
  CHECK_ERROR (err, ENOENT);
  spacer_error_free (err);
  /* With force a missing container is no error, as engines need. */
  CHECK_OK (spacer_delete (ctx, "nosuch", SPACER_DELETE_FORCE, err_));
  /* And a NULL err is allowed. */
  CHECK (spacer_start (ctx, "nosuch", NULL) == -1);
  return true;
}

static bool
list_of_an_empty_root_is_empty (void)
{
  char **ids = NULL;
  CHECK_OK (spacer_list (ctx, &ids, err_));
  CHECK (ids != NULL && ids[0] == NULL);
  spacer_strv_free (ids);
  return true;
}

static bool
spec_default_is_spacer_spec (void)
{
  char *json = NULL;
  CHECK_OK (spacer_spec_default (0, &json, err_));
  CHECK_CONTAINS (json, "\"ociVersion\"");
  CHECK_CONTAINS (json, "\"network\"");
  spacer_free (json);
  CHECK_OK (spacer_spec_default (SPACER_SPEC_ROOTLESS, &json, err_));
  CHECK_CONTAINS (json, "\"uidMappings\"");
  spacer_free (json);
  spacer_error *err = NULL;
  CHECK (spacer_spec_default (1u << 7, &json, &err) == -1);
  CHECK_ERROR (err, EINVAL);
  spacer_error_free (err);
  return true;
}

static bool
a_bad_config_names_its_path (void)
{
  const char *config = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
                       " \"process\": {\"cwd\": \"/\", \"args\": 5}}";
  struct spacer_create_options o = { .size = sizeof o, .config = config, .stdin_fd = -1,
                                     .stdout_fd = -1, .stderr_fd = -1 };
  spacer_error *err = NULL;
  CHECK (spacer_create (ctx, "bad", &o, &err) == -1);
  CHECK_ERROR (err, 0);
  CHECK_STR (spacer_error_path (err), "process.args");
  CHECK_CONTAINS (spacer_error_message (err), "config: process.args: ");
  spacer_error_free (err);
  return true;
}

static bool
bad_resources_name_their_path (void)
{
  spacer_error *err = NULL;
  CHECK (spacer_update (ctx, "nosuch", "{\"memory\": {\"limit\": \"lots\"}}", &err) == -1);
  CHECK_ERROR (err, 0);
  CHECK_STR (spacer_error_path (err), "memory.limit");
  CHECK_CONTAINS (spacer_error_message (err), "resources: memory.limit: ");
  spacer_error_free (err);
  err = NULL;
  CHECK (spacer_update (ctx, "nosuch", "{\"pids\": {\"limit\": 10}}", &err) == -1);
  CHECK_ERROR (err, ENOENT);
  spacer_error_free (err);
  return true;
}

/* An older caller's smaller struct works; a newer caller's members this
 * version does not know are refused when set, not ignored. */
static bool
option_structs_carry_their_size (void)
{
  struct spacer_context_options o = { .root = state_root, .log = collect };
  o.size = offsetof (struct spacer_context_options, log); /* without log .. */
  spacer_context *c = NULL;
  CHECK_OK (spacer_context_open (&o, &c, err_));
  records[0] = '\0';
  CHECK (spacer_start (c, "nosuch", NULL) == -1);
  spacer_context_close (c);

  struct
  {
    struct spacer_context_options known;
    int later;
  } newer = { .known = { .size = sizeof newer, .root = state_root }, .later = 1 };
  spacer_error *err = NULL;
  CHECK (spacer_context_open (&newer.known, &c, &err) == -1);
  CHECK_ERROR (err, E2BIG);
  spacer_error_free (err);
  newer.later = 0;
  CHECK_OK (spacer_context_open (&newer.known, &c, err_));
  spacer_context_close (c);

  o.size = 2;
  err = NULL;
  CHECK (spacer_context_open (&o, &c, &err) == -1);
  CHECK_ERROR (err, EINVAL);
  spacer_error_free (err);
  return true;
}

/* ---- with containers ---- */

static const char *rootfs, *binary;

static const char *
needs_containers (void)
{
  if (geteuid () != 0)
    return "needs root";
  if (rootfs == NULL)
    return "SPACER_TEST_ROOTFS is not set (a busybox rootfs: bundles/make-rootfs.sh)";
  if (binary == NULL)
    return "SPACER_BINARY is not set (the spacer binary create and exec run)";
  return NULL;
}

/* text with the first `from` replaced by `to` (caller frees). */
static char *
replace (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);
  if (at == NULL)
    abort ();
  char *out = NULL;
  if (asprintf (&out, "%.*s%s%s", (int) (at - text), text, to, at + strlen (from)) < 0)
    abort ();
  return out;
}

/* spacer spec's config with the test rootfs, no terminal and ARGS (a JSON
 * array's inside), as a user of the API makes one. */
static char *
config_running (const char *args)
{
  char *spec = NULL, *a, *b, *c;
  if (spacer_spec_default (0, &spec, NULL) < 0)
    abort ();
  char root[4096], argv[1024];
  snprintf (root, sizeof root, "\"path\": \"%s\"", rootfs);
  snprintf (argv, sizeof argv, "\"args\": [%s]", args);
  a = replace (spec, "\"terminal\": true", "\"terminal\": false");
  b = replace (a, "\"path\": \"rootfs\"", root);
  c = replace (b, "\"args\": [\n      \"sh\"\n    ]", argv);
  spacer_free (spec);
  free (a);
  free (b);
  return c;
}

static int
create_running (const char *id, const char *config, spacer_error **err)
{
  struct spacer_create_options o = { .size = sizeof o, .config = config, .stdin_fd = -1,
                                     .stdout_fd = -1, .stderr_fd = -1 };
  if (spacer_create (ctx, id, &o, err) < 0)
    return -1;
  return spacer_start (ctx, id, err);
}

static bool
is_status (const char *id, enum spacer_status want)
{
  enum spacer_status s;
  pid_t pid = -1;
  spacer_error *err = NULL;
  if (spacer_status (ctx, id, &s, &pid, &err) < 0)
    {
      printf ("#   status %s: %s\n", id, spacer_error_message (err));
      spacer_error_free (err);
      return false;
    }
  if (s != want)
    printf ("#   status %s: %d, expected %d\n", id, (int) s, (int) want);
  return s == want && (s == SPACER_STATUS_STOPPED ? pid == 0 : pid > 0);
}

static bool
becomes_stopped (const char *id)
{
  for (int i = 0; i < 500; i++)
    {
      enum spacer_status s;
      pid_t pid;
      if (spacer_status (ctx, id, &s, &pid, NULL) == 0 && s == SPACER_STATUS_STOPPED)
        return true;
      usleep (10000);
    }
  return false;
}

static bool
the_lifecycle (void)
{
  char *config = config_running ("\"sleep\", \"1000\"");
  struct spacer_create_options o = { .size = sizeof o, .config = config, .stdin_fd = -1,
                                     .stdout_fd = -1, .stderr_fd = -1 };
  spacer_error *err = NULL;
  int r = spacer_create (ctx, "life", &o, &err);
  if (r < 0)
    printf ("#   create: %s\n", spacer_error_message (err));
  spacer_error_free (err);
  CHECK (r == 0);
  CHECK (is_status ("life", SPACER_STATUS_CREATED));

  err = NULL;
  r = spacer_create (ctx, "life", &o, &err);
  free (config);
  CHECK (r == -1);
  CHECK_ERROR (err, EEXIST);
  CHECK_CONTAINS (spacer_error_message (err), "life");
  spacer_error_free (err);

  CHECK_OK (spacer_start (ctx, "life", err_));
  CHECK (is_status ("life", SPACER_STATUS_RUNNING));
  char **ids = NULL;
  CHECK_OK (spacer_list (ctx, &ids, err_));
  CHECK (ids[0] && strcmp (ids[0], "life") == 0 && ids[1] == NULL);
  spacer_strv_free (ids);
  char *json = NULL;
  CHECK_OK (spacer_state (ctx, "life", &json, err_));
  CHECK_CONTAINS (json, "\"id\": \"life\"");
  CHECK_CONTAINS (json, "\"status\": \"running\"");
  spacer_free (json);

  CHECK_OK (spacer_pause (ctx, "life", err_));
  CHECK (is_status ("life", SPACER_STATUS_PAUSED));
  CHECK_OK (spacer_resume (ctx, "life", err_));
  CHECK (is_status ("life", SPACER_STATUS_RUNNING));
  CHECK_OK (spacer_update (ctx, "life", "{\"pids\": {\"limit\": 64}}", err_));

  CHECK_OK (spacer_kill (ctx, "life", SIGKILL, SPACER_KILL_ALL, err_));
  CHECK (becomes_stopped ("life"));
  CHECK_OK (spacer_delete (ctx, "life", 0, err_));
  err = NULL;
  CHECK (spacer_state (ctx, "life", &json, &err) == -1);
  CHECK_ERROR (err, ENOENT);
  spacer_error_free (err);
  return true;
}

/* pidfd_socket: the socket gets a pidfd of the init (fdinfo's Pid is the
 * one spacer_status gives), with runc's bytes. */
static bool
create_sends_a_pidfd_to_pidfd_socket (void)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *path = addr.sun_path;
  CHECK ((size_t) snprintf (addr.sun_path, sizeof addr.sun_path, "%s/../pidfd.sock", state_root)
         < sizeof addr.sun_path);
  /* Non-blocking: create returns only after the init's pidfd was sent, so
   * the connection waits already; none is a failure, not a hang. */
  int listener = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  CHECK (listener >= 0);
  CHECK (bind (listener, (struct sockaddr *) &addr, sizeof addr) == 0);
  CHECK (listen (listener, 1) == 0);
  char *config = config_running ("\"sleep\", \"1000\"");
  struct spacer_create_options o = { .size = sizeof o, .config = config, .stdin_fd = -1,
                                     .stdout_fd = -1, .stderr_fd = -1, .pidfd_socket = path };
  spacer_error *err = NULL;
  int r = spacer_create (ctx, "pidfd", &o, &err);
  free (config);
  if (r < 0)
    printf ("#   create: %s\n", spacer_error_message (err));
  spacer_error_free (err);
  CHECK (r == 0);
  int conn = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  close (listener);
  unlink (path);
  CHECK (conn >= 0);
  char msg[32] = "";
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = msg, .iov_len = sizeof msg - 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                      .msg_controllen = sizeof control.buf };
  ssize_t n = recvmsg (conn, &m, MSG_CMSG_CLOEXEC);
  close (conn);
  CHECK (n == 8 && memcmp (msg, "standard", 8) == 0);
  struct cmsghdr *c = CMSG_FIRSTHDR (&m);
  CHECK (c && c->cmsg_type == SCM_RIGHTS);
  int pidfd;
  memcpy (&pidfd, CMSG_DATA (c), sizeof pidfd);
  char fdinfo[64], line[128];
  snprintf (fdinfo, sizeof fdinfo, "/proc/self/fdinfo/%d", pidfd);
  FILE *f = fopen (fdinfo, "re");
  long got = -1;
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "Pid: %ld", &got) == 1)
      break;
  if (f)
    fclose (f);
  close (pidfd);
  enum spacer_status s;
  pid_t pid = 0;
  CHECK_OK (spacer_status (ctx, "pidfd", &s, &pid, err_));
  CHECK (s == SPACER_STATUS_CREATED && got == (long) pid);
  CHECK_OK (spacer_delete (ctx, "pidfd", SPACER_DELETE_FORCE, err_));
  return true;
}

/* A config that spacer warns about: the warning reaches the callback (on
 * this thread) and nothing reaches stderr. */
static bool
warnings_go_to_the_log_callback (void)
{
  struct spacer_context_options co = { .size = sizeof co, .root = state_root, .log = collect,
                                       .log_level = SPACER_LOG_WARNING };
  spacer_context *c = NULL;
  CHECK_OK (spacer_context_open (&co, &c, err_));
  char *config = config_running ("\"true\"");
  /* spacer spec writes the version spacer implements, whichever it is. */
  char *at = strstr (config, "\"ociVersion\": \"");
  CHECK (at != NULL);
  char version[64];
  CHECK (sscanf (at, "\"ociVersion\": %63[^,\n]", version) == 1);
  char from[96];
  snprintf (from, sizeof from, "\"ociVersion\": %s", version);
  char *odd = replace (config, from, "\"ociVersion\": \"1.99.0\"");
  free (config);
  struct spacer_create_options o = { .size = sizeof o, .config = odd, .stdin_fd = -1,
                                     .stdout_fd = -1, .stderr_fd = -1 };
  records[0] = '\0';
  spacer_error *err = NULL;
  int r = spacer_create (c, "warned", &o, &err);
  free (odd);
  if (r < 0)
    printf ("#   create: %s\n", spacer_error_message (err));
  spacer_error_free (err);
  spacer_delete (c, "warned", SPACER_DELETE_FORCE, NULL);
  spacer_context_close (c);
  CHECK (r == 0);
  CHECK_CONTAINS (records, "1 ");
  CHECK_CONTAINS (records, "unsupported version \"1.99.0\"");
  /* Once: the library's own check of the config does not repeat it. */
  char *first = strstr (records, "1.99.0");
  CHECK (strstr (first + 1, "1.99.0") == NULL);
  return true;
}

static ssize_t
read_all (int fd, char *buf, size_t size)
{
  size_t got = 0;
  ssize_t n;
  while (got < size - 1 && (n = read (fd, buf + got, size - 1 - got)) > 0)
    got += (size_t) n;
  buf[got] = '\0';
  return (ssize_t) got;
}

static bool
exec_with_stdio_and_an_extra_fd (void)
{
  int in[2], out[2], extra[2];
  CHECK (pipe2 (in, O_CLOEXEC) == 0 && pipe2 (out, O_CLOEXEC) == 0
         && pipe2 (extra, O_CLOEXEC) == 0);
  const char *args[] = { "sh", "-c", "cat; echo extra >&3; echo \"$GREETING\"", NULL };
  const char *env[] = { "GREETING=hello there", NULL };
  int fds[] = { extra[1] };
  struct spacer_exec_options o = { .size = sizeof o, .args = args, .env = env,
                                   .stdin_fd = in[0], .stdout_fd = out[1], .stderr_fd = -1,
                                   .extra_fds = fds, .n_extra_fds = 1 };
  spacer_process *p = NULL;
  spacer_error *err = NULL;
  int r = spacer_exec (ctx, "box", &o, &p, &err);
  close (in[0]);
  close (out[1]);
  close (extra[1]);
  if (r < 0)
    printf ("#   exec: %s\n", spacer_error_message (err));
  spacer_error_free (err);
  CHECK (r == 0 && p != NULL);
  CHECK (spacer_process_pid (p) > 0);
  CHECK (write (in[1], "ping\n", 5) == 5);
  close (in[1]);
  char buf[256], ebuf[64];
  read_all (out[0], buf, sizeof buf);
  read_all (extra[0], ebuf, sizeof ebuf);
  close (out[0]);
  close (extra[0]);
  int code = -1;
  CHECK_OK (spacer_process_wait (p, 0, &code, err_));
  spacer_process_free (p);
  CHECK_STR (buf, "ping\nhello there\n");
  CHECK_STR (ebuf, "extra\n");
  CHECK (code == 0);
  return true;
}

static bool
exec_reports_the_exit_status (void)
{
  const char *args[] = { "sh", "-c", "exit 7", NULL };
  struct spacer_exec_options o = { .size = sizeof o, .args = args, .stdin_fd = -1,
                                   .stdout_fd = -1, .stderr_fd = -1 };
  spacer_process *p = NULL;
  CHECK_OK (spacer_exec (ctx, "box", &o, &p, err_));
  int code = -1;
  CHECK (spacer_process_wait (p, 0, &code, NULL) == 1);
  CHECK (code == 7);
  /* Again: the same answer, not an error. */
  code = -1;
  CHECK (spacer_process_wait (p, SPACER_WAIT_NOHANG, &code, NULL) == 1 && code == 7);
  spacer_process_free (p);
  return true;
}

/* A process object instead of args, through a smaller struct that ends
 * before it knew `process`... is not possible; so: args through the
 * struct of an older caller, then a process object. */
static bool
exec_takes_an_older_struct_and_a_process_object (void)
{
  int out[2];
  CHECK (pipe2 (out, O_CLOEXEC) == 0);
  const char *args[] = { "echo", "old", NULL };
  struct spacer_exec_options o = { .args = args, .stdin_fd = -1, .stdout_fd = out[1],
                                   .stderr_fd = -1, .process = "{\"junk\": 1}" };
  o.size = offsetof (struct spacer_exec_options, process);
  spacer_process *p = NULL;
  CHECK_OK (spacer_exec (ctx, "box", &o, &p, err_));
  int code = -1;
  CHECK (spacer_process_wait (p, 0, &code, NULL) == 1 && code == 0);
  spacer_process_free (p);

  struct spacer_exec_options po
      = { .size = sizeof po, .stdin_fd = -1, .stdout_fd = out[1], .stderr_fd = -1,
          .process = "{\"cwd\": \"/\", \"args\": [\"echo\", \"from\", \"process\"], "
                     "\"user\": {\"uid\": 0, \"gid\": 0}}" };
  CHECK_OK (spacer_exec (ctx, "box", &po, &p, err_));
  close (out[1]);
  CHECK (spacer_process_wait (p, 0, &code, NULL) == 1 && code == 0);
  spacer_process_free (p);
  char buf[128];
  read_all (out[0], buf, sizeof buf);
  close (out[0]);
  CHECK_STR (buf, "old\nfrom process\n");
  return true;
}

static bool
wait_nohang_and_signal (void)
{
  const char *args[] = { "sleep", "1000", NULL };
  struct spacer_exec_options o = { .size = sizeof o, .args = args, .stdin_fd = -1,
                                   .stdout_fd = -1, .stderr_fd = -1 };
  spacer_process *p = NULL;
  CHECK_OK (spacer_exec (ctx, "box", &o, &p, err_));
  int code = -1;
  CHECK (spacer_process_wait (p, SPACER_WAIT_NOHANG, &code, NULL) == 0);
  struct pollfd pfd = { .fd = spacer_process_fd (p), .events = POLLIN };
  CHECK (pfd.fd >= 0 && poll (&pfd, 1, 0) == 0);
  CHECK_OK (spacer_process_signal (p, SIGTERM, err_));
  CHECK (poll (&pfd, 1, 10000) == 1);
  CHECK (spacer_process_wait (p, 0, &code, NULL) == 1);
  CHECK (code == 128 + SIGTERM);
  spacer_error *err = NULL;
  CHECK (spacer_process_signal (p, SIGTERM, &err) == -1);
  CHECK_ERROR (err, ESRCH);
  spacer_error_free (err);
  spacer_process_free (p);
  return true;
}

static bool
exec_failures_come_back_as_errors (void)
{
  const char *args[] = { "/no/such/program", NULL };
  struct spacer_exec_options o = { .size = sizeof o, .args = args, .stdin_fd = -1,
                                   .stdout_fd = -1, .stderr_fd = -1 };
  spacer_process *p = NULL;
  spacer_error *err = NULL;
  CHECK (spacer_exec (ctx, "box", &o, &p, &err) == -1 && p == NULL);
  CHECK (err != NULL);
  CHECK_CONTAINS (spacer_error_message (err), "/no/such/program");
  spacer_error_free (err);
  err = NULL;
  args[0] = "true";
  CHECK (spacer_exec (ctx, "nosuch", &o, &p, &err) == -1);
  CHECK_ERROR (err, ENOENT);
  spacer_error_free (err);
  return true;
}

/* Our children, zombies included, across our threads. */
static int
count_children (void)
{
  char path[64], buf[4096];
  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n < 0)
    return -1;
  int count = 0;
  for (ssize_t i = 0; i < n; i++)
    count += buf[i] == ' ';
  return count;
}

/* Freed while it runs: it goes on running, and once it ends its spacer
 * child does not stay a zombie of ours. */
static bool
free_leaves_no_zombie (void)
{
  CHECK (count_children () == 0);
  const char *args[] = { "sleep", "1000", NULL };
  struct spacer_exec_options o = { .size = sizeof o, .args = args, .stdin_fd = -1,
                                   .stdout_fd = -1, .stderr_fd = -1 };
  spacer_process *p = NULL;
  CHECK_OK (spacer_exec (ctx, "box", &o, &p, err_));
  pid_t pid = spacer_process_pid (p);
  spacer_process_free (p);
  char proc[64];
  snprintf (proc, sizeof proc, "/proc/%d", (int) pid);
  CHECK (access (proc, F_OK) == 0);
  CHECK (count_children () == 1);
  CHECK (kill (pid, SIGKILL) == 0);
  int i;
  for (i = 0; i < 500 && count_children () != 0; i++)
    usleep (10000);
  CHECK (count_children () == 0);
  return true;
}

static bool
with_a_running_container (bool (*fn) (void))
{
  char *config = config_running ("\"sleep\", \"1000\"");
  spacer_error *err = NULL;
  int r = create_running ("box", config, &err);
  free (config);
  if (r < 0)
    printf ("#   box: %s\n", spacer_error_message (err));
  spacer_error_free (err);
  bool ok = r == 0 && fn ();
  if (spacer_delete (ctx, "box", SPACER_DELETE_FORCE, &err) < 0)
    {
      printf ("#   delete box: %s\n", spacer_error_message (err));
      spacer_error_free (err);
      ok = false;
    }
  return ok;
}

#define RUN_IN_BOX(fn) report (#fn, with_a_running_container (fn))

static bool
nothing_was_written_to_fd_2 (void)
{
  off_t size = lseek (stderr_mem, 0, SEEK_END);
  if (size > 0)
    {
      char buf[512] = "";
      (void) !pread (stderr_mem, buf, sizeof buf - 1, 0);
      printf ("#   fd 2 got: %s\n", buf);
    }
  CHECK (size == 0);
  return true;
}

static int
remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st, (void) flag, (void) ftw;
  return remove (path) < 0 ? -1 : 0;
}

/* Whatever a failed case left: every container deleted, the root (and
 * spacer's seccomp cache in it) gone. */
static void
clean_up (const char *dir)
{
  char **ids = NULL;
  if (ctx && spacer_list (ctx, &ids, NULL) == 0)
    {
      for (char **i = ids; *i; i++)
        spacer_delete (ctx, *i, SPACER_DELETE_FORCE, NULL);
      spacer_strv_free (ids);
    }
  spacer_context_close (ctx);
  if (nftw (dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
    printf ("# clean up: remove %s: %m\n", dir);
}

int
main (void)
{
  rootfs = getenv ("SPACER_TEST_ROOTFS");
  binary = getenv ("SPACER_BINARY");
  setvbuf (stdout, NULL, _IOLBF, 0);
  /* The library must not write to fd 2: it is a memfd here, checked last. */
  stderr_mem = memfd_create ("stderr", MFD_CLOEXEC);
  int real_stderr = dup (STDERR_FILENO);
  if (stderr_mem < 0 || real_stderr < 0 || dup2 (stderr_mem, STDERR_FILENO) < 0)
    abort ();

  snprintf (state_root, sizeof state_root, "/tmp/spacer-api-%d/state", (int) getpid ());
  char parent[64];
  snprintf (parent, sizeof parent, "/tmp/spacer-api-%d", (int) getpid ());
  struct spacer_context_options co = { .size = sizeof co, .root = state_root };
  spacer_error *err = NULL;
  if (spacer_context_open (&co, &ctx, &err) < 0)
    {
      printf ("not ok 1 - context: %s\n", spacer_error_message (err));
      clean_up (parent);
      return 1;
    }

  RUN (version_is_the_package_version);
  RUN (context_open_makes_the_root_and_refuses_a_file);
  RUN (an_unknown_container_is_enoent);
  RUN (list_of_an_empty_root_is_empty);
  RUN (spec_default_is_spacer_spec);
  RUN (a_bad_config_names_its_path);
  RUN (bad_resources_name_their_path);
  RUN (option_structs_carry_their_size);

  const char *why = needs_containers ();
  if (why)
    {
      report_skip ("the_lifecycle", why);
      report_skip ("create_sends_a_pidfd_to_pidfd_socket", why);
      report_skip ("warnings_go_to_the_log_callback", why);
      report_skip ("exec_with_stdio_and_an_extra_fd", why);
      report_skip ("exec_reports_the_exit_status", why);
      report_skip ("exec_takes_an_older_struct_and_a_process_object", why);
      report_skip ("wait_nohang_and_signal", why);
      report_skip ("exec_failures_come_back_as_errors", why);
      report_skip ("free_leaves_no_zombie", why);
    }
  else
    {
      RUN (the_lifecycle);
      RUN (create_sends_a_pidfd_to_pidfd_socket);
      RUN (warnings_go_to_the_log_callback);
      RUN_IN_BOX (exec_with_stdio_and_an_extra_fd);
      RUN_IN_BOX (exec_reports_the_exit_status);
      RUN_IN_BOX (exec_takes_an_older_struct_and_a_process_object);
      RUN_IN_BOX (wait_nohang_and_signal);
      RUN_IN_BOX (exec_failures_come_back_as_errors);
      RUN_IN_BOX (free_leaves_no_zombie);
    }
  clean_up (parent);
  RUN (nothing_was_written_to_fd_2);
  dup2 (real_stderr, STDERR_FILENO);
  return unit_summary ();
}
