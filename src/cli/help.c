/* Help and usage, made from the command table (commands.c) alone. */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Every command takes it (spc_cli_getopt); the table need not say so. */
static const struct spc_cli_flag help_flag = { 'h', "help", NULL, "print this help" };

void
spc_cli_synopsis (const struct spc_cli_command *c, char *buf, size_t size)
{
  bool options = c->flags[0].long_name != NULL;
  snprintf (buf, size, "spacer %s%s%s%s", c->name, options ? " [options]" : "",
            c->operands[0] ? " " : "", c->operands);
}

/* "-b, --bundle DIR" or "    --pid-file FILE". */
static void
flag_label (const struct spc_cli_flag *f, char *buf, size_t size)
{
  char short_part[8] = "    ";
  if (f->short_name)
    snprintf (short_part, sizeof short_part, "-%c, ", f->short_name);
  snprintf (buf, size, "%s--%s%s%s", short_part, f->long_name, f->value ? " " : "",
            f->value ? f->value : "");
}

/* One line per flag, the texts in a column; `last` (may be NULL) after
 * the table's flags. */
static void
print_flags (FILE *out, const struct spc_cli_flag *flags, const struct spc_cli_flag *last)
{
  const struct spc_cli_flag *all[64];
  size_t n = 0;
  for (; flags->long_name && n < sizeof all / sizeof *all - 1; flags++)
    all[n++] = flags;
  if (last)
    all[n++] = last;
  char label[128];
  int width = 0;
  for (size_t i = 0; i < n; i++)
    {
      flag_label (all[i], label, sizeof label);
      width = (int) strlen (label) > width ? (int) strlen (label) : width;
    }
  for (size_t i = 0; i < n; i++)
    {
      flag_label (all[i], label, sizeof label);
      fprintf (out, "  %-*s  %s\n", width, label, all[i]->text);
    }
}

void
spc_cli_print_usage (FILE *out)
{
  fprintf (out, "Usage: spacer [global options] COMMAND [options] [arguments]\n\n"
                "An OCI container runtime with runc's command line.\n\nCommands:\n");
  for (const struct spc_cli_command *c = spc_cli_commands; c->name; c++)
    fprintf (out, "  %-8s %s\n", c->name, c->summary);
  fprintf (out, "\nGlobal options:\n");
  print_flags (out, spc_cli_global_flags, NULL);
  fprintf (out, "\n`spacer help COMMAND` or `spacer COMMAND --help` shows a command's options.\n");
}

void
spc_cli_print_help (FILE *out, const struct spc_cli_command *c)
{
  char synopsis[256];
  spc_cli_synopsis (c, synopsis, sizeof synopsis);
  fprintf (out, "Usage: %s\n\n%c%s.\n", synopsis, toupper ((unsigned char) c->summary[0]),
           c->summary + 1);
  if (c->details)
    fprintf (out, "%s\n", c->details);
  fprintf (out, "\nOptions:\n");
  print_flags (out, c->flags, &help_flag);
}

int
spc_cmd_help (struct spc_global *g, int argc, char **argv, spc_err_t *err)
{
  if (spc_cli_getopt (argc, argv, "", (struct option[]){ { 0 } }, "help", err) != -1
      || argc - optind > 1)
    return spc_cli_usage_error (err, "help");
  if (optind == argc)
    {
      spc_cli_print_usage (stdout);
      return EXIT_SUCCESS;
    }
  const struct spc_cli_command *c = spc_cli_find_command (argv[optind]);
  if (c == NULL)
    return spc_error_make (err, 0, "help: unknown command `%s` (see spacer help)", argv[optind]);
  spc_cli_print_help (stdout, c);
  (void) g;
  return EXIT_SUCCESS;
}
