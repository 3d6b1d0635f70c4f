/* An image config's process as spec options: Entrypoint + Cmd, Env,
 * WorkingDir, User (names resolved in the image's own /etc/passwd and
 * /etc/group) and StopSignal. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spacer/image.h"
#include "spacer/rootfs-user.h"

int
spc_image_spec_opts (struct spc_image_process *proc, const char *rootfs,
                     struct spc_spec_opts *o, spc_err_t *err)
{
  size_t n = 0;
  for (char **v = proc->entrypoint; v && *v; v++)
    n++;
  for (char **v = proc->cmd; v && *v; v++)
    n++;
  free (proc->args_);
  proc->args_ = NULL;
  if (n)
    {
      proc->args_ = calloc (n + 1, sizeof *proc->args_);
      if (proc->args_ == NULL)
        return spc_error_errno (err, "malloc");
      n = 0;
      for (char **v = proc->entrypoint; v && *v; v++)
        proc->args_[n++] = *v;
      for (char **v = proc->cmd; v && *v; v++)
        proc->args_[n++] = *v;
      o->args = (const char *const *) proc->args_;
    }
  if (proc->env)
    o->env = (const char *const *) proc->env;
  if (proc->working_dir)
    o->cwd = proc->working_dir;
  if (proc->user)
    {
      if (spc_rootfs_resolve_user (rootfs, proc->user, &o->uid, &o->gid, err) < 0)
        return -1;
      o->has_user = true;
    }
  if (proc->stop_signal)
    {
      free (proc->annotation_.key);
      free (proc->annotation_.value);
      proc->annotation_.key = strdup ("org.opencontainers.image.stopSignal");
      proc->annotation_.value = strdup (proc->stop_signal);
      if (proc->annotation_.key == NULL || proc->annotation_.value == NULL)
        return spc_error_errno (err, "malloc");
      o->annotations = &proc->annotation_;
      o->n_annotations = 1;
    }
  return 0;
}
