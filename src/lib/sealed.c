#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "spacer/sealed.h"
#include "spacer/utils.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

/* Set across the re-execution only: "PID:IMAGE", the process re-executed
 * (an exec keeps the pid) and the image it must find itself running from,
 * the mount id of a read-only clone or "memfd". A child of the re-executed
 * program that inherits it is not PID, and ignores it. */
#define SEALED_ENV "_SPACER_SEALED_IMAGE"
#define MEMFD_MARK "memfd"

#define MEMFD_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* This process was found running from a protected image. */
static bool running_protected;

/* A memfd with these seals can never be written again, by anyone: F_SEAL_SEAL
 * keeps the others from being removed. */
static bool
sealed_memfd (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & MEMFD_SEALS) == MEMFD_SEALS;
}

static int
mount_id (int fd, char *text, size_t size)
{
  struct statx stx;
  if (statx (fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
    return -1;
  snprintf (text, size, "%" PRIu64, (uint64_t) stx.stx_mnt_id);
  return 0;
}

static bool
on_read_only_mount (int fd)
{
  struct statvfs st;
  return fstatvfs (fd, &st) == 0 && (st.f_flag & ST_RDONLY);
}

/* Is the mount of fd, the root of a mount of its own, mounted in no
 * namespace? mount_setattr refuses such a mount with EINVAL, and nothing
 * else does once the caller may change mounts; where it may not (EPERM),
 * there is no telling. Setting read-only changes nothing on a mount that
 * is read-only already. */
static bool
in_no_namespace (int fd)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  return mount_setattr (fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 && errno == EINVAL;
}

/* Is exe a sealed memfd, or the read-only clone made by the re-execution
 * that set `mark` (read_only_clone), now in no mount namespace? A
 * read-only mount of the host's is not enough: its owner may make it
 * writable while a container holds the file open. Nor is the clone while
 * its anonymous namespace lives, as it would if a thread of a program
 * embedding libspacer forked between open_tree and the exec: its child
 * would hold the descriptor. */
static bool
protected_image (int exe, const char *mark)
{
  char id[32];
  if (sealed_memfd (exe))
    return true;
  return mark && mount_id (exe, id, sizeof id) == 0 && strcmp (id, mark) == 0
         && on_read_only_mount (exe) && in_no_namespace (exe);
}

/* A read-only mount of the binary alone, as a descriptor to execute, and
 * its mount id in `mark`. Why its file cannot be written through it once
 * executed, by anyone: open_tree(OPEN_TREE_CLONE) puts the clone in an
 * anonymous mount namespace of its own that lives as long as the returned
 * descriptor, which only this process holds, close-on-exec. The exec
 * closes it, so the namespace is gone before the new image runs (which
 * checks, in_no_namespace), and the mount is then in no namespace at all: mount_setattr, a remount,
 * move_mount and open_tree all refuse a mount that is not mounted in the
 * caller's namespace (or an anonymous one), whatever the caller's
 * capabilities.
 * The read-only flag stays, and every path to the file through the mount,
 * /proc/PID/exe and /proc/self/fd/N included, opens it for reading only. */
static int
read_only_clone (int exe, char *mark, size_t size, spc_err_t *err)
{
  _cleanup_close_ int tree
      = open_tree (exe, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return spc_error_errno (err, "open_tree /proc/self/exe");
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr (tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return spc_error_errno (err, "mount_setattr read-only");
  if (!on_read_only_mount (tree) || mount_id (tree, mark, size) < 0)
    return spc_error_make (err, EIO, "the clone did not turn read-only");
  return spc_steal_fd (&tree);
}

static int
create_memfd (void)
{
  /* MFD_EXEC keeps a kernel that would default to noexec memfds
   * (vm.memfd_noexec) from refusing the exec; older kernels know no such
   * flag and execute any memfd. */
  int fd = memfd_create ("spacer", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("spacer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

/* A copy of the binary in memory, sealed: nothing can write it again. */
static int
sealed_copy (int exe, spc_err_t *err)
{
  struct stat st;
  if (fstat (exe, &st) < 0)
    return spc_error_errno (err, "stat /proc/self/exe");
  _cleanup_close_ int memfd = create_memfd ();
  if (memfd < 0)
    return spc_error_errno (err, "memfd_create");
  for (off_t done = 0; done < st.st_size;)
    {
      ssize_t n = sendfile (memfd, exe, NULL, (size_t) (st.st_size - done));
      if (n <= 0)
        return spc_error_errno (err, "copy /proc/self/exe");
      done += n;
    }
  if (fcntl (memfd, F_ADD_SEALS, MEMFD_SEALS) < 0 || !sealed_memfd (memfd))
    return spc_error_errno (err, "seal the copy of spacer");
  return spc_steal_fd (&memfd);
}

/* The image to re-execute from, and its mark for protected_image. */
static int
protected_copy_of (int exe, char *mark, size_t size, spc_err_t *err)
{
  spc_err_t refused = NULL;
  int image = read_only_clone (exe, mark, size, &refused);
  if (image >= 0)
    return image;
  spc_debug ("CVE-2019-5736: no read-only clone of spacer (%s): a sealed copy instead",
             refused->msg);
  spc_error_free (&refused);
  snprintf (mark, size, "%s", MEMFD_MARK);
  return sealed_copy (exe, err);
}

/* The calling program's command line, as its main got it. */
static char **
read_cmdline (char **text, spc_err_t *err)
{
  size_t len, n = 0;
  if (spc_read_file_at (AT_FDCWD, "/proc/self/cmdline", text, &len, err) < 0)
    return NULL;
  for (size_t i = 0; i < len; i++)
    n += (*text)[i] == '\0';
  if (len == 0 || (*text)[len - 1] != '\0')
    {
      spc_error_make (err, EINVAL, "/proc/self/cmdline: not a command line");
      return NULL;
    }
  char **argv = calloc (n + 1, sizeof *argv);
  if (argv == NULL)
    {
      spc_error_errno (err, "calloc");
      return NULL;
    }
  for (size_t i = 0, at = 0; at < len; at += strlen (*text + at) + 1)
    argv[i++] = *text + at;
  return argv;
}

/* The image a re-execution of this very process was told to run from,
 * or NULL. */
static const char *
own_mark (void)
{
  const char *mark = getenv (SEALED_ENV);
  char *end;
  if (mark == NULL || strtol (mark, &end, 10) != (long) getpid () || *end != ':')
    return NULL;
  return end + 1;
}

static int
reexec_protected (int exe, spc_err_t *err)
{
  _cleanup_free_ char *text = NULL;
  _cleanup_free_ char **argv = read_cmdline (&text, err);
  if (argv == NULL)
    return spc_error_prefix (err, "CVE-2019-5736: re-execute spacer");
  char mark[32];
  _cleanup_close_ int image = protected_copy_of (exe, mark, sizeof mark, err);
  if (image < 0)
    return spc_error_prefix (err, "CVE-2019-5736: a protected image of spacer");
  char value[64];
  snprintf (value, sizeof value, "%ld:%s", (long) getpid (), mark);
  if (setenv (SEALED_ENV, value, 1) < 0)
    return spc_error_errno (err, "setenv");
  execveat (image, "", argv, environ, AT_EMPTY_PATH);
  int saved = errno;
  unsetenv (SEALED_ENV);
  return spc_error_make (err, saved, "CVE-2019-5736: re-execute spacer from its protected image");
}

int
spc_sealed_ensure (spc_err_t *err)
{
  if (running_protected)
    return 0;
  _cleanup_close_ int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return spc_error_errno (err, "open /proc/self/exe");
  const char *mark = own_mark ();
  if (protected_image (exe, mark))
    {
      running_protected = true;
      unsetenv (SEALED_ENV); /* not the business of anything this process starts */
      return 0;
    }
  /* Re-executed, and not running from what was made for it: fail closed
   * rather than start a container from an image that may be written. */
  if (mark)
    return spc_error_make (err, EPERM, "CVE-2019-5736: the re-executed spacer does not run "
                                       "from its protected image");
  return reexec_protected (exe, err);
}
