/* A container's state, read under its lock: state, status, and what the
 * other operations open a container with. */
#include "config.h"

#include <errno.h>
#include <sys/file.h>

#include "spacer/cleanup.h"
#include "container-internal.h"

/* A state write on a path that fails anyway: the caller's error is the
 * news, and the state it leaves is still what delete goes by. */
void
spc_container_write_state_quietly (int dirfd, const struct spc_state *st)
{
  spc_err_t ignored = NULL;
  spc_status_write (dirfd, st, &ignored);
  spc_error_free (&ignored);
}

/* A container whose state cannot be read: the error says why, is classed
 * EUCLEAN for callers (delete --force removes such a container, list
 * shows it as unknown), and says what removes it. */
int
spc_container_broken_error (spc_err_t *err)
{
  spc_err_t broken = NULL;
  spc_error_classed (&broken, EUCLEAN, "%s (delete --force removes the container)", (*err)->msg);
  spc_error_free (err);
  *err = broken;
  return -1;
}

int
spc_container_open_locked (const char *root, const char *id, int lock_op, struct spc_state *st,
                           spc_err_t *err)
{
  if (spc_validate_id (id, err) < 0)
    return -1;
  _cleanup_close_ int rootfd = spc_state_root_open (root, false, err);
  if (rootfd < 0)
    {
      if (*err && (*err)->errno_ == ENOENT)
        {
          spc_error_free (err);
          return spc_error_classed (err, ENOENT, "container `%s` does not exist", id);
        }
      return -1;
    }
  _cleanup_close_ int dirfd = spc_status_open_dir (rootfd, id, lock_op, err);
  if (dirfd < 0)
    return -1;
  if (spc_status_read (dirfd, id, st, err) < 0)
    return spc_container_broken_error (err);
  return spc_steal_fd (&dirfd);
}

int
spc_container_state (const char *root, const char *id, char **json, spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_SH, &st, err);
  if (dirfd < 0)
    return -1;
  *json = spc_state_to_runtime_json (&st, spc_status_of (dirfd, &st));
  return 0;
}

int
spc_container_status (const char *root, const char *id, enum spc_status *status, pid_t *pid,
                      spc_err_t *err)
{
  _cleanup_state_ struct spc_state st = { 0 };
  _cleanup_close_ int dirfd = spc_container_open_locked (root, id, LOCK_SH, &st, err);
  if (dirfd < 0)
    return -1;
  *status = spc_status_of (dirfd, &st);
  *pid = *status == SPC_STATUS_STOPPED ? 0 : st.pid;
  return 0;
}
