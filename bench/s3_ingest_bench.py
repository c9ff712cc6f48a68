"""S3 GET -> parse -> embedded log throughput against the local S3 server
(scripts/services start s3), next to a plain `curl` download of the same
objects, an ingest of the same data from a directory bucket, the same
ingest with no object read ahead ([ingest] prefetch_objects = 0), and the
peer: `aws s3 cp --recursive` (awscli) to local disk, then a directory
ingest. With a Kafka broker up (scripts/services start kafka), the same
ingests into Kafka too. Side by side in one run: the ingests take turns,
ROUNDS times (default 3; the machine's speed drifts within minutes), and
each figure is the median, with each round's ratio beside it.

usage: python3 bench/s3_ingest_bench.py build/logstream [LINES_PER_HOST [ROUNDS]]"""
import os
import resource
import shutil
import subprocess
import sys
import time
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from common import workdir  # noqa: E402
from s3_common import s3_env  # noqa: E402

logstream = sys.argv[1] if len(sys.argv) > 1 else "build/logstream"
per_host = int(sys.argv[2]) if len(sys.argv) > 2 else 400000
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
env = s3_env()
d = workdir("s3-bench")
bucket = f"bench-{os.getpid()}"
gen = ["generate", "--hosts", "4", "--max-count", str(per_host), "--seed", "3",
       "--start", "2026-11-24T00:00:00Z"]
subprocess.run([logstream, *gen, "--out", f"file://{d}/local"], check=True, capture_output=True)
subprocess.run([logstream, *gen, "--out", f"s3://{bucket}"], env=env, check=True, capture_output=True)
keys, total = [], 0
for root, _, files in os.walk(f"{d}/local"):
    for f in files:
        if not f.startswith("."):
            p = os.path.join(root, f)
            keys.append(os.path.relpath(p, f"{d}/local"))
            total += os.path.getsize(p)
keys.sort()
lines = 4 * per_host


cpu = {}  # seconds -> CPU seconds of the command


def timed(cmd, **kw):
    t, r = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    secs, r2 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu[secs] = r2.ru_utime + r2.ru_stime - r.ru_utime - r.ru_stime
    return secs


args = []
for k in keys:
    args += [f"{env['AWS_ENDPOINT_URL_S3']}/{bucket}/{quote(k, safe='/~')}", "-o", "/dev/null"]
curl_s = timed(["curl", "-sf", "--aws-sigv4", f"aws:amz:{env['AWS_REGION']}:s3",
                "-u", f"{env['AWS_ACCESS_KEY_ID']}:{env['AWS_SECRET_ACCESS_KEY']}",
                "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", *args])
def ingest(store, broker, pre=(), post=(), **kw):
    return timed([logstream, *pre, "ingest", "--store", store, "--events", "poll", "--broker", broker,
                  "--exit-when-done", *post], **kw)


with open(f"{d}/no-prefetch.toml", "w") as f:
    f.write("[ingest]\nprefetch_objects = 0\n")


def median(xs):
    return sorted(xs)[len(xs) // 2]


s3_runs, dir_runs, s3_off_runs = [], [], []
for n in range(rounds):
    s3_runs.append(ingest(f"s3://{bucket}", f"{d}/log-s3", env=env))
    dir_runs.append(ingest(f"file://{d}/local", f"{d}/log-dir"))
    s3_off_runs.append(ingest(f"s3://{bucket}", f"{d}/log-s3-off", post=["--config", f"{d}/no-prefetch.toml"],
                              env=env))
    for log in ("log-s3", "log-dir", "log-s3-off"):
        shutil.rmtree(f"{d}/{log}")
s3_s, dir_s, s3_off_s = median(s3_runs), median(dir_runs), median(s3_off_runs)
aws = shutil.which("aws")
if aws:
    cp_s = timed([aws, "s3", "cp", "--recursive", "--quiet", "--endpoint-url", env["AWS_ENDPOINT_URL_S3"],
                  f"s3://{bucket}", f"{d}/copied"], env=env)
    copied_s = ingest(f"file://{d}/copied", f"{d}/log-copied")
kafka = subprocess.run([os.path.join(os.path.dirname(__file__), "..", "scripts", "services"), "env", "kafka"],
                       capture_output=True, text=True).stdout.strip().removeprefix("KAFKA_URL=")
if kafka.startswith("kafka://"):
    ns = f"s3bench{os.getpid()}"
    ingest(f"file://{d}/local", kafka, pre=["--namespace", ns + "w"])  # a fresh broker warms up
    s3_k_runs, dir_k_runs = [], []
    for n in range(rounds):
        s3_k_runs.append(ingest(f"s3://{bucket}", kafka, pre=["--namespace", f"{ns}a{n}"], env=env))
        dir_k_runs.append(ingest(f"file://{d}/local", kafka, pre=["--namespace", f"{ns}b{n}"]))
    s3_k, dir_k = median(s3_k_runs), median(dir_k_runs)
mb = total / 1e6
load = os.getloadavg()[0]


def row(name, secs):
    print(f"{name:40}: {mb / secs:7.1f} MB/s  {lines / secs / 1e6:5.2f} M lines/s  {secs:6.2f} s"
          f"  {cpu.get(secs, 0):5.2f} CPU s")


def ratios(base, runs):
    """Each round's base time over its run's: the speed of runs relative to base."""
    return " ".join(f"{b / r:.2f}x" for b, r in zip(base, runs))


print(f"{len(keys)} objects, {mb:.0f} MB, {lines} lines, load {load:.1f}; medians of {rounds} rounds")
print(f"{'curl download (GET only)':40}: {mb / curl_s:7.1f} MB/s  {curl_s:6.2f} s")
row("ingest s3:// -> embedded log", s3_s)
row("ingest file:// -> embedded log", dir_s)
row("ingest s3://, no read-ahead", s3_off_s)
print(f"s3 / file: {dir_s / s3_s:.2f}x (no read-ahead: {dir_s / s3_off_s:.2f}x); "
      f"each round: {ratios(dir_runs, s3_runs)} (no read-ahead: {ratios(dir_runs, s3_off_runs)})")
if aws:
    row("peer: aws s3 cp --recursive", cp_s)
    row("peer: aws s3 cp, then file:// ingest", cp_s + copied_s)
    print(f"ingest s3:// vs the peer's sum: {(cp_s + copied_s) / s3_s:.2f}x faster")
if kafka.startswith("kafka://"):
    row("ingest s3:// -> Kafka", s3_k)
    row("ingest file:// -> Kafka", dir_k)
    print(f"Kafka: s3 / file: {dir_k / s3_k:.2f}x; each round: {ratios(dir_k_runs, s3_k_runs)}")
