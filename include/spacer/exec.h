/* `spacer exec`: run one more process in a created or running container,
 * as runc's exec does. The process joins every namespace and cgroup of the
 * container's init and gets the container's seccomp filter (from the
 * cache), capabilities, rlimits, no_new_privs, LSM labels and identity,
 * from config.json's process (or a process object of the caller's) with
 * the caller's changes on top. */
#ifndef SPACER_EXEC_H
#define SPACER_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spacer/error.h"

struct spc_exec_options
{
  const char *process_file;     /* --process: a runtime-spec process object; NULL: args */
  const char *process_name;     /* how errors name it (as the user wrote it) */
  char **args;                  /* without process_file: the program and its arguments */
  size_t n_args;
  const char *pid_file;         /* NULL: none */
  const char *console_socket;   /* where the pty master goes (-t) */
  const char *pidfd_socket;     /* where a pidfd of the process goes (runc's --pidfd-socket) */
  bool detach;                  /* return once the program runs */
  bool tty;                     /* -t: a pty for the process */
  const char *cwd;              /* NULL: the process's */
  char **env;                   /* -e KEY=VALUE, on top of the process's */
  size_t n_env;
  bool has_uid, has_gid;        /* -u UID[:GID] */
  uint32_t uid, gid;
  gid_t *additional_gids;       /* -g, replacing the process's */
  size_t n_additional_gids;
  bool has_additional_gids;
  char **caps;                  /* -c CAP: added to bounding, effective, permitted,
                                   ambient; never to inheritable (CVE-2022-29162) */
  size_t n_caps;
  bool no_new_privs;
  const char *apparmor;         /* NULL: the process's */
  const char *process_label;    /* NULL: the process's */
  unsigned preserve_fds;        /* fds 3 .. 3+N-1 pass to the program */
  bool ignore_paused;
  char **cgroups;               /* --cgroup [CONTROLLER:]PATH, below the container's */
  size_t n_cgroups;
};

/* Like run in the foreground: forwards signals, waits and sets *exit_code
 * (128+N for signal N). Detached: writes the pid file once the program
 * runs and returns with *exit_code 0. First makes sure the calling process
 * runs from a protected image (sealed.h): it may be re-executed. */
int spc_container_exec (const char *root, const char *id, const struct spc_exec_options *o,
                        int *exit_code, spc_err_t *err);

#endif
