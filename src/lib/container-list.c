/* list: every container of a state directory, with its status. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/log.h"
#include "container-internal.h"

void
spc_container_list_free (struct spc_container_info *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    spc_state_clear (&list[i].state);
  free (list);
}

static int
compare_info (const void *a, const void *b)
{
  const struct spc_container_info *x = a, *y = b;
  return strcmp (x->state.id, y->state.id);
}

/* What list shows of a container whose state cannot be read: its ID
 * (the directory's name), nothing else. */
static int
broken_info (struct spc_state *st, const char *id)
{
  spc_state_clear (st);
  st->id = strdup (id);
  st->oci_version = strdup ("");
  st->bundle = strdup ("");
  st->rootfs = strdup ("");
  st->created = strdup ("");
  st->owner = geteuid ();
  return st->id && st->oci_version && st->bundle && st->rootfs && st->created ? 0 : -1;
}

int
spc_container_list (const char *root, struct spc_container_info **out, size_t *n, spc_err_t *err)
{
  *out = NULL;
  *n = 0;
  /* Only read: listing another user's containers (root looking at a
   * rootless user's) needs no trust in their state directory. */
  int rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return errno == ENOENT ? 0 : spc_error_errno (err, "open state directory `%s`", root);
  _cleanup_closedir_ DIR *dir = fdopendir (rootfd);
  if (dir == NULL)
    {
      close (rootfd);
      return spc_error_errno (err, "fdopendir `%s`", root);
    }
  /* Every container's init is looked at in /proc: from one fd of it. */
  _cleanup_close_ int procfd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct spc_container_info *list = NULL;
  size_t count = 0, capacity = 0;
  struct dirent *de;
  while ((de = readdir (dir)))
    {
      if (de->d_name[0] == '.')
        continue;
      spc_err_t ignored = NULL;
      struct spc_state st = { 0 };
      enum spc_status status = SPC_STATUS_UNKNOWN;
      int r = spc_status_read_listed (rootfd, procfd, de->d_name, &st, &status, &ignored);
      /* Removed by a delete while we waited for its lock. */
      if (r == 0)
        continue;
      if (r < 0)
        {
          /* Listed all the same, as unknown, for delete --force to remove;
           * why is said, and the rest are still listed. */
          spc_warn ("%s", ignored->msg);
          spc_error_free (&ignored);
          if (broken_info (&st, de->d_name) < 0)
            {
              spc_state_clear (&st);
              spc_container_list_free (list, count);
              return spc_error_errno (err, "strdup");
            }
          status = SPC_STATUS_UNKNOWN;
        }
      if (count == capacity)
        {
          size_t more = capacity ? 2 * capacity : 64;
          struct spc_container_info *grown = realloc (list, more * sizeof *list);
          if (grown == NULL)
            {
              spc_state_clear (&st);
              spc_container_list_free (list, count);
              return spc_error_errno (err, "realloc");
            }
          list = grown;
          capacity = more;
        }
      list[count].state = st;
      list[count].status = status;
      count++;
    }
  if (count > 1)
    qsort (list, count, sizeof *list, compare_info);
  *out = list;
  *n = count;
  return 0;
}
