/* The command line: runc's command names and flags, one file per command.
 * Commands parse their own flags and call into libspacer; nothing here knows
 * how containers are made. */
#ifndef SPACER_CLI_H
#define SPACER_CLI_H

#include <stdbool.h>

#include "spacer/container.h"
#include "spacer/error.h"

struct spc_global
{
  const char *root;
  const char *log;
  const char *log_format;
  bool debug;
  bool systemd_cgroup;
  enum spc_rootless rootless;
  char **argv; /* spacer's own, for a re-exec */
};

/* A command returns its exit status, or < 0 with *err set (exit 1). */
typedef int (*spc_command_fn) (struct spc_global *g, int argc, char **argv, spc_err_t *err);

int spc_cmd_create (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_start (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_state (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_kill (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_delete (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_run (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_list (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_spec (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_unpack (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_pause (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_resume (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_ps (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_update (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_events (struct spc_global *g, int argc, char **argv, spc_err_t *err);

/* Shared helpers for the commands. */
struct option;
/* getopt_long_only() that turns an unknown option or a missing value into
 * a one-line error in *err and returns '?' for it. cmd NULL: global options. */
int spc_cli_getopt (int argc, char **argv, const char *optstring, const struct option *opts,
                    const char *cmd, const char *usage, spc_err_t *err);
int spc_cli_usage_error (spc_err_t *err, const char *cmd, const char *usage);
/* The single positional container ID left after option parsing. */
int spc_cli_take_id (int argc, char **argv, const char *cmd, const char *usage, const char **id,
                     spc_err_t *err);
struct spc_create_options;
/* The flags create and run share (run alone takes --detach). */
int spc_cli_parse_create_flags (int argc, char **argv, const char *cmd,
                                struct spc_create_options *o, bool allow_detach, spc_err_t *err);
/* "KILL", "SIGKILL", "kill", "9", "RTMIN+3" -> signal number. */
int spc_parse_signal (const char *text, spc_err_t *err);

#endif
