#!/usr/bin/env python3
"""`logstream process` with log templates on vs off (issue: the processor with
templates on at the default levels stays >= 0.8x its speed with them off), on
generator lines of both kinds: random strings (`--messages random`, the
default: every WARN and ERROR message its own template) and service log lines
(`--messages services`: 22 shapes with random variables, as real services
log). Not a test: it reports figures.

  bench/templates_process_bench.py [build/logstream] [--records N] [--hosts H]

For each kind: N records of H hosts generated in simulated time and ingested
into the embedded log once; then `process --exit-when-done` on copies of that
log, templates off and on alternately, three times each; the medians of wall
time, CPU time (user + system, all threads) and peak RSS.
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time

p = argparse.ArgumentParser()
p.add_argument("logstream", nargs="?", default="build/logstream")
p.add_argument("--records", type=int, default=2_000_000)
p.add_argument("--hosts", type=int, default=10)
args = p.parse_args()
exe = os.path.abspath(args.logstream)
d = tempfile.mkdtemp(prefix="logstream-templates-bench-")


def run(*cmd):
    """Runs cmd; its wall time, CPU time and peak RSS (MB)."""
    t0 = time.monotonic()
    with open(f"{d}/stderr", "w") as err:
        child = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed: {open(f'{d}/stderr').read()}")
    return time.monotonic() - t0, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


for on in (False, True):
    with open(f"{d}/templates-{on}.toml", "w") as f:
        f.write(f"[processor]\ntemplates = {'true' if on else 'false'}\n")

print(f"{args.records:,} records of {args.hosts} hosts, load {os.getloadavg()[0]:.1f}")
for kind in ("random", "services"):
    base = f"{d}/{kind}"
    run(exe, "generate", "--messages", kind, "--hosts", args.hosts, "--max-count", args.records // args.hosts,
        "--seed", 1, "--start", "2026-11-24T00:00:00Z", "--out", f"{base}/bucket")
    run(exe, "ingest", "--store", f"{base}/bucket", "--broker", f"{base}/log", "--exit-when-done")
    results = {False: [], True: []}
    for _ in range(3):
        for on in (False, True):
            shutil.rmtree(f"{base}/copy", ignore_errors=True)
            shutil.copytree(f"{base}/log", f"{base}/copy")
            results[on].append(run(exe, "process", "--broker", f"{base}/copy", "--config",
                                   f"{d}/templates-{on}.toml", "--exit-when-done"))
    med = {on: [sorted(r[i] for r in results[on])[1] for i in range(3)] for on in results}
    for on in (False, True):
        wall, cpu, rss = med[on]
        print(f"{kind:8} templates {'on ' if on else 'off'}: {args.records / wall / 1e6:.2f} M records/s "
              f"({wall:.2f} s wall, {cpu:.2f} CPU s), peak RSS {rss:.0f} MB")
    print(f"{kind:8} on / off: {med[False][0] / med[True][0]:.2f}x")
shutil.rmtree(d)
