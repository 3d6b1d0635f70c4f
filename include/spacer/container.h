/* The OCI lifecycle: create, start, run, state, kill, delete, list. Each call
 * takes the state root and a container ID, works under the container's lock
 * and leaves nothing half-made behind when it fails. */
#ifndef SPACER_CONTAINER_H
#define SPACER_CONTAINER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "spacer/error.h"
#include "spacer/status.h"

/* Whether cgroup permission errors are tolerated (runc's --rootless). */
enum spc_rootless
{
  SPC_ROOTLESS_AUTO = 0, /* tolerated when not root, or root of a user namespace */
  SPC_ROOTLESS_TRUE,
  SPC_ROOTLESS_FALSE,
};

struct spc_create_options
{
  const char *bundle;         /* NULL: the current directory */
  const char *config;         /* the config's JSON text; NULL: BUNDLE/config.json */
  const char *config_name;    /* what errors call that text (NULL: "config") */
  const char *config_path;    /* without config: the config file instead of
                                 config.json, relative to the bundle (crun's
                                 create --config) */
  const char *pid_file;       /* NULL: none */
  const char *console_socket; /* where the pty master goes (process.terminal) */
  const char *pidfd_socket;   /* where a pidfd of the init goes (runc's --pidfd-socket) */
  unsigned preserve_fds;      /* fds 3 .. 3+N-1 pass to the program */
  bool systemd_cgroup;        /* cgroupsPath is systemd's slice:prefix:name */
  enum spc_rootless rootless;
  bool no_pivot;              /* MS_MOVE + chroot instead of pivot_root (ramfs roots) */
  bool no_new_keyring;        /* keep the caller's session keyring */
  bool detach;                /* run only: return once the program runs */
  bool keep;                  /* run only: keep the stopped container's state */
  bool no_subreaper;          /* run only: do not reap what the container orphans */
};

/* Create and run first make sure that the calling process runs from an
 * image a container cannot write (sealed.h): the first call in a process
 * may re-execute it. */
int spc_container_create (const char *root, const char *id, const struct spc_create_options *o,
                          spc_err_t *err);

/* create + start. In the foreground it forwards signals, waits, deletes the
 * container (unless keep) and sets *exit_code (128+N for a signal), like
 * `runc run`. A stop request (INT, TERM, HUP, QUIT) that the container's
 * init would never see (the init of a pid namespace with no handler for it)
 * ends the container with SIGKILL, and the container dies with the runtime.
 * Unless no_subreaper, the calling process is a child subreaper while it
 * waits and reaps every child of its own that ends meanwhile. */
int spc_container_run (const char *root, const char *id, const struct spc_create_options *o,
                       int *exit_code, spc_err_t *err);

int spc_container_start (const char *root, const char *id, spc_err_t *err);

/* The OCI state JSON with runc's "owner", pretty-printed. */
int spc_container_state (const char *root, const char *id, char **json, spc_err_t *err);

/* The live status and the init's pid (0 once stopped). */
int spc_container_status (const char *root, const char *id, enum spc_status *status, pid_t *pid,
                          spc_err_t *err);

/* all: every process in the container's cgroup, not only its init.
 * signo SPC_STOP_SIGNAL: the container's stop signal, the one its
 * org.opencontainers.image.stopSignal annotation names, else SIGTERM
 * (kill without a SIGNAL). */
#define SPC_STOP_SIGNAL (-1)
#define SPC_STOP_SIGNAL_ANNOTATION "org.opencontainers.image.stopSignal"
int spc_container_kill (const char *root, const char *id, int signo, bool all, spc_err_t *err);

/* force: kill a running container first. A missing container with force is
 * not an error (engines call delete --force after a failed create). */
int spc_container_delete (const char *root, const char *id, bool force, spc_err_t *err);

/* pause and resume freeze and thaw the container's cgroup. */
int spc_container_pause (const char *root, const char *id, spc_err_t *err);
int spc_container_resume (const char *root, const char *id, spc_err_t *err);

/* The pids of every process in the container (runtime pid namespace). */
int spc_container_pids (const char *root, const char *id, pid_t **pids, size_t *n,
                        spc_err_t *err);

/* Apply changed limits to a living container (only what r sets). */
int spc_container_update (const char *root, const char *id, const struct spc_resources *r,
                          spc_err_t *err);

/* update --l3-cache-schema / --mem-bw-schema (either may be NULL): runc's
 * checks, in its order (resctrl mounted, the resource offered, the
 * container has linux.intelRdt), with an error naming what is missing.
 * Nothing is changed: past those checks this refuses too, saying that
 * spacer applies linux.intelRdt's schemata at create only. */
int spc_container_update_intel_rdt (const char *root, const char *id, const char *l3_schema,
                                    const char *mem_bw_schema, spc_err_t *err);

/* `events`: with stats_only one {"type":"stats",...} line; otherwise such
 * a line every interval_ms and {"type":"oom",...} whenever the OOM killer
 * acts, until the container stops. Lines go to out. */
int spc_container_events (const char *root, const char *id, bool stats_only, int interval_ms,
                          FILE *out, spc_err_t *err);

struct spc_container_info
{
  struct spc_state state; /* as spc_status_read_listed reads it */
  enum spc_status status;
};

int spc_container_list (const char *root, struct spc_container_info **out, size_t *n,
                        spc_err_t *err);
void spc_container_list_free (struct spc_container_info *list, size_t n);

#endif
