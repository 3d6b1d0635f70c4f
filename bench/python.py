#!/usr/bin/env python3
"""Time N interleaved starts of /bin/true three ways and print the ratios:
  c.run(["/bin/true"])                      in a running spacer.Container
  subprocess.run([spacer, "exec", ID, ...]) the CLI into the same container
  subprocess.run(["/bin/true"])             on the host, no container
    sudo bench/python.py [-n N] [--rootfs DIR]   (N also from BENCH_N; default 100)
Env as tests/python: SPACER (default build/spacer), SPACER_LIBRARY (default
beside it in .libs), SPACER_IDLE. Without --rootfs a busybox rootfs is made
with bundles/make-rootfs.sh in a temporary directory, removed afterwards.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SPACER = os.path.abspath(os.environ.get("SPACER", os.path.join(TOP, "build", "spacer")))
os.environ.setdefault("SPACER_BINARY", SPACER)
os.environ.setdefault("SPACER_LIBRARY", os.path.join(os.path.dirname(SPACER), ".libs",
                                                     "libspacer.so.0"))
os.environ.setdefault("SPACER_IDLE", os.path.join(os.path.dirname(SPACER), "spacer-idle"))
sys.path.insert(0, os.path.join(TOP, "python"))

import spacer  # noqa: E402


def pct(samples, p):
    """Linear-interpolated percentile, as bench/run.sh computes it."""
    v = sorted(samples)
    x = (len(v) - 1) * p
    k = int(x)
    return v[k] if k + 1 >= len(v) else v[k] + (v[k + 1] - v[k]) * (x - k)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N", 100)))
    ap.add_argument("--rootfs")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: must run as root")
    warmup = 3
    with tempfile.TemporaryDirectory(prefix="spacer-bench-py.") as tmp:
        rootfs = args.rootfs
        if rootfs is None:
            rootfs = os.path.join(tmp, "rootfs")
            subprocess.run([os.path.join(TOP, "bundles", "make-rootfs.sh"), SPACER, rootfs],
                           check=True, stdout=subprocess.DEVNULL)
        root = os.path.join(tmp, "state")
        with spacer.Container(rootfs=rootfs, root=root, id="bench") as c:
            ways = {
                "c.run": lambda: c.run(["/bin/true"], check=True),
                "cli exec": lambda: subprocess.run([SPACER, "--root", root, "exec", "bench",
                                                    "/bin/true"], check=True),
                "host": lambda: subprocess.run(["/bin/true"], check=True),
            }
            times = {k: [] for k in ways}
            # Round-robin so that drift and noise hit every way alike.
            for i in range(warmup + args.n):
                for name, fn in ways.items():
                    t = time.perf_counter()
                    fn()
                    if i >= warmup:
                        times[name].append((time.perf_counter() - t) * 1000)
    print(f"spacer {spacer.version()}; {args.n} starts each of /bin/true (+{warmup} warm-up), "
          f"interleaved; wall time per start in ms")
    print(f"{'way':<9} {'median':>8} {'p10':>8} {'p90':>8}")
    med = {}
    for name, t in times.items():
        med[name] = statistics.median(t)
        print(f"{name:<9} {med[name]:8.2f} {pct(t, 0.1):8.2f} {pct(t, 0.9):8.2f}")
    print(f"\nc.run is {med['c.run'] / med['cli exec']:.2f}x `spacer exec`, "
          f"{med['c.run'] / med['host']:.2f}x a host subprocess.run "
          f"(median/median; lower is faster)")


if __name__ == "__main__":
    main()
