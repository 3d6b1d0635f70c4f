#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "mount-api.h"
#include "spacer/cgroup.h"
#include "spacer/cleanup.h"
#include "spacer/lsm.h"
#include "spacer/mounts.h"
#include "spacer/namespaces.h"
#include "spacer/path.h"
#include "spacer/procfs.h"

/* Is m's destination `destination`, give or take trailing slashes? */
static bool
mounted_at (const struct spc_mount *m, const char *destination)
{
  const char *d = m->destination;
  size_t len = strlen (d);
  while (len > 1 && d[len - 1] == '/')
    len--;
  return strncmp (d, destination, len) == 0 && destination[len] == '\0';
}

const struct spc_mount *
spc_mounts_find (const struct spc_config *c, const char *destination)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    if (mounted_at (&c->mounts[i], destination))
      return &c->mounts[i];
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

/* ---- the target ---- */

static bool
is_cgroup_type (const char *type)
{
  return type && (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0);
}

/* A /proc or /sys reached through a symlink would put the container's
 * view of them, and the masks on it, somewhere else: refused, as in runc
 * (CVE-2019-16884). */
static bool
needs_direct_path (const struct spc_mount *m)
{
  return m->type && (strcmp (m->type, "proc") == 0 || strcmp (m->type, "sysfs") == 0);
}

/* The rule for mounts inside /proc (procfs.h) once more, on where the
 * destination really leads: a symlink in the rootfs can take one the
 * config check passed into /proc. */
static int
check_proc_destination (const struct spc_mount *m, const char *canonical, spc_err_t *err)
{
  const char *why = spc_procfs_mount_refusal (m, canonical, true);
  if (why == NULL)
    return 0;
  if (strcmp (canonical, m->destination) == 0)
    return spc_error_make (err, 0, "%s", why);
  return spc_error_make (err, 0, "is `%s` in the container: %s", canonical, why);
}

/* `dir` (canonical) and the names still to make below it, "." left out. */
static int
join_missing (const char *dir, const char *rest, char **out, spc_err_t *err)
{
  size_t len = strlen (dir);
  _cleanup_free_ char *path = malloc (len + strlen (rest) + 2);
  if (path == NULL)
    return spc_error_errno (err, "malloc");
  memcpy (path, dir, len + 1);
  if (len == 1)
    len = 0; /* "/" */
  for (const char *p = rest; *p;)
    {
      size_t n = strcspn (p, "/");
      if (n > 0 && !(n == 1 && p[0] == '.'))
        {
          path[len++] = '/';
          memcpy (path + len, p, n);
          len += n;
          path[len] = '\0';
        }
      p += n + (p[n] == '/');
    }
  *out = steal_pointer (&path);
  return 0;
}

/* The destination, looked up once: the fd of what it names, made when
 * missing (a `kind`). Where it leads, for the /proc rules, is read from
 * the fds, and checked before anything is made. */
static int
open_target (const struct spc_mount *m, int rootfd, enum spc_path_create kind, spc_err_t *err)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *rest = NULL, *found = NULL, *canonical = NULL;
  uint64_t resolve = needs_direct_path (m) ? RESOLVE_NO_SYMLINKS : 0;
  if (spc_root_lookup (rootfd, m->destination, resolve, &fd, &rest, err) < 0
      || spc_root_fd_path (rootfd, fd, &found, err) < 0
      || join_missing (found, rest ? rest : "", &canonical, err) < 0
      || check_proc_destination (m, canonical, err) < 0)
    return -1;
  if (rest)
    {
      int made = spc_root_create (fd, rest, kind, err);
      if (made < 0)
        return -1;
      close (fd);
      fd = made;
    }
  const char *why = spc_procfs_target_refusal (canonical, fd);
  if (why)
    return spc_error_make (err, 0, "%s", why);
  return spc_steal_fd (&fd);
}

/* Flags and propagation set on the detached tree, then attached: the
 * mount is never reachable with other flags than those asked for. */
static int
attach_tree (const struct spc_mount *m, int tree, int target, spc_err_t *err)
{
  if (m->propagation && spc_mount_set_propagation (tree, m->propagation, err) < 0)
    return -1;
  return spc_mounts_attach (tree, target, err);
}

/* ---- bind mounts ---- */

/* A bind mount, from the tree the runtime made of its source (bind-trees.h)
 * or else a clone of its own.
 * The source is opened first: a file gets a file to cover, a directory a
 * directory, and a missing source fails before anything is made. */
static int
mount_bind (const struct spc_mount *m, int rootfd, int made, spc_err_t *err)
{
  _cleanup_close_ int clone = -1, target = -1;
  struct spc_mount_attrs attrs, rec_attrs;
  struct stat st;
  if (m->source == NULL)
    return spc_error_make (err, EINVAL, "bind mount: no source");
  if (made < 0 && (clone = spc_mount_clone (m->source, m->flags & MS_REC, err)) < 0)
    return -1;
  int tree = made >= 0 ? made : clone;
  if (fstat (tree, &st) < 0)
    return spc_error_errno (err, "stat `%s`", m->source);
  target = open_target (m, rootfd, S_ISDIR (st.st_mode) ? SPC_PATH_CREATE_DIR : SPC_PATH_CREATE_FILE,
                        err);
  if (target < 0)
    return -1;
  /* As runc: "ro" and the like change the top mount, the one the config
   * names; "rro" and the like every mount of the tree, after them. */
  spc_mount_attrs_from_flags (m->flags, m->clear_flags, &attrs);
  spc_mount_attrs_from_flags (m->rec_flags, m->rec_clear_flags, &rec_attrs);
  if (spc_mount_setattr (tree, &attrs, false, err) < 0
      || ((rec_attrs.set || rec_attrs.clr) && spc_mount_setattr (tree, &rec_attrs, true, err) < 0)
      || attach_tree (m, tree, target, err) < 0)
    return spc_error_prefix (err, "bind mount `%s`", m->source);
  return 0;
}

/* ---- other filesystems ---- */

/* Superblock flags: fsconfig options of the new filesystem. The others
 * are mount attributes, or say how to mount (bind, remount). */
#define SB_FLAGS (MS_SYNCHRONOUS | MS_DIRSYNC | MS_LAZYTIME | MS_MANDLOCK)

/* A read-only /dev filesystem is mounted writable and made read-only at
 * the end (finalize_dev), as runc does: the devices, their links and
 * /dev/console are made in it first. */
static bool
is_read_only_dev (const struct spc_mount *m)
{
  return !(m->flags & MS_BIND) && ((m->flags | m->rec_flags) & MS_RDONLY)
         && mounted_at (m, "/dev");
}

/* linux.mountLabel as the SELinux context= option of a new filesystem,
 * where SELinux is active (spc_lsm_mount_label), as crun gives it; proc
 * and sysfs keep their own labels, and mqueue takes no such option. */
static int
labelled_data (const struct spc_mount *m, const char *label, char **out, spc_err_t *err)
{
  *out = NULL;
  if (label == NULL || strcmp (m->type, "proc") == 0 || strcmp (m->type, "sysfs") == 0
      || strcmp (m->type, "mqueue") == 0)
    return 0;
  bool more = m->data && m->data[0];
  if (asprintf (out, "%s%scontext=\"%s\"", more ? m->data : "", more ? "," : "", label) < 0)
    {
      *out = NULL;
      return spc_error_errno (err, "asprintf");
    }
  return 0;
}

static int
mount_filesystem (const struct spc_mount *m, const char *label, int rootfd, spc_err_t *err)
{
  struct spc_mount_attrs attrs;
  _cleanup_free_ char *data = NULL;
  if (labelled_data (m, label, &data, err) < 0)
    return -1;
  _cleanup_close_ int target = open_target (m, rootfd, SPC_PATH_CREATE_DIR, err);
  if (target < 0)
    return -1;
  /* A new filesystem has no mounts below it: the recursive options are
   * plain ones here. */
  spc_mount_attrs_from_flags (m->flags | m->rec_flags, 0, &attrs);
  if (is_read_only_dev (m))
    attrs.set &= ~(uint64_t) MOUNT_ATTR_RDONLY;
  _cleanup_close_ int tree = spc_mount_new_fs (m->type, m->source ? m->source : m->type,
                                               data ? data : m->data, m->flags & SB_FLAGS,
                                               attrs.set, err);
  if (tree < 0 || attach_tree (m, tree, target, err) < 0)
    return spc_error_prefix (err, "mount `%s`", m->type);
  return 0;
}

/* ---- the cgroup filesystem ----
 * A "cgroup" mount shows the container its own cgroups only, per hierarchy
 * on v1 and hybrid hosts (as runc does) and as one cgroup2 tree on v2.
 * In a cgroup namespace a fresh cgroup mount is rooted at the namespace's
 * root by the kernel; without one we bind the host's directory of the
 * init's own cgroup, since /proc/self/cgroup then holds host paths. */

/* Hierarchy h as a detached tree with the attributes a. */
static int
cgroup_tree (const struct spc_cgroup_mount *h, bool own_namespace,
             const struct spc_mount_attrs *a, spc_err_t *err)
{
  if (own_namespace)
    {
      int tree = spc_mount_new_fs (h->v2 ? "cgroup2" : "cgroup", "cgroup",
                                   h->v2 ? NULL : h->controllers, 0, a->set, err);
      if (tree < 0)
        return spc_error_prefix (err, "mount cgroup `%s`", h->v2 ? "cgroup2" : h->controllers);
      return tree;
    }
  _cleanup_free_ char *host = NULL;
  if (asprintf (&host, "%s%s", h->mountpoint, strcmp (h->own, "/") == 0 ? "" : h->own) < 0)
    return spc_error_errno (err, "asprintf");
  _cleanup_close_ int tree = spc_mount_clone (host, true, err);
  if (tree < 0 || spc_mount_setattr (tree, a, true, err) < 0)
    return spc_error_prefix (err, "bind `%s`", host);
  return spc_steal_fd (&tree);
}

/* Hierarchy h on a new directory `name` of the cgroup tmpfs (attached,
 * the fd of its root). The directory is reached by its name, one
 * component below the tmpfs's fd: no lookup leaves the tmpfs, and
 * move_mount does not follow a final symlink (no MOVE_MOUNT_T_SYMLINKS),
 * so a name swapped for one, by a process sharing a joined mount
 * namespace, fails the mount rather than redirecting it. */
static int
mount_cgroup_hierarchy (const struct spc_cgroup_mount *h, bool own_namespace, int tmpfs,
                        const char *name, const struct spc_mount_attrs *a, spc_err_t *err)
{
  _cleanup_close_ int tree = cgroup_tree (h, own_namespace, a, err);
  if (tree < 0)
    return -1;
  if (mkdirat (tmpfs, name, 0755) < 0)
    return spc_error_errno (err, "cgroup `%s`: mkdir", name);
  if (move_mount (tree, "", tmpfs, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return spc_error_errno (err, "cgroup `%s`: move_mount", name);
  return 0;
}

/* "cpu,cpuacct" is reachable as "cpu" and "cpuacct" too, as on the host. */
static int
link_comounted (int tmpfs, const char *base, spc_err_t *err)
{
  _cleanup_free_ char *names = strdup (base);
  if (names == NULL)
    return spc_error_errno (err, "strdup");
  for (char *save = NULL, *c = strtok_r (names, ",", &save); c; c = strtok_r (NULL, ",", &save))
    if (symlinkat (base, tmpfs, c) < 0 && errno != EEXIST)
      return spc_error_errno (err, "symlink cgroup `%s`", c);
  return 0;
}

/* v1 and hybrid: a tmpfs holding one directory per hierarchy, named as on
 * the host; comounted controllers ("cpu,cpuacct") also get a symlink each.
 * The tmpfs is attached first (the kernel mounts on attached mounts
 * only), filled through its fd, and turned read-only last through it. */
static int
mount_cgroup_v1_tree (const struct spc_mount *m, int target, const struct spc_cgroup_mount *h,
                      size_t n, bool own_namespace, const struct spc_mount_attrs *a,
                      spc_err_t *err)
{
  uint64_t rdonly = a->set & MOUNT_ATTR_RDONLY;
  _cleanup_close_ int tmpfs = spc_mount_new_fs ("tmpfs", "tmpfs", "mode=755", 0, a->set & ~rdonly,
                                                err);
  if (tmpfs < 0 || spc_mounts_attach (tmpfs, target, err) < 0)
    return spc_error_prefix (err, "mount tmpfs");
  for (size_t i = 0; i < n; i++)
    {
      const char *base = strrchr (h[i].mountpoint, '/') + 1;
      if (mount_cgroup_hierarchy (&h[i], own_namespace, tmpfs, base, a, err) < 0
          || (strchr (base, ',') && link_comounted (tmpfs, base, err) < 0))
        return -1;
    }
  struct spc_mount_attrs ro = { .set = rdonly };
  if (rdonly && spc_mount_setattr (tmpfs, &ro, false, err) < 0)
    return spc_error_prefix (err, "make the cgroup tmpfs read-only");
  if (m->propagation && spc_mount_set_propagation (tmpfs, m->propagation, err) < 0)
    return -1;
  return 0;
}

/* Pure v2: the cgroup2 tree is the whole view. */
static int
mount_cgroup_v2 (const struct spc_mount *m, int target, const struct spc_cgroup_mount *h,
                 bool own_namespace, const struct spc_mount_attrs *a, spc_err_t *err)
{
  _cleanup_close_ int tree = cgroup_tree (h, own_namespace, a, err);
  if (tree < 0)
    return -1;
  return attach_tree (m, tree, target, err);
}

static int
mount_cgroup (const struct spc_mount *m, int rootfd, bool own_namespace, spc_err_t *err)
{
  struct spc_cgroup_mount *h = NULL;
  size_t n = 0;
  struct spc_mount_attrs a;
  spc_mount_attrs_from_flags (m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME),
                              0, &a);
  _cleanup_close_ int target = open_target (m, rootfd, SPC_PATH_CREATE_DIR, err);
  if (target < 0)
    return -1;
  int ret = spc_cgroup_mounts (&h, &n, NULL, err);
  if (ret == 0 && n == 1 && h[0].v2)
    ret = mount_cgroup_v2 (m, target, h, own_namespace, &a, err);
  else if (ret == 0)
    ret = mount_cgroup_v1_tree (m, target, h, n, own_namespace, &a, err);
  spc_cgroup_mounts_free (h, n);
  return ret;
}

static int
mount_entry (const struct spc_config *c, const struct spc_mount *m, int rootfd, int made,
             spc_err_t *err)
{
  if (m->flags & MS_BIND)
    return mount_bind (m, rootfd, made, err);
  if (is_cgroup_type (m->type))
    return mount_cgroup (m, rootfd, spc_namespaces_creates (c, SPC_NS_CGROUP), err);
  if (m->type == NULL)
    return spc_error_make (err, EINVAL, "no type and not a bind mount");
  return mount_filesystem (m, spc_lsm_mount_label (c), rootfd, err);
}

bool
spc_mount_is_cgroup (const struct spc_mount *m)
{
  return !(m->flags & MS_BIND) && is_cgroup_type (m->type);
}

int
spc_mounts_apply_one (const struct spc_config *c, size_t i, int rootfd, const int *trees,
                      spc_err_t *err)
{
  const struct spc_mount *m = &c->mounts[i];
  if (mount_entry (c, m, rootfd, trees ? trees[i] : -1, err) < 0)
    return spc_error_prefix (err, "mounts[%zu]: `%s`", i, m->destination);
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

/* The read-only /dev (is_read_only_dev), now that everything is made in
 * it. Reached through no symlink, and only if it is still the root of a
 * mount of the config's type: nothing else turns read-only. */
static int
finalize_dev (const struct spc_config *c, int rootfd, spc_err_t *err)
{
  const struct spc_mount *m = spc_mounts_find (c, "/dev");
  if (m == NULL || !is_read_only_dev (m))
    return 0;
  _cleanup_close_ int dev = spc_root_open_no_symlinks (rootfd, "/dev", err);
  struct statx stx;
  struct statfs sfs;
  if (dev < 0)
    return spc_error_prefix (err, "read-only /dev");
  if (statx (dev, "", AT_EMPTY_PATH, 0, &stx) < 0 || fstatfs (dev, &sfs) < 0)
    return spc_error_errno (err, "read-only /dev: stat");
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
      || !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)
      || (strcmp (m->type, "tmpfs") == 0 && sfs.f_type != TMPFS_MAGIC))
    return spc_error_make (err, 0, "read-only /dev: `/dev` is no longer the %s mounted there",
                           m->type);
  struct spc_mount_attrs ro = { .set = MOUNT_ATTR_RDONLY };
  if (spc_mount_setattr (dev, &ro, false, err) < 0)
    return spc_error_prefix (err, "read-only /dev");
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
  if (finalize_dev (c, rootfd, err) < 0)
    return -1;
  /* Only read-only is set: the flags an outer mount namespace locked
   * (nosuid, nodev, ...) stay as they are. */
  struct spc_mount_attrs ro = { .set = MOUNT_ATTR_RDONLY };
  if (c->root.readonly && spc_mount_setattr (rootfd, &ro, false, err) < 0)
    return spc_error_prefix (err, "root.readonly");
  return 0;
}
