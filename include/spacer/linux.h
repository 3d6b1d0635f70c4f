/* The container init: cloned into its new namespaces by the runtime, it
 * builds the container's world (mounts, /dev, pivot_root, hostname, sysctl,
 * limits), reports "created" over the sync socket, waits for start, drops to
 * the configured identity and execs the user program. */
#ifndef SPACER_LINUX_H
#define SPACER_LINUX_H

#include <sys/types.h>

#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/seccomp.h"

struct spc_init_args
{
  const struct spc_config *config;
  const char *rootfs;        /* absolute path on the host */
  int sync_fd;               /* the init's end of the sync socket */
  int runtime_sync_fd;       /* the runtime's end, closed in the init */
  int fifo_path_fd;          /* exec.fifo, O_PATH; -1: start arrives on sync_fd */
  int ns_fds[SPC_NS_COUNT];  /* namespaces to join; -1 where none */
  int console_fd;            /* where to send the pty master; -1: no terminal */
  const int *bind_trees;     /* per mount: a detached tree (bind-trees.h), or -1; may be NULL */
  unsigned pass_fds;         /* fds 3 .. 3+N-1 stay open for the program */
  unsigned listen_fds;       /* of which the first N are socket activation's */
  int cgroup_fd;             /* cgroup2 directory to clone into; -1: none */
  bool await_cgroup;         /* the runtime says SPC_SYNC_CGROUP_PLACED */
  const struct spc_seccomp_program *seccomp_cached; /* from the runtime's cache; may be NULL */
  int seccomp_export_fd;     /* compile into this for the cache; -1: none */
  const char *id;            /* the container's, names its session keyring */
  bool new_keyring;          /* join a session keyring of the container's own */
  bool no_pivot;             /* MS_MOVE + chroot instead of pivot_root */
  bool die_with_runtime;     /* a foreground run: SIGKILL when the runtime dies */
  /* Filled in by the init itself: */
  bool cgroup_done;
  int proc_fd;        /* procfs handle (procfs.h), opened once the namespaces are joined */
  int fifo_fd;        /* exec.fifo once start released us; -1 before */
  int own_fds_dirfd;  /* the init's /proc/self/fd, to reopen fifo_path_fd */
  char *hook_states;  /* state documents for createContainer and startContainer */
  struct spc_seccomp_filter *seccomp; /* built, not yet loaded */
};

/* Check what can be checked before anything is created (sysctl names, the
 * namespaces the config needs). */
int spc_linux_validate (const struct spc_config *c, spc_err_t *err);

/* Settings that need a private namespace must not land in one joined by
 * path that is the runtime's own, the host's. */
int spc_linux_check_joined (const struct spc_config *c, const int ns_fds[SPC_NS_COUNT],
                            spc_err_t *err);

/* Clone the init. Returns its pid (in the runtime's pid namespace). */
pid_t spc_linux_spawn_init (struct spc_init_args *a, spc_err_t *err);

#endif
