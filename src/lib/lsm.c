#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "spacer/lsm.h"
#include "spacer/procfs.h"
#include "spacer/utils.h"

bool
spc_lsm_apparmor_enabled (void)
{
  char flag = 0;
  _cleanup_close_ int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, &flag, 1) == 1 && flag == 'Y';
}

bool
spc_lsm_selinux_enabled (void)
{
  return access ("/sys/fs/selinux/enforce", F_OK) == 0;
}

const char *
spc_lsm_mount_label (const struct spc_config *c)
{
  const char *label = c->linux_.mount_label;
  return label && label[0] && spc_lsm_selinux_enabled () ? label : NULL;
}

int
spc_lsm_check (const struct spc_config *c, spc_err_t *err)
{
  const struct spc_process *p = &c->process;
  if (p->apparmor_profile && p->apparmor_profile[0] && !spc_lsm_apparmor_enabled ())
    return spc_error_make (err, 0, "process.apparmorProfile: `%s`: AppArmor is not enabled on "
                                   "this host",
                           p->apparmor_profile);
  if (p->selinux_label && p->selinux_label[0] && !spc_lsm_selinux_enabled ())
    return spc_error_make (err, 0, "process.selinuxLabel: `%s`: SELinux is not enabled on this host",
                           p->selinux_label);
  if (c->linux_.mount_label && c->linux_.mount_label[0] && !spc_lsm_selinux_enabled ())
    spc_debug ("linux.mountLabel `%s`: SELinux is not enabled on this host: not applied",
               c->linux_.mount_label);
  return 0;
}

/* The calling thread's attr/<module>/exec where the kernel has the
 * per-module files, else the shared attr/exec; through the procfs handle,
 * so that nothing the container mounted over it takes the label instead. */
static int
write_exec_attr (int procfd, const char *module, const char *value, const char *what,
                 spc_err_t *err)
{
  char path[64];
  snprintf (path, sizeof path, "thread-self/attr/%s/exec", module);
  _cleanup_close_ int fd = spc_procfs_open_file (procfd, path, O_WRONLY, err);
  if (fd < 0 && spc_error_is (err, ENOENT))
    {
      spc_error_free (err);
      fd = spc_procfs_open_file (procfd, "thread-self/attr/exec", O_WRONLY, err);
    }
  if (fd < 0)
    return spc_error_prefix (err, "%s", what);
  if (spc_write_all (fd, value, strlen (value)) < 0)
    return spc_error_errno (err, "%s: write the exec label", what);
  return 0;
}

int
spc_lsm_set_exec_label (const struct spc_process *p, int procfd, spc_err_t *err)
{
  if (p->apparmor_profile && p->apparmor_profile[0])
    {
      _cleanup_free_ char *value = NULL;
      if (asprintf (&value, "exec %s", p->apparmor_profile) < 0)
        return spc_error_errno (err, "asprintf");
      if (write_exec_attr (procfd, "apparmor", value, "process.apparmorProfile", err) < 0)
        return -1;
    }
  if (p->selinux_label && p->selinux_label[0]
      && write_exec_attr (procfd, "selinux", p->selinux_label, "process.selinuxLabel", err) < 0)
    return -1;
  return 0;
}
