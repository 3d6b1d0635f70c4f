"""Processes in a container, as subprocess objects.

Popen is subprocess.Popen with the child started by spacer_exec instead of
fork+exec: subprocess's own code makes the pipes, wraps them in file
objects (text mode too), and runs communicate(); this class replaces only
the parts that start, wait for and signal the child.
"""

import ctypes
import json
import os
import select
import signal
import subprocess
import time

from . import _lib
from .errors import Error


def _parse_user(user, group):
    """(uid, gid) or None. The container's user names are the rootfs's, not
    the host's, so only numbers are taken: an int, "UID" or "UID:GID", a
    (uid, gid) pair."""
    if user is None:
        if group is not None:
            raise ValueError("group needs user (the container has no name lookup)")
        return None
    if isinstance(user, tuple):
        uid, gid = user
    elif isinstance(user, int):
        uid, gid = user, None
    elif isinstance(user, str):
        uid, _, gid = user.partition(":")
        try:
            uid, gid = int(uid), int(gid) if gid else None
        except ValueError:
            raise ValueError(f"user must be numeric, UID or UID:GID: {user!r}") from None
    else:
        raise TypeError(f"user must be an int, 'UID[:GID]' or (uid, gid): {user!r}")
    if group is not None:
        gid = group
    if gid is None:
        gid = uid
    if not all(isinstance(x, int) and 0 <= x < 2**32 - 1 for x in (uid, gid)):
        raise ValueError(f"uid and gid must be 0..2**32-2: {uid}, {gid}")
    return uid, gid


def _env_list(env):
    if env is None:
        return None
    if hasattr(env, "items"):
        return [f"{os.fsdecode(k)}={os.fsdecode(v)}" for k, v in env.items()]
    return [os.fsdecode(e) for e in env]


def _inherit(fd):
    """subprocess's None (inherit ours) for the C API, whose -1 is /dev/null."""
    try:
        os.fstat(fd)
        return fd
    except OSError:
        return -1


class Popen(subprocess.Popen):
    """A program running in a container; subprocess.Popen's interface.

    Made by Container.Popen(). What differs from subprocess.Popen:
    env is added to the container's process.env (its PATH stays);
    user is numeric (an int, "UID:GID" or a pair; the container's names
    live in its rootfs); pass_fds become fds 3, 4, ... in the container,
    in the order given (a set: ascending); returncode is 128+N when
    signal N ended the program, as spacer exec and runc report it (the
    program is not our child, so the two cannot be told apart); pid is in
    the host's pid namespace. process, a runtime-spec process object (a
    dict or its JSON), replaces args, env, cwd and the user, as runc's
    exec --process does.
    """

    def __init__(self, container, args, bufsize=-1, stdin=None, stdout=None, stderr=None,
                 close_fds=True, shell=False, cwd=None, env=None, universal_newlines=None,
                 pass_fds=(), *,
                 user=None, group=None, extra_groups=None, encoding=None, errors=None,
                 text=None, pipesize=-1, process=None):
        self._container = container
        self._spacer_user = _parse_user(user, group)
        self._spacer_groups = list(extra_groups) if extra_groups is not None else None
        if self._spacer_groups and not all(isinstance(g, int) for g in self._spacer_groups):
            raise TypeError("extra_groups must be numeric gids")
        self._spacer_process = (json.dumps(process) if isinstance(process, dict)
                                else process)
        # In the caller's order (subprocess.Popen itself takes a set).
        self._spacer_fds = (list(pass_fds) if isinstance(pass_fds, (list, tuple))
                            else sorted(pass_fds))
        self._handle = None
        # close_fds: the program gets its stdio and pass_fds only, always.
        super().__init__(args, bufsize=bufsize, stdin=stdin, stdout=stdout, stderr=stderr,
                         shell=shell, cwd=cwd, env=env, universal_newlines=universal_newlines,
                         pass_fds=pass_fds, encoding=encoding, errors=errors, text=text,
                         pipesize=pipesize)

    # Called by subprocess.Popen.__init__ with the child's ends of the pipes
    # it made (-1: not redirected).
    def _execute_child(self, args, executable, preexec_fn, close_fds, pass_fds, cwd, env,
                       startupinfo, creationflags, shell, p2cread, p2cwrite, c2pread,
                       c2pwrite, errread, errwrite, *_unused):
        try:
            if args is None and self._spacer_process is not None:
                args = []
            elif isinstance(args, (str, bytes, os.PathLike)):
                args = [args]
            else:
                args = list(args)
            if shell:
                args = ["/bin/sh", "-c"] + args
            if not args and self._spacer_process is None:
                raise ValueError("args is empty")
            opts = _lib.ExecOptions(size=ctypes.sizeof(_lib.ExecOptions))
            keep = []  # ctypes arrays the options point into
            if self._spacer_process is None:
                a = _lib.strv([os.fsdecode(x) for x in args])
                keep.append(a)
                opts.args = a
            else:
                opts.process = self._spacer_process.encode()
            envl = _env_list(env)
            if envl is not None:
                e = _lib.strv(envl)
                keep.append(e)
                opts.env = e
            if cwd is not None:
                opts.cwd = os.fsencode(cwd)
            if self._spacer_user is not None:
                opts.has_user = 1
                opts.uid, opts.gid = self._spacer_user
            if self._spacer_groups:
                g, n = _lib.int_array(self._spacer_groups, ctypes.c_uint32)
                keep.append(g)
                opts.additional_gids, opts.n_additional_gids = g, n
            opts.stdin_fd = p2cread if p2cread != -1 else _inherit(0)
            opts.stdout_fd = c2pwrite if c2pwrite != -1 else _inherit(1)
            opts.stderr_fd = errwrite if errwrite != -1 else _inherit(2)
            if self._spacer_fds:
                fds, n = _lib.int_array(self._spacer_fds)
                keep.append(fds)
                opts.extra_fds, opts.n_extra_fds = fds, n
            handle = _lib._proc_p()
            self._container._call(_lib.lib.spacer_exec, ctypes.byref(opts), ctypes.byref(handle))
            self._handle = handle
            self.pid = _lib.lib.spacer_process_pid(handle)
            self._pidfd = _lib.lib.spacer_process_fd(handle)
            self._child_created = True
        finally:
            # The program has its copies (or never started): ours go, so
            # that the parent's ends see EOF when the program ends.
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)

    def _reaped(self, code):
        self.returncode = code
        handle, self._handle = self._handle, None
        if handle:
            _lib.lib.spacer_process_free(handle)

    def _try_wait(self, flags):
        """spacer_process_wait; the exit code, or None while it runs."""
        code = ctypes.c_int()
        done = _lib.call(_lib.lib.spacer_process_wait, self._handle, flags, ctypes.byref(code))
        return code.value if done == 1 else None

    def _internal_poll(self, _deadstate=None, **_unused):
        if self.returncode is None:
            if not self._waitpid_lock.acquire(False):
                return None  # another thread is waiting
            try:
                if self.returncode is not None:
                    return self.returncode
                code = self._try_wait(_lib.WAIT_NOHANG)
                if code is not None:
                    self._reaped(code)
            except Error:
                if _deadstate is not None:
                    self._reaped(_deadstate)
            finally:
                self._waitpid_lock.release()
        return self.returncode

    def _wait(self, timeout):
        if self.returncode is not None:
            return self.returncode
        # The process fd, polled here rather than in a blocking C call, so
        # that a timeout and Ctrl-C (KeyboardInterrupt) both interrupt the wait.
        endtime = None if timeout is None else time.monotonic() + timeout
        p = select.poll()
        p.register(self._pidfd, select.POLLIN)
        while self.returncode is None:
            remaining = None if endtime is None else max(endtime - time.monotonic(), 0)
            if not p.poll(None if remaining is None else int(remaining * 1000) + 1):
                if endtime is not None and time.monotonic() >= endtime:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                continue
            with self._waitpid_lock:
                if self.returncode is not None:
                    break
                self._reaped(self._try_wait(0))
        return self.returncode

    def send_signal(self, sig):
        """Signals the program, never another process that reused its pid."""
        self.poll()
        if self.returncode is not None:
            return  # already ended, as subprocess does
        handle = self._handle
        if handle is None:
            return
        try:
            _lib.call(_lib.lib.spacer_process_signal, handle, int(sig))
        except Error as e:
            if e.code != 3:  # ESRCH: it ended meanwhile
                raise

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def __del__(self, _maxsize=None):
        # subprocess.Popen.__del__ hands a still running child to its
        # _cleanup list, which polls it later; a reaped one frees its handle.
        if getattr(self, "_handle", None) is None:
            return
        super().__del__()


def run(container, args, *, input=None, capture_output=False, timeout=None, check=False,
        **kwargs):
    """subprocess.run in the container: its code, with the container's Popen."""
    if input is not None:
        if kwargs.get("stdin") is not None:
            raise ValueError("stdin and input arguments may not both be used.")
        kwargs["stdin"] = subprocess.PIPE
    if capture_output:
        if kwargs.get("stdout") is not None or kwargs.get("stderr") is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        kwargs["stdout"] = subprocess.PIPE
        kwargs["stderr"] = subprocess.PIPE
    with Popen(container, args, **kwargs) as process:
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        except:  # noqa: E722 - including KeyboardInterrupt, as subprocess.run
            process.kill()
            raise
        retcode = process.poll()
        if check and retcode:
            raise subprocess.CalledProcessError(retcode, process.args, output=stdout,
                                                stderr=stderr)
    return subprocess.CompletedProcess(process.args, retcode, stdout, stderr)

