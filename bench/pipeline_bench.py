#!/usr/bin/env python3
"""Whole-stage benchmarks of the processor (issue: processor records/s, alert
latency, peak RSS). Not a test: it reports figures.

  bench/pipeline_bench.py [build/logstream] [--records N] [--latency-seconds S]

1. Throughput and peak RSS: N records from 1000 sources (generated in
   simulated time, ingested into the embedded log), then
   `logstream process --exit-when-done` with a tumbling 10s window and two
   rules; records/s over its wall time and over its CPU time (user + system,
   all threads: the one-core figure on a shared machine), and its peak RSS
   (ru_maxrss).
   The same ingest and process again with the metrics server on (--http,
   scraped once a second, as a Prometheus with a 1 s interval would): the
   throughput lost to it.
2. Latency: `logstream run` in real time with bursts on every host; for each
   alert, the time from the publication (mtime) of the object holding the line
   that made the count reach min_count to the alert's line on stdout.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import socket
import sys
import tempfile
import threading
import time
import urllib.request

p = argparse.ArgumentParser()
p.add_argument("logstream", nargs="?", default="build/logstream")
p.add_argument("--records", type=int, default=10_000_000)
p.add_argument("--latency-seconds", type=int, default=40)
args = p.parse_args()
exe = os.path.abspath(args.logstream)
d = tempfile.mkdtemp(prefix="logstream-pipeline-bench-")
RULES = ('[processor]\nwindow = "10s"\n'
         '[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 20\n'
         '[[rules]]\nname = "pattern"\nlevels = ["WARN", "ERROR"]\npattern = "[a-c][e-g][0-3]"\n'
         'min_count = 50\nper = "all"\n')
with open(f"{d}/rules.toml", "w") as f:
    f.write(RULES)


peak_rss_mb = {}
cpu_s = {}


def sh(*cmd):
    """Runs cmd; returns its wall time and records its own peak RSS and CPU
    time (user + system, all threads)."""
    t0 = time.monotonic()
    child = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{cmd} exited {child.returncode}")
    peak_rss_mb[cmd[1]] = usage.ru_maxrss / 1024
    cpu_s[cmd[1]] = usage.ru_utime + usage.ru_stime
    return time.monotonic() - t0


# 1. Throughput and peak RSS.
hosts = 1000
per_host = args.records // hosts
t_gen = sh(exe, "generate", "--hosts", hosts, "--max-count", per_host, "--seed", 1,
           "--start", "2026-11-24T00:00:00Z", "--roll-lines", 20000, "--out", f"{d}/bucket")
t_ing = sh(exe, "ingest", "--store", f"{d}/bucket", "--broker", f"{d}/broker", "--exit-when-done")
t_proc = sh(exe, "process", "--broker", f"{d}/broker", "--config", f"{d}/rules.toml",
            "--exit-when-done")
n = hosts * per_host
print(f"records: {n:,} from {hosts} sources")
print(f"generate: {n / t_gen / 1e6:.2f} M lines/s ({t_gen:.1f} s wall), "
      f"peak RSS {peak_rss_mb['generate']:.0f} MB")
print(f"ingest (bucket -> embedded log): {n / t_ing / 1e6:.2f} M lines/s ({t_ing:.1f} s), "
      f"{n / cpu_s['ingest'] / 1e6:.2f} M lines per CPU second, "
      f"peak RSS {peak_rss_mb['ingest']:.0f} MB")
print(f"process (embedded log -> aggregates, alerts): {n / t_proc / 1e6:.2f} M records/s "
      f"({t_proc:.1f} s), {n / cpu_s['process'] / 1e6:.2f} M records per CPU second, "
      f"peak RSS {peak_rss_mb['process']:.0f} MB "
      f"(RocksDB budget: 2 x 64 MB write buffers + 16 MB block cache)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scraped(*cmd):
    """sh(cmd --http PORT) while /metrics is scraped once a second."""
    port = free_port()
    done = threading.Event()
    scrapes = [0]

    def scrape():
        while not done.wait(1.0):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
                scrapes[0] += 1
            except OSError:
                pass
    t = threading.Thread(target=scrape, daemon=True)
    t.start()
    took = sh(*cmd, "--http", f"127.0.0.1:{port}")
    done.set()
    t.join()
    return took, scrapes[0]


# Off and on alternately, three times each, on fresh brokers: the medians.
times = {("ingest", False): [], ("ingest", True): [], ("process", False): [], ("process", True): []}
scrapes = 0
for rep in range(3):
    for on in (False, True):
        broker = f"{d}/broker-{rep}-{int(on)}"
        ingest = [exe, "ingest", "--store", f"{d}/bucket", "--broker", broker, "--exit-when-done"]
        process = [exe, "process", "--broker", broker, "--config", f"{d}/rules.toml", "--exit-when-done"]
        for stage, cmd in (("ingest", ingest), ("process", process)):
            if on:
                took, n_scrapes = scraped(*cmd)
                scrapes += n_scrapes
            else:
                took = sh(*cmd)
            times[(stage, on)].append(took)
        shutil.rmtree(broker)
med = {k: sorted(v)[1] for k, v in times.items()}
for stage, unit in (("ingest", "lines"), ("process", "records")):
    off, on = med[(stage, False)], med[(stage, True)]
    print(f"{stage} with the metrics server off / on and scraped every second (median of 3): "
          f"{n / off / 1e6:.2f} / {n / on / 1e6:.2f} M {unit}/s, {(on / off - 1) * 100:+.1f} % time")
print(f"({scrapes} scrapes in all)")
shutil.rmtree(f"{d}/bucket")
shutil.rmtree(f"{d}/broker")

# 2. Latency: real-time run, bursts on every host every 10 s.
data = f"{d}/run"
cmd = [exe, "run", "--data", data, "--hosts", 3, "--burst-period", "10s", "--burst-length", "4s",
       "--burst-hosts", 0, "--duration-minutes", 10]
proc = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                        text=True, bufsize=1)
arrivals = {}
deadline = time.monotonic() + args.latency_seconds
while time.monotonic() < deadline:
    line = proc.stdout.readline()
    if not line:
        break
    if line.startswith("ALERT"):
        arrivals[line] = time.time()
proc.terminate()
proc.wait()
alerts = [json.loads(l) for l in open(f"{data}/alerts.jsonl")]
stdout_time = {}
for text, t in arrivals.items():
    m = re.match(r"ALERT (\S+) (\S+) \[(\S+),", text)
    stdout_time[(m.group(1), m.group(2), m.group(3))] = t
LINE = re.compile(r"^(\S+) \[[^\]]*\] (\w+) ")
latencies = []
for a in alerts:
    if a["rule"] != "error-burst":
        continue
    key = (a["rule"], a["key"], a["window_start"])
    if key not in stdout_time:
        continue
    host = a["key"]
    count = 0
    found = None
    for root, _, files in sorted(os.walk(f"{data}/bucket/{host}")):
        for f in sorted(files):
            if f.startswith("."):
                continue
            path = os.path.join(root, f)
            for l in open(path):
                m = LINE.match(l)
                if m and m.group(2) == "ERROR" and a["window_start"] <= m.group(1) < a["window_end"]:
                    count += 1
                    if count == a["threshold"]:
                        found = path
                        break
            if found:
                break
        if found:
            break
    if found:
        latencies.append((stdout_time[key] - os.stat(found).st_mtime) * 1000)
latencies.sort()
if latencies:
    q = lambda f: latencies[min(len(latencies) - 1, int(f * len(latencies)))]
    print(f"alert latency (object published -> alert on stdout) over {len(latencies)} alerts: "
          f"p50 {q(0.5):.0f} ms, p99 {q(0.99):.0f} ms, max {latencies[-1]:.0f} ms")
else:
    print("alert latency: no alerts observed")
shutil.rmtree(d)
