/* /dev inside the container: the default nodes every program expects
 * (null, zero, full, random, urandom, tty), the stdio and fd links, ptmx, and
 * linux.devices from the config. */
#ifndef SPACER_DEVICES_H
#define SPACER_DEVICES_H

#include "spacer/config.h"
#include "spacer/error.h"

int spc_devices_setup (const struct spc_config *c, int rootfd, spc_err_t *err);

#endif
