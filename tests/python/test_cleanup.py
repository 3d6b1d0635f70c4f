"""Nothing outlives a container's owner: an exception or Ctrl-C in the
`with` block, or the owning Python process killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

import spacer
from conftest import cgroup_dirs, spacer_cli, wait_gone


def assert_all_gone(state_root, cid, pids, cgroups):
    assert not os.path.exists(os.path.join(state_root, cid))
    assert [p for p in pids if not wait_gone(p)] == []
    assert [d for d in cgroups if os.path.exists(d)] == []


def test_an_exception_in_the_block_deletes_the_container(rootfs, state_root):
    with pytest.raises(RuntimeError, match="boom"):
        with spacer.Container(rootfs=rootfs, root=state_root) as c:
            pids = [c.pid, c.Popen(["sleep", "100"]).pid]
            cgroups = cgroup_dirs(c.pid)
            raise RuntimeError("boom")
    assert_all_gone(state_root, c.id, pids, cgroups)


def test_ctrl_c_in_the_block_deletes_the_container(rootfs, state_root):
    with pytest.raises(KeyboardInterrupt):
        with spacer.Container(rootfs=rootfs, root=state_root) as c:
            pids = [c.pid, c.Popen(["sleep", "100"]).pid]
            cgroups = cgroup_dirs(c.pid)
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends
            c.run(["sleep", "100"])  # interrupted, not waited for
    assert_all_gone(state_root, c.id, pids, cgroups)


OWNER = textwrap.dedent("""
    import sys, time, spacer
    c = spacer.Container(rootfs=sys.argv[1], root=sys.argv[2], id=sys.argv[3]).__enter__()
    p = c.Popen(["sleep", "1000"])
    print(c.pid, p.pid, flush=True)
    time.sleep(1000)
""")


def killed_owner(rootfs, state_root, cid):
    """A Python process that makes a container and a process in it, then is
    killed with SIGKILL: no __exit__ ran. Returns the two pids and the
    container's cgroups."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER, rootfs, state_root, cid],
                             stdout=subprocess.PIPE, text=True)
    try:
        line = owner.stdout.readline()
        assert line, "the owner failed"
        pids = [int(x) for x in line.split()]
        cgroups = cgroup_dirs(pids[0])
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()
    return pids, cgroups


def test_a_killed_owners_container_stops_and_delete_f_removes_it(rootfs, state_root):
    pids, cgroups = killed_owner(rootfs, state_root, "orphan")
    # The idle init saw its owner's pipe hang up: every process ended.
    assert [p for p in pids if not wait_gone(p)] == []
    st = spacer_cli(state_root, "state", "orphan", stdout=subprocess.PIPE, text=True)
    assert '"stopped"' in st.stdout
    assert spacer_cli(state_root, "delete", "-f", "orphan").returncode == 0
    assert_all_gone(state_root, "orphan", pids, cgroups)


def test_a_killed_owners_container_is_removed_by_attach_and_delete(rootfs, state_root):
    pids, cgroups = killed_owner(rootfs, state_root, "orphan2")
    spacer.Container.attach("orphan2", root=state_root).delete()
    assert_all_gone(state_root, "orphan2", pids, cgroups)


def test_delete_is_idempotent(container, state_root):
    container.delete()
    container.delete()
    assert not os.path.exists(os.path.join(state_root, container.id))


