"""ctypes declarations of libspacer's public API (include/spacer/spacer.h).

The one place that knows the C types; the rest of the package calls
call(), which turns a failed call into spacer.Error.
"""

import ctypes
import ctypes.util
import logging
import os

from .errors import Error

try:  # written by `make` with the configured directories; absent in the source tree
    from . import _installed
except ImportError:  # pragma: no cover - depends on how the package was found
    _installed = None

SONAME = "libspacer.so.0"

# enum spacer_spec_flags, spacer_create_flags, spacer_kill_flags, ...
SPEC_ROOTLESS = 1 << 0
CREATE_NO_PIVOT = 1 << 0
CREATE_NO_NEW_KEYRING = 1 << 1
KILL_ALL = 1 << 0
DELETE_FORCE = 1 << 0
WAIT_NOHANG = 1 << 0

STATUS_NAMES = ("creating", "created", "running", "stopped", "paused")

LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG = range(4)
_LOG_LEVELS = {
    LOG_ERROR: logging.ERROR,
    LOG_WARNING: logging.WARNING,
    LOG_INFO: logging.INFO,
    LOG_DEBUG: logging.DEBUG,
}

LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)


class ContextOptions(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("root", ctypes.c_char_p),
        ("binary", ctypes.c_char_p),
        ("log", LOG_FN),
        ("log_data", ctypes.c_void_p),
        ("log_level", ctypes.c_int),
    ]


class CreateOptions(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("bundle", ctypes.c_char_p),
        ("config", ctypes.c_char_p),
        ("stdin_fd", ctypes.c_int),
        ("stdout_fd", ctypes.c_int),
        ("stderr_fd", ctypes.c_int),
        ("extra_fds", ctypes.POINTER(ctypes.c_int)),
        ("n_extra_fds", ctypes.c_size_t),
        ("console_socket", ctypes.c_char_p),
        ("flags", ctypes.c_uint),
    ]


class ExecOptions(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("args", ctypes.POINTER(ctypes.c_char_p)),
        ("env", ctypes.POINTER(ctypes.c_char_p)),
        ("cwd", ctypes.c_char_p),
        ("has_user", ctypes.c_int),
        ("uid", ctypes.c_uint32),
        ("gid", ctypes.c_uint32),
        ("additional_gids", ctypes.POINTER(ctypes.c_uint32)),
        ("n_additional_gids", ctypes.c_size_t),
        ("stdin_fd", ctypes.c_int),
        ("stdout_fd", ctypes.c_int),
        ("stderr_fd", ctypes.c_int),
        ("extra_fds", ctypes.POINTER(ctypes.c_int)),
        ("n_extra_fds", ctypes.c_size_t),
        ("process", ctypes.c_char_p),
    ]


_err_p = ctypes.c_void_p  # spacer_error *
_ctx_p = ctypes.c_void_p  # spacer_context *
_proc_p = ctypes.c_void_p  # spacer_process *
_errout = ctypes.POINTER(_err_p)

_PROTOTYPES = {
    "spacer_version": (ctypes.c_char_p, []),
    "spacer_error_code": (ctypes.c_int, [_err_p]),
    "spacer_error_message": (ctypes.c_char_p, [_err_p]),
    "spacer_error_path": (ctypes.c_char_p, [_err_p]),
    "spacer_error_free": (None, [_err_p]),
    "spacer_free": (None, [ctypes.c_void_p]),
    "spacer_strv_free": (None, [ctypes.c_void_p]),
    "spacer_context_open": (
        ctypes.c_int,
        [ctypes.POINTER(ContextOptions), ctypes.POINTER(_ctx_p), _errout],
    ),
    "spacer_context_close": (None, [_ctx_p]),
    "spacer_spec_default": (
        ctypes.c_int,
        [ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p), _errout],
    ),
    "spacer_create": (
        ctypes.c_int,
        [_ctx_p, ctypes.c_char_p, ctypes.POINTER(CreateOptions), _errout],
    ),
    "spacer_start": (ctypes.c_int, [_ctx_p, ctypes.c_char_p, _errout]),
    "spacer_status": (
        ctypes.c_int,
        [_ctx_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
         ctypes.POINTER(ctypes.c_int), _errout],
    ),
    "spacer_state": (
        ctypes.c_int,
        [_ctx_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), _errout],
    ),
    "spacer_list": (
        ctypes.c_int,
        [_ctx_p, ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)), _errout],
    ),
    "spacer_kill": (
        ctypes.c_int, [_ctx_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, _errout]
    ),
    "spacer_pause": (ctypes.c_int, [_ctx_p, ctypes.c_char_p, _errout]),
    "spacer_resume": (ctypes.c_int, [_ctx_p, ctypes.c_char_p, _errout]),
    "spacer_update": (
        ctypes.c_int, [_ctx_p, ctypes.c_char_p, ctypes.c_char_p, _errout]
    ),
    "spacer_delete": (
        ctypes.c_int, [_ctx_p, ctypes.c_char_p, ctypes.c_uint, _errout]
    ),
    "spacer_exec": (
        ctypes.c_int,
        [_ctx_p, ctypes.c_char_p, ctypes.POINTER(ExecOptions),
         ctypes.POINTER(_proc_p), _errout],
    ),
    "spacer_process_pid": (ctypes.c_int, [_proc_p]),
    "spacer_process_fd": (ctypes.c_int, [_proc_p]),
    "spacer_process_signal": (ctypes.c_int, [_proc_p, ctypes.c_int, _errout]),
    "spacer_process_wait": (
        ctypes.c_int,
        [_proc_p, ctypes.c_uint, ctypes.POINTER(ctypes.c_int), _errout],
    ),
    "spacer_process_free": (None, [_proc_p]),
}


def _candidates():
    """Where the library may be, in the order the package looks."""
    env = os.environ.get("SPACER_LIBRARY")
    if env:
        # Explicit: no fallback, so a wrong value is an error, not a surprise.
        return [env]
    found = []
    if _installed is not None:
        found.append(os.path.join(_installed.LIBDIR, SONAME))
    name = ctypes.util.find_library("spacer")
    if name:
        found.append(name)
    found.append(SONAME)  # the loader's own search (ld.so.cache, LD_LIBRARY_PATH)
    return found


def _load():
    tried = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path, use_errno=True)
        except OSError as e:
            tried.append(f"{path}: {e}")
            continue
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        return lib, path
    raise ImportError(
        "libspacer not found (set SPACER_LIBRARY to its path): " + "; ".join(tried)
    )


lib, path = _load()


def _loaded_file():
    """The file the loader actually mapped (path may be a bare soname)."""
    addr = ctypes.cast(lib.spacer_version, ctypes.c_void_p).value
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                if lo <= addr < hi and len(fields) == 6:
                    return fields[5].strip()
    except OSError:
        pass
    return path


library_file = _loaded_file()


def raise_error(err):
    """Turns a spacer_error * into spacer.Error (and frees it)."""
    try:
        code = lib.spacer_error_code(err)
        message = lib.spacer_error_message(err)
        path = lib.spacer_error_path(err)
    finally:
        lib.spacer_error_free(err)
    raise Error(
        code,
        message.decode(errors="replace") if message else "unknown error",
        path.decode(errors="replace") if path else None,
    )


def call(fn, *args):
    """fn(*args, &err); raises spacer.Error when it returns -1."""
    err = _err_p()
    ret = fn(*args, ctypes.byref(err))
    if ret < 0:
        if err.value:
            raise_error(err)
        raise Error(ctypes.get_errno(), f"{fn.__name__} failed", None)
    return ret


def take_string(ptr):
    """A malloc'd char * from the library as str (freed)."""
    try:
        return ctypes.string_at(ptr).decode()
    finally:
        lib.spacer_free(ptr)


def version():
    return lib.spacer_version().decode()


_logger = logging.getLogger("spacer")


@LOG_FN
def _log(data, level, msg):
    _logger.log(_LOG_LEVELS.get(level, logging.DEBUG), "%s",
                msg.decode(errors="replace") if msg else "")


def log_callback():
    """The callback passing the library's diagnostics to logging.getLogger("spacer")."""
    return _log


def strv(items):
    """A NULL-terminated char *[] (keep the result alive while it is used)."""
    arr = (ctypes.c_char_p * (len(items) + 1))()
    for i, s in enumerate(items):
        arr[i] = os.fsencode(s)
    arr[len(items)] = None
    return arr


def int_array(items, ctype=ctypes.c_int):
    arr = (ctype * max(len(items), 1))(*items)
    return arr, len(items)
