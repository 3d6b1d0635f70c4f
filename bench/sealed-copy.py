#!/usr/bin/env python3
"""Hold a sealed in-memory copy of a binary and print the path to execute it.

bench/run.sh executes spacer through this path as the runtime `sealed`:
spacer then finds itself already running from a sealed image and does not
re-execute, so `spacer` minus `sealed` is what the CVE-2019-5736 protection
costs a `run`. The copy lives as long as this process, which waits for its
standard input to close.
"""
import fcntl
import os
import signal
import sys

SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


def main() -> None:
    fd = os.memfd_create("spacer", os.MFD_ALLOW_SEALING)
    with open(sys.argv[1], "rb") as binary:
        size = os.fstat(binary.fileno()).st_size
        done = 0
        while done < size:
            done += os.sendfile(fd, binary.fileno(), done, size - done)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, SEALS)
    print(f"/proc/{os.getpid()}/fd/{fd}", flush=True)
    # A Ctrl-C reaches the whole process group; the copy must outlive the
    # bench's cleanup, which ends with the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.read()


if __name__ == "__main__":
    main()
