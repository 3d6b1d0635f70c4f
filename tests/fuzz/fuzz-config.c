/* libFuzzer entry point: any byte string through the config loader must
 * either load or fail cleanly, without crashing or leaking. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "spacer/config.h"
#include "spacer/error.h"
#include "spacer/log.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static bool quiet;
  /* Warnings (unknown capabilities, odd versions) would flood the fuzzer's
   * output; send them to /dev/null once. */
  if (!quiet)
    quiet = spc_log_init ("/dev/null", SPC_LOG_FORMAT_TEXT, false) == 0;

  struct spc_config *c = NULL;
  spc_err_t err = NULL;
  if (spc_config_load_buffer ((const char *) data, size, "config.json", &c, &err) == 0)
    spc_config_free (c);
  spc_error_free (&err);
  return 0;
}
