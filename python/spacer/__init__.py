"""spacer: OCI containers from Python, on libspacer.

    import subprocess, spacer
    with spacer.Container(rootfs="rootfs", hostname="box", memory="64m") as c:
        r = c.run(["/bin/sh", "-c", "hostname; echo hi"], stdout=subprocess.PIPE)
        p = c.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        out, _ = p.communicate(b"ping")

The library is found through SPACER_LIBRARY, then the installed path,
then the loader's search; the idle init through SPACER_IDLE, then the
installed path, then next to the library in a build tree.
"""

from subprocess import DEVNULL, PIPE, STDOUT, CalledProcessError, CompletedProcess, TimeoutExpired

from ._lib import version as _version
from .container import Container, parse_size, spec_default
from .errors import Error
from .process import Popen

__all__ = [
    "Container", "Popen", "Error", "spec_default", "parse_size", "version",
    "PIPE", "STDOUT", "DEVNULL", "CalledProcessError", "CompletedProcess", "TimeoutExpired",
]


def version():
    """libspacer's version, "MAJOR.MINOR.PATCH"."""
    return _version()
