/* The unit tests' whole framework: each case is a bool function, CHECK*
 * fail it with the place and the values, RUN prints TAP-like
 * "ok N - name" lines, and unit_summary closes with "N passed, M failed"
 * and the exit status. */
#ifndef SPACER_UNIT_H
#define SPACER_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

#endif
