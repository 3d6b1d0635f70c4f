"""spacer.Container: its config, its lifecycle as a context manager, attach."""

import concurrent.futures
import errno
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile

import pytest

import spacer
from conftest import SPACER, cgroup_dirs, wait_gone


def test_entering_starts_an_idle_init_and_leaving_removes_everything(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root) as c:
        assert c.status == "running"
        assert c.state()["id"] == c.id
        assert c.id.startswith("py-")
        pid = c.pid
        cgroups = cgroup_dirs(pid)
        assert cgroups and all(os.path.isdir(d) for d in cgroups)
        assert os.path.isdir(os.path.join(state_root, c.id))
        cmdline = c.run(["cat", "/proc/1/cmdline"], stdout=subprocess.PIPE).stdout
        assert cmdline.split(b"\0")[0] == b"/dev/.spacer-idle"
    assert not os.path.exists(os.path.join(state_root, c.id))
    assert wait_gone(pid)
    assert [d for d in cgroups if os.path.exists(d)] == []


def test_leaving_kills_the_processes_run_in_it(container):
    p = container.Popen(["sleep", "1000"])
    container.delete()
    assert wait_gone(p.pid)


def test_the_idle_init_is_not_in_the_rootfs(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root):
        pass
    assert not os.path.exists(os.path.join(rootfs, "dev", ".spacer-idle"))


def test_a_rootfs_with_nothing_but_the_idle_init_works(tmp_path, state_root):
    empty = tmp_path / "empty"
    empty.mkdir()
    with spacer.Container(rootfs=str(empty), root=state_root) as c:
        assert c.status == "running"
        # The only program there is: with a bad argument it exits 2.
        assert c.run(["/dev/.spacer-idle", "not-a-number"]).returncode == 2


def test_the_config_holds_the_arguments(rootfs, state_root, tmp_path):
    (tmp_path / "data").mkdir()
    c = spacer.Container(rootfs=rootfs, root=state_root, id="cfg", hostname="box",
                         memory="64m", cpus=0.5, pids=32, env={"A": "1"}, user="1000:1001",
                         mounts=[(str(tmp_path / "data"), "/data", "ro")], readonly=False,
                         network="host")
    cfg = c.config
    assert cfg["hostname"] == "box"
    assert cfg["root"] == {"path": os.path.abspath(rootfs), "readonly": False}
    assert cfg["linux"]["resources"]["memory"]["limit"] == 64 << 20
    assert cfg["linux"]["resources"]["cpu"] == {"period": 100000, "quota": 50000}
    assert cfg["linux"]["resources"]["pids"] == {"limit": 32}
    assert "A=1" in cfg["process"]["env"]
    assert any(e.startswith("PATH=") for e in cfg["process"]["env"])
    assert cfg["process"]["user"]["uid"] == 1000 and cfg["process"]["user"]["gid"] == 1001
    assert {"destination": "/data", "type": "bind", "source": str(tmp_path / "data"),
            "options": ["rbind", "ro"]} in cfg["mounts"]
    assert "network" not in [ns["type"] for ns in cfg["linux"]["namespaces"]]
    # Nothing was created.
    assert not os.path.exists(os.path.join(state_root, "cfg"))


def test_spec_default_is_what_spacer_spec_writes(tmp_path):
    subprocess.run([SPACER, "spec", "--bundle", str(tmp_path)], check=True)
    with open(tmp_path / "config.json") as f:
        assert spacer.spec_default() == json.load(f)
    os.unlink(tmp_path / "config.json")
    subprocess.run([SPACER, "spec", "--rootless", "--bundle", str(tmp_path)], check=True)
    with open(tmp_path / "config.json") as f:
        assert spacer.spec_default(rootless=True) == json.load(f)


def test_hostname_env_and_mounts_reach_the_container(rootfs, state_root, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "f").write_text("from the host\n")
    with spacer.Container(rootfs=rootfs, root=state_root, hostname="box", env={"GREETING": "hi"},
                          mounts=[(str(data), "/home", "ro")]) as c:
        out = c.run(["/bin/sh", "-c", "hostname; echo $GREETING; cat /home/f; "
                     "touch /home/g 2>/dev/null || echo read-only"],
                    stdout=subprocess.PIPE, text=True).stdout
    assert out == "box\nhi\nfrom the host\nread-only\n"


@pytest.fixture
def public_rootfs(rootfs):
    """The rootfs where a user namespace's root (a host uid without
    rights) can reach it: pytest's and bats' trees are 0700. Hardlinked,
    read-only in the containers."""
    work = tempfile.mkdtemp(prefix="spacer-py-userns.", dir="/tmp")
    try:
        os.chmod(work, 0o755)
        dest = os.path.join(work, "rootfs")
        if subprocess.run(["cp", "-al", rootfs, dest], stderr=subprocess.DEVNULL).returncode:
            subprocess.run(["cp", "-a", rootfs, dest], check=True)
        yield dest
    finally:
        shutil.rmtree(work)


def test_a_uid_map_gives_a_user_namespace(public_rootfs, state_root):
    with spacer.Container(rootfs=public_rootfs, root=state_root,
                          uid_map=[(0, 100000, 65536)]) as c:
        out = c.run(["cat", "/proc/self/uid_map", "/proc/self/gid_map"],
                    stdout=subprocess.PIPE, text=True).stdout.split()
        assert out == ["0", "100000", "65536"] * 2
        with open(f"/proc/{c.pid}/status") as f:
            uid_line = next(x for x in f if x.startswith("Uid:"))
        assert uid_line.split()[1] == "100000"


def test_network_none_has_only_loopback(container):
    out = container.run(["cat", "/proc/net/dev"], stdout=subprocess.PIPE, text=True).stdout
    ifaces = [line.split(":")[0].strip() for line in out.splitlines()[2:]]
    assert ifaces == ["lo"]


def test_a_bundle_runs_with_the_idle_init(rootfs, state_root, tmp_path):
    os.symlink(rootfs, tmp_path / "rootfs")
    subprocess.run([SPACER, "spec", "--bundle", str(tmp_path)], check=True)
    with spacer.Container(bundle=str(tmp_path), root=state_root, id="b1") as c:
        assert c.id == "b1"
        # The bundle's own program (a shell on a terminal) is not the init.
        assert c.check_output(["cat", "/proc/1/cmdline"]).startswith(b"/dev/.spacer-idle\0")
        assert c.check_output(["hostname"]) == b"spacer\n"


def test_attach_runs_in_a_running_container_and_leaves_it_running(container, state_root):
    with spacer.Container.attach(container.id, root=state_root) as a:
        assert a.run(["hostname"], stdout=subprocess.PIPE).stdout == b"spacer\n"
    assert container.status == "running"


def test_attach_to_an_unknown_container_is_ENOENT(state_root):
    with pytest.raises(spacer.Error) as e:
        spacer.Container.attach("no-such", root=state_root)
    assert e.value.code == errno.ENOENT


def test_a_failed_create_raises_and_leaves_nothing(tmp_path, state_root):
    c = spacer.Container(rootfs=str(tmp_path / "missing"), root=state_root)
    with pytest.raises(spacer.Error) as e:
        c.__enter__()
    assert e.value.message
    assert not os.path.exists(os.path.join(state_root, c.id))


def test_an_invalid_config_names_the_json_path(rootfs, state_root):
    c = spacer.Container(rootfs=rootfs, root=state_root)
    c.config["linux"]["resources"]["pids"] = {"limit": "many"}
    with pytest.raises(spacer.Error) as e:
        c.__enter__()
    assert e.value.code == 0
    assert e.value.path is not None and e.value.path.startswith("linux.resources.pids")
    assert not os.path.exists(os.path.join(state_root, c.id))


def test_two_containers_cannot_share_an_id(container, rootfs, state_root):
    with pytest.raises(spacer.Error) as e:
        with spacer.Container(rootfs=rootfs, root=state_root, id=container.id):
            pass
    assert e.value.code == errno.EEXIST
    assert container.status == "running"


def test_sizes():
    assert spacer.parse_size("64m") == 64 << 20
    assert spacer.parse_size("1G") == 1 << 30
    assert spacer.parse_size(4096) == 4096
    with pytest.raises(ValueError):
        spacer.parse_size("lots")


def test_version_is_the_package_version():
    out = subprocess.run([SPACER, "--version"], stdout=subprocess.PIPE, text=True).stdout
    assert spacer.version() in out


def test_leaving_a_paused_container_deletes_it(rootfs, state_root):
    with spacer.Container(rootfs=rootfs, root=state_root) as c:
        p = c.Popen(["sleep", "1000"])
        c.pause()
        assert c.status == "paused"
        pid, cgroups = c.pid, cgroup_dirs(c.pid)
    assert not os.path.exists(os.path.join(state_root, c.id))
    assert wait_gone(pid) and wait_gone(p.pid)
    assert [d for d in cgroups if os.path.exists(d)] == []


def test_runs_from_many_threads_at_once(container):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(
            lambda i: container.run(["/bin/sh", "-c", f"echo {i}"], stdout=subprocess.PIPE),
            range(16)))
    assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(16)]


def test_interactive_shell_on_a_terminal(container, state_root):
    master, slave = pty.openpty()
    code = ("import sys, spacer; c = spacer.Container.attach(sys.argv[1], root=sys.argv[2]); "
            "sys.exit(c.interactive_shell())")
    p = subprocess.Popen([sys.executable, "-c", code, container.id, state_root], stdin=slave,
                         stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = b""
    try:
        os.write(master, b"echo $((6 * 7)); [ -t 0 ] && echo tty; exit 3\n")
        while p.poll() is None or select.select([master], [], [], 0)[0]:
            if select.select([master], [], [], 30)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the terminal's other side is closed
                    break
                if not chunk:
                    break
                out += chunk
            else:
                break
        assert p.wait(timeout=30) == 3
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    assert b"42" in out and b"tty" in out
