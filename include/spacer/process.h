/* The last steps of the container init before the user program runs:
 * resource limits, identity, capabilities, and the exec itself. */
#ifndef SPACER_PROCESS_H
#define SPACER_PROCESS_H

#include "spacer/config.h"
#include "spacer/error.h"

int spc_process_apply_rlimits (const struct spc_process *p, spc_err_t *err);
/* Written through the procfs handle procfd (procfs.h). */
int spc_process_apply_oom_score_adj (const struct spc_process *p, int procfd, spc_err_t *err);

/* Warn about each configured capability that the kernel lacks or that the
 * runtime itself does not hold (this host's bounding set, say): it cannot
 * be granted and is left out. Called by the runtime, once per create. */
void spc_process_check_capabilities (const struct spc_process *p);

/* process.scheduler and process.ioPriority; linux.personality. Before the
 * identity changes: a real-time policy or a negative nice value needs
 * privileges the program may not keep. */
int spc_process_apply_scheduling (const struct spc_process *p, spc_err_t *err);
int spc_process_apply_personality (const struct spc_linux *l, spc_err_t *err);

/* Groups, gid, uid, then capabilities (kept across the uid change), then
 * no_new_privs. After this the init has exactly the privileges configured. */
int spc_process_apply_identity (const struct spc_process *p, spc_err_t *err);

/* Environment for execve: process.env plus HOME when the config lacks it
 * (looked up in the container's /etc/passwd, "/" if absent), as runc does,
 * and LISTEN_FDS/LISTEN_PID when socket-activation fds are passed on. */
int spc_process_build_env (const struct spc_process *p, unsigned listen_fds, char ***env,
                           spc_err_t *err);

/* Resolve args[0] in the container (PATH from the environment). */
int spc_process_find_executable (const struct spc_process *p, char *const env[], char **path,
                                 spc_err_t *err);

/* execve the program; returns only on failure, with the reason in *err. */
int spc_process_exec (const struct spc_process *p, const char *exe, char *const env[],
                      spc_err_t *err);

#endif
