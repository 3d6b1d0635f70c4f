"""Container.run() and Container.Popen(): subprocess's interface, in a container."""

import errno
import os
import signal
import subprocess
import tempfile
import time

import pytest

import spacer
from conftest import wait_gone

PIPE = subprocess.PIPE


def test_run_captures_stdout(container):
    r = container.run(["/bin/sh", "-c", "echo hi; echo err >&2"], stdout=PIPE)
    assert isinstance(r, subprocess.CompletedProcess)
    assert (r.args, r.returncode, r.stdout, r.stderr) == (
        ["/bin/sh", "-c", "echo hi; echo err >&2"], 0, b"hi\n", None)


def test_run_capture_output_and_stderr_to_stdout(container):
    r = container.run(["/bin/sh", "-c", "echo out; echo err >&2"], capture_output=True)
    assert (r.stdout, r.stderr) == (b"out\n", b"err\n")
    r = container.run(["/bin/sh", "-c", "echo out; echo err >&2"], stdout=PIPE,
                      stderr=subprocess.STDOUT)
    assert r.stdout == b"out\nerr\n"


def test_run_input_and_text(container):
    assert container.run(["cat"], input=b"\x00bytes", stdout=PIPE).stdout == b"\x00bytes"
    r = container.run(["cat"], input="héllo\n", stdout=PIPE, text=True)
    assert r.stdout == "héllo\n"


def test_run_returns_the_exit_status_and_check_raises(container):
    assert container.run(["/bin/sh", "-c", "exit 3"]).returncode == 3
    with pytest.raises(subprocess.CalledProcessError) as e:
        container.run(["/bin/sh", "-c", "echo partial; exit 4"], stdout=PIPE, check=True)
    assert (e.value.returncode, e.value.output) == (4, b"partial\n")


def test_run_timeout_raises_and_kills(container):
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired) as e:
        container.run(["/bin/sh", "-c", "echo started; exec sleep 100"], stdout=PIPE,
                      timeout=0.5)
    assert time.monotonic() - start < 10
    assert e.value.timeout == 0.5
    assert e.value.stdout == b"started\n"
    out = container.run(["ps", "-o", "comm"], stdout=PIPE, text=True).stdout
    assert "sleep" not in out


def test_shell_true(container):
    assert container.run("echo $((6 * 7))", shell=True, stdout=PIPE).stdout == b"42\n"


def test_stdio_from_and_to_files(container, tmp_path):
    src = tmp_path / "in"
    src.write_bytes(b"from a file\n")
    with open(src, "rb") as fin, tempfile.TemporaryFile() as fout:
        assert container.run(["cat"], stdin=fin, stdout=fout).returncode == 0
        fout.seek(0)
        assert fout.read() == b"from a file\n"


def test_devnull(container):
    r = container.run(["/bin/sh", "-c", "cat; echo done"], stdin=subprocess.DEVNULL,
                      stdout=PIPE)
    assert r.stdout == b"done\n"


def test_popen_communicate_with_cat(container):
    with container.Popen(["/bin/cat"], stdin=PIPE, stdout=PIPE) as p:
        assert p.pid > 0
        out, err = p.communicate(b"ping")
    assert (out, err, p.returncode) == (b"ping", None, 0)


def test_popen_pipes_are_file_objects(container):
    with container.Popen(["/bin/cat"], stdin=PIPE, stdout=PIPE, text=True, bufsize=1) as p:
        p.stdin.write("line one\n")
        assert p.stdout.readline() == "line one\n"
        p.stdin.write("line two\n")
        assert p.stdout.readline() == "line two\n"
        p.stdin.close()
        assert p.stdout.read() == ""
    assert p.returncode == 0


def test_popen_poll_wait_timeout_and_kill(container):
    p = container.Popen(["sleep", "100"])
    assert p.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        p.wait(timeout=0.2)
    p.kill()
    assert p.wait(timeout=10) == 128 + signal.SIGKILL
    assert p.poll() == 128 + signal.SIGKILL
    assert wait_gone(p.pid)
    p.kill()  # ended: nothing to do, as subprocess


def test_popen_terminate_and_send_signal(container):
    p = container.Popen(["sleep", "100"])
    p.terminate()
    assert p.wait(timeout=10) == 128 + signal.SIGTERM
    p = container.Popen(["/bin/sh", "-c", "trap 'exit 7' USR1; while :; do sleep 0.05; done"])
    time.sleep(0.3)  # the trap is set
    p.send_signal(signal.SIGUSR1)
    assert p.wait(timeout=10) == 7


def test_communicate_timeout_keeps_the_output(container):
    p = container.Popen(["/bin/sh", "-c", "echo early; exec sleep 100"], stdout=PIPE)
    with pytest.raises(subprocess.TimeoutExpired):
        p.communicate(timeout=0.5)
    p.kill()
    out, _ = p.communicate()
    assert out == b"early\n"


def test_env_is_added_to_the_containers(container):
    r = container.run(["sh", "-c", 'echo "$FOO $PATH"'], env={"FOO": "bar"}, stdout=PIPE,
                      text=True)
    foo, path = r.stdout.split()
    assert foo == "bar"
    assert "/bin" in path.split(":")  # the config's PATH stays: "sh" was found


def test_cwd(container):
    assert container.run(["pwd"], stdout=PIPE).stdout == b"/\n"
    assert container.run(["pwd"], cwd="/tmp", stdout=PIPE).stdout == b"/tmp\n"


def test_user_and_groups(container):
    assert container.run(["id", "-u"], stdout=PIPE).stdout == b"0\n"
    assert container.run(["id", "-u"], user=65534, stdout=PIPE).stdout == b"65534\n"
    assert container.run(["id", "-u"], user="1000:1001", stdout=PIPE).stdout == b"1000\n"
    assert container.run(["id", "-g"], user=(1000, 1001), stdout=PIPE).stdout == b"1001\n"
    r = container.run(["id", "-G"], user=1000, extra_groups=[20, 30], stdout=PIPE, text=True)
    assert set(r.stdout.split()) >= {"20", "30"}
    with pytest.raises(ValueError):
        container.run(["true"], user="nobody")


def test_pass_fds_become_3_and_up(container):
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    try:
        res = container.run(["/bin/sh", "-c", "echo one >&3; echo two >&4"], pass_fds=[w2, w1])
        assert res.returncode == 0
        os.close(w1)
        os.close(w2)
        w1 = w2 = -1
        # In the order given: w2 is 3, w1 is 4.
        assert os.read(r2, 100) == b"one\n"
        assert os.read(r1, 100) == b"two\n"
    finally:
        for fd in (r1, r2, w1, w2):
            if fd != -1:
                os.close(fd)


def test_a_program_that_is_not_there(container):
    with pytest.raises(spacer.Error) as e:
        container.run(["/no/such/program"])
    assert e.value.code == errno.ENOENT
    assert "/no/such/program" in e.value.message


def test_processes_in_an_unstarted_container_are_refused(rootfs, state_root):
    c = spacer.Container(rootfs=rootfs, root=state_root)
    with pytest.raises(ValueError):
        c.run(["true"])


def test_many_processes_in_a_row(container):
    for i in range(20):
        assert container.run(["/bin/sh", "-c", f"exit {i}"]).returncode == i


def test_a_process_object_replaces_args_env_cwd_and_user(container):
    r = container.run(None, process={"args": ["/bin/sh", "-c", "echo $X; pwd; id -u"],
                                     "cwd": "/tmp", "env": ["X=from-process"],
                                     "user": {"uid": 7, "gid": 7}}, stdout=PIPE, text=True)
    assert r.stdout.split() == ["from-process", "/tmp", "7"]
