/* Shared by the container*.c files only. */
#ifndef SPACER_CONTAINER_INTERNAL_H
#define SPACER_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "spacer/config.h"
#include "spacer/container.h"
#include "spacer/error.h"
#include "spacer/status.h"

struct stat;

/* ---- state (container-state.c) ---- */

/* Open and lock ROOT/ID (LOCK_SH or LOCK_EX) and read its state. Returns
 * the locked directory's fd. */
int spc_container_open_locked (const char *root, const char *id, int lock_op,
                               struct spc_state *st, spc_err_t *err);

/* *err (a state that cannot be read) classed EUCLEAN, saying that delete
 * --force removes the container. Returns -1. */
int spc_container_broken_error (spc_err_t *err);

/* Write the state where the caller's error is the news already. */
void spc_container_write_state_quietly (int dirfd, const struct spc_state *st);

/* ---- create (container-create.c, container-create-cgroup.c) ---- */

/* A container create made: its init, blocked before exec, and its state. */
struct spc_created
{
  pid_t pid;
  int sync_fd;            /* the runtime's end; still open for run */
  int terminal_fd;        /* run in the foreground: where the pty master arrives */
  struct spc_state state; /* as in state.json */
  bool hooks_ran;         /* a create hook ran: tearing down owes poststop */
  bool pid_ns_init;       /* the init is a new pid namespace's: see forward_signal */
  char *config_name;      /* config.json as the user named it, for the init's errors */
};

/* Make container id (create, or run's first half when for_run: no
 * exec.fifo, the init waits on cr->sync_fd). On failure nothing is left. */
int spc_container_make (const char *root, const char *id, const struct spc_create_options *o,
                        bool for_run, struct spc_created *cr, spc_err_t *err);

/* The default cgroup's name for id in state directory root. */
int spc_container_default_cgroup_name (const char *root, const char *id, char **name);

/* The container's cgroup before its init exists, recorded in ROOT/ID
 * (dirfd) as it is made; then its v1 part (after the clone); then the
 * init placed in it with the limits applied. */
int spc_container_make_cgroup (const struct spc_config *c, const char *config_name,
                               const char *root, const char *id,
                               const struct spc_create_options *o, int dirfd,
                               struct spc_state *st, spc_err_t *err);
int spc_container_make_late_cgroup (const struct spc_config *c,
                                    const struct spc_create_options *o, int dirfd,
                                    struct spc_state *st, spc_err_t *err);
int spc_container_place_in_cgroup (const struct spc_config *c, const struct spc_cgroup *cg,
                                   pid_t pid, bool born_in_v2, spc_err_t *err);

/* ---- start (container-start.c) ---- */

/* The poststart hooks; a failure is an error (runtime-spec 1.3). */
int spc_container_run_poststart (const struct spc_state *st, spc_err_t *err);

/* The error of a failed poststart, saying what became of the container
 * (what). Returns -1. */
int spc_container_poststart_error (const char *id, const char *what, spc_err_t *err);

/* ---- kill (container-kill.c) ---- */

/* SIGKILL to our child pid, and reap it. */
void spc_container_kill_and_reap (pid_t pid);

/* SIGKILL to the init (not our child), and wait up to 10 s for its end. */
int spc_container_kill_and_wait (const struct spc_state *st, spc_err_t *err);

/* SIGKILL to the container after a failed poststart hook, and wait. */
void spc_container_kill_after_poststart (const struct spc_state *st);

/* Of the pids of a cgroup the container joined (spc_cgroup_pids said
 * shared), keep only the container's: the init, and with a pid namespace
 * of its own the processes in it; without one nothing else can be told
 * apart from the other processes there. */
void spc_container_keep_own_pids (const struct spc_state *st, pid_t *pids, size_t *n);

/* Is pid the container's (see above; ns is the container's pid namespace
 * when has_ns)? */
bool spc_container_owns_pid (const struct spc_state *st, bool has_ns, const struct stat *ns,
                             pid_t pid);

/* ---- delete (container-delete.c) ---- */

/* Remove the container: cgroups, state, then the poststop hooks. dirfd
 * (locked ROOT/ID, or -1) gets the state written once its cgroups are
 * gone. */
int spc_container_destroy (const char *root, int dirfd, struct spc_state *st, spc_err_t *err);

/* Does a container of root other than id record dir as its cgroup? */
bool spc_container_claimed_by_other (int rootfd, const char *id, const char *dir);

#endif
