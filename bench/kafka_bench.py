#!/usr/bin/env python3
"""Kafka benchmarks side by side on one broker (not a test: it reports figures).

  bench/kafka_bench.py [build/logstream] [--lines N] [--rounds R]

Needs a running broker (`scripts/services start kafka`) and kcat (Debian
package, installed by scripts/setup). One generated bucket, then:
1. `logstream ingest` into Kafka (parse, key by host, exactly once: objects
   committed in transactions with their manifest entries, several objects per
   transaction) vs `kcat -P -l` producing the same lines
   (idempotent, acks=all, lz4, no parsing, no transactions) to a topic with the
   same partition count: input MB/s, lines/s, CPU seconds, and the CPU
   seconds of the broker meanwhile (when scripts/services started it); the
   two take turns for R rounds (default 3), and the medians are shown.
2. The same producer figures next to Kafka's own ProducerPerformance (Java
   client, same acks/compression/linger, records of the average JSON record
   size) in records/s and MB/s of record values.
3. `logstream process --exit-when-done` reading the ingested topic: records/s
   over its wall time, and without the fixed cost measured by a re-run that
   finds nothing new (start-up, restore, end-of-input check).
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser()
p.add_argument("logstream", nargs="?", default="build/logstream")
p.add_argument("--lines", type=int, default=1_000_000)
p.add_argument("--rounds", type=int, default=3, help="turns of ingest and kcat (medians reported)")
args = p.parse_args()
exe = os.path.abspath(args.logstream)
url = subprocess.run([f"{ROOT}/scripts/services", "env", "kafka"], check=True, capture_output=True,
                     text=True).stdout.strip().split("=", 1)[1]
bootstrap = url.removeprefix("kafka://")
kafka_home = os.environ.get("KAFKA_HOME", "/opt/logstream/kafka")
java = ["java", "-Xmx512m", "-cp", f"{kafka_home}/libs/*"]
ns = "bench" + uuid.uuid4().hex[:6]
PARTITIONS = 4  # what ingest creates `logs` with
# What logstream's transactional producer uses (src/kafka/kafka_transaction.cc:
# each commit flushes, so linger only shapes batches inside a transaction; at
# most 4 MB queued); kcat gets the same (its speed is the same as with 20 ms
# and the default queue, over 3 runs each).
LINGER_MS = 100
QUEUE_KBYTES = 4096
d = tempfile.mkdtemp(prefix="logstream-kafka-bench-")


def broker_cpu():
    """CPU seconds the broker (started by scripts/services) has used so far, or None."""
    state = os.environ.get("LOGSTREAM_SERVICES_DIR", "/tmp/logstream-services")
    try:
        with open(f"{state}/kafka/pid") as f, open(f"/proc/{f.read().strip()}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def timed(cmd, **kw):
    """Runs cmd; returns (wall seconds, CPU seconds of user + system, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, r


hosts = 8
subprocess.run([exe, "generate", "--hosts", str(hosts), "--max-count", str(args.lines // hosts),
                "--seed", "7", "--roll-lines", "50000", "--start", "2026-11-24T00:00:00Z",
                "--out", f"file://{d}/b"], check=True, capture_output=True)
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(f"{d}/b") for f in fs
               if not f.startswith("."))
nbytes = sum(os.path.getsize(f) for f in files)
nlines = 0
for f in files:
    with open(f, "rb") as fh:
        nlines += sum(1 for _ in fh)
mb = nbytes / 1e6
print(f"input: {len(files)} objects, {nlines} lines, {mb:.1f} MB")

# 1. ingest vs kcat, taking turns for --rounds rounds (the machine's speed
# drifts within minutes); the medians, and each round's ratio. Both topics
# exist before timing: kcat's is created below, ours by an ingest of an empty
# bucket (creating topics costs the broker metadata work, up to a second of
# its CPU).
# kcat -l reads one file: the same lines, concatenated before timing.
with open(f"{d}/all.log", "wb") as out:
    for f in files:
        with open(f, "rb") as fh:
            shutil.copyfileobj(fh, out)
os.makedirs(f"{d}/empty")


def with_broker_cpu(run):
    """(wall, CPU, the broker's CPU seconds during it) of run()."""
    before = broker_cpu()
    wall, cpu, _ = run()
    after = broker_cpu()
    return wall, cpu, (after - before) if None not in (before, after) else float("nan")


ours, theirs = [], []
for n in range(args.rounds):
    space = ns if n == 0 else f"{ns}r{n}"  # round 0's records feed parts 2 and 3
    subprocess.run([exe, "--namespace", space, "ingest", "--store", f"file://{d}/empty", "--broker", url,
                    "--exit-when-done"], check=True, capture_output=True)
    ours.append(with_broker_cpu(lambda: timed([exe, "--namespace", space, "ingest", "--store", f"file://{d}/b",
                                             "--broker", url, "--exit-when-done"])))
    topic = f"{space}.kcat"
    subprocess.run([*java, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap, "--create",
                    "--topic", topic, "--partitions", str(PARTITIONS)], check=True, capture_output=True)
    theirs.append(with_broker_cpu(lambda: timed(
        ["kcat", "-P", "-b", bootstrap, "-t", topic, "-X", "enable.idempotence=true", "-X", "acks=all",
         "-X", "compression.type=lz4", "-X", f"linger.ms={LINGER_MS}",
         "-X", f"queue.buffering.max.kbytes={QUEUE_KBYTES}", "-l", f"{d}/all.log"])))


def median_run(runs):
    return sorted(runs)[len(runs) // 2]


t_ingest, cpu_ingest, broker_ingest = median_run(ours)
t_kcat, cpu_kcat, broker_kcat = median_run(theirs)
rows = [("logstream ingest", t_ingest, cpu_ingest, broker_ingest), ("kcat -P -l", t_kcat, cpu_kcat, broker_kcat)]
print(f"\nmedians of {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
print("\n| producer | seconds | input MB/s | lines/s | CPU seconds | the broker's CPU seconds |\n|---|---|---|---|---|---|")
for name, t, c, b in rows:
    print(f"| {name} | {t:.2f} | {mb / t:.1f} | {nlines / t:,.0f} | {c:.2f} | {b:.2f} |")
print(f"ingest / kcat: {t_kcat / t_ingest:.2f}x; each round: "
      + " ".join(f"{k[0] / o[0]:.2f}x" for o, k in zip(ours, theirs)))

# Average record size on the logs topic (JSON values), from a sample, for
# ProducerPerformance.
tail = subprocess.Popen([exe, "--namespace", ns, "log", "tail", "logs", "--broker", url],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
sample = [tail.stdout.readline() for _ in range(2000)]
tail.kill()
tail.wait()
sample = [l for l in sample if l.strip()]
record_size = max(50, sum(map(len, sample)) // max(len(sample), 1) - 1)

# 2. ProducerPerformance
pp_topic = f"{ns}.perf"
subprocess.run([*java, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap, "--create",
                "--topic", pp_topic, "--partitions", str(PARTITIONS)], check=True, capture_output=True)
_, _, r = timed([*java, "org.apache.kafka.tools.ProducerPerformance", "--topic", pp_topic,
              "--num-records", str(nlines), "--record-size", str(record_size), "--throughput", "-1",
              "--producer-props", f"bootstrap.servers={bootstrap}", "acks=all", "compression.type=lz4",
              f"linger.ms={LINGER_MS}", "enable.idempotence=true"])
last = [l for l in r.stdout.splitlines() if "records sent" in l][-1]
pm = re.search(r"([\d.]+) records/sec \(([\d.]+) MB/sec\)", last)
print(f"\nProducerPerformance ({record_size}-byte records): {float(pm.group(1)):,.0f} records/s, "
      f"{float(pm.group(2)):.1f} MB/s")
print(f"logstream ingest: {nlines / t_ingest:,.0f} records/s "
      f"({nlines / t_ingest / float(pm.group(1)):.2f}x ProducerPerformance)")

# 3. processor from Kafka
with open(f"{d}/rules.toml", "w") as f:
    f.write('[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 20\n')
t_proc, _, _ = timed([exe, "--namespace", ns, "process", "--broker", url, "--config", f"{d}/rules.toml",
                   "--exit-when-done"])
# A second run has nothing new: its time is the fixed cost (start-up, state
# restore and the end-of-input check, which waits for the partitions' ends).
t_idle, _, _ = timed([exe, "--namespace", ns, "process", "--broker", url, "--config", f"{d}/rules.toml",
                   "--exit-when-done"])
print(f"\nprocess from Kafka: {nlines} records in {t_proc:.2f}s = {nlines / t_proc:,.0f} records/s wall; "
      f"a re-run with nothing new takes {t_idle:.2f}s, so {nlines / max(t_proc - t_idle, 1e-3):,.0f} "
      "records/s without the fixed cost")
shutil.rmtree(d, ignore_errors=True)
