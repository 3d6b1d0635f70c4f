/* Users and groups as a root filesystem names them, for the process of
 * an image (`spacer bundle`) or of a one-shot run (`spacer launch
 * --user`). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/path.h"
#include "spacer/rootfs-user.h"
#include "spacer/utils.h"

/* /etc/passwd and /etc/group are small; a bigger one is not what it says. */
#define ID_FILE_MAX (4 << 20)

/* ROOTFS/PATH, resolved inside ROOTFS, read whole; *text NULL when the
 * file does not exist. A FIFO or device in its place is refused, never
 * opened. */
static int
read_rootfs_file (const char *rootfs, const char *path, char **text, spc_err_t *err)
{
  *text = NULL;
  _cleanup_close_ int rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return spc_error_errno (err, "`%s`", rootfs);
  _cleanup_close_ int fd = spc_root_open (rootfd, path, SPC_PATH_NO_CREATE, err);
  if (fd < 0 && spc_error_is (err, ENOENT))
    {
      spc_error_free (err);
      return 0;
    }
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "stat `%s`", path);
  if (!S_ISREG (st.st_mode))
    return spc_error_make (err, 0, "`%s` is not a regular file", path);
  if (st.st_size > ID_FILE_MAX)
    return spc_error_make (err, EFBIG, "`%s`: more than %d bytes", path, ID_FILE_MAX);
  /* Reopened through the fd: the very file looked up inside the root. */
  char buf[SPC_FD_PATH_MAX];
  size_t len;
  if (spc_read_file_at (AT_FDCWD, spc_fd_path (fd, buf), text, &len, err) < 0)
    return spc_error_prefix (err, "`%s`", path);
  return 0;
}

static bool
parse_id (const char *text, uint32_t *out)
{
  char *end;
  if (*text < '0' || *text > '9')
    return false;
  errno = 0;
  unsigned long long v = strtoull (text, &end, 10);
  if (errno || *end || v >= UINT32_MAX)
    return false;
  *out = (uint32_t) v;
  return true;
}

/* The entry of a passwd or group file (name:x:id:...) whose field 0 is
 * name, or (name NULL) whose id field is id; *id and, for passwd, *gid
 * from it. */
static bool
find_entry (char *text, const char *name, uint32_t want, uint32_t *id, uint32_t *gid)
{
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *fields[4] = { 0 };
      char *p = line;
      for (int i = 0; i < 4 && p; i++)
        {
          fields[i] = p;
          p = strchr (p, ':');
          if (p)
            *p++ = '\0';
        }
      uint32_t this_id, this_gid = 0;
      if (!fields[2] || !parse_id (fields[2], &this_id))
        continue;
      if (gid && (!fields[3] || !parse_id (fields[3], &this_gid)))
        continue;
      if (name ? strcmp (fields[0], name) == 0 : this_id == want)
        {
          *id = this_id;
          if (gid)
            *gid = this_gid;
          return true;
        }
    }
  return false;
}

int
spc_rootfs_resolve_user (const char *rootfs, const char *user, uint32_t *uid, uint32_t *gid,
                         spc_err_t *err)
{
  _cleanup_free_ char *name = strdup (user);
  if (name == NULL)
    return spc_error_errno (err, "strdup");
  char *group = strchr (name, ':');
  if (group)
    *group++ = '\0';
  if (name[0] == '\0' || (group && group[0] == '\0'))
    return spc_error_make (err, 0, "user `%s`: want UID[:GID] or NAME[:GROUP]", user);

  _cleanup_free_ char *passwd = NULL;
  if (read_rootfs_file (rootfs, "/etc/passwd", &passwd, err) < 0)
    return -1;
  uint32_t primary = 0;
  if (parse_id (name, uid))
    {
      if (passwd && !find_entry (passwd, NULL, *uid, uid, &primary))
        primary = 0;
    }
  else if (!passwd || !find_entry (passwd, name, 0, uid, &primary))
    return spc_error_make (err, 0, "user `%s`: no such user in the rootfs's /etc/passwd",
                           name);
  if (group == NULL)
    {
      *gid = primary;
      return 0;
    }
  if (parse_id (group, gid))
    return 0;
  _cleanup_free_ char *groups = NULL;
  if (read_rootfs_file (rootfs, "/etc/group", &groups, err) < 0)
    return -1;
  if (!groups || !find_entry (groups, group, 0, gid, NULL))
    return spc_error_make (err, 0, "group `%s`: no such group in the rootfs's /etc/group",
                           group);
  return 0;
}

bool
spc_rootfs_user_name (const char *rootfs, uint32_t uid, char *buf, size_t size)
{
  _cleanup_free_ char *passwd = NULL;
  spc_err_t ignored = NULL;
  if (read_rootfs_file (rootfs, "/etc/passwd", &passwd, &ignored) < 0 || passwd == NULL)
    {
      spc_error_free (&ignored);
      return false;
    }
  char *save = NULL;
  for (char *line = strtok_r (passwd, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *colon = strchr (line, ':');
      char *id_field = colon ? strchr (colon + 1, ':') : NULL;
      uint32_t id;
      if (id_field == NULL)
        continue;
      *colon = '\0';
      char *end = strchr (++id_field, ':');
      if (end)
        *end = '\0';
      if (parse_id (id_field, &id) && id == uid && line[0] != '\0')
        {
          snprintf (buf, size, "%s", line);
          return true;
        }
    }
  return false;
}
