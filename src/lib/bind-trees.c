#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "spacer/bind-trees.h"
#include "spacer/idmap.h"
#include "spacer/namespaces.h"

void
spc_bind_trees_release (int *trees, size_t n)
{
  if (trees == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    if (trees[i] >= 0)
      close (trees[i]);
  free (trees);
}

/* A plain bind's tree, or -1 when the runtime may not clone mounts (a
 * rootless runtime): the init then clones the source itself. */
static int
plain_tree (const struct spc_mount *m, spc_err_t *err)
{
  int tree = open_tree (AT_FDCWD, m->source,
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0));
  if (tree >= 0 || errno == EPERM)
    return tree;
  return spc_error_errno (err, "bind mount `%s`", m->source);
}

static bool
wanted (const struct spc_config *c, const struct spc_mount *m, bool userns)
{
  return m->idmap || (userns && (m->flags & MS_BIND) && m->source);
}

int
spc_bind_trees_prepare (const struct spc_config *c, int **out, spc_err_t *err)
{
  *out = NULL;
  bool userns = spc_namespaces_creates (c, SPC_NS_USER);
  size_t n = 0;
  for (size_t i = 0; i < c->n_mounts; i++)
    n += wanted (c, &c->mounts[i], userns);
  if (n == 0)
    return 0;
  int *trees = malloc (c->n_mounts * sizeof *trees);
  if (trees == NULL)
    return spc_error_errno (err, "malloc");
  for (size_t i = 0; i < c->n_mounts; i++)
    trees[i] = -1;
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct spc_mount *m = &c->mounts[i];
      if (!wanted (c, m, userns))
        continue;
      trees[i] = m->idmap ? spc_idmap_tree (c, m, err) : plain_tree (m, err);
      if (trees[i] < 0 && *err)
        {
          spc_bind_trees_release (trees, c->n_mounts);
          return spc_error_prefix (err, "mounts[%zu]", i);
        }
    }
  *out = trees;
  return 0;
}
