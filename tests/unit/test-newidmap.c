/* Unit tests for newidmap.c: how a map reaches newuidmap/newgidmap and how
 * their failures are told. The helpers are shell scripts of the test's own
 * in a directory of its own, which is all of PATH: no real helper runs and
 * no process gets a map. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/error.h"
#include "spacer/newidmap.h"
#include "unit.h"

static char tmpdir[] = "/tmp/spacer-test-newidmap.XXXXXX";

static const struct spc_id_mapping two[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };

/* The helper TOOL on PATH: a script running `body`, of the given mode. */
static bool
fake_helper (const char *tool, const char *body, mode_t mode)
{
  char path[128];
  snprintf (path, sizeof path, "%s/%s", tmpdir, tool);
  FILE *f = fopen (path, "w");
  if (f == NULL)
    return false;
  fprintf (f, "#!/bin/sh\n%s\n", body);
  return fclose (f) == 0 && chmod (path, mode) == 0;
}

static void
remove_helpers (void)
{
  const char *made[] = { "newuidmap", "newgidmap", "args" };
  for (size_t i = 0; i < sizeof made / sizeof *made; i++)
    {
      char path[128];
      snprintf (path, sizeof path, "%s/%s", tmpdir, made[i]);
      unlink (path);
    }
}

static char *
read_args_file (void)
{
  char path[128];
  snprintf (path, sizeof path, "%s/args", tmpdir);
  FILE *f = fopen (path, "r");
  if (f == NULL)
    return NULL;
  char *text = calloc (1, 4096);
  if (text && fread (text, 1, 4095, f) == 0)
    text[0] = '\0';
  fclose (f);
  return text;
}

/* ---- the command line ---- */

static bool
pid_and_triples_are_the_arguments (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  CHECK (fake_helper ("newuidmap", "echo \"$0|$*\" >\"${0%/*}/args\"", 0755));
  CHECK (spc_newidmap_write ("newuidmap", 4242, two, 2, &err) == 0);
  _cleanup_free_ char *args = read_args_file ();
  char want[256];
  snprintf (want, sizeof want, "%s/newuidmap|4242 0 1000 1 1 100000 65536\n", tmpdir);
  CHECK_STR (args, want);
  return true;
}

static bool
many_ranges_are_all_passed (void)
{
  /* 340 is the kernel's limit of lines in a map. */
  struct spc_id_mapping m[340];
  for (uint32_t i = 0; i < 340; i++)
    m[i] = (struct spc_id_mapping){ i * 10, 4294967200u - i * 10 - 10, 10 };
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  CHECK (fake_helper ("newgidmap", "echo $# >\"${0%/*}/args\"", 0755));
  CHECK (spc_newidmap_write ("newgidmap", 1, m, 340, &err) == 0);
  _cleanup_free_ char *args = read_args_file ();
  CHECK_STR (args, "1021\n");
  return true;
}

static bool
the_helper_gets_no_environment (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  setenv ("SPACER_TEST_SECRET", "x", 1);
  CHECK (fake_helper ("newuidmap", "echo \"[${SPACER_TEST_SECRET-unset}]\" >\"${0%/*}/args\"", 0755));
  int r = spc_newidmap_write ("newuidmap", 1, two, 2, &err);
  unsetenv ("SPACER_TEST_SECRET");
  CHECK (r == 0);
  _cleanup_free_ char *args = read_args_file ();
  CHECK_STR (args, "[unset]\n");
  return true;
}

/* ---- failures ---- */

static bool
a_refusal_names_the_command_status_and_words (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  CHECK (fake_helper ("newgidmap", "echo first >&2; echo 'second line'; exit 3", 0755));
  CHECK (spc_newidmap_write ("newgidmap", 77, two, 2, &err) < 0);
  CHECK_STR (err->msg, "`newgidmap 77 0 1000 1 1 100000 65536` exited with status 3: "
                       "first;second line (the user's ranges are in /etc/subgid)");
  CHECK (spc_error_is (&err, EPERM));
  return true;
}

static bool
a_helper_killed_by_a_signal_says_so (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  CHECK (fake_helper ("newuidmap", "kill -9 $$", 0755));
  CHECK (spc_newidmap_write ("newuidmap", 1, two, 1, &err) < 0);
  CHECK_CONTAINS (err->msg, "`newuidmap 1 0 1000 1` killed by signal 9");
  return true;
}

static bool
a_chatty_helper_is_read_to_its_end_and_cut_short (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  /* 1 MB, far beyond a pipe's buffer: unread, it would block forever. */
  CHECK (fake_helper ("newuidmap", "head -c 1048576 /dev/zero | tr '\\0' x; exit 1", 0755));
  CHECK (spc_newidmap_write ("newuidmap", 1, two, 2, &err) < 0);
  CHECK (strlen (err->msg) < 1024);
  CHECK_CONTAINS (err->msg, "exited with status 1: xxxx");
  return true;
}

static bool
a_missing_helper_is_named (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  CHECK (spc_newidmap_find ("newuidmap") == NULL);
  CHECK (spc_newidmap_write ("newuidmap", 9, two, 2, &err) < 0);
  CHECK_CONTAINS (err->msg, "`newuidmap 9 0 1000 1 1 100000 65536`: newuidmap is not on PATH");
  CHECK (spc_error_is (&err, ENOENT));
  return true;
}

static bool
a_helper_that_is_not_executable_is_not_run (void)
{
  _cleanup_error_ spc_err_t err = NULL;
  remove_helpers ();
  CHECK (fake_helper ("newuidmap", "echo ran >\"${0%/*}/args\"", 0644));
  CHECK (spc_newidmap_find ("newuidmap") == NULL);
  CHECK (spc_newidmap_write ("newuidmap", 9, two, 2, &err) < 0);
  CHECK_CONTAINS (err->msg, "find newuidmap on PATH");
  CHECK (spc_error_is (&err, EACCES));
  _cleanup_free_ char *args = read_args_file ();
  CHECK (args == NULL);
  return true;
}

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL || setenv ("PATH", tmpdir, 1) < 0)
    return 1;
  RUN (pid_and_triples_are_the_arguments);
  RUN (many_ranges_are_all_passed);
  RUN (the_helper_gets_no_environment);
  RUN (a_refusal_names_the_command_status_and_words);
  RUN (a_helper_killed_by_a_signal_says_so);
  RUN (a_chatty_helper_is_read_to_its_end_and_cut_short);
  RUN (a_missing_helper_is_named);
  RUN (a_helper_that_is_not_executable_is_not_run);
  remove_helpers ();
  rmdir (tmpdir);
  return unit_summary ();
}
