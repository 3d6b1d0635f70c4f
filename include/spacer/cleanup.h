/* Scope-bound cleanup helpers, in the style of systemd and bubblewrap: a
 * variable declared with one of these is released on every return path, so
 * early error returns never leak. Transfer ownership with steal_pointer(). */
#ifndef SPACER_CLEANUP_H
#define SPACER_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void spc_freep (void *p) { free (*(void **) p); }
static inline void spc_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}
static inline void spc_fclosep (FILE **f) { if (*f) fclose (*f); }
static inline void spc_closedirp (DIR **d) { if (*d) closedir (*d); }
static inline void spc_strvfreep (char ***v)
{
  if (*v)
    {
      for (char **i = *v; *i; i++)
        free (*i);
      free (*v);
    }
}

#define _cleanup_free_ __attribute__ ((cleanup (spc_freep)))
#define _cleanup_close_ __attribute__ ((cleanup (spc_closep)))
#define _cleanup_fclose_ __attribute__ ((cleanup (spc_fclosep)))
#define _cleanup_closedir_ __attribute__ ((cleanup (spc_closedirp)))
#define _cleanup_strv_ __attribute__ ((cleanup (spc_strvfreep)))

static inline void *spc_steal_pointer (void *pp)
{
  void **p = pp;
  void *r = *p;
  *p = NULL;
  return r;
}
#define steal_pointer(pp) ((__typeof__ (*(pp))) spc_steal_pointer (pp))

static inline int spc_steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#endif
