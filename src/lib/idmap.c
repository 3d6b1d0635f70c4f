#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/idmap.h"
#include "spacer/namespaces.h"
#include "spacer/procfs.h"

/* A user namespace holding the given maps, as an fd: a child is born in a
 * new one, waits while we write its maps and open its namespace, and is
 * killed. The namespace lives on as long as the fd. */
static int
userns_with_maps (const struct spc_id_mapping *uids, size_t n_uids,
                  const struct spc_id_mapping *gids, size_t n_gids, spc_err_t *err)
{
  struct clone_args args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0)
    return spc_error_errno (err, "clone a user namespace for the mapping");
  if (pid == 0)
    for (;;)
      pause ();

  int fd = -1;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
  _cleanup_close_ int procfd = spc_procfs_open (err);
  if (procfd >= 0 && spc_namespaces_write_map (procfd, pid, "uid_map", uids, n_uids, err) == 0
      && spc_namespaces_write_map (procfd, pid, "gid_map", gids, n_gids, err) == 0
      && (fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    spc_error_errno (err, "open `%s`", path);
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}

int
spc_idmap_tree (const struct spc_config *c, const struct spc_mount *m, spc_err_t *err)
{
  /* Without mappings of its own, a mount takes the container's. */
  const struct spc_linux *l = &c->linux_;
  bool own_uids = m->n_uid_mappings > 0, own_gids = m->n_gid_mappings > 0;
  _cleanup_close_ int userns = userns_with_maps (
      own_uids ? m->uid_mappings : l->uid_mappings, own_uids ? m->n_uid_mappings : l->n_uid_mappings,
      own_gids ? m->gid_mappings : l->gid_mappings, own_gids ? m->n_gid_mappings : l->n_gid_mappings,
      err);
  if (userns < 0)
    return -1;

  bool recursive = m->idmap_recursive || (m->flags & MS_REC);
  _cleanup_close_ int tree = open_tree (AT_FDCWD, m->source,
                                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC
                                            | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0)
    return spc_error_errno (err, "open_tree `%s`", m->source);
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns };
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (m->idmap_recursive ? AT_RECURSIVE : 0), &attr,
                     sizeof attr)
      < 0)
    return spc_error_errno (err, "idmap `%s` (does its filesystem support idmapped mounts?)",
                            m->source);
  return spc_steal_fd (&tree);
}
