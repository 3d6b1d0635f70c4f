/* The unit tests' whole framework: each case is a bool function, CHECK*
 * fail it with the place and the values, RUN prints TAP-like
 * "ok N - name" lines, and unit_summary closes with "N passed, M failed"
 * and the exit status. */
#ifndef SPACER_UNIT_H
#define SPACER_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(cond)                                                                           \
  do                                                                                          \
    {                                                                                         \
      if (!(cond))                                                                            \
        {                                                                                     \
          fprintf (stdout, "#   %s:%d: failed: %s\n", __FILE__, __LINE__, #cond);              \
          return false;                                                                       \
        }                                                                                     \
    }                                                                                         \
  while (0)

#define CHECK_STR(actual, expected)                                                           \
  do                                                                                          \
    {                                                                                         \
      const char *a_ = (actual), *e_ = (expected);                                            \
      if (a_ == NULL || e_ == NULL ? a_ != e_ : strcmp (a_, e_) != 0)                         \
        {                                                                                     \
          fprintf (stdout, "#   %s:%d: %s\n#     got:      %s\n#     expected: %s\n",          \
                   __FILE__, __LINE__, #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");       \
          return false;                                                                       \
        }                                                                                     \
    }                                                                                         \
  while (0)

#define CHECK_CONTAINS(text, part)                                                            \
  do                                                                                          \
    {                                                                                         \
      const char *t_ = (text), *p_ = (part);                                                  \
      if (t_ == NULL || strstr (t_, p_) == NULL)                                              \
        {                                                                                     \
          fprintf (stdout, "#   %s:%d: %s\n#     got:      %s\n#     to contain: %s\n",       \
                   __FILE__, __LINE__, #text, t_ ? t_ : "(null)", p_);                        \
          return false;                                                                       \
        }                                                                                     \
    }                                                                                         \
  while (0)

static int tests_passed, tests_failed, tests_skipped;

static inline void
report (const char *name, bool ok)
{
  printf ("%s %d - %s\n", ok ? "ok" : "not ok", tests_passed + tests_failed + tests_skipped + 1,
          name);
  if (ok)
    tests_passed++;
  else
    tests_failed++;
}

/* A skipped case is "ok ... # skip", as TAP has it. */
static inline void
report_skip (const char *name, const char *why)
{
  printf ("ok %d - %s # skip %s\n", tests_passed + tests_failed + tests_skipped + 1, name, why);
  tests_skipped++;
}

#define RUN(fn) report (#fn, fn ())

static inline int
unit_summary (void)
{
  if (tests_skipped)
    printf ("# %d skipped\n", tests_skipped);
  printf ("%d passed, %d failed\n", tests_passed, tests_failed);
  return tests_failed ? 1 : 0;
}

/* JSON written with single quotes, to keep C literals readable, with the
 * quotes made double (caller frees). */
static inline char *
unit_dequote (const char *tmpl)
{
  char *s = strdup (tmpl);
  if (s == NULL)
    abort ();
  for (char *c = s; *c; c++)
    if (*c == '\'')
      *c = '"';
  return s;
}

/* Runs fn with stderr redirected into a memfd and returns what was written
 * there (spc_warn output; caller frees). */
static inline char *
unit_capture_stderr (void (*fn) (void *), void *arg)
{
  int mem = memfd_create ("stderr", 0);
  int saved = dup (STDERR_FILENO);
  if (mem < 0 || saved < 0)
    abort ();
  fflush (stderr);
  dup2 (mem, STDERR_FILENO);
  fn (arg);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  off_t size = lseek (mem, 0, SEEK_END);
  char *text = calloc (1, (size_t) size + 1);
  if (text == NULL || pread (mem, text, (size_t) size, 0) != size)
    abort ();
  close (mem);
  return text;
}

#endif
