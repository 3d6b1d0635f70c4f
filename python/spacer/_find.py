"""Where the package's helper programs are: the idle init and the spacer binary."""

import os

from . import _lib

IDLE = "spacer-idle"


def _build_tree_dirs():
    """The build tree the library was loaded from, if it was: libtool puts
    the shared library in BUILD/.libs beside BUILD/libspacer.la, and the
    programs in BUILD. (An installed libspacer.la sits beside the library
    itself, not one directory up.)"""
    d = os.path.dirname(os.path.realpath(_lib.library_file))
    top = os.path.dirname(d)
    if os.path.basename(d) == ".libs" and os.path.isfile(os.path.join(top, "libspacer.la")):
        return [top]
    return []


def _program(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def idle_program():
    """SPACER_IDLE, then the installed one, then the one next to the library
    in a build tree."""
    env = os.environ.get("SPACER_IDLE")
    if env:
        return env
    candidates = []
    if _lib._installed is not None:
        candidates.append(os.path.join(_lib._installed.PKGLIBEXECDIR, IDLE))
    candidates += [os.path.join(d, IDLE) for d in _build_tree_dirs()]
    for c in candidates:
        if _program(c):
            return c
    raise FileNotFoundError(
        f"{IDLE} not found (set SPACER_IDLE to its path); looked at: " + ", ".join(candidates)
    )


def spacer_binary():
    """The spacer binary create and exec run, or None for the library's own
    choice (SPACER_BINARY, else the installed one). A library loaded from a
    build tree gets that tree's spacer, never an installed one of another
    version."""
    if os.environ.get("SPACER_BINARY"):
        return None
    for d in _build_tree_dirs():
        c = os.path.join(d, "spacer")
        if _program(c):
            return c
    return None
