/* Container state on disk: ROOT/ID/ holds state.json (written atomically)
 * and, between create and start, exec.fifo. Every command that reads or
 * changes a container holds a flock on ROOT/ID, so concurrent commands on one
 * ID serialise. The status is never stored: it is derived from the live
 * process each time (a stored "running" would be stale after a crash).
 *
 * state.json is a write-ahead record: create writes it before it makes
 * anything the container owns, and again after each step (the cgroups it
 * is about to make, then made; the init once cloned), so a create killed
 * at any point leaves a record `delete --force` undoes. */
#ifndef SPACER_STATUS_H
#define SPACER_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spacer/cgroup.h"
#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/intel-rdt.h"
#include "spacer/json.h"

enum spc_status
{
  SPC_STATUS_CREATING,
  SPC_STATUS_CREATED,
  SPC_STATUS_RUNNING,
  SPC_STATUS_STOPPED,
  SPC_STATUS_PAUSED,
  /* Only for a container whose state cannot be read (list): engines know
   * the five above, and see this one for broken containers only. */
  SPC_STATUS_UNKNOWN,
};

struct spc_state
{
  char *id;
  char *oci_version;
  pid_t pid;
  uint64_t start_time; /* of pid, see spc_process_start_time() */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 */
  uid_t owner;
  struct spc_annotation *annotations;
  size_t n_annotations;
  struct spc_hooks hooks; /* poststart and poststop only */
  struct spc_cgroup cgroup;
  /* Set from create's first write until its last: a create killed
   * meanwhile left it (status creating while the init lives). */
  bool creating;
  /* The init's executable until it executes the program: the runtime's
   * own image, which the init was cloned from. Once /proc/PID/exe is
   * another file the program runs, whatever exec.fifo says (a `start`
   * killed after releasing the init leaves the fifo). 0: unknown. The
   * status now asks the init's flags instead (see spc_status_of); the
   * image is still recorded for the spacer versions that read it. */
  uint64_t image_dev, image_ino;
  /* The resctrl groups create made (linux.intelRdt), for delete. */
  struct spc_rdt_made rdt;
};

#define SPC_STATE_FILE "state.json"
/* The largest state.json spacer writes or reads: far above what a real
 * container's takes (annotations and hooks are most of it). */
#define SPC_STATE_MAX (16 * 1024 * 1024)
#define SPC_EXEC_FIFO "exec.fifo"
/* The config of a container created from one that is not
 * BUNDLE/config.json (in memory, or create --config FILE). */
#define SPC_STATE_CONFIG "config.json"

/* Container IDs become directory names: letters, digits and "_+-.", not
 * starting with '.', at most 1024 bytes. */
int spc_validate_id (const char *id, spc_err_t *err);

/* Open (creating when asked) the state root directory. */
int spc_state_root_open (const char *root, bool create, spc_err_t *err);

/* Make ROOT/ID and lock it exclusively; refuses an existing ID. */
int spc_status_create_dir (int rootfd, const char *id, spc_err_t *err);

/* Open and lock ROOT/ID (LOCK_SH or LOCK_EX). A missing container (also
 * one a delete removed while we waited for the lock) is the error
 * "container `ID` does not exist" with errno_ ENOENT. Its state.json may
 * still be missing or unreadable: see spc_status_read. */
int spc_status_open_dir (int rootfd, const char *id, int lock_op, spc_err_t *err);

/* Replace state.json atomically: a reader sees the old or the new file,
 * never a torn one. Not fsynced: the state describes processes, which a
 * crash ends; after one, a lost or empty state.json is a container delete
 * --force removes (its processes are gone already). The state root is
 * normally a tmpfs (/run) anyway, where fsync does nothing. */
int spc_status_write (int dirfd, const struct spc_state *st, spc_err_t *err);
/* A missing state.json (a create or delete killed before its first or
 * after its last write) is an error too: the container is then broken,
 * not absent. */
int spc_status_read (int dirfd, const char *id, struct spc_state *st, spc_err_t *err);
/* What list shows of ROOT/ID: its state (of a created or stopped one
 * without the cgroup and hooks) and status, read under its shared lock.
 * procfd: see spc_process_stat. 1: read; 0: there is no such container
 * (removed meanwhile); -1: it is there but cannot be read, *err saying
 * why. */
int spc_status_read_listed (int rootfd, int procfd, const char *id, struct spc_state *st,
                            enum spc_status *status, spc_err_t *err);
/* The same from a buffer (the fuzzer's entry point): state.json's text for
 * the container named id. */
int spc_state_parse (const char *text, size_t len, const char *id, struct spc_state *st,
                     spc_err_t *err);
/* The same without the cgroup and the hooks (left empty), which list
 * needs only of a running container (spc_status_of: paused?): the text
 * is still checked as JSON throughout, and what is read, as above. */
int spc_state_parse_listed (const char *text, size_t len, const char *id, struct spc_state *st,
                            spc_err_t *err);
void spc_state_clear (struct spc_state *st);

/* Live status of a container whose state was read from dirfd. */
enum spc_status spc_status_of (int dirfd, const struct spc_state *st);
const char *spc_status_name (enum spc_status s);

/* The OCI state document (runtime-spec "State") for `state` and hooks. */
char *spc_state_to_json (const struct spc_state *st, enum spc_status status, bool pretty);
/* Its members, into an object the caller opened (list adds its own). */
void spc_state_write_members (spc_json_writer *w, const struct spc_state *st,
                              enum spc_status status);

/* What `state` and `list` print, as runc's do: the OCI state and "owner",
 * the name of the user who made the container ("#UID" for a uid without
 * one). Hooks and seccomp listeners get the OCI state alone. */
char *spc_state_to_runtime_json (const struct spc_state *st, enum spc_status status);
void spc_state_write_runtime_members (spc_json_writer *w, const struct spc_state *st,
                                      enum spc_status status);
/* The owner's name, as above, in buf. */
const char *spc_state_owner_name (uid_t uid, char *buf, size_t size);

/* Remove ROOT/ID and everything in it. */
int spc_status_remove (int rootfd, const char *id, spc_err_t *err);

#define _cleanup_state_ __attribute__ ((cleanup (spc_state_clear)))

/* A pidfd of the state's init, or -1 with errno ESRCH when that process
 * is gone, even if its pid now names another (the start time differs):
 * once held, a signal through it can never hit an unrelated process. */
int spc_state_open_init_pidfd (const struct spc_state *st);

#endif
