/* Unit tests for spacer validate's pieces: where JSON values start
 * (json.c offsets), the suggestion for a mistyped name, the loader's collect
 * mode and the schema's known keys. JSON literals use single quotes, made
 * double by unit_dequote(). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/json.h"
#include "spacer/spec.h"
#include "spacer/validate.h"
#include "unit.h"

/* ---- json offsets ------------------------------------------------------- */

static bool
text_at (const char *doc, const spc_json *v, const char *expected)
{
  return strncmp (doc + v->offset, expected, strlen (expected)) == 0;
}

static bool
json_values_know_where_they_start (void)
{
  _cleanup_free_ char *doc = unit_dequote ("{'a': 1,\n  'b' :\t[true, null, -2.5e3, 'x\\'y'],\n"
                                           "'c':{'d':false}, 'e': '' }");
  _cleanup_json_ spc_json *v = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse (doc, strlen (doc), &v, &err) == 0);
  CHECK (v->offset == 0);
  CHECK (text_at (doc, spc_json_get (v, "a"), "1,"));
  const spc_json *b = spc_json_get (v, "b");
  CHECK (text_at (doc, b, "[true"));
  CHECK (text_at (doc, b->u.array.items[0], "true,"));
  CHECK (text_at (doc, b->u.array.items[1], "null,"));
  CHECK (text_at (doc, b->u.array.items[2], "-2.5e3,"));
  CHECK (text_at (doc, b->u.array.items[3], "\"x\\\"y\""));
  CHECK (text_at (doc, spc_json_get (v, "c"), "{\"d\""));
  CHECK (text_at (doc, spc_json_get (spc_json_get (v, "c"), "d"), "false}"));
  CHECK (text_at (doc, spc_json_get (v, "e"), "\"\" }"));
  size_t line, column;
  spc_json_line_column (doc, strlen (doc), b->u.array.items[2]->offset, &line, &column);
  CHECK (line == 2 && column == 22);
  return true;
}

static bool
json_key_offsets (void)
{
  _cleanup_free_ char *doc = unit_dequote ("{ 'plain':1, 'esc\\\\\\'aped' \n :\n 2, 'a\\\\': [] }");
  _cleanup_json_ spc_json *v = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse (doc, strlen (doc), &v, &err) == 0);
  size_t len = strlen (doc);
  CHECK (text_at (doc, &(spc_json){ .offset = (uint32_t) spc_json_key_offset (
                                       doc, len, spc_json_get (v, "plain")->offset) },
                  "\"plain\""));
  CHECK (text_at (doc, &(spc_json){ .offset = (uint32_t) spc_json_key_offset (
                                       doc, len, spc_json_get (v, "esc\\\"aped")->offset) },
                  "\"esc\\\\\\\"aped\""));
  /* A key ending in a backslash: its closing quote is not escaped. */
  CHECK (text_at (doc, &(spc_json){ .offset = (uint32_t) spc_json_key_offset (
                                       doc, len, spc_json_get (v, "a\\")->offset) },
                  "\"a\\\\\""));
  /* Not a member's value: the offset comes back unchanged. */
  CHECK (spc_json_key_offset (doc, len, 0) == 0);
  return true;
}

/* ---- suggestions -------------------------------------------------------- */

static bool
suggest_finds_typos (void)
{
  static const char *const keys[]
      = { "ociVersion", "root", "process", "hostname", "domainname", "mounts", "linux", NULL };
  CHECK_STR (spc_suggest ("hostnmae", keys), "hostname");   /* swapped neighbours */
  CHECK_STR (spc_suggest ("hostame", keys), "hostname");    /* one missing */
  CHECK_STR (spc_suggest ("HostName", keys), "hostname");   /* case */
  CHECK_STR (spc_suggest ("ociversion", keys), "ociVersion");
  CHECK_STR (spc_suggest ("mount", keys), "mounts");
  CHECK_STR (spc_suggest ("lnux", keys), "linux");
  CHECK_STR (spc_suggest ("windows", keys), NULL);          /* another word */
  CHECK_STR (spc_suggest ("x", keys), NULL);
  CHECK_STR (spc_suggest ("", keys), NULL);
  char long_word[200];
  memset (long_word, 'a', sizeof long_word - 1);
  long_word[sizeof long_word - 1] = '\0';
  CHECK_STR (spc_suggest (long_word, keys), NULL);
  return true;
}

/* ---- collect mode ------------------------------------------------------- */

/* Validates tmpl (single-quoted) and renders the diagnostics as lines
 * "L:C severity path: message". */
static char *
validate_text (const char *tmpl)
{
  _cleanup_free_ char *doc = unit_dequote (tmpl);
  struct spc_diags d = { 0 };
  _cleanup_error_ spc_err_t err = NULL;
  const struct spc_validate_options o = { .display_name = "config.json", .rootfs_dirfd = -1 };
  if (spc_validate_buffer (doc, strlen (doc), &o, &d, &err) < 0)
    return strdup ("(system error)");
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  for (size_t i = 0; i < d.len; i++)
    fprintf (f, "%zu:%zu %s %s: %s\n", d.items[i].line, d.items[i].column,
             d.items[i].severity == SPC_DIAG_ERROR ? "error" : "warning", d.items[i].path,
             d.items[i].message);
  fclose (f);
  spc_diags_free (&d);
  return text;
}

static bool
collect_reports_every_error_in_file_order (void)
{
  _cleanup_free_ char *text = validate_text (
      "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs', 'readonly': 'yes'},\n"
      " 'process': {'args': [], 'cwd': 'relative', 'user': {'uid': -1},\n"
      "   'rlimits': [{'type': 'RLIMIT_NOPE', 'soft': 1, 'hard': 1}, {'type': 'RLIMIT_CORE'}],\n"
      "   'capabilities': {'bounding': ['CAP_KILL', 'CAP_NOPE', 7]}},\n"
      " 'hostnmae': 'x',\n"
      " 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'pidd'}, {'type': 'mount', 'path': 'x'}],\n"
      "   'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 0}],\n"
      "   'resources': {'memory': {'limit': 'big'}, 'pids': {'limit': 1.5}},\n"
      "   'seccomp': {'defaultAction': 'SCMP_ACT_NOPE', 'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 9, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]}}}");
  CHECK_STR (text,
             "1:64 error root.readonly: must be a boolean\n"
             "2:22 error process.args: must be a non-empty array\n"
             "2:33 error process.cwd: must be an absolute path\n"
             "2:61 error process.user.uid: out of range\n"
             "3:25 error process.rlimits[0].type: unknown rlimit \"RLIMIT_NOPE\"\n"
             "3:63 error process.rlimits[1].soft: required\n"
             "3:63 error process.rlimits[1].hard: required\n"
             "4:46 error process.capabilities.bounding[1]: unknown capability \"CAP_NOPE\"\n"
             "4:58 error process.capabilities.bounding[2]: must be a string\n"
             "6:53 error linux.namespaces[1].type: unknown namespace \"pidd\"\n"
             "6:88 error linux.namespaces[2].path: must be an absolute path\n"
             "7:63 error linux.uidMappings[0].size: must be greater than 0\n"
             "8:38 error linux.resources.memory.limit: must be an integer\n"
             "8:64 error linux.resources.pids.limit: must be an integer\n"
             "9:33 error linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"\n"
             "9:130 error linux.seccomp.syscalls[0].args[0].index: out of range\n"
             "5:2 warning hostnmae: unknown field; did you mean \"hostname\"?\n");
  return true;
}

/* The loader's own verdict is unchanged: the first of those errors. */
static bool
default_mode_stops_at_the_first_error (void)
{
  _cleanup_free_ char *doc = unit_dequote (
      "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs', 'readonly': 'yes'},"
      " 'process': {'args': [], 'cwd': 'relative'}}");
  struct spc_config *c = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_config_load_buffer (doc, strlen (doc), "config.json", &c, &err) < 0);
  CHECK_STR (err->msg, "config.json: root.readonly: must be a boolean");
  return true;
}

static bool
syntax_errors_have_a_place (void)
{
  _cleanup_free_ char *text = validate_text ("{'ociVersion': '1.2.0',\n  'root': }");
  CHECK_STR (text, "2:11 error : parse error: unallowed token at this point in JSON text\n");
  return true;
}

/* ---- known keys --------------------------------------------------------- */

/* Every member the loader reads, each once. Nothing may be unknown to the
 * schema: validate would call a key create uses a typo. */
static const char maximal[]
    = "{'ociVersion': '1.2.0',"
      " 'root': {'path': 'rootfs', 'readonly': true},"
      " 'process': {'terminal': false, 'consoleSize': {'height': 24, 'width': 80},"
      "   'user': {'uid': 1, 'gid': 1, 'umask': 18, 'additionalGids': [2], 'username': 'u'},"
      "   'args': ['sh'], 'env': ['A=b'], 'cwd': '/',"
      "   'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 2}],"
      "   'noNewPrivileges': true, 'oomScoreAdj': 0,"
      "   'capabilities': {'bounding': ['CAP_KILL'], 'effective': ['CAP_KILL'],"
      "     'inheritable': [], 'permitted': ['CAP_KILL'], 'ambient': []},"
      "   'apparmorProfile': 'p', 'selinuxLabel': 'l',"
      "   'scheduler': {'policy': 'SCHED_OTHER', 'nice': 0, 'priority': 0,"
      "     'flags': ['SCHED_FLAG_RESET_ON_FORK'], 'runtime': 1, 'deadline': 1, 'period': 1},"
      "   'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 4}},"
      " 'hostname': 'h', 'domainname': 'd',"
      " 'mounts': [{'destination': '/m', 'type': 'bind', 'source': '/s', 'options': ['rbind'],"
      "   'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
      "   'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}],"
      " 'hooks': {'prestart': [{'path': '/h', 'args': ['h'], 'env': ['A=b'], 'timeout': 1}],"
      "   'createRuntime': [], 'createContainer': [], 'startContainer': [], 'poststart': [],"
      "   'poststop': []},"
      " 'annotations': {'any.key': 'v'},"
      " 'linux': {'namespaces': [{'type': 'user'}, {'type': 'uts'}, {'type': 'time'},"
      "     {'type': 'network', 'path': '/proc/1/ns/net'}],"
      "   'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
      "   'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
      "   'timeOffsets': {'monotonic': {'secs': 1, 'nanosecs': 2}, 'boottime': {'secs': 1}},"
      "   'devices': [{'path': '/dev/x', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 438,"
      "     'uid': 0, 'gid': 0}],"
      "   'cgroupsPath': '/c',"
      "   'resources': {'devices': [{'allow': false, 'type': 'a', 'major': 1, 'minor': 1,"
      "       'access': 'rwm'}],"
      "     'memory': {'limit': 1, 'reservation': 1, 'swap': 1, 'kernel': 1, 'kernelTCP': 1,"
      "       'swappiness': 1, 'disableOOMKiller': false, 'useHierarchy': true,"
      "       'checkBeforeUpdate': false},"
      "     'cpu': {'shares': 1, 'quota': 1, 'burst': 1, 'period': 1, 'realtimeRuntime': 1,"
      "       'realtimePeriod': 1, 'cpus': '0', 'mems': '0', 'idle': 0},"
      "     'pids': {'limit': 1},"
      "     'blockIO': {'weight': 10, 'leafWeight': 10,"
      "       'weightDevice': [{'major': 8, 'minor': 0, 'weight': 10, 'leafWeight': 10}],"
      "       'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1}],"
      "       'throttleWriteBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1}],"
      "       'throttleReadIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 1}],"
      "       'throttleWriteIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 1}]},"
      "     'hugepageLimits': [{'pageSize': '2MB', 'limit': 1}],"
      "     'network': {'classID': 1, 'priorities': [{'name': 'eth0', 'priority': 1}]},"
      "     'unified': {'memory.high': '1'}},"
      "   'rootfsPropagation': 'rslave',"
      "   'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1,"
      "     'architectures': ['SCMP_ARCH_X86_64'], 'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
      "     'listenerPath': '/l', 'listenerMetadata': 'm',"
      "     'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_NOTIFY', 'errnoRet': 1,"
      "       'args': [{'index': 0, 'value': 1, 'valueTwo': 2, 'op': 'SCMP_CMP_EQ'}]}]},"
      "   'sysctl': {'net.ipv4.ip_forward': '1'},"
      "   'maskedPaths': ['/proc/kcore'], 'readonlyPaths': ['/proc/sys'],"
      "   'mountLabel': 'l', 'personality': {'domain': 'LINUX', 'flags': []}}}";

static bool
maximal_config_is_clean (void)
{
  /* It must load, or the test would prove nothing about keys create uses. */
  _cleanup_free_ char *doc = unit_dequote (maximal);
  struct spc_config *c = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_config_load_buffer (doc, strlen (doc), "config.json", &c, &err) == 0);
  spc_config_free (c);
  _cleanup_free_ char *text = validate_text (maximal);
  CHECK_STR (text, "");
  return true;
}

static bool
default_spec_is_clean (void)
{
  for (int rootless = 0; rootless <= 1; rootless++)
    {
      _cleanup_free_ char *spec = spc_spec_generate (
          &(struct spc_spec_opts){ .rootless = rootless, .host_uid = 1000, .host_gid = 1000 });
      CHECK (spec != NULL);
      struct spc_diags d = { 0 };
      _cleanup_error_ spc_err_t err = NULL;
      const struct spc_validate_options o = { .display_name = "config.json", .rootfs_dirfd = -1 };
      CHECK (spc_validate_buffer (spec, strlen (spec), &o, &d, &err) == 0);
      size_t n = d.len;
      for (size_t i = 0; i < d.len; i++)
        printf ("#   %s: %s\n", d.items[i].path, d.items[i].message);
      spc_diags_free (&d);
      CHECK (n == 0);
    }
  return true;
}

int
main (void)
{
  RUN (json_values_know_where_they_start);
  RUN (json_key_offsets);
  RUN (suggest_finds_typos);
  RUN (collect_reports_every_error_in_file_order);
  RUN (default_mode_stops_at_the_first_error);
  RUN (syntax_errors_have_a_place);
  RUN (maximal_config_is_clean);
  RUN (default_spec_is_clean);
  return unit_summary ();
}
