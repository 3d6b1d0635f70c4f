/* An image config's process as spec options: Entrypoint + Cmd, Env,
 * WorkingDir, User (names resolved in the image's own /etc/passwd and
 * /etc/group) and StopSignal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/image.h"
#include "spacer/path.h"

#define MAX_DB_FILE (4 * 1024 * 1024)

static bool
parse_id (const char *s, uint32_t *out)
{
  if (*s == '\0' || strspn (s, "0123456789") != strlen (s) || strlen (s) > 10)
    return false;
  unsigned long long v = strtoull (s, NULL, 10);
  if (v > UINT32_MAX - 1)
    return false;
  *out = (uint32_t) v;
  return true;
}

/* ROOTFS/etc/passwd or /etc/group, resolved inside the rootfs (its
 * symlinks cannot lead out of it). NULL content when it is missing. */
static int
read_db (int rootfd, const char *path, char **out, spc_err_t *err)
{
  *out = NULL;
  _cleanup_error_ spc_error_t *lookup_err = NULL;
  _cleanup_close_ int pfd = spc_root_open (rootfd, path, SPC_PATH_NO_CREATE, &lookup_err);
  if (pfd < 0)
    {
      if (spc_error_is (&lookup_err, ENOENT))
        return 0;
      return spc_error_classed (err, lookup_err->errno_, "%s", lookup_err->msg);
    }
  char proc[SPC_FD_PATH_MAX];
  _cleanup_close_ int fd = open (spc_fd_path (pfd, proc), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return spc_error_errno (err, "open `%s`", path);
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_DB_FILE)
    return spc_error_make (err, EINVAL, "`%s` is not a regular file of at most 4 MiB", path);
  char *buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL)
    return spc_error_errno (err, "malloc");
  size_t n = 0;
  for (;;)
    {
      ssize_t r = read (fd, buf + n, (size_t) st.st_size - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          free (buf);
          return spc_error_errno (err, "read `%s`", path);
        }
      if (r == 0 || (n += (size_t) r) == (size_t) st.st_size)
        break;
    }
  buf[n] = '\0';
  *out = buf;
  return 0;
}

/* In a passwd or group file: the line whose field 0 is `name` (by_name)
 * or whose field 2 is `id`. Fields 2 and 3 returned. */
static bool
db_find (const char *db, const char *name, uint32_t id, uint32_t *f2, uint32_t *f3)
{
  for (const char *line = db; line && *line;)
    {
      const char *end = strchr (line, '\n');
      size_t len = end ? (size_t) (end - line) : strlen (line);
      _cleanup_free_ char *copy = strndup (line, len);
      line = end ? end + 1 : NULL;
      if (copy == NULL)
        return false;
      char *fields[4] = { NULL };
      char *p = copy;
      for (int i = 0; i < 4 && p; i++)
        {
          fields[i] = p;
          p = strchr (p, ':');
          if (p)
            *p++ = '\0';
        }
      uint32_t v2, v3 = 0;
      if (fields[2] == NULL || !parse_id (fields[2], &v2))
        continue;
      if (fields[3])
        parse_id (fields[3], &v3);
      if (name ? strcmp (fields[0], name) == 0 : v2 == id)
        {
          *f2 = v2;
          *f3 = v3;
          return true;
        }
    }
  return false;
}

/* "name", "uid", "uid:gid", "name:group": numbers as they are, names
 * from the rootfs; without a group, the user's passwd entry gives it (0
 * when a numeric user has none). */
static int
resolve_user (const char *rootfs, const char *spec, uint32_t *uid, uint32_t *gid, spc_err_t *err)
{
  _cleanup_free_ char *user = strdup (spec);
  if (user == NULL)
    return spc_error_errno (err, "malloc");
  char *group = strchr (user, ':');
  if (group)
    *group++ = '\0';
  _cleanup_close_ int rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return spc_error_errno (err, "open `%s`", rootfs);
  _cleanup_free_ char *passwd = NULL, *groups = NULL;
  if (read_db (rootfd, "/etc/passwd", &passwd, err) < 0)
    return -1;
  uint32_t pw_gid = 0, ignored;
  if (parse_id (user, uid))
    {
      if (!db_find (passwd, NULL, *uid, &ignored, &pw_gid))
        pw_gid = 0;
    }
  else if (!db_find (passwd, user, 0, uid, &pw_gid))
    return spc_error_make (err, ENOENT, "user `%s`: not in the image's /etc/passwd", user);
  if (group == NULL || *group == '\0')
    {
      *gid = pw_gid;
      return 0;
    }
  if (parse_id (group, gid))
    return 0;
  if (read_db (rootfd, "/etc/group", &groups, err) < 0)
    return -1;
  if (!db_find (groups, group, 0, gid, &ignored))
    return spc_error_make (err, ENOENT, "group `%s`: not in the image's /etc/group", group);
  return 0;
}

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
      if (resolve_user (rootfs, proc->user, &o->uid, &o->gid, err) < 0)
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
