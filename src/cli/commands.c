/* Every command: its function, and the one description of its flags that
 * its help and the usage in its errors are made from. The flags' parsing
 * stays in each command's file; cli.bats checks that every long option a
 * command parses is described here. */
#include "config.h"

#include <string.h>

#include "cli.h"

const struct spc_cli_flag spc_cli_global_flags[] = {
  { 0, "root", "DIR",
    "state directory (default " SPACER_DEFAULT_ROOT ", or $XDG_RUNTIME_DIR/spacer when not root)" },
  { 0, "log", "FILE", "write diagnostics to FILE instead of stderr" },
  { 0, "log-format", "text|json", "diagnostics as text (default) or one JSON object a line" },
  { 0, "debug", NULL, "verbose diagnostics" },
  { 0, "systemd-cgroup", NULL,
    "cgroupsPath is slice:prefix:name, made through cgroupfs without systemd (a warning says "
    "what differs)" },
  { 0, "rootless", "true|false|auto",
    "cgroup permission errors: true tolerates them, false makes them fatal, auto (default) "
    "tolerates them when not root" },
  { 0, "criu", "PATH",
    "the criu binary checkpoint and restore look at (default: criu in PATH); refused by the "
    "other commands: spacer has no checkpoint/restore" },
  { 'v', "version", NULL, "print the version" },
  { 'h', "help", NULL, "print this help" },
  { 0 },
};

/* What create and run both take. */
#define CREATE_FLAGS                                                                        \
  { 'b', "bundle", "DIR", "the bundle: config.json and rootfs (default: the current directory)" }, \
  { 0, "config", "FILE", "the config instead of BUNDLE/config.json (a relative FILE is in the bundle)" }, \
  { 0, "pid-file", "FILE", "write the container init's pid to FILE" },                       \
  { 0, "console-socket", "PATH",                                                            \
    "send the terminal's pty master over the unix socket PATH (process.terminal)" },        \
  { 0, "pidfd-socket", "PATH",                                                              \
    "send a pidfd of the container's init over the unix socket PATH (as runc 1.2)" },       \
  { 0, "preserve-fds", "N", "pass N more fds (from 3, after LISTEN_FDS ones) to the program" }, \
  { 0, "no-pivot", NULL,                                                                    \
    "move the rootfs onto / with MS_MOVE and chroot instead of pivot_root (ramfs roots)" }, \
  { 0, "no-new-keyring", NULL,                                                              \
    "keep the caller's session keyring instead of a new one named after the container" }

static const struct spc_cli_flag create_flags[] = { CREATE_FLAGS, { 0 } };

static const struct spc_cli_flag run_flags[] = {
  CREATE_FLAGS,
  { 'd', "detach", NULL, "return once the program runs instead of waiting for it to exit" },
  { 0, "keep", NULL, "keep the stopped container's state after it exits in the foreground" },
  { 0, "no-subreaper", NULL, "do not make spacer a child subreaper while it waits" },
  { 0 },
};

static const struct spc_cli_flag launch_flags[] = {
  { 0, "rootfs", "DIR", "the root filesystem, used in place (writable unless --read-only)" },
  { 0, "image", "SOURCE", "an image (OCI layout, docker save or rootfs tarball), unpacked privately" },
  { 0, "tag", "TAG", "the image's manifest to run, when SOURCE holds several" },
  { 0, "hostname", "NAME", "the container's hostname (default spacer)" },
  { 0, "memory", "SIZE", "memory limit (k, m, g suffixes)" },
  { 0, "cpus", "N", "CPU time limit in CPUs, e.g. 0.5 (a CFS quota per 100 ms)" },
  { 0, "pids-limit", "N", "most processes the container may have" },
  { 'e', "env", "KEY[=VALUE]", "set a variable; KEY alone takes the caller's (repeatable)" },
  { 'v', "volume", "SRC:DST[:ro]", "bind-mount the host path SRC at DST (repeatable)" },
  { 'u', "user", "UID[:GID]", "run as UID (and GID); names from the rootfs's /etc/passwd, /etc/group" },
  { 0, "network", "none|host", "none (default): a network namespace with only lo; host: the host's" },
  { 'w', "workdir", "DIR", "working directory, inside the container (default /)" },
  { 0, "read-only", NULL, "mount the root filesystem read-only" },
  { 0, "rm", NULL, "remove the container at the end (always done)" },
  { 0, "name", "ID", "the container's ID (default launch-RANDOM)" },
  { 't', "tty", NULL, "give the program a pty (standard input must be a terminal)" },
  { 0, "print-config", NULL, "print the config.json it would run, and exit" },
  { 0 },
};

static const struct spc_cli_flag no_flags[] = { { 0 } };

static const struct spc_cli_flag kill_flags[] = {
  { 'a', "all", NULL,
    "signal every process in the container's cgroup, not only its init (in a cgroup it "
    "joined: those of its pid namespace; without one, only the init)" },
  { 0 },
};

static const struct spc_cli_flag delete_flags[] = {
  { 'f', "force", NULL, "kill a running container first; an unknown ID is not an error" },
  { 0 },
};

static const struct spc_cli_flag list_flags[] = {
  { 'f', "format", "table|json", "output format (default table)" },
  { 'q', "quiet", NULL, "print only the IDs" },
  { 0 },
};

static const struct spc_cli_flag ps_flags[] = {
  { 'f', "format", "table|json", "ps(1)'s lines (default) or a JSON array of pids" },
  { 0 },
};

static const struct spc_cli_flag update_flags[] = {
  { 0, "memory", "N", "memory limit in bytes (k, m, g, t suffixes; -1: none)" },
  { 0, "memory-reservation", "N", "memory soft limit in bytes" },
  { 0, "memory-swap", "N", "memory plus swap limit in bytes (-1: unlimited swap)" },
  { 0, "cpu-shares", "N", "relative CPU weight" },
  { 0, "cpu-share", "N", "the same, as runc spells it" },
  { 0, "cpu-quota", "N", "CPU time in microseconds allowed per period" },
  { 0, "cpu-period", "N", "CFS period in microseconds" },
  { 0, "cpu-rt-period", "N", "realtime period in microseconds (cgroup v1's cpu.rt_period_us)" },
  { 0, "cpu-rt-runtime", "N",
    "realtime run time in microseconds a period allows (cgroup v1's cpu.rt_runtime_us)" },
  { 0, "cpuset-cpus", "LIST", "CPUs to run on, e.g. 0-3,7" },
  { 0, "cpuset-mems", "LIST", "memory nodes to use, e.g. 0-1" },
  { 0, "pids-limit", "N", "most processes the container may have (-1: none; 0 is a limit of 0)" },
  { 0, "blkio-weight", "N", "block I/O weight, 10 to 1000" },
  { 0, "l3-cache-schema", "SCHEMA",
    "Intel RDT L3 cache schema, e.g. L3:0=ff (refused: spacer sets it at create only)" },
  { 0, "mem-bw-schema", "SCHEMA",
    "Intel RDT memory bandwidth schema, e.g. MB:0=50 (refused likewise)" },
  { 'r', "resources", "FILE",
    "linux.resources as JSON from FILE (- for stdin) instead of the other flags" },
  { 0 },
};

static const struct spc_cli_flag events_flags[] = {
  { 0, "stats", NULL, "print one statistics record and exit" },
  { 0, "interval", "DURATION", "time between statistics records, e.g. 5s or 500ms (default 5s)" },
  { 0 },
};

static const struct spc_cli_flag spec_flags[] = {
  { 'b', "bundle", "DIR", "write DIR/config.json (default: the current directory)" },
  { 0, "rootless", NULL,
    "for a plain user: a user namespace mapping root to you, no network namespace" },
  { 0 },
};

static const struct spc_cli_flag unpack_flags[] = {
  { 0, "max-size", "SIZE",
    "give up, leaving nothing, past SIZE bytes unpacked (K, M, G; default 16G)" },
  { 'q', "quiet", NULL, "no progress line (there is none when stderr is not a terminal)" },
  { 0 },
};

static const struct spc_cli_flag bundle_flags[] = {
  { 0, "tag", "REPO:TAG", "the image to take when SOURCE holds several (a docker save archive)" },
  { 0, "max-size", "SIZE",
    "give up, leaving nothing, past SIZE bytes unpacked (K, M, G; default 16G)" },
  { 'q', "quiet", NULL, "no progress line (there is none when stderr is not a terminal)" },
  { 0 },
};

static const struct spc_cli_flag exec_flags[] = {
  { 'p', "process", "FILE", "the process: a runtime-spec process object (instead of COMMAND)" },
  { 'd', "detach", NULL, "return once the program runs instead of waiting for it to exit" },
  { 0, "pid-file", "FILE", "write the process's pid to FILE" },
  { 't', "tty", NULL, "give the process a pty" },
  { 0, "console-socket", "PATH", "send the pty master over the unix socket PATH (with -t)" },
  { 0, "pidfd-socket", "PATH",
    "send a pidfd of the process over the unix socket PATH (as runc 1.2)" },
  { 0, "cwd", "DIR", "working directory, inside the container" },
  { 'e', "env", "KEY=VALUE", "set an environment variable (repeatable)" },
  { 'u', "user", "UID[:GID]", "run as UID (and GID)" },
  { 'g', "additional-gids", "GID", "supplementary group (repeatable, or GID,GID...)" },
  { 'c', "cap", "CAP", "add a capability (not to the inheritable set; repeatable)" },
  { 0, "no-new-privs", NULL, "set no_new_privs" },
  { 0, "apparmor", "PROFILE", "AppArmor profile of the process" },
  { 0, "process-label", "LABEL", "SELinux label of the process" },
  { 0, "preserve-fds", "N", "pass N more fds (from 3) to the program" },
  { 0, "ignore-paused", NULL, "exec in a paused container too (the process waits for resume)" },
  { 0, "cgroup", "[CONTROLLER:]PATH", "run in the sub-cgroup PATH of the container's (repeatable)" },
  { 0 },
};

/* runc's flags, parsed for the refusal (checkpoint.c). */
static const struct spc_cli_flag checkpoint_flags[] = {
  { 0, "image-path", "DIR", "where CRIU would write the image files" },
  { 0, "work-path", "DIR", "where CRIU would write its work files and logs" },
  { 0, "parent-path", "DIR", "the image of a previous pre-dump" },
  { 0, "leave-running", NULL, "leave the container running after the checkpoint" },
  { 0, "tcp-established", NULL, "allow open TCP connections" },
  { 0, "tcp-skip-in-flight", NULL, "skip in-flight TCP connections" },
  { 0, "link-remap", NULL, "link unlinked files back when possible" },
  { 0, "ext-unix-sk", NULL, "allow external unix sockets" },
  { 0, "shell-job", NULL, "allow shell jobs" },
  { 0, "lazy-pages", NULL, "restore memory pages lazily (userfaultfd)" },
  { 0, "status-fd", "FD", "where CRIU would write a NUL byte once lazy pages are ready" },
  { 0, "page-server", "ADDRESS:PORT", "the page server" },
  { 0, "file-locks", NULL, "handle file locks" },
  { 0, "pre-dump", NULL, "dump memory only, leaving the container running" },
  { 0, "manage-cgroups-mode", "MODE",
    "CRIU's cgroups mode: soft (default), full, strict or ignore" },
  { 0, "empty-ns", "NS", "make the namespace NS but do not restore it (repeatable)" },
  { 0, "auto-dedup", NULL, "deduplicate memory images" },
  { 0 },
};

static const struct spc_cli_flag restore_flags[] = {
  { 0, "console-socket", "PATH", "where the pty master would go" },
  { 0, "image-path", "DIR", "where CRIU would read the image files" },
  { 0, "work-path", "DIR", "where CRIU would write its work files and logs" },
  { 0, "tcp-established", NULL, "allow open TCP connections" },
  { 0, "ext-unix-sk", NULL, "allow external unix sockets" },
  { 0, "shell-job", NULL, "allow shell jobs" },
  { 0, "file-locks", NULL, "handle file locks" },
  { 0, "manage-cgroups-mode", "MODE",
    "CRIU's cgroups mode: soft (default), full, strict or ignore" },
  { 'b', "bundle", "DIR", "the bundle (default: the current directory)" },
  { 'd', "detach", NULL, "return once the container runs" },
  { 0, "pid-file", "FILE", "write the init's pid to FILE" },
  { 0, "no-subreaper", NULL, "do not make spacer a child subreaper" },
  { 0, "no-pivot", NULL, "MS_MOVE + chroot instead of pivot_root" },
  { 0, "empty-ns", "NS", "make the namespace NS but do not restore it (repeatable)" },
  { 0, "auto-dedup", NULL, "deduplicate memory images" },
  { 0, "lazy-pages", NULL, "restore memory pages lazily (userfaultfd)" },
  { 0, "lsm-profile", "TYPE:NAME", "the LSM profile to restore with" },
  { 0, "lsm-mount-context", "CONTEXT", "the LSM mount context to restore with" },
  { 0 },
};

static const struct spc_cli_flag validate_flags[] = {
  { 'f', "format", "text|json",
    "FILE:LINE:COLUMN: error|warning: PATH: MESSAGE lines (default) or a JSON array" },
  { 0, "strict", NULL, "fail (exit 1) on warnings too" },
  { 0 },
};

const struct spc_cli_command spc_cli_commands[] = {
  { "create", spc_cmd_create, true, "create a container", "ID",
    "The container's program waits until `spacer start ID`.", create_flags },
  { "start", spc_cmd_start, true, "start the user program of a created container", "ID",
    "The poststart hooks run once the program runs; should one fail, start fails and\n"
    "the container is killed and left stopped, for delete (which runs poststop).",
    no_flags },
  { "run", spc_cmd_run, true, "create and start a container", "ID",
    "In the foreground spacer forwards signals to the program, exits with its status\n"
    "(128+N when signal N ended it) and deletes the container.",
    run_flags },
  { "launch", spc_cmd_launch, true, "run a rootfs or an image at once, configured by flags",
    "(--rootfs DIR | --image SOURCE) [--] [COMMAND [ARG...]]",
    "No bundle to make: the default spec (spacer spec) under the flags, built in memory.\n"
    "COMMAND defaults to the image's Entrypoint and Cmd (a COMMAND replaces the Cmd),\n"
    "or sh. spacer forwards signals, exits with the program's status (128+N when\n"
    "signal N ended it; 125 when launch itself fails) and removes everything at the\n"
    "end: the state, the cgroup and its private directory below $TMPDIR (default\n"
    "/var/tmp), the bundle state records (a copy of the config for exec, an unpacked\n"
    "image). --print-config prints the config, to run later from a bundle with\n"
    "spacer run (root.path is \"rootfs\" for an image: make it with spacer bundle).",
    launch_flags },
  { "exec", spc_cmd_exec, true, "run a process in a created or running container",
    "ID [COMMAND [ARG...]]",
    "The process joins the container's namespaces and cgroups and gets its seccomp filter,\n"
    "capabilities, rlimits and identity, with the flags' changes. In the foreground spacer\n"
    "forwards signals and exits with the process's status (128+N when signal N ended it);\n"
    "spacer's own failures exit 255.",
    exec_flags },
  { "state", spc_cmd_state, true, "print the state of a container", "ID", NULL, no_flags },
  { "kill", spc_cmd_kill, true, "send a signal to the container's init", "ID [SIGNAL]",
    "SIGNAL is a name (TERM, SIGTERM, term) or a number. Without one, the signal the\n"
    "container's org.opencontainers.image.stopSignal annotation names, else TERM.",
    kill_flags },
  { "delete", spc_cmd_delete, true, "delete a container and everything it holds", "ID", NULL,
    delete_flags },
  { "list", spc_cmd_list, true, "list containers", "", NULL, list_flags },
  { "ps", spc_cmd_ps, true, "list the processes in a container", "ID [-- PS-OPTIONS...]",
    "The table is ps(1)'s, -ef unless PS-OPTIONS are given.", ps_flags },
  { "pause", spc_cmd_pause, true, "freeze every process in a container", "ID", NULL, no_flags },
  { "resume", spc_cmd_resume, true, "thaw a paused container", "ID", NULL, no_flags },
  { "update", spc_cmd_update, true, "change a running container's resource limits", "ID", NULL,
    update_flags },
  { "events", spc_cmd_events, true, "resource statistics and OOM events of a container", "ID",
    "Without --stats: a statistics record every interval and one for each OOM kill,\n"
    "one JSON object a line, until the container stops.",
    events_flags },
  { "spec", spc_cmd_spec, false, "write a default config.json", "", NULL, spec_flags },
  { "bundle", spc_cmd_bundle, false, "make a bundle (rootfs and config.json) from an image",
    "SOURCE DIR",
    "SOURCE is an OCI image layout (a directory or a tarball of one; LAYOUT:TAG or\n"
    "LAYOUT@sha256:DIGEST picks a manifest), a `docker save` archive or a plain rootfs\n"
    "tarball, told apart by content. Every blob's digest and size is checked. DIR\n"
    "must be missing or empty; it gets rootfs/ and config.json, or nothing on failure.",
    bundle_flags },
  { "unpack", spc_cmd_unpack, false, "extract a rootfs tarball into a directory", "ARCHIVE DIR",
    "ARCHIVE is any tarball libarchive reads (\"-\": stdin). DIR must be missing or an\n"
    "empty directory: the tree is made beside it and renamed into place, so a failure\n"
    "or a signal leaves nothing. Entries never land outside DIR.",
    unpack_flags },
  { "features", spc_cmd_features, false, "print the runtime-spec features spacer implements", "",
    "One JSON object, the runtime-spec's Features structure (features.md): the\n"
    "config.json names spacer recognizes, and which seccomp flags and LSMs this\n"
    "host supports.",
    no_flags },
  { "validate", spc_cmd_validate, false, "check a config.json and report every problem",
    "[PATH]",
    "PATH is a bundle directory (its config.json, and its rootfs when there) or a\n"
    "config file; the default is the current directory. Nothing is created and root\n"
    "is not needed. Exit 1 on an error (or, with --strict, a warning).",
    validate_flags },
  { "checkpoint", spc_cmd_checkpoint, true,
    "checkpoint a running container (refused: spacer has no checkpoint/restore)", "ID",
    "runc's command and flags, so that callers get a reason: spacer does not drive\n"
    "CRIU. It refuses (exit 1) saying why on this host: CRIU not installed, `criu\n"
    "check` failing (its last words), or, where CRIU would work, that spacer does not.",
    checkpoint_flags },
  { "restore", spc_cmd_restore, true,
    "restore a container from a checkpoint (refused: spacer has no checkpoint/restore)", "ID",
    "runc's command and flags; refused as checkpoint is, saying why.", restore_flags },
  { "help", spc_cmd_help, false, "print the help of spacer or of a command", "[COMMAND]", NULL,
    no_flags },
  { 0 },
};

const struct spc_cli_command *
spc_cli_find_command (const char *name)
{
  for (const struct spc_cli_command *c = spc_cli_commands; c->name; c++)
    if (strcmp (c->name, name) == 0)
      return c;
  return NULL;
}
