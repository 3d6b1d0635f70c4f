#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int
spc_cli_usage_error (spc_err_t *err, const char *cmd, const char *usage)
{
  return spc_error_make (err, 0, "%s: usage: spacer %s %s", cmd, cmd, usage);
}

int
spc_cli_take_id (int argc, char **argv, const char *cmd, const char *usage, const char **id,
                 spc_err_t *err)
{
  if (optind != argc - 1)
    return spc_cli_usage_error (err, cmd, usage);
  *id = argv[optind];
  return 0;
}

static const struct
{
  const char *name;
  int number;
} signal_names[] = {
  { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
  { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
  { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
  { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH }, { "IO", SIGIO },         { "POLL", SIGPOLL },   { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

static int
parse_number (const char *text, long *out)
{
  char *end;
  errno = 0;
  long v = strtol (text, &end, 10);
  if (errno || end == text || *end)
    return -1;
  *out = v;
  return 0;
}

int
spc_parse_signal (const char *text, spc_err_t *err)
{
  long n;
  if (parse_number (text, &n) == 0)
    {
      if (n <= 0 || n >= NSIG)
        return spc_error_make (err, 0, "invalid signal `%s`", text);
      return (int) n;
    }
  const char *name = strncasecmp (text, "SIG", 3) == 0 ? text + 3 : text;
  for (size_t i = 0; i < sizeof signal_names / sizeof *signal_names; i++)
    if (strcasecmp (name, signal_names[i].name) == 0)
      return signal_names[i].number;
  /* Real-time signals: RTMIN, RTMIN+N, RTMAX, RTMAX-N. */
  if (strncasecmp (name, "RTMIN", 5) == 0 || strncasecmp (name, "RTMAX", 5) == 0)
    {
      bool min = strncasecmp (name, "RTMIN", 5) == 0;
      long off = 0;
      const char *rest = name + 5;
      if (*rest && ((min && *rest != '+') || (!min && *rest != '-')
                    || parse_number (rest + 1, &off) < 0))
        return spc_error_make (err, 0, "invalid signal `%s`", text);
      long sig = min ? SIGRTMIN + off : SIGRTMAX - off;
      if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        return (int) sig;
    }
  return spc_error_make (err, 0, "invalid signal `%s`", text);
}
