/* Unit tests for the JSON module, the config loader and the default spec.
 * Each case is a bool function run by tests/unit/unit.h, which prints TAP-like
 * "ok N - name" lines and a final "N passed, M failed". JSON literals are
 * written with single quotes (turned into double quotes before parsing) to
 * keep the tables readable. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spacer/cleanup.h"
#include "spacer/config.h"
#include "spacer/namespaces.h"
#include "spacer/spec.h"
#include "spacer/status.h"
#include "spacer/error.h"
#include "spacer/hooks.h"
#include "spacer/json.h"
#include "spacer/log.h"
#include "spacer/seccomp.h"
#include "spacer/utils.h"
#include "unit.h"

/* ---- helpers ------------------------------------------------------------ */

/* Loads a single-quoted template; returns the config or NULL and the error
 * text in *msg (caller frees). */
static struct spc_config *
load (const char *tmpl, char **msg)
{
  _cleanup_free_ char *json = unit_dequote (tmpl);
  _cleanup_error_ spc_err_t err = NULL;
  struct spc_config *c = NULL;
  *msg = NULL;
  if (spc_config_load_buffer (json, strlen (json), "config.json", &c, &err) < 0)
    {
      *msg = strdup (err && err->msg ? err->msg : "(no message)");
      return NULL;
    }
  return c;
}

struct load_call
{
  const char *tmpl;
  struct spc_config *config;
  char *error;
};

static void
do_load (void *arg)
{
  struct load_call *call = arg;
  call->config = load (call->tmpl, &call->error);
}

#define MINIMAL "{'ociVersion':'1.2.0','root':{'path':'rootfs'}}"

/* ---- JSON module -------------------------------------------------------- */

static bool
json_parses_tree (void)
{
  const char *text = "{\"a\":[1,-2.5e3,true,false,null,\"x\\u0000y\"],\"b\":{},\"a\":7}";
  _cleanup_json_ spc_json *v = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse (text, strlen (text), &v, &err) == 0);
  CHECK (v->type == SPC_JSON_OBJECT && v->u.object.len == 3);
  const spc_json *a = v->u.object.values[0];
  CHECK (a->type == SPC_JSON_ARRAY && a->u.array.len == 6);
  CHECK_STR (a->u.array.items[1]->u.number, "-2.5e3");
  CHECK (a->u.array.items[2]->u.boolean && !a->u.array.items[3]->u.boolean);
  CHECK (a->u.array.items[4]->type == SPC_JSON_NULL);
  CHECK (a->u.array.items[5]->u.string.len == 3 && a->u.array.items[5]->u.string.str[1] == '\0');
  /* A duplicated key resolves to its last value. */
  CHECK (spc_json_get (v, "a")->type == SPC_JSON_NUMBER);
  CHECK (spc_json_get (v, "missing") == NULL);
  CHECK_STR (spc_json_type_name (SPC_JSON_OBJECT), "object");
  return true;
}

static bool
check_parse_error (const char *text, const char *expected)
{
  _cleanup_json_ spc_json *v = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse (text, strlen (text), &v, &err) < 0);
  CHECK (v == NULL);
  CHECK_STR (err->msg, expected);
  return true;
}

static bool
json_reports_line_and_column (void)
{
  CHECK (check_parse_error ("{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7: parse error: object key and value must be separated by a colon (':')"));
  CHECK (check_parse_error ("", "line 1, column 1: parse error: premature EOF"));
  CHECK (check_parse_error ("{\"a\":", "line 1, column 6: parse error: premature EOF"));
  CHECK (check_parse_error ("{} x", "line 1, column 4: parse error: trailing garbage"));
  CHECK (check_parse_error ("[1,]", "line 1, column 4: parse error: unallowed token at this point in JSON text"));
  CHECK (check_parse_error ("\n\n  [tru]", "line 3, column 6: lexical error: invalid string in json text."));
  return true;
}

static bool
json_rejects_deep_nesting (void)
{
  char deep[600];
  memset (deep, '[', 300);
  memset (deep + 300, ']', 300);
  _cleanup_json_ spc_json *v = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse (deep, sizeof deep, &v, &err) < 0);
  CHECK_STR (err->msg, "line 1, column 257: nesting too deep");
  spc_error_free (&err);
  /* 256 levels are fine. */
  memset (deep, '[', 256);
  memset (deep + 256, ']', 256);
  CHECK (spc_json_parse (deep, 512, &v, &err) == 0);
  return true;
}

/* spc_json_parse_members builds the kept members as spc_json_parse does
 * (values and offsets alike) and nothing of the others. */
static bool
json_parse_members_builds_only_the_kept (void)
{
  const char *text = "{\"skip\":{\"a\":[1,{\"b\":\"x\\n\"},null,true]},\n"
                     " \"keep\":{\"c\":[false,\"y\\u0041\",-3]},\"skip2\":\"z\\\"\",\n"
                     " \"n\": 12 ,\"skip3\":[[],{}],\"s\":\"t\"}";
  static const char *const keep[] = { "keep", "n", "s", "absent", NULL };
  _cleanup_json_ spc_json *all = NULL, *some = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse (text, strlen (text), &all, &err) == 0);
  CHECK (spc_json_parse_members (text, strlen (text), keep, &some, &err) == 0);
  CHECK (some->type == SPC_JSON_OBJECT && some->u.object.len == 3);
  CHECK (spc_json_get (some, "skip") == NULL && spc_json_get (some, "skip2") == NULL
         && spc_json_get (some, "skip3") == NULL);
  const char *names[] = { "keep", "n", "s" };
  for (size_t i = 0; i < 3; i++)
    {
      const spc_json *a = spc_json_get (all, names[i]), *b = spc_json_get (some, names[i]);
      CHECK (a && b && a->type == b->type && a->offset == b->offset);
    }
  const spc_json *c = spc_json_get (spc_json_get (some, "keep"), "c");
  CHECK (c && c->type == SPC_JSON_ARRAY && c->u.array.len == 3);
  CHECK_STR (c->u.array.items[1]->u.string.str, "yA");
  CHECK (c->u.array.items[2]->offset == spc_json_get (spc_json_get (all, "keep"), "c")
                                            ->u.array.items[2]->offset);
  CHECK_STR (spc_json_get (some, "n")->u.number, "12");
  return true;
}

/* What is not built is still checked: the same errors, at the same place. */
static bool
json_parse_members_checks_the_skipped (void)
{
  static const char *const keep[] = { "a", NULL };
  const char *bad[] = { "{\"a\":1,\"b\":[1,]}", "{\"b\":{\"c\" 2},\"a\":1}", "{\"b\":tru}",
                        "{\"b\":[1,2", "{\"b\":1} x" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      _cleanup_json_ spc_json *v = NULL, *w = NULL;
      _cleanup_error_ spc_err_t all = NULL, some = NULL;
      CHECK (spc_json_parse (bad[i], strlen (bad[i]), &v, &all) < 0);
      CHECK (spc_json_parse_members (bad[i], strlen (bad[i]), keep, &w, &some) < 0);
      CHECK (w == NULL);
      CHECK_STR (some->msg, all->msg);
    }
  /* Nesting too deep inside a skipped member too. */
  char deep[620] = "{\"b\":";
  memset (deep + 5, '[', 300);
  memset (deep + 305, ']', 300);
  strcpy (deep + 605, "}");
  _cleanup_json_ spc_json *v = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse_members (deep, strlen (deep), keep, &v, &err) < 0);
  CHECK_CONTAINS (err->msg, "nesting too deep");
  return true;
}

/* ---- state.json -------------------------------------------------------- */

#define STATE_TEXT(cgroup)                                                                    \
  "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"pid\":1234,\"startTime\":99,"                      \
  "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"2026-01-01T00:00:00Z\",\"owner\":0,"   \
  "\"initImage\":{\"dev\":1,\"ino\":2},\"annotations\":{\"k\":\"v\"},\"cgroup\":" cgroup ","       \
  "\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\"}]}}"
#define STATE_CGROUP                                                                          \
  "{\"synthetic\":false,\"dirs\":[{\"v2\":true,\"controllers\":\"\",\"path\":"                 \
  "\"/sys/fs/cgroup/spacer-c1\",\"top\":\"/sys/fs/cgroup/spacer-c1\",\"made\":true}]}"

/* list's parse of state.json: what it shows, alike; neither the cgroup
 * nor the hooks. */
static bool
state_parse_listed_reads_all_but_cgroup_and_hooks (void)
{
  const char *text = STATE_TEXT (STATE_CGROUP);
  _cleanup_state_ struct spc_state all = { 0 }, listed = { 0 };
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_state_parse (text, strlen (text), "c1", &all, &err) == 0);
  CHECK (spc_state_parse_listed (text, strlen (text), "c1", &listed, &err) == 0);
  CHECK (all.cgroup.n_dirs == 1 && spc_hooks_any (&all.hooks, SPC_HOOK_POSTSTOP));
  CHECK (listed.cgroup.n_dirs == 0 && !spc_hooks_any (&listed.hooks, SPC_HOOK_POSTSTOP));
  CHECK_STR (listed.id, all.id);
  CHECK_STR (listed.oci_version, all.oci_version);
  CHECK_STR (listed.bundle, all.bundle);
  CHECK_STR (listed.rootfs, all.rootfs);
  CHECK_STR (listed.created, all.created);
  CHECK (listed.pid == 1234 && listed.start_time == 99 && listed.owner == 0);
  CHECK (listed.image_dev == 1 && listed.image_ino == 2);
  CHECK (listed.n_annotations == 1);
  CHECK_STR (listed.annotations[0].value, "v");
  return true;
}

/* A state.json that is no JSON, or names another container, is refused
 * by list's parse too; a cgroup member it does not read can only be
 * wrong in what list does not show (the full parse says so). */
static bool
state_parse_listed_refuses_a_broken_file (void)
{
  const char *bad[] = { STATE_TEXT ("{\"dirs\":[1,]}"), "{\"id\":\"c1\",\"pid\":1}",
                        "{\"ociVersion\":\"1\",\"id\":\"c2\",\"pid\":1,\"bundle\":\"\","
                        "\"rootfs\":\"\",\"created\":\"\"}" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      _cleanup_state_ struct spc_state st = { 0 };
      _cleanup_error_ spc_err_t err = NULL;
      CHECK (spc_state_parse_listed (bad[i], strlen (bad[i]), "c1", &st, &err) < 0);
    }
  const char *odd = STATE_TEXT ("{\"nodirs\":1}");
  _cleanup_state_ struct spc_state all = { 0 }, listed = { 0 };
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_state_parse (odd, strlen (odd), "c1", &all, &err) < 0);
  CHECK_CONTAINS (err->msg, "cgroup: dirs missing");
  spc_error_free (&err);
  CHECK (spc_state_parse_listed (odd, strlen (odd), "c1", &listed, &err) == 0);
  return true;
}

static bool
check_int64 (const char *literal, int expected_r, int64_t expected)
{
  spc_json v = { .type = SPC_JSON_NUMBER, .u.number = (char *) literal };
  int64_t out = 0;
  int r = spc_json_to_int64 (&v, &out);
  if (r != expected_r || (r == 0 && out != expected))
    {
      printf ("#   int64 %s: r=%d out=%" PRId64 "\n", literal, r, out);
      return false;
    }
  return true;
}

static bool
check_uint64 (const char *literal, int expected_r, uint64_t expected)
{
  spc_json v = { .type = SPC_JSON_NUMBER, .u.number = (char *) literal };
  uint64_t out = 0;
  int r = spc_json_to_uint64 (&v, &out);
  if (r != expected_r || (r == 0 && out != expected))
    {
      printf ("#   uint64 %s: r=%d out=%" PRIu64 "\n", literal, r, out);
      return false;
    }
  return true;
}

static bool
json_integer_ranges (void)
{
  CHECK (check_int64 ("0", 0, 0));
  CHECK (check_int64 ("9223372036854775807", 0, INT64_MAX));
  CHECK (check_int64 ("-9223372036854775808", 0, INT64_MIN));
  CHECK (check_int64 ("9223372036854775808", -ERANGE, 0));
  CHECK (check_int64 ("-9223372036854775809", -ERANGE, 0));
  CHECK (check_int64 ("1.0", -EINVAL, 0));
  CHECK (check_int64 ("1e3", -EINVAL, 0));
  CHECK (check_int64 ("-", -EINVAL, 0));
  CHECK (check_uint64 ("18446744073709551615", 0, UINT64_MAX));
  CHECK (check_uint64 ("18446744073709551616", -ERANGE, 0));
  CHECK (check_uint64 ("-1", -ERANGE, 0));
  CHECK (check_uint64 ("2.5", -EINVAL, 0));
  CHECK (check_uint64 ("1E2", -EINVAL, 0));
  spc_json s = { .type = SPC_JSON_STRING };
  uint64_t u;
  CHECK (spc_json_to_uint64 (&s, &u) == -EINVAL);
  CHECK (spc_json_to_uint64 (NULL, &u) == -EINVAL);
  return true;
}

static bool
writer_escapes_strings (void)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (false);
  spc_jw_begin_object (w);
  spc_jw_key (w, "k\"ey");
  spc_jw_string (w, "q\" b\\ n\n t\t r\r b\b f\f \x01\x1f\x7f/é");
  spc_jw_key (w, "n");
  spc_jw_begin_array (w);
  spc_jw_int (w, INT64_MIN);
  spc_jw_uint (w, UINT64_MAX);
  spc_jw_bool (w, true);
  spc_jw_null (w);
  spc_jw_string (w, NULL);
  spc_jw_end_array (w);
  spc_jw_end_object (w);
  size_t len;
  const char *text = spc_jw_buffer (w, &len);
  CHECK_STR (text, "{\"k\\\"ey\":\"q\\\" b\\\\ n\\n t\\t r\\r b\\b f\\f \\u0001\\u001f\x7f/é\","
                   "\"n\":[-9223372036854775808,18446744073709551615,true,null,null]}");
  CHECK (len == strlen (text));

  /* What the writer produces, the parser reads back unchanged. */
  _cleanup_json_ spc_json *v = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_json_parse (text, len, &v, &err) == 0);
  CHECK_STR (spc_json_get (v, "k\"ey")->u.string.str, "q\" b\\ n\n t\t r\r b\b f\f \x01\x1f\x7f/é");
  return true;
}

static bool
writer_pretty_prints (void)
{
  _cleanup_jw_ spc_json_writer *w = spc_jw_new (true);
  spc_jw_begin_object (w);
  spc_jw_key (w, "a");
  spc_jw_begin_array (w);
  spc_jw_int (w, 1);
  spc_jw_begin_object (w);
  spc_jw_end_object (w);
  spc_jw_end_array (w);
  spc_jw_key (w, "e");
  spc_jw_begin_array (w);
  spc_jw_end_array (w);
  spc_jw_end_object (w);
  CHECK_STR (spc_jw_buffer (w, NULL), "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"e\": []\n}");
  size_t len;
  _cleanup_free_ char *stolen = spc_jw_steal (w, &len);
  CHECK (len == strlen (stolen));
  CHECK_STR (spc_jw_buffer (w, NULL), "");
  return true;
}

/* ---- config: valid documents -------------------------------------------- */

static bool
config_minimal (void)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_config_ struct spc_config *c = load (MINIMAL, &msg);
  CHECK_STR (msg, NULL);
  CHECK_STR (c->oci_version, "1.2.0");
  CHECK_STR (c->root.path, "rootfs");
  CHECK (!c->root.readonly && !c->has_process && !c->has_linux);
  CHECK (c->n_mounts == 0 && c->n_annotations == 0);
  CHECK (spc_config_namespace (c, SPC_NS_PID) == NULL);
  CHECK (spc_config_annotation (c, "x") == NULL);
  return true;
}

static const char full_config[] =
    "{'ociVersion':'1.1.0',"
    " 'root':{'path':'/bundle/rootfs','readonly':true},"
    " 'process':{'terminal':true,'consoleSize':{'height':24,'width':80},"
    "   'user':{'uid':1000,'gid':100,'umask':18,'additionalGids':[5,6],'username':'u'},"
    "   'args':['sh','-c','echo hi'],'env':['A=1','B=2'],'cwd':'/work',"
    "   'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
    "              {'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551615}],"
    "   'noNewPrivileges':true,'oomScoreAdj':-500,"
    "   'capabilities':{'bounding':['CAP_CHOWN','CAP_KILL','CAP_SYS_ADMIN'],"
    "     'effective':['CAP_KILL'],'inheritable':[],'permitted':['CAP_KILL','CAP_NET_RAW'],"
    "     'ambient':['CAP_NET_BIND_SERVICE']},"
    "   'apparmorProfile':'prof','selinuxLabel':'lbl'},"
    " 'hostname':'box','domainname':'example.org',"
    " 'mounts':[{'destination':'/proc','type':'proc','source':'proc'},"
    "   {'destination':'/data','source':'/srv','options':['rbind','ro','nosuid','nodev','rprivate']},"
    "   {'destination':'/tmp','type':'tmpfs','source':'tmpfs',"
    "    'options':['nosuid','strictatime','mode=1777','size=64k','rw','tmpcopyup','noexec','exec']},"
    "   {'destination':'/b','type':'bind','source':'/x','options':['shared','slave'],"
    "    'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}],"
    " 'hooks':{'prestart':[{'path':'/bin/true','args':['true','x'],'env':['K=V'],'timeout':5}],"
    "   'poststop':[{'path':'/bin/false'}]},"
    " 'annotations':{'org.example/a':'1','b':''},"
    " 'linux':{"
    "   'namespaces':[{'type':'pid'},{'type':'network','path':'/run/netns/x'},{'type':'mount'},"
    "     {'type':'ipc'},{'type':'uts'},{'type':'user'},{'type':'cgroup'},{'type':'time','path':''}],"
    "   'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
    "   'gidMappings':[{'containerID':0,'hostID':200000,'size':65536}],"
    "   'timeOffsets':{'monotonic':{'secs':-5,'nanosecs':7},'boottime':{'secs':86400}},"
    "   'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,'uid':0,'gid':0},"
    "     {'path':'/dev/fifo','type':'p'}],"
    "   'cgroupsPath':'/spacer/x',"
    "   'resources':{'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'c','major':1,'minor':3,'access':'rw'}],"
    "     'memory':{'limit':536870912,'reservation':268435456,'swap':-1,'kernel':0,'kernelTCP':1,"
    "       'swappiness':60,'disableOOMKiller':true,'useHierarchy':false,'checkBeforeUpdate':true},"
    "     'cpu':{'shares':1024,'quota':-1,'burst':10,'period':100000,'realtimeRuntime':950000,"
    "       'realtimePeriod':1000000,'cpus':'0-3','mems':'0','idle':1},"
    "     'pids':{'limit':-1},"
    "     'blockIO':{'weight':500,'leafWeight':300,'weightDevice':[{'major':8,'minor':0,'weight':600}],"
    "       'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}],"
    "       'throttleWriteBpsDevice':[{'major':8,'minor':16,'rate':2}],"
    "       'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':3}],"
    "       'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':4}]},"
    "     'hugepageLimits':[{'pageSize':'2MB','limit':209715200}],"
    "     'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':500}]},"
    "     'unified':{'memory.high':'1G','io.weight':'default 100'}},"
    "   'rootfsPropagation':'rslave',"
    "   'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':1,"
    "     'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86'],'flags':['SECCOMP_FILTER_FLAG_LOG'],"
    "     'listenerPath':'/run/seccomp.sock','listenerMetadata':'meta',"
    "     'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},"
    "       {'names':['personality'],'action':'SCMP_ACT_ALLOW',"
    "        'args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'},{'index':5,'value':1,'valueTwo':2,'op':'SCMP_CMP_MASKED_EQ'}]},"
    "       {'names':['mkdir'],'action':'SCMP_ACT_ERRNO','errnoRet':38}]},"
    "   'sysctl':{'net.ipv4.ip_forward':'1'},"
    "   'maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys','/proc/bus'],"
    "   'mountLabel':'ml','personality':{'domain':'LINUX32','flags':[]},"
    "   'intelRdt':{'closID':'x'}},"
    " 'windows':{'ignored':true},'unknownTopLevel':[1,2,3]}";

static bool
check_full_process (const struct spc_config *c)
{
  const struct spc_process *p = &c->process;
  CHECK (c->has_process && p->terminal);
  CHECK (p->has_console_size && p->console_height == 24 && p->console_width == 80);
  CHECK (p->user.uid == 1000 && p->user.gid == 100 && p->user.has_umask && p->user.umask == 18);
  CHECK (p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 6);
  CHECK_STR (p->user.username, "u");
  CHECK (p->n_args == 3 && p->args[3] == NULL);
  CHECK_STR (p->args[2], "echo hi");
  CHECK (p->n_env == 2 && p->env[2] == NULL);
  CHECK_STR (p->env[1], "B=2");
  CHECK_STR (p->cwd, "/work");
  CHECK (p->n_rlimits == 2);
  CHECK (p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].soft == 1024
         && p->rlimits[0].hard == 4096);
  CHECK_STR (p->rlimits[1].type, "RLIMIT_CORE");
  CHECK (p->rlimits[1].resource == RLIMIT_CORE && p->rlimits[1].hard == UINT64_MAX);
  CHECK (p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -500);
  CHECK (p->capabilities.present);
  CHECK (p->capabilities.bounding
         == ((UINT64_C (1) << CAP_CHOWN) | (UINT64_C (1) << CAP_KILL) | (UINT64_C (1) << CAP_SYS_ADMIN)));
  CHECK (p->capabilities.effective == (UINT64_C (1) << CAP_KILL));
  CHECK (p->capabilities.inheritable == 0);
  CHECK (p->capabilities.permitted == ((UINT64_C (1) << CAP_KILL) | (UINT64_C (1) << CAP_NET_RAW)));
  CHECK (p->capabilities.ambient == (UINT64_C (1) << CAP_NET_BIND_SERVICE));
  CHECK_STR (p->apparmor_profile, "prof");
  CHECK_STR (p->selinux_label, "lbl");
  return true;
}

static bool
check_full_mounts (const struct spc_config *c)
{
  CHECK (c->n_mounts == 4);
  const struct spc_mount *m = c->mounts;
  CHECK (m[0].flags == 0 && m[0].clear_flags == 0 && m[0].propagation == 0 && m[0].data == NULL);
  CHECK (m[0].n_options == 0 && m[0].options && m[0].options[0] == NULL);
  CHECK (m[1].type == NULL);
  CHECK (m[1].flags == (MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV));
  CHECK (m[1].propagation == (MS_PRIVATE | MS_REC) && m[1].data == NULL);
  CHECK (m[2].flags == (MS_NOSUID | MS_STRICTATIME));
  CHECK (m[2].clear_flags == (MS_RDONLY | MS_NOEXEC));
  CHECK_STR (m[2].data, "mode=1777,size=64k");
  CHECK (m[2].n_options == 8);
  CHECK_STR (m[2].options[5], "tmpcopyup");
  CHECK (m[3].flags == MS_BIND && m[3].propagation == MS_SLAVE);
  CHECK (m[3].n_uid_mappings == 1 && m[3].uid_mappings[0].host_id == 1000);
  return true;
}

static bool
check_full_hooks_and_annotations (const struct spc_config *c)
{
  const struct spc_hooks *h = &c->hooks;
  CHECK (h->n_hooks[SPC_HOOK_PRESTART] == 1 && h->n_hooks[SPC_HOOK_POSTSTOP] == 1);
  CHECK (h->n_hooks[SPC_HOOK_CREATE_RUNTIME] == 0 && h->hooks[SPC_HOOK_CREATE_RUNTIME] == NULL);
  const struct spc_hook *pre = &h->hooks[SPC_HOOK_PRESTART][0];
  CHECK_STR (pre->path, "/bin/true");
  CHECK (pre->n_args == 2 && pre->n_env == 1 && pre->has_timeout && pre->timeout == 5);
  const struct spc_hook *post = &h->hooks[SPC_HOOK_POSTSTOP][0];
  CHECK (!post->has_timeout && post->n_args == 0 && post->args && post->args[0] == NULL);
  CHECK (c->n_annotations == 2);
  CHECK_STR (spc_config_annotation (c, "org.example/a"), "1");
  CHECK_STR (spc_config_annotation (c, "b"), "");
  CHECK_STR (c->hostname, "box");
  CHECK_STR (c->domainname, "example.org");
  return true;
}

static bool
check_full_linux (const struct spc_config *c)
{
  const struct spc_linux *l = &c->linux_;
  CHECK (c->has_linux && l->n_namespaces == 8);
  CHECK (spc_config_namespace (c, SPC_NS_PID)->path == NULL);
  CHECK_STR (spc_config_namespace (c, SPC_NS_NETWORK)->path, "/run/netns/x");
  CHECK (spc_config_namespace (c, SPC_NS_TIME)->path == NULL);
  CHECK (l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 100000 && l->uid_mappings[0].size == 65536);
  CHECK (l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 200000);
  CHECK (l->time_offset_monotonic.present && l->time_offset_monotonic.secs == -5
         && l->time_offset_monotonic.nanosecs == 7);
  CHECK (l->time_offset_boottime.present && l->time_offset_boottime.secs == 86400);
  CHECK (l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10
         && l->devices[0].minor == 229 && l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
  CHECK (l->devices[1].type == 'p' && !l->devices[1].has_uid);
  CHECK_STR (l->cgroups_path, "/spacer/x");
  CHECK (l->rootfs_propagation == (MS_SLAVE | MS_REC));
  CHECK (l->n_sysctl == 1);
  CHECK_STR (l->sysctl[0].key, "net.ipv4.ip_forward");
  CHECK_STR (l->sysctl[0].value, "1");
  CHECK (l->n_masked_paths == 1 && l->n_readonly_paths == 2 && l->readonly_paths[2] == NULL);
  CHECK_STR (l->mount_label, "ml");
  CHECK (l->has_personality);
  CHECK_STR (l->personality_domain, "LINUX32");
  return true;
}

static bool
check_full_resources (const struct spc_config *c)
{
  const struct spc_resources *r = &c->linux_.resources;
  CHECK (r->present && r->n_devices == 2);
  CHECK (!r->devices[0].allow && r->devices[0].type == 'a' && !r->devices[0].has_major);
  CHECK (r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].minor == 3);
  CHECK_STR (r->devices[1].access, "rw");
  CHECK (r->memory.has_limit && r->memory.limit == 536870912);
  CHECK (r->memory.has_swap && r->memory.swap == -1);
  CHECK (r->memory.has_kernel && r->memory.kernel == 0 && r->memory.kernel_tcp == 1);
  CHECK (r->memory.has_swappiness && r->memory.swappiness == 60);
  CHECK (r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
  CHECK (r->memory.has_use_hierarchy && !r->memory.use_hierarchy && r->memory.check_before_update);
  CHECK (r->cpu.shares == 1024 && r->cpu.quota == -1 && r->cpu.burst == 10 && r->cpu.period == 100000);
  CHECK (r->cpu.realtime_runtime == 950000 && r->cpu.realtime_period == 1000000);
  CHECK (r->cpu.has_idle && r->cpu.idle == 1);
  CHECK_STR (r->cpu.cpus, "0-3");
  CHECK_STR (r->cpu.mems, "0");
  CHECK (r->pids.has_limit && r->pids.limit == -1);
  CHECK (r->block_io.weight == 500 && r->block_io.leaf_weight == 300);
  CHECK (r->block_io.n_weight_device == 1 && r->block_io.weight_device[0].weight == 600
         && !r->block_io.weight_device[0].has_leaf_weight);
  CHECK (r->block_io.throttle_read_bps[0].rate == 1048576 && r->block_io.throttle_write_bps[0].minor == 16);
  CHECK (r->block_io.throttle_read_iops[0].rate == 3 && r->block_io.throttle_write_iops[0].rate == 4);
  CHECK (r->n_hugepage_limits == 1 && r->hugepage_limits[0].limit == 209715200);
  CHECK_STR (r->hugepage_limits[0].page_size, "2MB");
  CHECK (r->network.has_class_id && r->network.class_id == 1048577);
  CHECK (r->network.n_priorities == 1 && r->network.priorities[0].priority == 500);
  CHECK (r->n_unified == 2);
  CHECK_STR (r->unified[1].value, "default 100");
  return true;
}

static bool
check_full_seccomp (const struct spc_config *c)
{
  const struct spc_seccomp *s = c->linux_.seccomp;
  CHECK (s != NULL);
  CHECK_STR (s->default_action, "SCMP_ACT_ERRNO");
  CHECK (s->has_default_errno_ret && s->default_errno_ret == 1);
  CHECK (s->n_architectures == 2 && s->n_flags == 1);
  CHECK_STR (s->listener_path, "/run/seccomp.sock");
  CHECK (s->n_syscalls == 3 && s->syscalls[0].n_names == 2);
  CHECK (s->syscalls[1].n_args == 2 && s->syscalls[1].args[1].index == 5
         && s->syscalls[1].args[1].value_two == 2);
  CHECK_STR (s->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
  CHECK (s->syscalls[2].has_errno_ret && s->syscalls[2].errno_ret == 38);
  CHECK (!s->syscalls[0].has_errno_ret);
  return true;
}

static bool
config_full (void)
{
  struct load_call call = { .tmpl = full_config };
  _cleanup_free_ char *warnings = unit_capture_stderr (do_load, &call);
  _cleanup_free_ char *msg = call.error;
  _cleanup_config_ struct spc_config *c = call.config;
  CHECK_STR (msg, NULL);
  CHECK_STR (warnings, "");
  CHECK_STR (c->root.path, "/bundle/rootfs");
  CHECK (c->root.readonly);
  return check_full_process (c) && check_full_mounts (c) && check_full_hooks_and_annotations (c)
         && check_full_linux (c) && check_full_resources (c) && check_full_seccomp (c);
}

static bool
config_null_members_are_absent (void)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_config_ struct spc_config *c
      = load ("{'ociVersion':'1.0.2-dev','root':{'path':'r','readonly':null},'process':null,"
              "'hostname':null,'linux':{'seccomp':null,'resources':{}}}",
              &msg);
  CHECK_STR (msg, NULL);
  CHECK (!c->has_process && c->hostname == NULL && c->linux_.seccomp == NULL);
  CHECK (c->linux_.resources.present && c->linux_.resources.n_devices == 0);
  return true;
}

static bool
config_relative_destinations_warn (void)
{
  struct load_call call = {
    .tmpl = "{'ociVersion':'1.0.0','root':{'path':'r'},'process':{'args':['x'],'cwd':'/',"
            "'capabilities':{'bounding':['CAP_KILL','CAP_CHECKPOINT_RESTORE']}},"
            "'mounts':[{'destination':'data','type':'tmpfs'}]}",
  };
  _cleanup_free_ char *warnings = unit_capture_stderr (do_load, &call);
  _cleanup_free_ char *msg = call.error;
  _cleanup_config_ struct spc_config *c = call.config;
  CHECK_STR (msg, NULL);
  CHECK (c->process.capabilities.bounding == ((UINT64_C (1) << CAP_KILL) | (UINT64_C (1) << 40)));
  CHECK_STR (c->mounts[0].destination, "/data");
  CHECK_STR (warnings,
             "spacer: warning: config.json: mounts[0].destination: relative path \"data\", using \"/data\"\n");
  return true;
}

static bool
config_unsupported_version_only_warns (void)
{
  static const struct
  {
    const char *version;
    bool warns;
  } cases[] = {
    { "1.0.0", false },     { "1.0.2-dev", false }, { "1.3.0", false },
    { "1.1.0-rc.1", false }, { "1.2.1+build.5", false }, { "1.4.0", true },
    { "2.0.0", true },      { "0.9.0", true },      { "1.9.0-alpha.0a", true },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      _cleanup_free_ char *tmpl = NULL;
      if (asprintf (&tmpl, "{'ociVersion':'%s','root':{'path':'r'}}", cases[i].version) < 0)
        return false;
      struct load_call call = { .tmpl = tmpl };
      _cleanup_free_ char *warnings = unit_capture_stderr (do_load, &call);
      _cleanup_free_ char *msg = call.error;
      _cleanup_config_ struct spc_config *c = call.config;
      _cleanup_free_ char *expected = NULL;
      if (asprintf (&expected,
                    "spacer: warning: config.json: ociVersion: unsupported version \"%s\", continuing\n",
                    cases[i].version) < 0)
        return false;
      CHECK_STR (msg, NULL);
      CHECK_STR (c->oci_version, cases[i].version);
      CHECK_STR (warnings, cases[i].warns ? expected : "");
    }
  return true;
}

/* The runtime-spec says ociVersion is SemVer: anything else is not a
 * version at all, and is refused where it is. */
static bool
config_version_not_semver_is_an_error (void)
{
  static const char *const versions[] = {
    "",      "invalid", "1.0",     "1",        "1.3",      "v1.0.0",  "1.x.0",  "01.0.0",
    "1.02.0", "1.0.0-",  "1.0.0+",  "1.0.0-a..b", "1.0.0-01", "1..0",   " 1.0.0", "1.0.0 ",
    "1.0.0-a_b", "-1.0.0", "1.0.0.0",
  };
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
    {
      _cleanup_free_ char *tmpl = NULL, *expected = NULL;
      if (asprintf (&tmpl, "{'ociVersion':'%s','root':{'path':'r'}}", versions[i]) < 0
          || asprintf (&expected,
                       "config.json: ociVersion: \"%s\" is not a SemVer version such as \"%s\"",
                       versions[i], SPC_RUNTIME_SPEC_VERSION) < 0)
        return false;
      struct load_call call = { .tmpl = tmpl };
      _cleanup_free_ char *warnings = unit_capture_stderr (do_load, &call);
      _cleanup_free_ char *msg = call.error;
      _cleanup_config_ struct spc_config *c = call.config;
      CHECK (c == NULL);
      CHECK_STR (msg, expected);
      CHECK_STR (warnings, "");
    }
  return true;
}

static bool
config_namespace_helpers (void)
{
  CHECK_STR (spc_ns_type_name (SPC_NS_NETWORK), "network");
  CHECK_STR (spc_ns_type_proc_name (SPC_NS_NETWORK), "net");
  CHECK_STR (spc_ns_type_proc_name (SPC_NS_MOUNT), "mnt");
  CHECK_STR (spc_ns_type_name (SPC_NS_TIME), "time");
  CHECK (spc_ns_type_clone_flag (SPC_NS_MOUNT) == CLONE_NEWNS);
  CHECK (spc_ns_type_clone_flag (SPC_NS_USER) == CLONE_NEWUSER);
  CHECK (spc_ns_type_clone_flag (SPC_NS_TIME) == 0x80);
  CHECK (spc_ns_type_name (SPC_NS_COUNT) == NULL);
  return true;
}

/* ---- config: every error class ------------------------------------------ */

#define PROC(members) "{'ociVersion':'1.0.0','root':{'path':'r'},'process':{" members "}}"
#define PROC_OK(extra) PROC ("'args':['sh'],'cwd':'/'" extra)
#define LINUX(members) "{'ociVersion':'1.0.0','root':{'path':'r'},'linux':{" members "}}"
#define RES(members) LINUX ("'resources':{" members "}")
#define SECCOMP(members) LINUX ("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'" members "}")
#define TOP(members) "{'ociVersion':'1.0.0','root':{'path':'r'}" members "}"

static const struct
{
  const char *json;
  const char *error;
} error_cases[] = {
  /* top level and JSON */
  { "[]", "config.json: must be an object" },
  { "{'ociVersion':'1.0.0',\n'root':{'path':'r'},\n  'process' {}}",
    "config.json: line 3, column 13: parse error: object key and value must be separated by a colon (':')" },
  { "{'root':{'path':'r'}}", "config.json: ociVersion: required" },
  { "{'ociVersion':1,'root':{'path':'r'}}", "config.json: ociVersion: must be a string" },
  { "{'ociVersion':'1.0.0'}", "config.json: root: required" },
  { "{'ociVersion':'1.0.0','root':'r'}", "config.json: root: must be an object" },
  { "{'ociVersion':'1.0.0','root':{'path':5}}", "config.json: root.path: must be a string" },
  { "{'ociVersion':'1.0.0','root':{'path':''}}", "config.json: root.path: must not be empty" },
  { "{'ociVersion':'1.0.0','root':{}}", "config.json: root.path: required" },
  { "{'ociVersion':'1.0.0','root':{'path':'r','readonly':'yes'}}",
    "config.json: root.readonly: must be a boolean" },
  /* process */
  { TOP (",'process':[]"), "config.json: process: must be an object" },
  { PROC ("'cwd':'/'"), "config.json: process.args: required" },
  { PROC ("'args':[],'cwd':'/'"), "config.json: process.args: must be a non-empty array" },
  { PROC ("'args':'sh','cwd':'/'"), "config.json: process.args: must be an array" },
  { PROC ("'args':['sh',1],'cwd':'/'"), "config.json: process.args[1]: must be a string" },
  { PROC ("'args':['a\\u0000b'],'cwd':'/'"), "config.json: process.args[0]: must not contain NUL bytes" },
  { PROC ("'args':['sh']"), "config.json: process.cwd: required" },
  { PROC ("'args':['sh'],'cwd':'work'"), "config.json: process.cwd: must be an absolute path" },
  { PROC_OK (",'env':[true]"), "config.json: process.env[0]: must be a string" },
  { PROC_OK (",'terminal':1"), "config.json: process.terminal: must be a boolean" },
  { PROC_OK (",'consoleSize':{'height':1}"), "config.json: process.consoleSize.width: required" },
  { PROC_OK (",'user':{'uid':-1}"), "config.json: process.user.uid: out of range" },
  { PROC_OK (",'user':{'gid':4294967296}"), "config.json: process.user.gid: out of range" },
  { PROC_OK (",'user':{'umask':'022'}"), "config.json: process.user.umask: must be an integer" },
  { PROC_OK (",'user':{'additionalGids':['a']}"),
    "config.json: process.user.additionalGids[0]: must be an integer" },
  { PROC_OK (",'capabilities':{'bounding':['CAP_KILL','CAP_FROBNICATE']}"),
    "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FROBNICATE\"" },
  { PROC_OK (",'capabilities':{'ambient':['kill']}"),
    "config.json: process.capabilities.ambient[0]: unknown capability \"kill\"" },
  { PROC_OK (",'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
    "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"" },
  { PROC_OK (",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},{'type':'RLIMIT_CPU','soft':1,'hard':1},"
             "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
    "config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
  { PROC_OK (",'rlimits':[{'type':'RLIMIT_NOFILE','soft':2,'hard':1}]"),
    "config.json: process.rlimits[0]: soft limit exceeds hard limit" },
  { PROC_OK (",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]"),
    "config.json: process.rlimits[0].soft: required" },
  { PROC_OK (",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1.5,'hard':1}]"),
    "config.json: process.rlimits[0].soft: must be an integer" },
  { PROC_OK (",'rlimits':{}"), "config.json: process.rlimits: must be an array" },
  { PROC_OK (",'noNewPrivileges':'true'"), "config.json: process.noNewPrivileges: must be a boolean" },
  { PROC_OK (",'oomScoreAdj':1001"), "config.json: process.oomScoreAdj: out of range" },
  { PROC_OK (",'oomScoreAdj':-1001"), "config.json: process.oomScoreAdj: out of range" },
  { PROC_OK (",'oomScoreAdj':1.5"), "config.json: process.oomScoreAdj: must be an integer" },
  { PROC_OK (",'capabilities':[]"), "config.json: process.capabilities: must be an object" },
  { PROC_OK (",'capabilities':{'bounding':'CAP_KILL'}"),
    "config.json: process.capabilities.bounding: must be an array" },
  { PROC_OK (",'capabilities':{'ambient':[7]}"),
    "config.json: process.capabilities.ambient[0]: must be a string" },
  { PROC_OK (",'apparmorProfile':{}"), "config.json: process.apparmorProfile: must be a string" },
  /* hostname / domainname */
  { TOP (",'hostname':'h'"), "config.json: hostname: requires a uts namespace" },
  { TOP (",'domainname':'d','linux':{}"), "config.json: domainname: requires a uts namespace" },
  { TOP (",'hostname':5"), "config.json: hostname: must be a string" },
  /* mounts */
  { TOP (",'mounts':{}"), "config.json: mounts: must be an array" },
  { TOP (",'mounts':[{'type':'tmpfs'}]"), "config.json: mounts[0].destination: required" },
  { TOP (",'mounts':[{'destination':'/a'},'x']"), "config.json: mounts[1]: must be an object" },
  { TOP (",'mounts':[{'destination':'/a','options':['ro',1]}]"),
    "config.json: mounts[0].options[1]: must be a string" },
  { TOP (",'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':0,'size':0}]}]"),
    "config.json: mounts[0].uidMappings[0].size: must be greater than 0" },
  /* annotations */
  { TOP (",'annotations':[]"), "config.json: annotations: must be an object" },
  { TOP (",'annotations':{'a':'1','k':1}"), "config.json: annotations[\"k\"]: must be a string" },
  /* hooks */
  { TOP (",'hooks':[]"), "config.json: hooks: must be an object" },
  { TOP (",'hooks':{'prestart':[{'path':'true'}]}"),
    "config.json: hooks.prestart[0].path: must be an absolute path" },
  { TOP (",'hooks':{'createRuntime':[{'args':[]}]}"), "config.json: hooks.createRuntime[0].path: required" },
  { TOP (",'hooks':{'poststop':[{'path':'/x','timeout':0}]}"),
    "config.json: hooks.poststop[0].timeout: must be greater than 0" },
  { TOP (",'hooks':{'poststart':[{'path':'/x','env':'A=1'}]}"),
    "config.json: hooks.poststart[0].env: must be an array" },
  /* linux */
  { TOP (",'linux':'x'"), "config.json: linux: must be an object" },
  { LINUX ("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'foo'}]"),
    "config.json: linux.namespaces[2].type: unknown namespace \"foo\"" },
  { LINUX ("'namespaces':[{'type':'pid'},{'type':'pid'}]"),
    "config.json: linux.namespaces[1].type: duplicate namespace \"pid\"" },
  { LINUX ("'namespaces':[{'path':'/x'}]"), "config.json: linux.namespaces[0].type: required" },
  { LINUX ("'namespaces':[{'type':'network','path':'netns'}]"),
    "config.json: linux.namespaces[0].path: must be an absolute path" },
  { LINUX ("'uidMappings':[{'containerID':0,'size':1}]"), "config.json: linux.uidMappings[0].hostID: required" },
  { LINUX ("'gidMappings':[{'containerID':0,'hostID':0,'size':0}]"),
    "config.json: linux.gidMappings[0].size: must be greater than 0" },
  { LINUX ("'timeOffsets':{'boottime':{'nanosecs':1000000000}}"),
    "config.json: linux.timeOffsets.boottime.nanosecs: out of range" },
  { LINUX ("'devices':[{'path':'/dev/x','type':'x'}]"),
    "config.json: linux.devices[0].type: unknown device type \"x\"" },
  { LINUX ("'devices':[{'path':'/dev/x','type':'c','minor':1}]"), "config.json: linux.devices[0].major: required" },
  { LINUX ("'devices':[{'path':'dev/x','type':'p'}]"),
    "config.json: linux.devices[0].path: must be an absolute path" },
  { LINUX ("'cgroupsPath':1"), "config.json: linux.cgroupsPath: must be a string" },
  { LINUX ("'rootfsPropagation':'sideways'"),
    "config.json: linux.rootfsPropagation: unknown propagation \"sideways\"" },
  { LINUX ("'sysctl':{'net.ipv4.ip_forward':1}"),
    "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string" },
  { LINUX ("'maskedPaths':[1]"), "config.json: linux.maskedPaths[0]: must be a string" },
  { LINUX ("'readonlyPaths':'/proc'"), "config.json: linux.readonlyPaths: must be an array" },
  { LINUX ("'personality':{'domain':'X'}"), "config.json: linux.personality.domain: unknown domain \"X\"" },
  /* linux.resources */
  { LINUX ("'resources':[]"), "config.json: linux.resources: must be an object" },
  { RES ("'devices':[{'access':'rwm'}]"), "config.json: linux.resources.devices[0].allow: required" },
  { RES ("'devices':[{'allow':true,'access':'rwx'}]"),
    "config.json: linux.resources.devices[0].access: must contain only \"r\", \"w\" and \"m\" "
    "(and \"a\", which adds nothing)" },
  { RES ("'devices':[{'allow':true,'type':'p'}]"),
    "config.json: linux.resources.devices[0].type: unknown device type \"p\"" },
  { RES ("'memory':{'limit':'1G'}"), "config.json: linux.resources.memory.limit: must be an integer" },
  { RES ("'memory':{'limit':1e9}"), "config.json: linux.resources.memory.limit: must be an integer" },
  { RES ("'memory':{'limit':99999999999999999999}"), "config.json: linux.resources.memory.limit: out of range" },
  { RES ("'memory':{'swappiness':-1}"), "config.json: linux.resources.memory.swappiness: out of range" },
  { RES ("'cpu':{'cpus':0}"), "config.json: linux.resources.cpu.cpus: must be a string" },
  { RES ("'pids':{'limit':true}"), "config.json: linux.resources.pids.limit: must be an integer" },
  { RES ("'blockIO':{'weight':70000}"), "config.json: linux.resources.blockIO.weight: out of range" },
  { RES ("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
    "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required" },
  { RES ("'hugepageLimits':[{'limit':1}]"), "config.json: linux.resources.hugepageLimits[0].pageSize: required" },
  { RES ("'network':{'priorities':[{'name':'eth0'}]}"),
    "config.json: linux.resources.network.priorities[0].priority: required" },
  { RES ("'unified':{'memory.max':5}"), "config.json: linux.resources.unified[\"memory.max\"]: must be a string" },
  /* linux.seccomp */
  { LINUX ("'seccomp':{}"), "config.json: linux.seccomp.defaultAction: required" },
  { LINUX ("'seccomp':{'defaultAction':'SCMP_ACT_FOO'}"),
    "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"" },
  { SECCOMP (",'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_Z80']"),
    "config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"" },
  { SECCOMP (",'flags':['SECCOMP_FILTER_FLAG_NOPE']"),
    "config.json: linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"" },
  { SECCOMP (",'syscalls':[{'names':[],'action':'SCMP_ACT_ALLOW'}]"),
    "config.json: linux.seccomp.syscalls[0].names: must be a non-empty array" },
  { SECCOMP (",'syscalls':[{'names':['read']}]"), "config.json: linux.seccomp.syscalls[0].action: required" },
  { SECCOMP (",'syscalls':[{'names':['read'],'action':'ALLOW'}]"),
    "config.json: linux.seccomp.syscalls[0].action: unknown action \"ALLOW\"" },
  { SECCOMP (",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':6,'value':0,'op':'SCMP_CMP_EQ'}]}]"),
    "config.json: linux.seccomp.syscalls[0].args[0].index: out of range" },
  { SECCOMP (",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':0,'op':'SCMP_CMP_XX'}]}]"),
    "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\"" },
  { SECCOMP (",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]"),
    "config.json: linux.seccomp.syscalls[0].args[0].value: required" },
  { SECCOMP (",'defaultErrnoRet':-1"), "config.json: linux.seccomp.defaultErrnoRet: out of range" },
};

static bool
check_load_error (const char *json, const char *expected)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_config_ struct spc_config *c = load (json, &msg);
  CHECK (c == NULL);
  CHECK_STR (msg, expected);
  return true;
}

/* ---- index lists (execCPUAffinity, memoryPolicy.nodes) ---- */

static bool
index_lists_take_numbers_and_ranges (void)
{
  unsigned long mask[2 * 1024 / (8 * sizeof (unsigned long))];
  char why[128];
  CHECK (spc_parse_index_list ("0-3,7,100-101", mask, 2048, why, sizeof why) == 0);
  for (size_t i = 0; i < 2048; i++)
    CHECK (spc_mask_test (mask, i) == (i <= 3 || i == 7 || i == 100 || i == 101));
  /* As sysfs writes them, with a newline; and empty. */
  CHECK (spc_parse_index_list ("0\n", mask, 2048, why, sizeof why) == 0 && mask[0] == 1);
  CHECK (spc_parse_index_list ("", mask, 2048, why, sizeof why) == 0 && mask[0] == 0);
  CHECK (spc_parse_index_list ("2047", mask, 2048, why, sizeof why) == 0);
  return true;
}

static bool
index_lists_refuse_anything_else (void)
{
  unsigned long mask[1024 / (8 * sizeof (unsigned long))];
  char why[128];
  static const char *const bad[] = { "0,", ",0", "0-", "-1", "1--2", "a", "0 ,1", "+1", "0-3x",
                                     "1,,2" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      if (spc_parse_index_list (bad[i], mask, 1024, why, sizeof why) == 0)
        {
          printf ("#   `%s` was taken\n", bad[i]);
          return false;
        }
      CHECK_CONTAINS (why, "not a list of numbers and ranges");
    }
  CHECK (spc_parse_index_list ("3-1", mask, 1024, why, sizeof why) < 0);
  CHECK_STR (why, "`3-1`: range 3-1 goes backwards");
  CHECK (spc_parse_index_list ("0,1024", mask, 1024, why, sizeof why) < 0);
  CHECK_STR (why, "`0,1024`: 1024 is past the last one, 1023");
  CHECK (spc_parse_index_list ("99999999999999999999999", mask, 1024, why, sizeof why) < 0);
  return true;
}

/* One reported case per table row, named after the expected message. */
static void
run_error_cases (void)
{
  for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++)
    report (error_cases[i].error, check_load_error (error_cases[i].json, error_cases[i].error));
}

static const struct
{
  const char *json;
  const char *error;
} malformed_cases[] = {
  { "", "config.json: line 1, column 1: parse error: premature EOF" },
  { "{\n  'ociVersion': '1.0.0',\n  'root': {\n    'path' 'rootfs'",
    "config.json: line 4, column 19: parse error: object key and value must be separated by a colon (':')" },
  { "{'ociVersion': '1.0.0',}", "config.json: line 1, column 24: parse error: invalid object key (must be a string)" },
  { "{'a': 01}", "config.json: line 1, column 7: parse error: after key and value, inside map, I expect ',' or '}'" },
  { "{} {}", "config.json: line 1, column 4: parse error: trailing garbage" },
  { "{'a': \x01}", "config.json: line 1, column 7: lexical error: invalid char in json text." },
  { "{'a': '\xff'}", "config.json: line 1, column 8: lexical error: invalid bytes in UTF8 string." },
};

static void
run_malformed_cases (void)
{
  for (size_t i = 0; i < sizeof malformed_cases / sizeof malformed_cases[0]; i++)
    report (malformed_cases[i].error, check_load_error (malformed_cases[i].json, malformed_cases[i].error));
}

/* ---- files -------------------------------------------------------------- */

static bool
config_load_file (void)
{
  char path[] = "/tmp/spacer-test-XXXXXX";
  int fd = mkstemp (path);
  CHECK (fd >= 0);
  _cleanup_free_ char *json = unit_dequote (full_config);
  bool written = write (fd, json, strlen (json)) == (ssize_t) strlen (json);
  close (fd);
  struct spc_config *c = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  int r = spc_config_load_file (path, "bundle/config.json", &c, &err);
  unlink (path);
  CHECK (written);
  CHECK (r == 0);
  CHECK (c->process.n_args == 3);
  spc_config_free (c);

  CHECK (spc_config_load_file ("/nonexistent/config.json", "bundle/config.json", &c, &err) < 0);
  CHECK_STR (err->msg, "bundle/config.json: open: No such file or directory");
  CHECK (err->errno_ == ENOENT);
  return true;
}

/* ---- default spec ------------------------------------------------------- */

struct spec_call
{
  bool rootless;
  struct spc_config *config;
  char *error;
};

static void
do_load_spec (void *arg)
{
  struct spec_call *call = arg;
  _cleanup_free_ char *spec = spc_spec_generate (&(struct spc_spec_opts){ .rootless = call->rootless, .host_uid = 1000, .host_gid = 1001 });
  _cleanup_error_ spc_err_t err = NULL;
  if (spc_config_load_buffer (spec, strlen (spec), "config.json", &call->config, &err) < 0)
    call->error = strdup (err->msg);
}

static bool
default_spec_round_trips (void)
{
  struct spec_call call = { .rootless = false };
  _cleanup_free_ char *warnings = unit_capture_stderr (do_load_spec, &call);
  _cleanup_free_ char *msg = call.error;
  _cleanup_config_ struct spc_config *c = call.config;
  CHECK_STR (msg, NULL);
  CHECK_STR (warnings, "");
  CHECK_STR (c->oci_version, SPC_RUNTIME_SPEC_VERSION);
  CHECK (c->process.terminal && c->process.no_new_privileges && c->process.n_args == 1);
  CHECK_STR (c->process.args[0], "sh");
  CHECK_STR (c->process.env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  uint64_t caps = (UINT64_C (1) << CAP_AUDIT_WRITE) | (UINT64_C (1) << CAP_KILL)
                  | (UINT64_C (1) << CAP_NET_BIND_SERVICE);
  CHECK (c->process.capabilities.bounding == caps && c->process.capabilities.effective == caps
         && c->process.capabilities.permitted == caps && c->process.capabilities.inheritable == 0);
  CHECK (c->process.n_rlimits == 1 && c->process.rlimits[0].soft == 1024);
  CHECK_STR (c->root.path, "rootfs");
  CHECK (c->root.readonly);
  CHECK_STR (c->hostname, "spacer");
  CHECK (c->n_mounts == 7);
  CHECK_STR (c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  CHECK_STR (c->mounts[6].destination, "/sys/fs/cgroup");
  CHECK (c->mounts[6].flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY));
  CHECK (c->linux_.n_namespaces == 6 && spc_config_namespace (c, SPC_NS_NETWORK));
  CHECK (spc_config_namespace (c, SPC_NS_USER) == NULL);
  CHECK (c->linux_.resources.n_devices == 1 && !c->linux_.resources.devices[0].allow);
  CHECK (c->linux_.n_masked_paths == 10 && c->linux_.n_readonly_paths == 5);
  return true;
}

static bool
default_spec_rootless_round_trips (void)
{
  struct spec_call call = { .rootless = true };
  _cleanup_free_ char *warnings = unit_capture_stderr (do_load_spec, &call);
  _cleanup_free_ char *msg = call.error;
  _cleanup_config_ struct spc_config *c = call.config;
  CHECK_STR (msg, NULL);
  CHECK_STR (warnings, "");
  CHECK (spc_config_namespace (c, SPC_NS_USER) && !spc_config_namespace (c, SPC_NS_NETWORK));
  CHECK (c->linux_.n_uid_mappings == 1 && c->linux_.uid_mappings[0].host_id == 1000
         && c->linux_.uid_mappings[0].container_id == 0 && c->linux_.uid_mappings[0].size == 1);
  CHECK (c->linux_.n_gid_mappings == 1 && c->linux_.gid_mappings[0].host_id == 1001);
  CHECK (c->n_mounts == 6);
  CHECK_STR (c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
  CHECK_STR (c->mounts[5].source, "/sys");
  CHECK (c->mounts[5].flags == (MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  CHECK (!c->linux_.resources.present);
  return true;
}

static bool
default_spec_is_pretty (void)
{
  _cleanup_free_ char *spec = spc_spec_generate (&(struct spc_spec_opts){ 0 });
  const char *start = "{\n  \"ociVersion\": \"" SPC_RUNTIME_SPEC_VERSION "\",\n  \"process\": {\n"
                      "    \"terminal\": true,";
  CHECK (strncmp (spec, start, strlen (start)) == 0);
  CHECK (spec[strlen (spec) - 1] == '}');
  return true;
}

/* Options replace what they name and nothing else: a variable given
 * replaces its default in place of being added twice. */
static bool
spec_options_override_the_defaults (void)
{
  static const char *const args[] = { "/bin/app", "--flag", NULL };
  static const char *const env[] = { "PATH=/opt/bin", "A=b", NULL };
  static const struct spc_annotation notes[] = { { "k", "v" } };
  struct spc_spec_opts o = { .args = args, .env = env, .cwd = "/srv", .has_user = true,
                             .uid = 7, .gid = 8, .has_terminal = true, .terminal = false,
                             .root_path = "fs", .has_readonly = true, .readonly = false,
                             .hostname = "h", .annotations = notes, .n_annotations = 1 };
  _cleanup_free_ char *spec = spc_spec_generate (&o);
  _cleanup_config_ struct spc_config *c = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_config_load_buffer (spec, strlen (spec), "config.json", &c, &err) == 0);
  CHECK (c->process.n_args == 2);
  CHECK_STR (c->process.args[0], "/bin/app");
  CHECK (c->process.n_env == 3);
  CHECK_STR (c->process.env[0], "TERM=xterm");
  CHECK_STR (c->process.env[1], "PATH=/opt/bin");
  CHECK_STR (c->process.env[2], "A=b");
  CHECK_STR (c->process.cwd, "/srv");
  CHECK (c->process.user.uid == 7 && c->process.user.gid == 8);
  CHECK (!c->process.terminal);
  CHECK (!c->root.readonly);
  CHECK_STR (c->hostname, "h");
  CHECK (c->n_annotations == 1);
  _cleanup_free_ char *again = spc_spec_generate (&o);
  CHECK_STR (again, spec);
  return true;
}

/* A spec generated from o, loaded back. */
static struct spc_config *
load_spec_opts (const struct spc_spec_opts *o)
{
  _cleanup_free_ char *spec = spc_spec_generate (o);
  _cleanup_error_ spc_err_t err = NULL;
  struct spc_config *c = NULL;
  if (spec == NULL || spc_config_load_buffer (spec, strlen (spec), "config.json", &c, &err) < 0)
    {
      printf ("#   %s\n", err ? err->msg : "generate failed");
      return NULL;
    }
  return c;
}

/* Limits go beside the default device rules, as runc's engines put them. */
static bool
spec_options_limits (void)
{
  struct spc_spec_opts o = { .has_memory_limit = true, .memory_limit = 64 << 20,
                             .has_cpu_quota = true, .cpu_quota = 50000, .cpu_period = 100000,
                             .has_pids_limit = true, .pids_limit = 42 };
  _cleanup_config_ struct spc_config *c = load_spec_opts (&o);
  CHECK (c != NULL);
  const struct spc_resources *r = &c->linux_.resources;
  CHECK (r->n_devices == 1 && !r->devices[0].allow);
  CHECK (r->memory.has_limit && r->memory.limit == 64 << 20);
  CHECK (!r->memory.has_swap);
  CHECK (r->cpu.has_quota && r->cpu.quota == 50000);
  CHECK (r->cpu.has_period && r->cpu.period == 100000);
  CHECK (r->pids.has_limit && r->pids.limit == 42);

  /* Rootless has no device rules, but the limits. */
  o.rootless = true;
  _cleanup_config_ struct spc_config *rl = load_spec_opts (&o);
  CHECK (rl != NULL);
  CHECK (rl->linux_.resources.n_devices == 0);
  CHECK (rl->linux_.resources.pids.has_limit && rl->linux_.resources.pids.limit == 42);

  /* No period: the kernel's. */
  struct spc_spec_opts q = { .has_cpu_quota = true, .cpu_quota = 20000 };
  _cleanup_config_ struct spc_config *cq = load_spec_opts (&q);
  CHECK (cq != NULL);
  CHECK (cq->linux_.resources.cpu.has_quota && !cq->linux_.resources.cpu.has_period);
  CHECK (!cq->linux_.resources.memory.has_limit && !cq->linux_.resources.pids.has_limit);
  return true;
}

/* Binds come after the default mounts, in their order, rbind and rw/ro. */
static bool
spec_options_binds (void)
{
  static const struct spc_spec_bind binds[] = { { "/srv/data", "/data", false },
                                                { "/etc/hosts", "/etc/hosts", true } };
  struct spc_spec_opts o = { .binds = binds, .n_binds = 2 };
  _cleanup_config_ struct spc_config *plain = load_spec_opts (&(struct spc_spec_opts){ 0 });
  _cleanup_config_ struct spc_config *c = load_spec_opts (&o);
  CHECK (plain != NULL && c != NULL);
  CHECK (c->n_mounts == plain->n_mounts + 2);
  const struct spc_mount *m = &c->mounts[plain->n_mounts];
  CHECK_STR (m[0].destination, "/data");
  CHECK_STR (m[0].source, "/srv/data");
  CHECK_STR (m[0].type, "bind");
  CHECK (m[0].n_options == 2);
  CHECK_STR (m[0].options[0], "rbind");
  CHECK_STR (m[0].options[1], "rw");
  CHECK_STR (m[1].destination, "/etc/hosts");
  CHECK_STR (m[1].options[1], "ro");
  return true;
}

/* none: a network namespace, also for rootless; host: none of it. The
 * other namespaces stay as they were. */
static bool
spec_options_network (void)
{
  struct
  {
    bool rootless;
    enum spc_spec_network network;
    bool netns;
    size_t n;
  } cases[] = {
    { false, SPC_SPEC_NETWORK_DEFAULT, true, 6 }, { false, SPC_SPEC_NETWORK_NONE, true, 6 },
    { false, SPC_SPEC_NETWORK_HOST, false, 5 },   { true, SPC_SPEC_NETWORK_DEFAULT, false, 6 },
    { true, SPC_SPEC_NETWORK_NONE, true, 7 },     { true, SPC_SPEC_NETWORK_HOST, false, 6 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct spc_spec_opts o = { .rootless = cases[i].rootless, .host_uid = 1000,
                                 .host_gid = 1000, .network = cases[i].network };
      _cleanup_config_ struct spc_config *c = load_spec_opts (&o);
      CHECK (c != NULL);
      CHECK (spc_namespaces_creates (c, SPC_NS_NETWORK) == cases[i].netns);
      CHECK (c->linux_.n_namespaces == cases[i].n);
      CHECK (spc_namespaces_creates (c, SPC_NS_PID) && spc_namespaces_creates (c, SPC_NS_MOUNT));
      CHECK (spc_namespaces_creates (c, SPC_NS_USER) == cases[i].rootless);
    }
  /* A new sysfs where the network namespace is the container's own; a
   * rootless container in the host's binds the host's /sys. */
  struct spc_spec_opts rl = { .rootless = true, .host_uid = 1000, .host_gid = 1000 };
  _cleanup_config_ struct spc_config *shared = load_spec_opts (&rl);
  rl.network = SPC_SPEC_NETWORK_NONE;
  _cleanup_config_ struct spc_config *own = load_spec_opts (&rl);
  CHECK (shared != NULL && own != NULL);
  const struct spc_mount *sys_shared = NULL, *sys_own = NULL;
  for (size_t i = 0; i < shared->n_mounts; i++)
    if (strcmp (shared->mounts[i].destination, "/sys") == 0)
      sys_shared = &shared->mounts[i];
  for (size_t i = 0; i < own->n_mounts; i++)
    if (strcmp (own->mounts[i].destination, "/sys") == 0)
      sys_own = &own->mounts[i];
  CHECK (sys_shared != NULL && sys_own != NULL);
  CHECK_STR (sys_shared->source, "/sys");
  CHECK_STR (sys_own->type, "sysfs");
  /* none is what the rootful default already is, byte for byte. */
  _cleanup_free_ char *plain = spc_spec_generate (&(struct spc_spec_opts){ 0 });
  _cleanup_free_ char *none
      = spc_spec_generate (&(struct spc_spec_opts){ .network = SPC_SPEC_NETWORK_NONE });
  CHECK_STR (none, plain);
  return true;
}

/* ---- the default seccomp profile ---------------------------------------- */

/* What the profile must refuse with EPERM, whatever else it does. */
static const char *const profile_refused[] = {
  "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "bpf", "mount",
  "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
  "pivot_root", "init_module", "finit_module", "delete_module", "create_module", "reboot",
  "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
  "perf_event_open", "userfaultfd", "unshare", "setns", NULL,
};

/* What it must hide with ENOSYS, so that programs fall back. */
static const char *const profile_hidden[] = {
  "clone3", "io_uring_setup", "io_uring_enter", "io_uring_register", NULL,
};

/* What a shell cannot do without. */
static const char *const profile_allowed[] = {
  "read", "write", "openat", "close", "execve", "exit_group", "wait4", "fork", "mmap",
  "rt_sigaction", "getdents64", "newfstatat", "chown", "setuid", "ptrace", NULL,
};

#define NAMESPACE_FLAGS                                                                       \
  (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET     \
   | CLONE_NEWCGROUP)

static bool
rule_names (const struct spc_seccomp_syscall *sc, const char *name)
{
  for (size_t i = 0; i < sc->n_names; i++)
    if (strcmp (sc->names[i], name) == 0)
      return true;
  return false;
}

static bool
is_errno_rule (const struct spc_seccomp_syscall *sc, uint32_t errno_ret)
{
  return strcmp (sc->action, "SCMP_ACT_ERRNO") == 0 && sc->has_errno_ret
         && sc->errno_ret == errno_ret;
}

/* name is in a rule without conditions that returns errno_ret, and in no
 * ALLOW rule (which could let it through). */
static bool
profile_returns (const struct spc_seccomp *s, const char *name, uint32_t errno_ret)
{
  bool found = false;
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      const struct spc_seccomp_syscall *sc = &s->syscalls[i];
      if (!rule_names (sc, name))
        continue;
      if (strcmp (sc->action, "SCMP_ACT_ALLOW") == 0)
        {
          printf ("#   %s is in an ALLOW rule (syscalls[%zu])\n", name, i);
          return false;
        }
      found |= is_errno_rule (sc, errno_ret) && sc->n_args == 0;
    }
  if (!found)
    printf ("#   %s is in no rule returning errno %" PRIu32 "\n", name, errno_ret);
  return found;
}

/* name is in an ALLOW rule without conditions. */
static bool
profile_allows (const struct spc_seccomp *s, const char *name)
{
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (rule_names (&s->syscalls[i], name) && strcmp (s->syscalls[i].action, "SCMP_ACT_ALLOW") == 0
        && s->syscalls[i].n_args == 0)
      return true;
  printf ("#   %s is not allowed\n", name);
  return false;
}

/* The one comparison of a single-argument rule on argument 0. */
static bool
has_condition (const struct spc_seccomp_syscall *sc, const char *op, uint64_t value,
               uint64_t value_two)
{
  return sc->n_args == 1 && sc->args[0].index == 0 && strcmp (sc->args[0].op, op) == 0
         && sc->args[0].value == value && sc->args[0].value_two == value_two;
}

/* clone: allowed only when no namespace flag is set; each flag refused. */
static bool
check_profile_clone (const struct spc_seccomp *s)
{
  size_t allows = 0, refusals = 0;
  uint64_t refused_flags = 0;
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      const struct spc_seccomp_syscall *sc = &s->syscalls[i];
      if (!rule_names (sc, "clone"))
        continue;
      CHECK (sc->n_names == 1);
      if (strcmp (sc->action, "SCMP_ACT_ALLOW") == 0)
        {
          CHECK (has_condition (sc, "SCMP_CMP_MASKED_EQ", NAMESPACE_FLAGS, 0));
          allows++;
          continue;
        }
      CHECK (is_errno_rule (sc, EPERM) && sc->n_args == 1);
      CHECK (has_condition (sc, "SCMP_CMP_MASKED_EQ", sc->args[0].value, sc->args[0].value));
      refused_flags |= sc->args[0].value;
      refusals++;
    }
  CHECK (allows == 1 && refusals == 7 && refused_flags == NAMESPACE_FLAGS);
  return true;
}

/* personality: allowed for the harmless values only, refused for no value
 * (the others get the default ENOSYS). */
static bool
check_profile_personality (const struct spc_seccomp *s)
{
  static const uint64_t harmless[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
  unsigned seen = 0;
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      const struct spc_seccomp_syscall *sc = &s->syscalls[i];
      if (!rule_names (sc, "personality"))
        continue;
      CHECK (sc->n_names == 1 && strcmp (sc->action, "SCMP_ACT_ALLOW") == 0);
      size_t v = 0;
      while (v < 5 && !has_condition (sc, "SCMP_CMP_EQ", harmless[v], 0))
        v++;
      CHECK (v < 5);
      seen |= 1u << v;
    }
  CHECK (seen == 0x1f);
  return true;
}

static bool
check_profile (const struct spc_seccomp *s)
{
  CHECK (s != NULL);
  CHECK_STR (s->default_action, "SCMP_ACT_ERRNO");
  CHECK (s->has_default_errno_ret && s->default_errno_ret == ENOSYS && ENOSYS == 38);
  CHECK (s->n_architectures == 5);
  CHECK_STR (s->architectures[0], "SCMP_ARCH_X86_64");
  CHECK_STR (s->architectures[1], "SCMP_ARCH_X86");
  CHECK_STR (s->architectures[2], "SCMP_ARCH_X32");
  CHECK_STR (s->architectures[3], "SCMP_ARCH_AARCH64");
  CHECK_STR (s->architectures[4], "SCMP_ARCH_ARM");
  CHECK (s->n_flags == 0 && s->listener_path == NULL);
  for (const char *const *n = profile_refused; *n; n++)
    CHECK (profile_returns (s, *n, EPERM));
  for (const char *const *n = profile_hidden; *n; n++)
    CHECK (profile_returns (s, *n, ENOSYS));
  for (const char *const *n = profile_allowed; *n; n++)
    CHECK (profile_allows (s, *n));
  return check_profile_clone (s) && check_profile_personality (s);
}

static bool
default_spec_has_seccomp_profile (void)
{
  for (int rootless = 0; rootless <= 1; rootless++)
    {
      struct spec_call call = { .rootless = rootless };
      _cleanup_free_ char *warnings = unit_capture_stderr (do_load_spec, &call);
      _cleanup_free_ char *msg = call.error;
      _cleanup_config_ struct spc_config *c = call.config;
      CHECK_STR (msg, NULL);
      CHECK_STR (warnings, "");
      CHECK (check_profile (c->linux_.seccomp));
    }
  return true;
}

static struct spc_config *
load_default_spec (void)
{
  _cleanup_free_ char *spec = spc_spec_generate (&(struct spc_spec_opts){ 0 });
  _cleanup_error_ spc_err_t err = NULL;
  struct spc_config *c = NULL;
  if (spc_config_load_buffer (spec, strlen (spec), "config.json", &c, &err) < 0)
    printf ("#   %s\n", err->msg);
  return c;
}

/* libseccomp takes every rule: one it refused would fail every container
 * made from `spacer spec`. */
static bool
default_spec_seccomp_builds (void)
{
  _cleanup_config_ struct spc_config *c = load_default_spec ();
  CHECK (c != NULL);
  struct spc_seccomp_filter *f = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  int r = spc_seccomp_build (c->linux_.seccomp, NULL, -1, &f, &err);
  if (r < 0)
    printf ("#   %s\n", err->msg);
  spc_seccomp_free (f);
  CHECK (r == 0);
  return true;
}

/* The errno syscall(nr, a0) leaves, 0 if it succeeded. */
static int
errno_of (long nr, unsigned long a0)
{
  errno = 0;
  return syscall (nr, a0, 0, 0, 0, 0) < 0 ? errno : 0;
}

/* In a child: load the filter and try syscalls of each verdict. The exit
 * status is the number of the first check that failed. The arguments are
 * such that the kernel itself would answer otherwise (EFAULT, EINVAL, or
 * success for the user namespace): the errno can only be the filter's.
 * clone with namespace flags is left to the integration tests, where a
 * child that escaped the filter cannot run on into this code. */
static int __attribute__ ((noreturn))
filter_child (struct spc_seccomp_filter *f)
{
  spc_err_t err = NULL;
  int unused;
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || spc_seccomp_load (f, &unused, &err) < 0)
    _exit (100);
  if (errno_of (SYS_getppid, 0) != 0)
    _exit (1);
  if (errno_of (SYS_keyctl, KEYCTL_GET_KEYRING_ID) != EPERM)
    _exit (2);
  if (errno_of (SYS_umount2, 0) != EPERM)
    _exit (3);
  if (errno_of (SYS_unshare, CLONE_NEWUSER) != EPERM)
    _exit (4);
  if (errno_of (SYS_clone3, 0) != ENOSYS)
    _exit (5);
  if (errno_of (SYS_io_uring_setup, 0) != ENOSYS)
    _exit (6);
  if (errno_of (1000, 0) != ENOSYS)
    _exit (7);
  if (errno_of (SYS_personality, 0xffffffff) != 0)
    _exit (8);
  if (errno_of (SYS_personality, ADDR_NO_RANDOMIZE) != ENOSYS)
    _exit (9);
  _exit (0);
}

/* The built filter decides as the profile says, without root: a process
 * with no_new_privs may load a filter into itself. */
static bool
default_spec_seccomp_filter_decides (void)
{
  _cleanup_config_ struct spc_config *c = load_default_spec ();
  CHECK (c != NULL);
  struct spc_seccomp_filter *f = NULL;
  _cleanup_error_ spc_err_t err = NULL;
  CHECK (spc_seccomp_build (c->linux_.seccomp, NULL, -1, &f, &err) == 0);
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    filter_child (f);
  spc_seccomp_free (f);
  int status;
  CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    printf ("#   the child failed check %d\n", WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return true;
}

int
main (void)
{
  RUN (json_parses_tree);
  RUN (json_reports_line_and_column);
  RUN (json_rejects_deep_nesting);
  RUN (json_parse_members_builds_only_the_kept);
  RUN (json_parse_members_checks_the_skipped);
  RUN (state_parse_listed_reads_all_but_cgroup_and_hooks);
  RUN (state_parse_listed_refuses_a_broken_file);
  RUN (json_integer_ranges);
  RUN (writer_escapes_strings);
  RUN (writer_pretty_prints);
  RUN (config_minimal);
  RUN (config_full);
  RUN (config_null_members_are_absent);
  RUN (config_relative_destinations_warn);
  RUN (config_unsupported_version_only_warns);
  RUN (config_version_not_semver_is_an_error);
  RUN (config_namespace_helpers);
  run_error_cases ();
  run_malformed_cases ();
  RUN (config_load_file);
  RUN (default_spec_round_trips);
  RUN (default_spec_rootless_round_trips);
  RUN (default_spec_is_pretty);
  RUN (spec_options_override_the_defaults);
  RUN (spec_options_limits);
  RUN (spec_options_binds);
  RUN (spec_options_network);
  RUN (default_spec_has_seccomp_profile);
  RUN (default_spec_seccomp_builds);
  RUN (default_spec_seccomp_filter_decides);
  RUN (index_lists_take_numbers_and_ranges);
  RUN (index_lists_refuse_anything_else);
  return unit_summary ();
}
