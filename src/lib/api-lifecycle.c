/* libspacer's lifecycle calls. create runs `spacer create` (spacer.h says
 * why); the rest put no process into a container and run in the caller's
 * process, through the functions the spacer command calls. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/container.h"
#include "api-internal.h"

/* ---- create ---- */

static int
create_with (spacer_context *ctx, const char *id, const struct spacer_create_options *o,
             spacer_error **err)
{
  /* A config in memory is checked here first: its errors then name it
   * "config", as the caller knows it, not the memfd spacer reads it from. */
  _cleanup_close_ int config_fd = -1;
  if (o->config)
    {
      struct spc_config *c = NULL;
      spc_err_t e = NULL;
      /* Its warnings are spacer's to report, once, as it reads the copy. */
      struct spc_log_sink saved;
      spc_log_set_sink (NULL, NULL, SPC_LOG_ERROR, &saved);
      int r = spc_config_load_buffer (o->config, strlen (o->config), "config", &c, &e);
      spc_log_restore_sink (&saved);
      if (r < 0)
        return api_error_take (&e, err);
      spc_config_free (c);
      if ((config_fd = api_sealed_memfd ("spacer-config", o->config, err)) < 0)
        return -1;
    }

  char config_path[64], preserve[32];
  const char *args[20];
  size_t a = 0;
  if (o->flags & SPACER_CREATE_SYSTEMD_CGROUP)
    args[a++] = "--systemd-cgroup";
  args[a++] = "create";
  if (o->bundle)
    {
      args[a++] = "--bundle";
      args[a++] = o->bundle;
    }
  if (o->config)
    {
      snprintf (config_path, sizeof config_path, "/proc/self/fd/%d",
                api_child_private_fd (o->n_extra_fds, 0));
      args[a++] = "--config";
      args[a++] = config_path;
    }
  if (o->console_socket)
    {
      args[a++] = "--console-socket";
      args[a++] = o->console_socket;
    }
  if (o->pidfd_socket)
    {
      args[a++] = "--pidfd-socket";
      args[a++] = o->pidfd_socket;
    }
  if (o->n_extra_fds)
    {
      snprintf (preserve, sizeof preserve, "%zu", o->n_extra_fds);
      args[a++] = "--preserve-fds";
      args[a++] = preserve;
    }
  if (o->flags & SPACER_CREATE_NO_PIVOT)
    args[a++] = "--no-pivot";
  if (o->flags & SPACER_CREATE_NO_NEW_KEYRING)
    args[a++] = "--no-new-keyring";
  args[a++] = "--";
  args[a++] = id;
  args[a] = NULL;

  struct api_child_fds fds = {
    .stdio = { o->stdin_fd, o->stdout_fd, o->stderr_fd },
    .extra = o->extra_fds,
    .n_extra = o->n_extra_fds,
    .private_fds = &config_fd,
    .n_private = o->config ? 1 : 0,
  };
  struct api_child child;
  if (api_spawn (ctx, args, &fds, &child, err) < 0)
    return -1;
  siginfo_t info;
  int r = api_child_wait (&child, WEXITED, &info);
  if (r < 0)
    {
      api_error_new (err, errno, NULL, "wait for spacer create: %s", strerror (errno));
      api_child_close (&child);
      return -1;
    }
  bool failed = !(info.si_code == CLD_EXITED && info.si_status == 0);
  r = api_child_finish (ctx, &child, failed, info.si_code, info.si_status, "create", err);
  api_child_close (&child);
  return r;
}

int
spacer_create (spacer_context *ctx, const char *id, const struct spacer_create_options *opts,
               spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  struct spacer_create_options o = {
    .size = sizeof o, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
  };
  if (api_read_options (&o, sizeof o, opts, opts ? opts->size : 0, "spacer_create_options",
                        err)
      < 0)
    return -1;
  if (id == NULL)
    return api_error_new (err, EINVAL, NULL, "create: no container ID");
  if (o.n_extra_fds && o.extra_fds == NULL)
    return api_error_new (err, EINVAL, NULL, "create: n_extra_fds without extra_fds");
  if (o.flags & ~(unsigned) (SPACER_CREATE_NO_PIVOT | SPACER_CREATE_NO_NEW_KEYRING
                             | SPACER_CREATE_SYSTEMD_CGROUP))
    return api_error_new (err, EINVAL, NULL, "create: unknown flags %#x", o.flags);
  return create_with (ctx, id, &o, err);
}

/* ---- in the caller's process ---- */

/* The result of an internal call, as the API returns it. */
static int
done (int r, spc_err_t *e, spacer_error **err)
{
  if (r < 0)
    return api_error_take (e, err);
  spc_error_free (e);
  return 0;
}

int
spacer_start (spacer_context *ctx, const char *id, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  spc_err_t e = NULL;
  return done (spc_container_start (ctx->root, id, &e), &e, err);
}

int
spacer_status (spacer_context *ctx, const char *id, enum spacer_status *status, pid_t *pid,
               spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  spc_err_t e = NULL;
  enum spc_status s;
  pid_t p;
  if (spc_container_status (ctx->root, id, &s, &p, &e) < 0)
    return api_error_take (&e, err);
  switch (s)
    {
    case SPC_STATUS_CREATING:
      *status = SPACER_STATUS_CREATING;
      break;
    case SPC_STATUS_CREATED:
      *status = SPACER_STATUS_CREATED;
      break;
    case SPC_STATUS_RUNNING:
      *status = SPACER_STATUS_RUNNING;
      break;
    case SPC_STATUS_PAUSED:
      *status = SPACER_STATUS_PAUSED;
      break;
    case SPC_STATUS_STOPPED:
      *status = SPACER_STATUS_STOPPED;
      break;
    default:
      return api_error_new (err, EIO, NULL, "container `%s`: status unknown", id);
    }
  if (pid)
    *pid = p;
  return 0;
}

int
spacer_state (spacer_context *ctx, const char *id, char **json, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  spc_err_t e = NULL;
  return done (spc_container_state (ctx->root, id, json, &e), &e, err);
}

int
spacer_list (spacer_context *ctx, char ***ids, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  spc_err_t e = NULL;
  struct spc_container_info *list;
  size_t n;
  if (spc_container_list (ctx->root, &list, &n, &e) < 0)
    return api_error_take (&e, err);
  char **v = calloc (n + 1, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    if ((v[i] = strdup (list[i].state.id)) == NULL)
      {
        spacer_strv_free (v);
        v = NULL;
      }
  spc_container_list_free (list, n);
  if (v == NULL)
    return api_error_new (err, ENOMEM, NULL, "out of memory");
  *ids = v;
  return 0;
}

int
spacer_kill (spacer_context *ctx, const char *id, int signo, unsigned flags, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  if (flags & ~(unsigned) SPACER_KILL_ALL)
    return api_error_new (err, EINVAL, NULL, "kill: unknown flags %#x", flags);
  /* Negative numbers are internal (SPC_STOP_SIGNAL), not the API's. */
  if (signo < 0)
    return api_error_new (err, EINVAL, NULL, "kill: invalid signal %d", signo);
  spc_err_t e = NULL;
  return done (spc_container_kill (ctx->root, id, signo, flags & SPACER_KILL_ALL, &e), &e, err);
}

int
spacer_pause (spacer_context *ctx, const char *id, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  spc_err_t e = NULL;
  return done (spc_container_pause (ctx->root, id, &e), &e, err);
}

int
spacer_resume (spacer_context *ctx, const char *id, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  spc_err_t e = NULL;
  return done (spc_container_resume (ctx->root, id, &e), &e, err);
}

int
spacer_update (spacer_context *ctx, const char *id, const char *resources, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  if (resources == NULL)
    return api_error_new (err, EINVAL, NULL, "update: no resources");
  spc_err_t e = NULL;
  struct spc_resources r = { 0 };
  if (spc_config_load_resources_buffer (resources, strlen (resources), "resources", &r, &e) < 0)
    return api_error_take (&e, err);
  r.present = true;
  int ret = spc_container_update (ctx->root, id, &r, &e);
  spc_resources_free (&r);
  return done (ret, &e, err);
}

int
spacer_delete (spacer_context *ctx, const char *id, unsigned flags, spacer_error **err)
{
  API_LOG_SCOPE (ctx);
  if (flags & ~(unsigned) SPACER_DELETE_FORCE)
    return api_error_new (err, EINVAL, NULL, "delete: unknown flags %#x", flags);
  spc_err_t e = NULL;
  return done (spc_container_delete (ctx->root, id, flags & SPACER_DELETE_FORCE, &e), &e, err);
}
