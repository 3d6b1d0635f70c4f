#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mount-api.h"
#include "spacer/cleanup.h"

#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

/* The flags mount_setattr can clear one by one (the atime mode is a
 * field, not a flag). */
static const struct
{
  unsigned long ms;
  uint64_t attr;
} attr_flags[] = {
  { MS_RDONLY, MOUNT_ATTR_RDONLY },     { MS_NOSUID, MOUNT_ATTR_NOSUID },
  { MS_NODEV, MOUNT_ATTR_NODEV },       { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
  { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
};

#define ATIME_FLAGS (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)

void
spc_mount_attrs_from_flags (unsigned long flags, unsigned long clear_flags,
                            struct spc_mount_attrs *a)
{
  a->set = a->clr = 0;
  for (size_t i = 0; i < sizeof attr_flags / sizeof *attr_flags; i++)
    {
      if (flags & attr_flags[i].ms)
        a->set |= attr_flags[i].attr;
      else if (clear_flags & attr_flags[i].ms)
        a->clr |= attr_flags[i].attr;
    }
  /* As mount(2) reads them: noatime wins, then strictatime, else relatime
   * ("atime", "norelatime" and the like name relatime too). */
  if ((flags | clear_flags) & ATIME_FLAGS)
    {
      a->clr |= MOUNT_ATTR__ATIME;
      a->set |= (flags & MS_NOATIME)       ? MOUNT_ATTR_NOATIME
                : (flags & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME
                                           : MOUNT_ATTR_RELATIME;
    }
}

static int
setattr_failed (spc_err_t *err, const char *what)
{
  /* No fallback to remounting by path: that is the lookup this avoids. */
  if (errno == ENOSYS)
    return spc_error_make (err, 0, "%s: mount_setattr is missing (Linux 5.12 or later needed)",
                           what);
  return spc_error_errno (err, "%s", what);
}

static int
setattr (int tree, bool recursive, uint64_t set, uint64_t clr, uint64_t propagation)
{
  struct mount_attr attr = { .attr_set = set, .attr_clr = clr, .propagation = propagation };
  return mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                        sizeof attr);
}

int
spc_mount_clone (const char *source, bool recursive, spc_err_t *err)
{
  int tree = open_tree (AT_FDCWD, source,
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0)
    return spc_error_errno (err, "open_tree `%s`", source);
  return tree;
}

int
spc_mount_setattr (int tree, const struct spc_mount_attrs *a, bool recursive, spc_err_t *err)
{
  uint64_t atime = a->clr & MOUNT_ATTR__ATIME;
  if ((a->set || atime) && setattr (tree, recursive, a->set, atime, 0) < 0)
    return setattr_failed (err, "set the mount flags");
  /* One flag at a time, so that EPERM (locked, see mount-api.h) keeps
   * that flag alone. */
  for (size_t i = 0; i < sizeof attr_flags / sizeof *attr_flags; i++)
    if ((a->clr & attr_flags[i].attr) && setattr (tree, recursive, 0, attr_flags[i].attr, 0) < 0
        && errno != EPERM)
      return setattr_failed (err, "clear a mount flag");
  return 0;
}

int
spc_mount_set_propagation (int tree, unsigned long propagation, spc_err_t *err)
{
  if (setattr (tree, propagation & MS_REC, 0, 0, propagation & ~(unsigned long) MS_REC) < 0)
    return setattr_failed (err, "set the propagation");
  return 0;
}

/* ---- new filesystems ---- */

/* What the kernel logged on the fs context about the last refusal: its
 * error lines ("e tmpfs: Bad value for 'size'"), joined on one line. */
static void
read_fs_log (int fs, char *out, size_t size)
{
  char msg[512];
  size_t len = 0;
  ssize_t n;
  out[0] = '\0';
  while ((n = read (fs, msg, sizeof msg - 1)) > 0)
    {
      msg[n] = '\0';
      msg[strcspn (msg, "\n")] = '\0';
      if (strncmp (msg, "e ", 2) != 0 || len + 2 >= size)
        continue;
      len += (size_t) snprintf (out + len, size - len, "%s%s", len ? "; " : "", msg + 2);
      if (len >= size)
        len = size - 1;
    }
}

/* "WHAT `ARG`: what the kernel said: strerror". */
static int
fs_failed (int fs, spc_err_t *err, const char *what, const char *arg)
{
  int saved = errno;
  char log[512];
  read_fs_log (fs, log, sizeof log);
  return spc_error_make (err, saved, "%s `%s`%s%s", what, arg, log[0] ? ": " : "", log);
}

/* One "key" or "key=value" of the data string. */
static int
set_option (int fs, char *option, spc_err_t *err)
{
  char *eq = strchr (option, '=');
  int r;
  if (eq == NULL)
    r = fsconfig (fs, FSCONFIG_SET_FLAG, option, NULL, 0);
  else
    {
      /* A quoted value (an SELinux context="a,b") goes without its
       * quotes, which mount(2)'s parsing of LSM options strips too. */
      _cleanup_free_ char *value = strdup (eq + 1);
      size_t n = value ? strlen (value) : 0;
      if (value == NULL)
        return spc_error_errno (err, "strdup");
      if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
        {
          memmove (value, value + 1, n - 2);
          value[n - 2] = '\0';
        }
      *eq = '\0';
      r = fsconfig (fs, FSCONFIG_SET_STRING, option, value, 0);
      *eq = '=';
    }
  if (r < 0)
    return fs_failed (fs, err, "option", option);
  return 0;
}

/* Split data on the commas outside double quotes (an SELinux context
 * holds commas), as mount(2) does. */
static int
set_data (int fs, const char *data, spc_err_t *err)
{
  _cleanup_free_ char *copy = strdup (data);
  if (copy == NULL)
    return spc_error_errno (err, "strdup");
  char *start = copy;
  bool quoted = false;
  for (char *p = copy;; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if ((*p == ',' && !quoted) || *p == '\0')
        {
          bool last = *p == '\0';
          *p = '\0';
          if (*start && set_option (fs, start, err) < 0)
            return -1;
          if (last)
            return 0;
          start = p + 1;
        }
    }
}

static const struct
{
  unsigned long ms;
  const char *key;
} sb_flags_keys[] = {
  { MS_SYNCHRONOUS, "sync" },
  { MS_DIRSYNC, "dirsync" },
  { MS_LAZYTIME, "lazytime" },
  { MS_MANDLOCK, "mand" },
};

int
spc_mount_new_fs (const char *type, const char *source, const char *data,
                  unsigned long sb_flags, uint64_t attrs, spc_err_t *err)
{
  _cleanup_close_ int fs = fsopen (type, FSOPEN_CLOEXEC);
  if (fs < 0)
    return spc_error_errno (err, "fsopen `%s`", type);
  if (source && fsconfig (fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
    return fs_failed (fs, err, "source", source);
  if (data && set_data (fs, data, err) < 0)
    return -1;
  for (size_t i = 0; i < sizeof sb_flags_keys / sizeof *sb_flags_keys; i++)
    if ((sb_flags & sb_flags_keys[i].ms)
        && fsconfig (fs, FSCONFIG_SET_FLAG, sb_flags_keys[i].key, NULL, 0) < 0)
      return fs_failed (fs, err, "option", sb_flags_keys[i].key);
  if (fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return fs_failed (fs, err, "create the filesystem", type);
  int tree = fsmount (fs, FSMOUNT_CLOEXEC, (unsigned int) attrs);
  if (tree < 0)
    return fs_failed (fs, err, "fsmount", type);
  return tree;
}
