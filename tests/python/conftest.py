"""Fixtures of the spacer package's tests.

What is tested is found through the environment, as tests/integration
finds it: SPACER (the spacer binary; default build/spacer of the source
tree), and beside it the library (.libs/libspacer.so.0) and spacer-idle,
unless SPACER_LIBRARY, SPACER_IDLE say otherwise. The package is the
source tree's (python/). Every test gets a state root of its own and fails
if it leaves a container, a state directory, a cgroup or a process.
"""

import os
import subprocess
import sys
import time

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPACER = os.path.abspath(os.environ.get("SPACER", os.path.join(TOP, "build", "spacer")))
BUILD = os.path.dirname(SPACER)
os.environ["SPACER"] = SPACER
os.environ.setdefault("SPACER_BINARY", SPACER)
os.environ.setdefault("SPACER_LIBRARY", os.path.join(BUILD, ".libs", "libspacer.so.0"))
os.environ.setdefault("SPACER_IDLE", os.path.join(BUILD, "spacer-idle"))
sys.path.insert(0, os.path.join(TOP, "python"))

if os.geteuid() != 0:
    pytest.skip("containers need root", allow_module_level=True)

import spacer  # noqa: E402 - after the environment above


def cgroup_dirs(pid):
    """The directories of pid's cgroups (v1 hierarchies and cgroup2), from
    the host's view of /proc/PID/cgroup."""
    dirs = []
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controllers.startswith("name="):
                continue
            if controllers:
                base = f"/sys/fs/cgroup/{controllers.split(',')[0]}"
            elif os.path.exists("/sys/fs/cgroup/unified/cgroup.procs"):
                base = "/sys/fs/cgroup/unified"
            else:
                base = "/sys/fs/cgroup"
            dirs.append(base + path)
    return dirs


def cgroup_dir(pid, controller):
    """pid's cgroup directory in the v1 hierarchy of controller, or None."""
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return f"/sys/fs/cgroup/{controller}{path}"
    return None


def wait_gone(pid, timeout=10):
    """True once /proc/PID is gone (the process ended and was reaped)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not os.path.exists(f"/proc/{pid}"):
            return True
        time.sleep(0.02)
    return False


def spacer_cli(root, *args, **kwargs):
    return subprocess.run([SPACER, "--root", str(root), *args], timeout=60, **kwargs)


@pytest.fixture(scope="session")
def rootfs(tmp_path_factory):
    """A busybox root filesystem, shared: containers get it read-only.
    The bats suite passes its own (SPACER_TEST_ROOTFS)."""
    given = os.environ.get("SPACER_TEST_ROOTFS")
    if given:
        return given
    dest = tmp_path_factory.mktemp("rootfs") / "rootfs"
    subprocess.run([os.path.join(TOP, "bundles", "make-rootfs.sh"), SPACER, str(dest)],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    return str(dest)


@pytest.fixture
def state_root(tmp_path):
    """A private state root; afterwards it must hold no container."""
    root = tmp_path / "state"
    yield str(root)
    left = sorted(os.listdir(root)) if root.exists() else []
    left = [x for x in left if not x.startswith(".")]
    for cid in left:
        spacer_cli(root, "delete", "-f", cid, stdout=subprocess.DEVNULL)
    assert left == [], f"containers left in the state root: {left}"


@pytest.fixture
def container(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root) as c:
        yield c
