#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
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
spc_cli_getopt (int argc, char **argv, const char *optstring, const struct option *opts,
                const char *cmd, const char *usage, spc_err_t *err)
{
  /* A leading ':' (after any '+') makes getopt report a missing value
   * apart from an unknown option, and opterr = 0 keeps getopt's own
   * two-line complaint off stderr: the error is ours, on one line. */
  char colon_first[32];
  bool plus = optstring[0] == '+';
  snprintf (colon_first, sizeof colon_first, "%s:%s", plus ? "+" : "", optstring + plus);
  opterr = 0;
  int c = getopt_long_only (argc, argv, colon_first, opts, NULL);
  if (c != '?' && c != ':')
    return c;

  char shortopt[3] = { '-', (char) optopt, '\0' };
  const char *bad = optopt && !(optind > 0 && strncmp (argv[optind - 1], "--", 2) == 0)
                        ? shortopt
                        : argv[optind - 1];
  const char *what = c == ':' ? "needs a value" : "is unknown";
  if (cmd == NULL)
    spc_error_make (err, 0, "option `%s` %s (see spacer --help)", bad, what);
  else
    spc_error_make (err, 0, "%s: option `%s` %s (usage: spacer %s %s)", cmd, bad, what, cmd,
                    usage);
  return '?';
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
