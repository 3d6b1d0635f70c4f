#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/namespaces.h"
#include "spacer/newidmap.h"
#include "spacer/procfs.h"
#include "spacer/utils.h"

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO (0xb7, 0x3)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

void
spc_namespaces_close (int fds[SPC_NS_COUNT])
{
  for (int i = 0; i < SPC_NS_COUNT; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

int
spc_namespaces_open (const struct spc_config *c, int fds[SPC_NS_COUNT], spc_err_t *err)
{
  for (int i = 0; i < SPC_NS_COUNT; i++)
    fds[i] = -1;
  for (size_t i = 0; i < c->linux_.n_namespaces; i++)
    {
      const struct spc_namespace *ns = &c->linux_.namespaces[i];
      if (ns->path == NULL)
        continue;
      int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          spc_namespaces_close (fds);
          return spc_error_errno (err, "linux.namespaces[%zu].path: open `%s`", i, ns->path);
        }
      fds[ns->type] = fd;
      int kind = ioctl (fd, NS_GET_NSTYPE);
      if (kind >= 0 && kind != spc_ns_type_clone_flag (ns->type))
        {
          spc_namespaces_close (fds);
          return spc_error_make (err, 0, "linux.namespaces[%zu].path: `%s` is not a %s namespace",
                                 i, ns->path, spc_ns_type_name (ns->type));
        }
      if (kind < 0)
        {
          int saved = errno;
          spc_namespaces_close (fds);
          if (saved == ENOTTY)
            return spc_error_make (err, 0, "linux.namespaces[%zu].path: `%s` is not a namespace",
                                   i, ns->path);
          return spc_error_make (err, saved, "linux.namespaces[%zu].path: `%s`", i, ns->path);
        }
    }
  return 0;
}

bool
spc_namespaces_creates (const struct spc_config *c, enum spc_ns_type t)
{
  const struct spc_namespace *ns = spc_config_namespace (c, t);
  return ns && ns->path == NULL;
}

int
spc_namespaces_clone_flags (const struct spc_config *c)
{
  int flags = 0;
  for (size_t i = 0; i < c->linux_.n_namespaces; i++)
    {
      const struct spc_namespace *ns = &c->linux_.namespaces[i];
      if (ns->path == NULL && ns->type != SPC_NS_TIME && ns->type != SPC_NS_CGROUP)
        flags |= spc_ns_type_clone_flag (ns->type);
    }
  return flags;
}

static int
write_time_offsets (const struct spc_config *c, spc_err_t *err)
{
  char buf[128];
  int len = 0;
  const struct spc_time_offset *mono = &c->linux_.time_offset_monotonic;
  const struct spc_time_offset *boot = &c->linux_.time_offset_boottime;
  if (mono->present)
    len += snprintf (buf + len, sizeof buf - (size_t) len, "monotonic %lld %u\n",
                     (long long) mono->secs, mono->nanosecs);
  if (boot->present)
    len += snprintf (buf + len, sizeof buf - (size_t) len, "boottime %lld %u\n",
                     (long long) boot->secs, boot->nanosecs);
  if (len == 0)
    return 0;
  _cleanup_close_ int procfd = spc_procfs_open (err);
  if (procfd < 0
      || spc_procfs_write (procfd, "self/timens_offsets", buf, (size_t) len, err) < 0)
    return spc_error_prefix (err, "linux.timeOffsets");
  return 0;
}

int
spc_namespaces_prepare_parent (const struct spc_config *c, int fds[SPC_NS_COUNT],
                               spc_err_t *err)
{
  if (fds[SPC_NS_PID] >= 0 && setns (fds[SPC_NS_PID], CLONE_NEWPID) < 0)
    return spc_error_errno (err, "join pid namespace");
  if (fds[SPC_NS_TIME] >= 0 && setns (fds[SPC_NS_TIME], CLONE_NEWTIME) < 0)
    return spc_error_errno (err, "join time namespace");
  if (spc_namespaces_creates (c, SPC_NS_TIME))
    {
      if (unshare (CLONE_NEWTIME) < 0)
        return spc_error_errno (err, "create time namespace");
      if (write_time_offsets (c, err) < 0)
        return -1;
    }
  return 0;
}

/* setns() back to the namespace this process itself lives in. */
static int
rejoin_own (const char *proc_name, int nstype, spc_err_t *err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/self/ns/%s", proc_name);
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, nstype) < 0)
    return spc_error_errno (err, "rejoin own %s namespace", proc_name);
  return 0;
}

int
spc_namespaces_restore_parent (const struct spc_config *c, int fds[SPC_NS_COUNT],
                               spc_err_t *err)
{
  if (fds[SPC_NS_PID] >= 0 && rejoin_own ("pid", CLONE_NEWPID, err) < 0)
    return -1;
  if ((fds[SPC_NS_TIME] >= 0 || spc_namespaces_creates (c, SPC_NS_TIME))
      && rejoin_own ("time", CLONE_NEWTIME, err) < 0)
    return -1;
  return 0;
}

int
spc_namespaces_join (const struct spc_config *c, int fds[SPC_NS_COUNT], spc_err_t *err)
{
  /* The user namespace first: it grants the rights to join the others. */
  static const enum spc_ns_type order[] = { SPC_NS_USER, SPC_NS_IPC,   SPC_NS_UTS,
                                            SPC_NS_NETWORK, SPC_NS_CGROUP, SPC_NS_MOUNT };
  for (size_t i = 0; i < sizeof order / sizeof *order; i++)
    {
      enum spc_ns_type t = order[i];
      if (fds[t] < 0)
        continue;
      if (setns (fds[t], spc_ns_type_clone_flag (t)) < 0)
        return spc_error_errno (err, "join %s namespace", spc_ns_type_name (t));
    }
  (void) c;
  return 0;
}

static int
format_id_map (const struct spc_id_mapping *m, size_t n, char **out)
{
  size_t cap = n * 36 + 1, len = 0;
  char *buf = malloc (cap);
  if (buf == NULL)
    return -1;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t) snprintf (buf + len, cap - len, "%u %u %u\n", m[i].container_id,
                              m[i].host_id, m[i].size);
  *out = buf;
  return (int) len;
}

int
spc_namespaces_write_map (int procfd, pid_t pid, const char *file,
                          const struct spc_id_mapping *m, size_t n, spc_err_t *err)
{
  if (n == 0)
    return 0;
  _cleanup_free_ char *text = NULL;
  int len = format_id_map (m, n, &text);
  if (len < 0)
    return spc_error_errno (err, "format %s", file);
  char path[64];
  snprintf (path, sizeof path, "%d/%s", (int) pid, file);
  return spc_procfs_write (procfd, path, text, (size_t) len, err);
}

/* The runtime's effective set holds cap, over its own user namespace. */
static bool
holds_capability (cap_value_t cap)
{
  cap_t cur = cap_get_proc ();
  cap_flag_value_t v = CAP_CLEAR;
  if (cur == NULL)
    return false;
  bool held = cap_get_flag (cur, cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
  cap_free (cur);
  return held;
}

/* One of the new namespace's maps. With CAP_SETUID (CAP_SETGID) over its
 * own user namespace the runtime writes any map of ids that namespace has;
 * without, the kernel takes from it one line mapping its own effective id
 * only, and more (ranges of /etc/subuid) goes through the setuid helper
 * (newidmap.h), as with runc and crun. */
static int
write_one_map (int procfd, pid_t pid, bool gids, const struct spc_id_mapping *m, size_t n,
               spc_err_t *err)
{
  if (n == 0)
    return 0;
  bool privileged = holds_capability (gids ? CAP_SETGID : CAP_SETUID);
  uint32_t own = gids ? (uint32_t) getegid () : (uint32_t) geteuid ();
  if (!privileged && !(n == 1 && m[0].size == 1 && m[0].host_id == own))
    return spc_newidmap_write (gids ? "newgidmap" : "newuidmap", pid, m, n, err);
  /* Unprivileged, the kernel takes a gid_map only once setgroups(2) is
   * disabled in the child: otherwise the container could drop a group the
   * user's permissions rely on. newgidmap decides that itself (it allows
   * setgroups where /etc/subgid grants a range), so it is left to it. */
  if (gids && !privileged)
    {
      char path[64];
      snprintf (path, sizeof path, "%d/setgroups", (int) pid);
      if (spc_procfs_write (procfd, path, "deny", 4, err) < 0)
        return -1;
    }
  return spc_namespaces_write_map (procfd, pid, gids ? "gid_map" : "uid_map", m, n, err);
}

int
spc_namespaces_write_id_maps (pid_t pid, const struct spc_config *c, spc_err_t *err)
{
  const struct spc_linux *l = &c->linux_;
  _cleanup_close_ int procfd = spc_procfs_open (err);
  if (procfd < 0)
    return spc_error_prefix (err, "linux.uidMappings");
  if (write_one_map (procfd, pid, false, l->uid_mappings, l->n_uid_mappings, err) < 0)
    return spc_error_prefix (err, "linux.uidMappings");
  if (write_one_map (procfd, pid, true, l->gid_mappings, l->n_gid_mappings, err) < 0)
    return spc_error_prefix (err, "linux.gidMappings");
  return 0;
}

int
spc_namespaces_loopback_up (spc_err_t *err)
{
  _cleanup_close_ int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return spc_error_errno (err, "bring up lo: socket");
  struct ifreq ifr = { 0 };
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return spc_error_errno (err, "bring up lo: get flags");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return spc_error_errno (err, "bring up lo");
  return 0;
}
