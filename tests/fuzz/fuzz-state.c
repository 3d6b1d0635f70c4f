/* libFuzzer entry point: any byte string through the state.json loader
 * must either load or fail cleanly, without crashing or leaking. What it
 * loads is what delete kills and removes: a state file is read by every
 * command, damaged ones included (delete --force of a broken container). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "spacer/error.h"
#include "spacer/log.h"
#include "spacer/status.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static bool quiet;
  if (!quiet)
    quiet = spc_log_init ("/dev/null", SPC_LOG_FORMAT_TEXT, false) == 0;

  /* The whole file, as every command reads it, and what list reads of
   * it (the same parser, building less). */
  for (int listed = 0; listed < 2; listed++)
    {
      struct spc_state st = { 0 };
      spc_err_t err = NULL;
      int r = listed ? spc_state_parse_listed ((const char *) data, size, "c1", &st, &err)
                     : spc_state_parse ((const char *) data, size, "c1", &st, &err);
      if (r == 0)
        {
          /* What list and state then print of it. */
          char *json = spc_state_to_runtime_json (&st, SPC_STATUS_STOPPED);
          free (json);
        }
      spc_state_clear (&st);
      spc_error_free (&err);
    }
  return 0;
}
