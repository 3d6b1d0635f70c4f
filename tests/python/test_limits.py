"""memory=, pids=, cpus=: the limits land in the container's cgroup (v1 on a
hybrid host; each test skips, saying why, where the controller is missing)."""

import os
import time

import pytest

import spacer
from conftest import cgroup_dir


def controller_dir(pid, controller):
    d = cgroup_dir(pid, controller)
    if d is None or not os.path.isdir(d):
        pytest.skip(f"no cgroup v1 {controller} controller on this host")
    return d


def read(path):
    with open(path) as f:
        return f.read().strip()


def test_memory_limit(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root, memory="64m") as c:
        d = controller_dir(c.pid, "memory")
        assert read(os.path.join(d, "memory.limit_in_bytes")) == str(64 << 20)
        # Processes run with exec are in it too.
        p = c.Popen(["sleep", "100"])
        assert cgroup_dir(p.pid, "memory") == d
    assert not os.path.exists(d)


def test_pids_limit_is_enforced(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root, pids=8) as c:
        d = controller_dir(c.pid, "pids")
        assert read(os.path.join(d, "pids.max")) == "8"
        started, refused = [], 0
        for _ in range(10):
            try:
                started.append(c.Popen(["sleep", "100"]))
            except spacer.Error:
                refused += 1
        time.sleep(0.3)
        alive = [p for p in started if p.poll() is None]
        # The idle init and at most 7 more: some of the ten were refused.
        assert len(alive) <= 7
        assert refused + len(started) - len(alive) > 0
        assert int(read(os.path.join(d, "pids.current"))) <= 8
    assert not os.path.exists(d)


def test_cpus(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root, cpus=0.5) as c:
        d = controller_dir(c.pid, "cpu")
        assert read(os.path.join(d, "cpu.cfs_period_us")) == "100000"
        assert read(os.path.join(d, "cpu.cfs_quota_us")) == "50000"


def test_update_changes_a_running_containers_limit(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root, pids=8) as c:
        d = controller_dir(c.pid, "pids")
        c.update({"pids": {"limit": 16}})
        assert read(os.path.join(d, "pids.max")) == "16"
