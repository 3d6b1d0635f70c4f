/* libspacer: the OCI runtime for programs that embed it.
 *
 * The one public header; nothing else under include/spacer/ is installed
 * or stable. Every exported symbol starts with spacer_. Handles are
 * opaque; option structs begin with their own size (set it to
 * sizeof (struct ...)): a later version that adds members at the end reads
 * only what the caller's size covers, so old callers keep working.
 *
 * The library never prints, never exits, never changes the caller's signal
 * dispositions, cwd, umask or subreaper status. Diagnostics go to the log
 * callback of the context. Calls that fail return -1 and, when err is not
 * NULL, set *err to an error object the caller frees with
 * spacer_error_free().
 *
 * Why create and exec run the spacer binary: a process that enters a
 * container must run from an image the container cannot write
 * (CVE-2019-5736). For the spacer command that image is a sealed copy of
 * itself; for a program embedding the library it would be the caller's
 * own binary (python3, say), which the library must not re-execute. So
 * spacer_create() and spacer_exec() run the spacer binary (found as
 * described at spacer_context_options.binary), which seals itself before
 * it touches the container; every other call runs in the caller's
 * process.
 *
 * Threads: a context may be used from one thread at a time; distinct
 * contexts, and distinct process handles, from any threads at once. Calls
 * on one container ID serialise on the container's lock, across threads
 * and processes alike. spacer_version() and the error accessors are safe
 * from any thread. */
#ifndef SPACER_SPACER_H
#define SPACER_SPACER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH" (the package's). */
const char *spacer_version (void);

/* ---- errors ---- */

typedef struct spacer_error spacer_error;

/* The errno of the failure; 0 for invalid input (a bad config, an
 * unknown container is ENOENT, an existing one EEXIST). */
int spacer_error_code (const spacer_error *e);
/* One line that names the failing step, as the spacer command prints it
 * (without "spacer: "). */
const char *spacer_error_message (const spacer_error *e);
/* For an error in a config: where in the document, as a JSON path
 * ("process.args", "linux.resources.memory.limit"); NULL otherwise. */
const char *spacer_error_path (const spacer_error *e);
void spacer_error_free (spacer_error *e);

/* Frees what the library returns as char * or char ** (strv: the array
 * and every string in it). */
void spacer_free (void *p);
void spacer_strv_free (char **v);

/* ---- contexts: a state root ---- */

enum spacer_log_level
{
  SPACER_LOG_ERROR = 0,
  SPACER_LOG_WARNING = 1,
  SPACER_LOG_INFO = 2,
  SPACER_LOG_DEBUG = 3,
};

/* Called for each diagnostic of a call made with the context (warnings
 * such as "joined a cgroup that already holds a process"), on the thread
 * that made the call. msg has no trailing newline. */
typedef void (*spacer_log_fn) (void *data, enum spacer_log_level level, const char *msg);

struct spacer_context_options
{
  size_t size;          /* sizeof (struct spacer_context_options) */
  const char *root;     /* the state root; NULL: /run/spacer (as the command) */
  const char *binary;   /* the spacer binary for create and exec; NULL: the
                           SPACER_BINARY environment variable, else the
                           installed one ($(bindir)/spacer) */
  spacer_log_fn log;    /* NULL: diagnostics are dropped */
  void *log_data;
  enum spacer_log_level log_level; /* the most verbose level passed to log */
};

typedef struct spacer_context spacer_context;

/* opts may be NULL (all defaults). The root is made if missing. */
int spacer_context_open (const struct spacer_context_options *opts, spacer_context **out,
                         spacer_error **err);
void spacer_context_close (spacer_context *ctx);

/* ---- configs ---- */

enum spacer_spec_flags
{
  SPACER_SPEC_ROOTLESS = 1 << 0, /* `spacer spec --rootless`: a user namespace
                                    mapping root to the caller, no netns */
};

/* The config.json `spacer spec` writes (malloc'd JSON text, for the caller
 * to change and pass as spacer_create_options.config). */
int spacer_spec_default (unsigned flags, char **json, spacer_error **err);

/* ---- the lifecycle ---- */

enum spacer_create_flags
{
  SPACER_CREATE_NO_PIVOT = 1 << 0,       /* runc's --no-pivot */
  SPACER_CREATE_NO_NEW_KEYRING = 1 << 1, /* runc's --no-new-keyring */
  SPACER_CREATE_SYSTEMD_CGROUP = 1 << 2, /* runc's --systemd-cgroup */
};

struct spacer_create_options
{
  size_t size;           /* sizeof (struct spacer_create_options) */
  const char *bundle;    /* the bundle directory (relative root.path resolves
                            here); NULL: the caller's cwd */
  const char *config;    /* the config's JSON text; NULL: BUNDLE/config.json */
  int stdin_fd;          /* the init's stdio; -1: /dev/null. Ignored for a
                            process.terminal config (see console_socket) */
  int stdout_fd;
  int stderr_fd;
  const int *extra_fds;  /* become fds 3, 4, ... of the init */
  size_t n_extra_fds;
  const char *console_socket; /* for process.terminal: where the pty master goes */
  unsigned flags;        /* spacer_create_flags */
  const char *pidfd_socket; /* a unix socket that gets a pidfd of the init, as
                               runc 1.2's --pidfd-socket sends it (SCM_RIGHTS,
                               with the bytes "standard") */
};

/* The container, created: its init waits for spacer_start(). */
int spacer_create (spacer_context *ctx, const char *id, const struct spacer_create_options *opts,
                   spacer_error **err);
int spacer_start (spacer_context *ctx, const char *id, spacer_error **err);

enum spacer_status
{
  SPACER_STATUS_CREATING,
  SPACER_STATUS_CREATED,
  SPACER_STATUS_RUNNING,
  SPACER_STATUS_STOPPED,
  SPACER_STATUS_PAUSED,
};

/* The container's status and its init's pid (host pid namespace; 0 once
 * stopped). */
int spacer_status (spacer_context *ctx, const char *id, enum spacer_status *status, pid_t *pid,
                   spacer_error **err);
/* The OCI state document, as `spacer state` prints it (malloc'd). */
int spacer_state (spacer_context *ctx, const char *id, char **json, spacer_error **err);
/* The IDs of the containers under the root (a NULL-terminated strv). */
int spacer_list (spacer_context *ctx, char ***ids, spacer_error **err);

enum spacer_kill_flags
{
  SPACER_KILL_ALL = 1 << 0, /* every process of the container, not only its init */
};
int spacer_kill (spacer_context *ctx, const char *id, int signo, unsigned flags,
                 spacer_error **err);
int spacer_pause (spacer_context *ctx, const char *id, spacer_error **err);
int spacer_resume (spacer_context *ctx, const char *id, spacer_error **err);
/* resources: a runtime-spec linux.resources object, as `spacer update -r`. */
int spacer_update (spacer_context *ctx, const char *id, const char *resources,
                   spacer_error **err);

enum spacer_delete_flags
{
  SPACER_DELETE_FORCE = 1 << 0, /* kill a running container first; a missing
                                   one is not an error */
};
int spacer_delete (spacer_context *ctx, const char *id, unsigned flags, spacer_error **err);

/* ---- processes in a container ---- */

struct spacer_exec_options
{
  size_t size;               /* sizeof (struct spacer_exec_options) */
  const char *const *args;   /* NULL-terminated: the program and its arguments */
  const char *const *env;    /* NULL-terminated "K=V", over config.json's process.env */
  const char *cwd;           /* NULL: config.json's process.cwd */
  int has_user;              /* uid and gid replace the process's */
  uint32_t uid;
  uint32_t gid;
  const gid_t *additional_gids; /* with n_additional_gids > 0: replace the process's */
  size_t n_additional_gids;
  int stdin_fd;              /* -1: /dev/null */
  int stdout_fd;
  int stderr_fd;
  const int *extra_fds;      /* become fds 3, 4, ... of the program */
  size_t n_extra_fds;
  const char *process;       /* a runtime-spec process object (JSON text),
                                instead of args..gids (runc's exec --process) */
};

typedef struct spacer_process spacer_process;

/* Runs a program in the running container ID and returns once it runs. */
int spacer_exec (spacer_context *ctx, const char *id, const struct spacer_exec_options *opts,
                 spacer_process **out, spacer_error **err);

/* The program's pid (host pid namespace). */
pid_t spacer_process_pid (const spacer_process *p);
/* A pidfd that polls readable once the process has ended, for the
 * caller's event loop; owned by the handle. */
int spacer_process_fd (const spacer_process *p);
/* Sends signo to the program (never to another process that reused its
 * pid). */
int spacer_process_signal (spacer_process *p, int signo, spacer_error **err);

enum spacer_wait_flags
{
  SPACER_WAIT_NOHANG = 1 << 0, /* return 0 at once if it still runs */
};
/* Waits for the program to end: returns 1 with *exit_code its exit status,
 * or 128+N when signal N ended it (as `spacer exec` and runc report it);
 * 0 with SPACER_WAIT_NOHANG while it runs; -1 on error. Once it returned
 * 1, later calls return 1 with the same code. */
int spacer_process_wait (spacer_process *p, unsigned flags, int *exit_code,
                         spacer_error **err);
/* Frees the handle. A program still running goes on running. */
void spacer_process_free (spacer_process *p);

#ifdef __cplusplus
}
#endif

#endif
