/* Paths inside the container's root filesystem, resolved while the host's
 * root is still visible. A hostile rootfs can hold symlinks meant to make the
 * runtime mount or write over host files; everything here resolves through
 * the kernel's openat2(RESOLVE_IN_ROOT), and paths whose symlinks climb out
 * of the root with ".." are refused outright. */
#ifndef SPACER_PATH_H
#define SPACER_PATH_H

#include <stdint.h>
#include <sys/types.h>

#include "spacer/error.h"

enum spc_path_create
{
  SPC_PATH_NO_CREATE = 0,
  SPC_PATH_CREATE_DIR,  /* mkdir -p the path */
  SPC_PATH_CREATE_FILE, /* mkdir -p the parent, create an empty file */
};

/* Resolve `path` (as the container sees it) below rootfd and return an O_PATH
 * file descriptor for it, creating it on request. */
int spc_root_open (int rootfd, const char *path, enum spc_path_create create, spc_err_t *err);

/* Canonical form of `path` below the root: symlinks followed inside the root,
 * no "." or "..", no trailing "/". Fails with EXDEV (and a message naming the
 * path) when a symlink leads outside the root. */
int spc_root_canonical (int rootfd, const char *path, char **out, spc_err_t *err);

/* An O_PATH fd of directory `path` resolved below rootfd by the kernel,
 * symlinks kept inside, /proc's magic links refused. */
int spc_root_open_dir_strict (int rootfd, const char *path, spc_err_t *err);

/* An O_PATH fd of `path` below the root, resolved by the kernel in one
 * go and through no symlink at all (ELOOP, "goes through a symlink"): the
 * file that was at exactly that path. Whatever is renamed or swapped in
 * there afterwards, the fd stays that file. A missing path fails with
 * ENOENT. */
int spc_root_open_no_symlinks (int rootfd, const char *path, spc_err_t *err);

/* O_PATH fd of the directory that holds `path` (created with its parents if
 * missing); *name receives the last component. For mknodat/symlinkat. */
int spc_root_open_parent (int rootfd, const char *path, char **name, spc_err_t *err);

/* The one lookup of a mount target: `path` resolved by the kernel once
 * below rootfd (RESOLVE_IN_ROOT, no magic links, `resolve` flags besides,
 * RESOLVE_NO_SYMLINKS for proc and sysfs). Found: *fd is it and *rest
 * NULL. Missing: *fd is the deepest directory that exists on the way and
 * *rest the names still to make there (spc_root_create). A symlink at the
 * first missing name is followed inside the root; one whose ".." climbs
 * above the root is refused (EXDEV). */
int spc_root_lookup (int rootfd, const char *path, uint64_t resolve, int *fd, char **rest,
                     spc_err_t *err);

/* Make `rest` below dirfd, directories and then a file or directory as
 * `kind` says, one name at a time and through no symlink; the fd of what
 * was made or found at the end. */
int spc_root_create (int dirfd, const char *rest, enum spc_path_create kind, spc_err_t *err);

/* Where the file fd is, as a path below the root (rootfd): derived from
 * the fd (/proc/self/fd), not looked up. */
int spc_root_fd_path (int rootfd, int fd, char **out, spc_err_t *err);

/* "/proc/self/fd/N" for handing an fd to syscalls that take paths (mount). */
#define SPC_FD_PATH_MAX 32
const char *spc_fd_path (int fd, char buf[SPC_FD_PATH_MAX]);

#endif
