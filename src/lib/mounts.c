#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/idmap.h"
#include "spacer/mounts.h"
#include "spacer/namespaces.h"
#include "spacer/path.h"
#include "spacer/procfs.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

const struct spc_mount *
spc_mounts_find (const struct spc_config *c, const char *destination)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const char *d = c->mounts[i].destination;
      size_t len = strlen (d);
      while (len > 1 && d[len - 1] == '/')
        len--;
      if (strncmp (d, destination, len) == 0 && destination[len] == '\0')
        return &c->mounts[i];
    }
  return NULL;
}

int
spc_mounts_prepare_rootfs (const char *rootfs, spc_err_t *err)
{
  /* Before anything else, every mount becomes a slave, recursively: the
   * container still sees host unmounts, but nothing it mounts reaches the
   * host (a shared mount without other peers turns private). That also
   * leaves no shared mount for pivot_root to refuse. rootfsPropagation is
   * applied to the new root after the pivot. */
  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return spc_error_errno (err, "make `/` rslave");
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return spc_error_errno (err, "bind mount rootfs `%s`", rootfs);
  return 0;
}

/* Flags a bind mount takes only through a second, remounting call. */
static unsigned long
bind_remount_flags (unsigned long flags)
{
  return flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME
                  | MS_RELATIME | MS_STRICTATIME);
}

/* The vfsmount flags a remount must keep: in a user namespace the kernel
 * refuses to clear nosuid/nodev/noexec that an outer mount locked. */
static unsigned long
locked_flags (const char *path)
{
  struct statvfs sv;
  if (statvfs (path, &sv) < 0)
    return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  return f;
}

static int
reopen_target (int rootfd, const char *dest, int *fd, spc_err_t *err)
{
  /* After a mount the old O_PATH fd still names the covered directory; the
   * new mount is only reached by resolving the path again. */
  if (*fd >= 0)
    close (*fd);
  *fd = spc_root_open (rootfd, dest, SPC_PATH_NO_CREATE, err);
  return *fd < 0 ? -1 : 0;
}

static int
apply_propagation (const struct spc_mount *m, int rootfd, int *fd, spc_err_t *err)
{
  if (m->propagation == 0)
    return 0;
  if (reopen_target (rootfd, m->destination, fd, err) < 0)
    return -1;
  char buf[SPC_FD_PATH_MAX];
  if (mount (NULL, spc_fd_path (*fd, buf), NULL, m->propagation, NULL) < 0)
    return spc_error_errno (err, "set propagation of `%s`", m->destination);
  return 0;
}

/* Change the flags of the bind mount at fd: a bind mount takes ro, nosuid
 * and the like only through a second, remounting call. */
static int
remount_bind (int fd, unsigned long flags, const char *label, spc_err_t *err)
{
  char buf[SPC_FD_PATH_MAX];
  spc_fd_path (fd, buf);
  if (mount (NULL, buf, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags (buf), NULL) < 0)
    return spc_error_errno (err, "remount `%s`", label);
  return 0;
}

/* A bind mount, or the idmapped mount the runtime made of its source. */
static int
mount_bind (const struct spc_mount *m, int rootfd, int *fd, int idmapped, spc_err_t *err)
{
  char buf[SPC_FD_PATH_MAX];
  if (idmapped >= 0)
    {
      if (spc_idmap_attach (idmapped, *fd, m->destination, err) < 0)
        return -1;
    }
  else if (mount (m->source, spc_fd_path (*fd, buf), NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
    return spc_error_errno (err, "bind mount `%s` on `%s`", m->source, m->destination);

  unsigned long extra = bind_remount_flags (m->flags);
  if (extra == 0)
    return 0;
  if (reopen_target (rootfd, m->destination, fd, err) < 0)
    return -1;
  return remount_bind (*fd, extra, m->destination, err);
}

static int
mount_filesystem (const struct spc_mount *m, int *fd, spc_err_t *err)
{
  char buf[SPC_FD_PATH_MAX];
  const char *source = m->source ? m->source : m->type;
  unsigned long flags = m->flags & ~(unsigned long) (PROPAGATION_FLAGS | MS_REC);
  if (mount (source, spc_fd_path (*fd, buf), m->type, flags, m->data) < 0)
    return spc_error_errno (err, "mount `%s` on `%s`", m->type, m->destination);
  return 0;
}

/* ---- the cgroup filesystem ----
 * A "cgroup" mount shows the container its own cgroups only, per hierarchy
 * on v1 and hybrid hosts (as runc does) and as one cgroup2 tree on v2.
 * In a cgroup namespace a fresh cgroup mount is rooted at the namespace's
 * root by the kernel; without one we bind the host's directory of the
 * init's own cgroup, since /proc/self/cgroup then holds host paths. */

/* Reopened by path: the new mount is not reachable through an fd taken
 * before it was made. */
static int
remount_readonly (int rootfd, const char *dest, unsigned long flags, spc_err_t *err)
{
  _cleanup_close_ int fd = spc_root_open (rootfd, dest, SPC_PATH_NO_CREATE, err);
  if (fd < 0)
    return -1;
  return remount_bind (fd, flags | MS_RDONLY, dest, err);
}

/* Mount hierarchy h at `dest` in the container (created if missing). */
static int
mount_cgroup_hierarchy (const struct spc_cgroup_mount *h, bool own_namespace, int rootfd,
                        const char *dest, unsigned long flags, spc_err_t *err)
{
  char buf[SPC_FD_PATH_MAX];
  _cleanup_close_ int fd = spc_root_open (rootfd, dest, SPC_PATH_CREATE_DIR, err);
  if (fd < 0)
    return -1;
  spc_fd_path (fd, buf);
  if (own_namespace)
    {
      bool v2 = h->v2;
      if (mount ("cgroup", buf, v2 ? "cgroup2" : "cgroup", flags, v2 ? NULL : h->controllers) < 0)
        return spc_error_errno (err, "mount cgroup `%s` on `%s`", v2 ? "cgroup2" : h->controllers,
                                dest);
      return 0;
    }
  _cleanup_free_ char *host = NULL;
  if (asprintf (&host, "%s%s", h->mountpoint, strcmp (h->own, "/") == 0 ? "" : h->own) < 0)
    return spc_error_errno (err, "asprintf");
  if (mount (host, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
    return spc_error_errno (err, "bind mount `%s` on `%s`", host, dest);
  if (flags & MS_RDONLY)
    return remount_readonly (rootfd, dest, flags, err);
  return 0;
}

/* "cpu,cpuacct" is reachable as "cpu" and "cpuacct" too, as on the host. */
static int
link_comounted (int rootfd, const char *cgroup_root, const char *base, spc_err_t *err)
{
  _cleanup_close_ int dirfd = spc_root_open (rootfd, cgroup_root, SPC_PATH_NO_CREATE, err);
  if (dirfd < 0)
    return -1;
  _cleanup_free_ char *names = strdup (base);
  if (names == NULL)
    return spc_error_errno (err, "strdup");
  for (char *save = NULL, *c = strtok_r (names, ",", &save); c; c = strtok_r (NULL, ",", &save))
    if (symlinkat (base, dirfd, c) < 0 && errno != EEXIST)
      return spc_error_errno (err, "symlink `%s/%s`", cgroup_root, c);
  return 0;
}

/* v1 and hybrid: a tmpfs holding one directory per hierarchy, named as on
 * the host; comounted controllers ("cpu,cpuacct") also get a symlink each. */
static int
mount_cgroup_v1_tree (const struct spc_mount *m, int rootfd, int fd,
                      const struct spc_cgroup_mount *h, size_t n, bool own_namespace,
                      unsigned long flags, spc_err_t *err)
{
  char buf[SPC_FD_PATH_MAX];
  if (mount ("tmpfs", spc_fd_path (fd, buf), "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
    return spc_error_errno (err, "mount tmpfs on `%s`", m->destination);
  for (size_t i = 0; i < n; i++)
    {
      const char *base = strrchr (h[i].mountpoint, '/') + 1;
      _cleanup_free_ char *dest = NULL;
      if (asprintf (&dest, "%s/%s", m->destination, base) < 0)
        return spc_error_errno (err, "asprintf");
      if (mount_cgroup_hierarchy (&h[i], own_namespace, rootfd, dest, flags, err) < 0)
        return -1;
      if (strchr (base, ',') && link_comounted (rootfd, m->destination, base, err) < 0)
        return -1;
    }
  if (flags & MS_RDONLY)
    return remount_readonly (rootfd, m->destination, flags, err);
  return 0;
}

static int
mount_cgroup (const struct spc_mount *m, int rootfd, int *fd, bool own_namespace, spc_err_t *err)
{
  struct spc_cgroup_mount *h = NULL;
  size_t n = 0;
  unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
  int ret = spc_cgroup_mounts (&h, &n, NULL, err);
  /* Pure v2: the cgroup2 tree is the whole view. */
  if (ret == 0 && n == 1 && h[0].v2)
    ret = mount_cgroup_hierarchy (&h[0], own_namespace, rootfd, m->destination, flags, err);
  else if (ret == 0)
    ret = mount_cgroup_v1_tree (m, rootfd, *fd, h, n, own_namespace, flags, err);
  spc_cgroup_mounts_free (h, n);
  return ret;
}

/* What to create at the destination: a file for a bind mount of a file, a
 * directory otherwise. A missing bind source fails here, before the
 * destination is made in the rootfs. */
static int
target_kind (const struct spc_mount *m, enum spc_path_create *kind, spc_err_t *err)
{
  struct stat st;
  *kind = SPC_PATH_CREATE_DIR;
  if (!(m->flags & MS_BIND))
    return 0;
  if (m->source == NULL)
    return spc_error_make (err, EINVAL, "bind mount on `%s`: no source", m->destination);
  if (stat (m->source, &st) < 0)
    return spc_error_errno (err, "bind mount `%s` on `%s`", m->source, m->destination);
  if (!S_ISDIR (st.st_mode))
    *kind = SPC_PATH_CREATE_FILE;
  return 0;
}

static bool
is_cgroup_type (const char *type)
{
  return type && (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0);
}

/* The rule for mounts inside /proc (procfs.h) once more, on where the
 * destination really leads: a symlink in the rootfs can take one the
 * config check passed into /proc. Before anything is made. */
static int
check_proc_destination (const struct spc_mount *m, const char *canonical, spc_err_t *err)
{
  const char *why = spc_procfs_mount_refusal (m, canonical, true);
  if (why == NULL)
    return 0;
  if (strcmp (canonical, m->destination) == 0)
    return spc_error_make (err, 0, "`%s`: %s", m->destination, why);
  return spc_error_make (err, 0, "`%s` is `%s` in the container: %s", m->destination, canonical,
                         why);
}

static int
mount_entry (const struct spc_config *c, const struct spc_mount *m, int rootfd, int idmapped,
             spc_err_t *err)
{
  enum spc_path_create kind;
  _cleanup_free_ char *canonical = NULL;
  if (target_kind (m, &kind, err) < 0
      || spc_root_canonical (rootfd, m->destination, &canonical, err) < 0
      || check_proc_destination (m, canonical, err) < 0)
    return -1;
  /* A /proc that is a symlink elsewhere would leave the container's view
   * of /proc, and the masks on it, somewhere else: refused, as in runc. */
  if (m->type && (strcmp (m->type, "proc") == 0 || strcmp (m->type, "sysfs") == 0)
      && spc_root_check_no_symlinks (rootfd, m->destination, err) < 0)
    return spc_error_prefix (err, "%s mount", m->type);
  _cleanup_close_ int fd = spc_root_open (rootfd, m->destination, kind, err);
  if (fd < 0)
    return -1;
  const char *why = spc_procfs_target_refusal (canonical, fd);
  if (why)
    return spc_error_make (err, 0, "`%s`: %s", m->destination, why);

  int r;
  if (m->flags & MS_BIND)
    r = mount_bind (m, rootfd, &fd, idmapped, err);
  else if (is_cgroup_type (m->type))
    r = mount_cgroup (m, rootfd, &fd, spc_namespaces_creates (c, SPC_NS_CGROUP), err);
  else if (m->type == NULL)
    r = spc_error_make (err, EINVAL, "mount `%s`: no type and not a bind mount", m->destination);
  else
    r = mount_filesystem (m, &fd, err);
  if (r < 0)
    return -1;
  return apply_propagation (m, rootfd, &fd, err);
}

bool
spc_mount_is_cgroup (const struct spc_mount *m)
{
  return !(m->flags & MS_BIND) && is_cgroup_type (m->type);
}

int
spc_mounts_apply_one (const struct spc_config *c, size_t i, int rootfd, const int *idmapped,
                      spc_err_t *err)
{
  if (mount_entry (c, &c->mounts[i], rootfd, idmapped ? idmapped[i] : -1, err) < 0)
    return spc_error_prefix (err, "mounts[%zu]", i);
  return 0;
}

static int
pivot_root_here (const char *rootfs, spc_err_t *err)
{
  _cleanup_close_ int oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int newroot = open (rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0)
    return spc_error_errno (err, "open `%s`", oldroot < 0 ? "/" : rootfs);
  if (fchdir (newroot) < 0)
    return spc_error_errno (err, "chdir to rootfs");
  /* pivot_root(".", ".") stacks the old root on top of the new one, so it
   * needs no directory inside the rootfs. The old root is then detached
   * from its own directory: "." in the new root would name the new root
   * for mount(2), and making that a slave would drop the propagation the
   * config asked for on the container's mounts. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return spc_error_errno (err, "pivot_root");
  if (fchdir (oldroot) < 0)
    return spc_error_errno (err, "chdir to the old root");
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return spc_error_errno (err, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return spc_error_errno (err, "detach the old root");
  return 0;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void
unescape_mountinfo (char *s)
{
  char *out = s;
  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
        && s[3] <= '7')
      {
        *out++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
        s += 3;
      }
    else
      *out++ = *s;
  *out = '\0';
}

/* The host's whole proc and sysfs mounts would stay in the namespace under
 * a moved root, within reach of a process that climbs out of the chroot.
 * They are detached first (the tree is rslave: the host keeps its own),
 * deepest first; what is inside the rootfs is the container's. */
static int
detach_host_proc_sys (const char *rootfs, spc_err_t *err)
{
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return spc_error_errno (err, "open /proc/self/mountinfo");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0, len = strlen (rootfs);
  char *found[256];
  size_t n = 0;
  int ret = 0;
  while (ret == 0 && getline (&line, &cap, f) > 0)
    {
      /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE ... */
      char root[4096], point[4096], fstype[64];
      const char *dash = strstr (line, " - ");
      if (dash == NULL || sscanf (line, "%*d %*d %*s %4095s %4095s", root, point) != 2
          || sscanf (dash + 3, "%63s", fstype) != 1)
        continue;
      unescape_mountinfo (point);
      bool inside = strncmp (point, rootfs, len) == 0 && (point[len] == '/' || point[len] == '\0');
      if (strcmp (root, "/") != 0 || inside
          || (strcmp (fstype, "proc") != 0 && strcmp (fstype, "sysfs") != 0))
        continue;
      if (n == sizeof found / sizeof *found || (found[n] = strdup (point)) == NULL)
        ret = spc_error_make (err, ENOMEM, "--no-pivot: too many proc and sysfs mounts");
      else
        n++;
    }
  while (n > 0)
    {
      _cleanup_free_ char *point = found[--n];
      /* EINVAL: gone already, with a mount above it. */
      if (ret == 0 && umount2 (point, MNT_DETACH) < 0 && errno != EINVAL)
        ret = spc_error_errno (err, "--no-pivot: detach the host's `%s`", point);
    }
  return ret;
}

/* runc's --no-pivot, for a root pivot_root refuses (ramfs): the rootfs is
 * moved onto "/" and the init chroots into it. The host's root stays in the
 * namespace below it, so this is weaker than pivot_root: a process with
 * CAP_SYS_CHROOT can climb out of a chroot. */
static int
move_root_here (const char *rootfs, spc_err_t *err)
{
  if (detach_host_proc_sys (rootfs, err) < 0)
    return -1;
  if (chdir (rootfs) < 0)
    return spc_error_errno (err, "chdir to rootfs");
  if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return spc_error_errno (err, "--no-pivot: move the rootfs onto /");
  if (chroot (".") < 0)
    return spc_error_errno (err, "--no-pivot: chroot");
  return 0;
}

int
spc_mounts_enter_root (const struct spc_config *c, const char *rootfs, bool no_pivot,
                       spc_err_t *err)
{
  if ((no_pivot ? move_root_here (rootfs, err) : pivot_root_here (rootfs, err)) < 0)
    return -1;
  if (chdir ("/") < 0)
    return spc_error_errno (err, "chdir /");
  unsigned long prop = c->linux_.rootfs_propagation;
  if (prop && mount (NULL, "/", NULL, prop, NULL) < 0)
    return spc_error_errno (err, "linux.rootfsPropagation");
  return 0;
}

/* ---- mounts by file descriptor ----
 * Source and target are files already open: nothing is resolved by path
 * at the mount, so a symlink swapped in there meanwhile redirects
 * nothing. */

int
spc_mounts_attach (int tree, int target, spc_err_t *err)
{
  if (move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return spc_error_errno (err, "move_mount");
  return 0;
}

int
spc_mounts_bind_fd (int source, int target, spc_err_t *err)
{
  _cleanup_close_ int tree = open_tree (source, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return spc_error_errno (err, "open_tree");
  return spc_mounts_attach (tree, target, err);
}

/* ---- masked and read-only paths ---- */

/* The container's /dev/null, which masks bind over files. It must be the
 * null device: a /dev/null that is a symlink or a file would put that
 * file, say a /proc knob, writable at the masked path (CVE-2025-31133).
 * Symlinks inside the container are followed: what counts is the device
 * the fd is, and that fd is what gets mounted. */
static int
open_dev_null (int rootfd, spc_err_t *err)
{
  _cleanup_close_ int fd = spc_root_open (rootfd, "/dev/null", SPC_PATH_NO_CREATE, err);
  struct stat st;
  if (fd < 0)
    return spc_error_prefix (err, "maskedPaths");
  if (fstat (fd, &st) < 0)
    return spc_error_errno (err, "maskedPaths: stat /dev/null");
  if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    return spc_error_make (err, 0, "maskedPaths: /dev/null in the container is not the null "
                                   "device (1:3), refused");
  return spc_steal_fd (&fd);
}

/* The path's own file, resolved once and through no symlink: a link there
 * (planted, or swapped in) cannot move the mask or the read-only bind onto
 * something else. 0 with *fd = -1 when it is missing. */
static int
open_listed_path (int rootfd, const char *list, size_t i, const char *path, int *fd,
                  spc_err_t *err)
{
  *fd = spc_root_open_no_symlinks (rootfd, path, err);
  if (*fd >= 0)
    return 0;
  if (spc_error_is (err, ENOENT))
    {
      spc_error_free (err);
      return 0; /* nothing to hide or protect */
    }
  return spc_error_prefix (err, "%s[%zu]", list, i);
}

/* An empty read-only tmpfs over a directory. */
static int
mask_dir (int target, spc_err_t *err)
{
  _cleanup_close_ int fs = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  _cleanup_close_ int tree = -1;
  if (fs < 0 || fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0
      || (tree = fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY)) < 0)
    return spc_error_errno (err, "mount an empty tmpfs");
  return spc_mounts_attach (tree, target, err);
}

static int
mask_path (int rootfd, int devnull, size_t i, const char *path, spc_err_t *err)
{
  _cleanup_close_ int target = -1;
  struct stat st;
  if (open_listed_path (rootfd, "maskedPaths", i, path, &target, err) < 0)
    return -1;
  if (target < 0)
    return 0;
  if (fstat (target, &st) < 0)
    return spc_error_errno (err, "maskedPaths[%zu]: stat `%s`", i, path);
  if ((S_ISDIR (st.st_mode) ? mask_dir (target, err) : spc_mounts_bind_fd (devnull, target, err))
      < 0)
    return spc_error_prefix (err, "maskedPaths[%zu]: mask `%s`", i, path);
  return 0;
}

/* A read-only bind of the path onto itself, with what is mounted below
 * it; only its top mount turns read-only, as in runc. */
static int
readonly_path (int rootfd, size_t i, const char *path, spc_err_t *err)
{
  _cleanup_close_ int target = -1, tree = -1;
  struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
  if (open_listed_path (rootfd, "readonlyPaths", i, path, &target, err) < 0)
    return -1;
  if (target < 0)
    return 0;
  tree = open_tree (target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (tree < 0 || mount_setattr (tree, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
    return spc_error_errno (err, "readonlyPaths[%zu]: bind `%s` read-only", i, path);
  if (spc_mounts_attach (tree, target, err) < 0)
    return spc_error_prefix (err, "readonlyPaths[%zu]: `%s`", i, path);
  return 0;
}

int
spc_mounts_finalize (const struct spc_config *c, spc_err_t *err)
{
  const struct spc_linux *l = &c->linux_;
  _cleanup_close_ int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int devnull = -1;
  if (rootfd < 0)
    return spc_error_errno (err, "open /");
  if (l->n_masked_paths && (devnull = open_dev_null (rootfd, err)) < 0)
    return -1;
  for (size_t i = 0; i < l->n_masked_paths; i++)
    if (mask_path (rootfd, devnull, i, l->masked_paths[i], err) < 0)
      return -1;
  for (size_t i = 0; i < l->n_readonly_paths; i++)
    if (readonly_path (rootfd, i, l->readonly_paths[i], err) < 0)
      return -1;
  if (c->root.readonly
      && mount (NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags ("/"), NULL) < 0)
    return spc_error_errno (err, "remount root read-only");
  return 0;
}
