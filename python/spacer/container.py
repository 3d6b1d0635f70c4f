"""spacer.Container: a container as a context manager."""

import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading

from . import _find, _lib, process
from .errors import Error

# Where the idle init is bind-mounted: inside the /dev tmpfs, so that
# nothing is written to the rootfs, which may be read-only or shared.
IDLE_PATH = "/dev/.spacer-idle"
# The idle init's fd for the owner pipe (the create's first extra fd).
_OWNER_FD = 3

_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(value):
    """Bytes from an int or "64m", "1g", "512k" (powers of 1024)."""
    if isinstance(value, int):
        return value
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"not a size: {value!r} (bytes, or a number with k, m, g or t)")
    return int(m.group(1)) * 1024 ** " kmgt".index((m.group(2) or " ").lower())


def _mount(spec):
    """An OCI mount from a dict (as is), (src, dst[, "ro"]) or "src:dst[:ro]"."""
    if isinstance(spec, dict):
        return spec
    if isinstance(spec, str):
        spec = tuple(spec.split(":"))
    if not 2 <= len(spec) <= 3:
        raise ValueError(f"a mount is a dict, (source, destination[, 'ro']) or "
                         f"'source:destination[:ro]': {spec!r}")
    src, dst = os.fspath(spec[0]), os.fspath(spec[1])
    opts = ["rbind"]
    if len(spec) == 3:
        extra = spec[2]
        opts += extra.split(",") if isinstance(extra, str) else list(extra)
    return {"destination": dst, "type": "bind", "source": os.path.abspath(src),
            "options": opts}


def _idmap(m):
    if isinstance(m, dict):
        return m
    c, h, n = m
    return {"containerID": int(c), "hostID": int(h), "size": int(n)}


def spec_default(rootless=False):
    """The config `spacer spec [--rootless]` writes, as a dict."""
    out = ctypes.c_void_p()
    _lib.call(_lib.lib.spacer_spec_default, _lib.SPEC_ROOTLESS if rootless else 0,
              ctypes.byref(out))
    return json.loads(_lib.take_string(out))


class Container:
    """A container; entering it creates and starts it, leaving deletes it.

    Container(rootfs=DIR, ...) builds its config from `spacer spec` (with
    --rootless for a user other than root, or with uid_map) and the
    arguments; Container(bundle=DIR) takes an OCI bundle's config.json.
    Either way the container's init is spacer's idle program, so that it
    runs until left whatever the rootfs holds; programs run in it with
    run() and Popen(). The config is `config` (a dict) until start().

    rootfs, bundle: the root filesystem / the bundle directory.
    id: the container ID (default "py-" and random hex).
    root: the state directory (default: the library's, /run/spacer).
    hostname; memory ("64m" or bytes); cpus (a float: CPUs' worth of
    time); pids (the most processes); env (dict or "K=V" list, over the
    spec's); mounts (dicts, (source, destination[, "ro"]) or
    "source:destination[:ro]"; bind mounts); user (uid, "uid:gid" or a
    pair: the processes' default identity); network ("none": a network
    namespace of its own, only loopback; "host": the host's; a path: the
    namespace at that path; default: "none" for root, "host" rootless, as
    `spacer spec`); uid_map, gid_map ((container_id, host_id, size)
    triples: a user namespace; gid_map defaults to uid_map); readonly
    (the root read-only; default as the spec: True); rootless (default:
    not root); cwd (the processes' default working directory); binary
    (the spacer binary create and exec run).
    """

    def __init__(self, rootfs=None, *, bundle=None, id=None, root=None, hostname=None,
                 memory=None, cpus=None, pids=None, env=None, mounts=None, user=None,
                 network=None, uid_map=None, gid_map=None, readonly=None, rootless=None,
                 cwd=None, binary=None):
        if (rootfs is None) == (bundle is None):
            raise ValueError("give exactly one of rootfs and bundle")
        self.id = id or "py-" + secrets.token_hex(6)
        self.root = os.path.abspath(root) if root is not None else None
        self.binary = binary
        self._ctx = None
        self._owner = None  # our end of the owner pipe
        self._owned = True  # delete on leaving
        self._lock = threading.RLock()  # libspacer: one thread at a time per context
        if rootless is None:
            rootless = os.geteuid() != 0
        if bundle is not None:
            self.bundle = os.path.abspath(bundle)
            with open(os.path.join(self.bundle, "config.json")) as f:
                config = json.load(f)
        else:
            self.bundle = None
            # uid_map as root: the mounts a user namespace allows, as
            # `spacer spec --rootless` makes them.
            config = spec_default(rootless or uid_map is not None)
            config["root"]["path"] = os.path.abspath(rootfs)
            if uid_map is not None and not rootless:
                self._set_namespace(config, "network", network is None or network == "none")
        self.config = config
        self._customize(hostname=hostname, memory=memory, cpus=cpus, pids=pids, env=env,
                        mounts=mounts, user=user, network=network, uid_map=uid_map,
                        gid_map=gid_map, readonly=readonly, cwd=cwd)

    @staticmethod
    def _set_namespace(config, kind, present, path=None):
        nss = config.setdefault("linux", {}).setdefault("namespaces", [])
        nss[:] = [ns for ns in nss if ns.get("type") != kind]
        if present:
            nss.append({"type": kind, **({"path": path} if path else {})})

    def _customize(self, *, hostname, memory, cpus, pids, env, mounts, user, network,
                   uid_map, gid_map, readonly, cwd):
        c = self.config
        proc = c.setdefault("process", {})
        linux = c.setdefault("linux", {})
        res = linux.setdefault("resources", {})
        if hostname is not None:
            c["hostname"] = hostname
            # A hostname needs a UTS namespace of its own.
            if not any(ns.get("type") == "uts" for ns in linux.get("namespaces", [])):
                self._set_namespace(c, "uts", True)
        if memory is not None:
            res.setdefault("memory", {})["limit"] = parse_size(memory)
        if cpus is not None:
            period = 100000
            res["cpu"] = {**res.get("cpu", {}), "period": period,
                          "quota": max(int(float(cpus) * period), 1000)}
        if pids is not None:
            res["pids"] = {"limit": int(pids)}
        if env is not None:
            add = process._env_list(env)
            keys = {e.split("=", 1)[0] for e in add}
            proc["env"] = [e for e in proc.get("env", []) if e.split("=", 1)[0] not in keys] + add
        if mounts:
            c.setdefault("mounts", []).extend(_mount(m) for m in mounts)
        if user is not None:
            uid, gid = process._parse_user(user, None)
            proc["user"] = {**proc.get("user", {}), "uid": uid, "gid": gid}
        if network is not None:
            if network == "host":
                self._set_namespace(c, "network", False)
            elif network == "none":
                self._set_namespace(c, "network", True)
            else:
                self._set_namespace(c, "network", True, os.fspath(network))
        if uid_map is not None:
            self._set_namespace(c, "user", True)
            linux["uidMappings"] = [_idmap(m) for m in uid_map]
            linux["gidMappings"] = [_idmap(m) for m in (gid_map if gid_map is not None
                                                         else uid_map)]
        elif gid_map is not None:
            raise ValueError("gid_map needs uid_map")
        if readonly is not None:
            c.setdefault("root", {})["readonly"] = bool(readonly)
        if cwd is not None:
            proc["cwd"] = cwd

    @classmethod
    def attach(cls, id, *, root=None, binary=None):
        """The running container ID (made by anyone), to run programs in.
        Leaving its context does not delete it; delete() does."""
        self = cls.__new__(cls)
        self.id = id
        self.root = os.path.abspath(root) if root is not None else None
        self.binary = binary
        self.bundle = None
        self.config = None
        self._ctx = None
        self._owner = None
        self._owned = False
        self._lock = threading.RLock()  # libspacer: one thread at a time per context
        self._open()
        try:
            self.status  # ENOENT now rather than at the first run()
        except BaseException:
            self._close_ctx()
            raise
        return self

    # ---- the library's context ----

    def _open(self):
        if self._ctx is not None:
            return
        opts = _lib.ContextOptions(size=ctypes.sizeof(_lib.ContextOptions))
        if self.root is not None:
            opts.root = os.fsencode(self.root)
        binary = self.binary or _find.spacer_binary()
        if binary is not None:
            opts.binary = os.fsencode(binary)
        opts.log = _lib.log_callback()
        opts.log_level = _lib.LOG_WARNING
        ctx = _lib._ctx_p()
        _lib.call(_lib.lib.spacer_context_open, ctypes.byref(opts), ctypes.byref(ctx))
        self._ctx = ctx

    def _close_ctx(self):
        ctx, self._ctx = self._ctx, None
        if ctx:
            _lib.lib.spacer_context_close(ctx)

    def _call(self, fn, *args):
        """fn(ctx, id, *args) under the lock: a context is the library's
        to use from one thread at a time, and run() may be called from many."""
        with self._lock:
            if self._ctx is None:
                raise ValueError(f"container {self.id} is not started (use `with` or start())")
            return _lib.call(fn, self._ctx, self.id.encode(), *args)

    # ---- the lifecycle ----

    def start(self):
        """Creates the container with the idle init and starts it."""
        if self.config is None:
            raise ValueError("an attached container is already running")
        config = json.loads(json.dumps(self.config))  # ours stays as the caller left it
        proc = config.setdefault("process", {})
        proc["terminal"] = False
        proc["args"] = [IDLE_PATH, str(_OWNER_FD)]
        config.setdefault("mounts", []).append({
            "destination": IDLE_PATH, "type": "bind", "source": _find.idle_program(),
            "options": ["bind", "ro", "nosuid", "nodev"]})
        with self._lock:
            self._start(config)
        return self

    def _start(self, config):
        self._open()
        # The owner pipe: the idle init ends when its read end hangs up,
        # which is when every copy of our write end (close-on-exec) is
        # closed, so a container outlives no owner killed before delete().
        r, w = os.pipe()
        try:
            fds, n = _lib.int_array([r])
            opts = _lib.CreateOptions(size=ctypes.sizeof(_lib.CreateOptions),
                                      config=json.dumps(config).encode(),
                                      stdin_fd=-1, stdout_fd=-1, stderr_fd=-1,
                                      extra_fds=fds, n_extra_fds=n)
            if self.bundle is not None:
                opts.bundle = os.fsencode(self.bundle)
            cid = self.id.encode()
            _lib.call(_lib.lib.spacer_create, self._ctx, cid, ctypes.byref(opts))
            self._owner = w
            w = -1
            try:
                _lib.call(_lib.lib.spacer_start, self._ctx, cid)
            except BaseException:
                self._cleanup()
                raise
        except BaseException:
            if w != -1:
                os.close(w)
            if self._owner is None:
                self._close_ctx()
            raise
        finally:
            os.close(r)

    def __enter__(self):
        if self._owned:
            self.start()
        elif self._ctx is None:
            self._open()
        return self

    def __exit__(self, *exc):
        if self._owned:
            self.delete()
        else:
            self._close_ctx()

    def _cleanup(self):
        """Kills every process and deletes the container (idempotent)."""
        if self._ctx is None:
            return
        ctx, cid = self._ctx, self.id.encode()
        try:
            _lib.call(_lib.lib.spacer_kill, ctx, cid, signal.SIGKILL, _lib.KILL_ALL)
        except Error:
            pass  # stopped already, or gone: delete says which
        _lib.call(_lib.lib.spacer_delete, ctx, cid, _lib.DELETE_FORCE)
        if self._owner is not None:
            os.close(self._owner)
            self._owner = None
        self._close_ctx()

    def delete(self):
        """Kills every process of the container and deletes it.

        A KeyboardInterrupt (Ctrl-C) that arrives meanwhile is held back
        until the container is gone, then raised."""
        interrupted = None
        with self._lock, _sigint_deferred():
            while True:
                try:
                    self._cleanup()
                    break
                except KeyboardInterrupt as e:
                    interrupted = e
        if interrupted is not None:
            raise interrupted

    close = delete

    # ---- state ----

    @property
    def status(self):
        """"created", "running", "stopped", "paused" (or "creating")."""
        st, pid = ctypes.c_int(), ctypes.c_int()
        self._call(_lib.lib.spacer_status, ctypes.byref(st), ctypes.byref(pid))
        return _lib.STATUS_NAMES[st.value]

    @property
    def pid(self):
        """The init's pid (host pid namespace); 0 once stopped."""
        st, pid = ctypes.c_int(), ctypes.c_int()
        self._call(_lib.lib.spacer_status, ctypes.byref(st), ctypes.byref(pid))
        return pid.value

    def state(self):
        """The OCI state document, as `spacer state` prints it (a dict)."""
        out = ctypes.c_void_p()
        self._call(_lib.lib.spacer_state, ctypes.byref(out))
        return json.loads(_lib.take_string(out))

    def kill(self, sig=signal.SIGTERM, all=False):
        self._call(_lib.lib.spacer_kill, int(sig), _lib.KILL_ALL if all else 0)

    def pause(self):
        self._call(_lib.lib.spacer_pause)

    def resume(self):
        self._call(_lib.lib.spacer_resume)

    def update(self, resources):
        """resources: a runtime-spec linux.resources object (dict)."""
        self._call(_lib.lib.spacer_update, json.dumps(resources).encode())

    # ---- processes ----

    def Popen(self, args, **kwargs):
        """subprocess.Popen(args, ...) in the container; see spacer.Popen."""
        return process.Popen(self, args, **kwargs)

    def run(self, args, **kwargs):
        """subprocess.run(args, ...) in the container: a CompletedProcess,
        CalledProcessError with check=True, TimeoutExpired on timeout."""
        return process.run(self, args, **kwargs)

    def check_output(self, args, **kwargs):
        return self.run(args, stdout=subprocess.PIPE, check=True, **kwargs).stdout

    def interactive_shell(self, shell="/bin/sh"):
        """A shell on this terminal, for debugging; returns its exit status.

        The library's exec has no terminal, so this runs `spacer exec -t`."""
        binary = (self.binary or _find.spacer_binary() or os.environ.get("SPACER_BINARY")
                  or _installed_binary())
        cmd = [binary] + (["--root", self.root] if self.root else []) + ["exec", "-t",
                                                                          self.id, shell]
        return subprocess.call(cmd)


def _installed_binary():
    if _lib._installed is not None:
        path = os.path.join(_lib._installed.BINDIR, "spacer")
        if os.access(path, os.X_OK):
            return path
    return shutil.which("spacer") or "spacer"


@contextlib.contextmanager
def _sigint_deferred():
    """SIGINT blocked in this thread meanwhile (the main thread is where
    Python runs its handler), so Ctrl-C cannot cut a cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
