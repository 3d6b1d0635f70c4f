#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/hooks.h"
#include "spacer/namespaces.h"
#include "spacer/sealed.h"

extern char **environ;

bool
spc_sealed_needed (const struct spc_config *c)
{
  /* Without them nothing of the container runs before the exec: in a new
   * pid namespace the init is alone until it is the program. */
  return spc_hooks_any (&c->hooks, SPC_HOOK_CREATE_CONTAINER)
         || spc_hooks_any (&c->hooks, SPC_HOOK_START_CONTAINER)
         || !spc_namespaces_creates (c, SPC_NS_PID);
}

static bool
running_sealed (int exe)
{
  int seals = fcntl (exe, F_GET_SEALS);
  return seals >= 0 && (seals & F_SEAL_WRITE);
}

static int
sealed_copy (int exe, spc_err_t *err)
{
  struct stat st;
  if (fstat (exe, &st) < 0)
    return spc_error_errno (err, "stat /proc/self/exe");
  _cleanup_close_ int memfd = memfd_create ("spacer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd < 0)
    return spc_error_errno (err, "memfd_create");
  for (off_t done = 0; done < st.st_size;)
    {
      ssize_t n = sendfile (memfd, exe, NULL, (size_t) (st.st_size - done));
      if (n <= 0)
        return spc_error_errno (err, "copy /proc/self/exe");
      done += n;
    }
  if (fcntl (memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return spc_error_errno (err, "seal the copy of spacer");
  return spc_steal_fd (&memfd);
}

int
spc_sealed_reexec (char **argv, spc_err_t *err)
{
  _cleanup_close_ int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return spc_error_errno (err, "open /proc/self/exe");
  if (running_sealed (exe))
    return 0;
  _cleanup_close_ int copy = sealed_copy (exe, err);
  if (copy < 0)
    return -1;
  fexecve (copy, argv, environ);
  return spc_error_errno (err, "re-execute from the sealed copy");
}
