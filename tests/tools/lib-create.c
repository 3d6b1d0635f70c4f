/* A program embedding libspacer, for tests/integration/exe.bats: it creates
 * a container through the library, as an engine linking spacer would,
 * without handing the library its argv.
 *
 *   lib-create ROOT BUNDLE ID
 *
 * The container's stdio is this program's. Exits 0 once it is created. */
#include <stdio.h>

#include "spacer/container.h"

int
main (int argc, char **argv)
{
  if (argc != 4)
    {
      fprintf (stderr, "usage: lib-create ROOT BUNDLE ID\n");
      return 2;
    }
  struct spc_create_options o = { .bundle = argv[2] };
  spc_err_t err = NULL;
  if (spc_container_create (argv[1], argv[3], &o, &err) < 0)
    {
      fprintf (stderr, "lib-create: %s\n", err->msg);
      spc_error_free (&err);
      return 1;
    }
  return 0;
}
