/* The command line: runc's command names and flags, one file per command.
 * Commands parse their own flags and call into libspacer; nothing here knows
 * how containers are made. */
#ifndef SPACER_CLI_H
#define SPACER_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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
  const char *criu; /* runc's --criu: the criu binary (checkpoint, restore) */
};

/* A command returns its exit status, or < 0 with *err set (exit 1). */
typedef int (*spc_command_fn) (struct spc_global *g, int argc, char **argv, spc_err_t *err);

int spc_cmd_create (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_start (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_state (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_kill (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_delete (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_run (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_launch (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_exec (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_list (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_spec (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_bundle (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_unpack (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_pause (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_resume (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_ps (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_update (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_events (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_features (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_validate (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_help (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_checkpoint (struct spc_global *g, int argc, char **argv, spc_err_t *err);
int spc_cmd_restore (struct spc_global *g, int argc, char **argv, spc_err_t *err);

/* One flag of a command, as its help shows it. */
struct spc_cli_flag
{
  char short_name; /* 0: none */
  const char *long_name;
  const char *value; /* what it takes, "DIR"; NULL: nothing */
  const char *text;  /* one line */
};

/* A command: how main runs it and the one description of its flags.
 * `spacer help CMD`, `spacer CMD --help` and the usage in its error
 * messages are all made from it, so they cannot disagree. */
struct spc_cli_command
{
  const char *name;
  spc_command_fn fn;
  bool stateful;                    /* works on containers in the state directory */
  const char *summary;              /* one line, for `spacer help` */
  const char *operands;             /* after the flags in the usage: "ID", "" */
  const char *details;              /* NULL, or lines printed after the usage */
  const struct spc_cli_flag *flags; /* ends with { 0 }; --help is every command's */
};

/* Every command (commands.c), and spacer's own flags. */
extern const struct spc_cli_command spc_cli_commands[];
extern const struct spc_cli_flag spc_cli_global_flags[];
const struct spc_cli_command *spc_cli_find_command (const char *name);

/* "spacer CMD [options] OPERANDS": the usage line of help and of errors. */
void spc_cli_synopsis (const struct spc_cli_command *c, char *buf, size_t size);
/* `spacer --help`: the commands and the global flags. */
void spc_cli_print_usage (FILE *out);
/* `spacer help CMD`: the usage, details and one line per flag. */
void spc_cli_print_help (FILE *out, const struct spc_cli_command *c);

/* Shared helpers for the commands. */
struct option;
/* getopt_long_only() that turns an unknown option or a missing value into
 * a one-line error in *err and returns '?' for it. cmd NULL: global options.
 * Every command also takes -h/--help/-help, which print its help and exit. */
int spc_cli_getopt (int argc, char **argv, const char *optstring, const struct option *opts,
                    const char *cmd, spc_err_t *err);
/* "CMD: usage: spacer CMD [options] OPERANDS (see spacer help CMD)". */
int spc_cli_usage_error (spc_err_t *err, const char *cmd);
/* The single positional container ID left after option parsing. */
int spc_cli_take_id (int argc, char **argv, const char *cmd, const char **id, spc_err_t *err);
/* A command whose one argument is an ID and that has no flags of its own. */
int spc_cli_parse_id_only (int argc, char **argv, const char *cmd, const char **id,
                           spc_err_t *err);
struct spc_create_options;
/* The flags create and run share (run alone takes --detach). */
int spc_cli_parse_create_flags (int argc, char **argv, const char *cmd,
                                struct spc_create_options *o, bool allow_detach, spc_err_t *err);
/* SIGINT, SIGTERM and SIGHUP stop an extraction (spc_archive_cancel);
 * after its cleanup, reraise kills spacer with that signal. */
void spc_cli_cancel_on_signals (void);
void spc_cli_reraise_cancel (void);
int spc_cli_parse_max_size (const char *text, uint64_t *out, spc_err_t *err);
/* The progress line of an image unpack, on stderr (spc_image_progress_fn). */
struct spc_image_progress;
void spc_cli_show_progress (const struct spc_image_progress *p, void *data);

#endif
