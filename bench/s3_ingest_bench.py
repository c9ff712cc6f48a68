"""S3 GET -> parse -> embedded log throughput against the local S3 server
(scripts/services start s3), next to a plain `curl` download of the same
objects and an ingest of the same data from a directory bucket, in one run.

usage: python3 bench/s3_ingest_bench.py build/logstream [LINES_PER_HOST]"""
import os
import subprocess
import sys
import time
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from common import workdir  # noqa: E402
from s3_common import s3_env  # noqa: E402

logstream = sys.argv[1] if len(sys.argv) > 1 else "build/logstream"
per_host = int(sys.argv[2]) if len(sys.argv) > 2 else 400000
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


def timed(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - t


args = []
for k in keys:
    args += [f"{env['AWS_ENDPOINT_URL_S3']}/{bucket}/{quote(k, safe='/~')}", "-o", "/dev/null"]
curl_s = timed(["curl", "-sf", "--aws-sigv4", f"aws:amz:{env['AWS_REGION']}:s3",
                "-u", f"{env['AWS_ACCESS_KEY_ID']}:{env['AWS_SECRET_ACCESS_KEY']}",
                "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", *args])
s3_s = timed([logstream, "ingest", "--store", f"s3://{bucket}", "--events", "poll",
              "--broker", f"{d}/log-s3", "--exit-when-done"], env=env)
dir_s = timed([logstream, "ingest", "--store", f"file://{d}/local", "--broker", f"{d}/log-dir",
               "--exit-when-done"])
mb = total / 1e6
print(f"{len(keys)} objects, {mb:.0f} MB, {lines} lines")
print(f"curl download (GET only)      : {mb / curl_s:7.1f} MB/s  {curl_s:6.2f} s")
print(f"ingest s3:// (GET+parse+log)  : {mb / s3_s:7.1f} MB/s  {lines / s3_s / 1e6:5.2f} M lines/s  {s3_s:6.2f} s")
print(f"ingest file:// (read+parse+log): {mb / dir_s:7.1f} MB/s  {lines / dir_s / 1e6:5.2f} M lines/s  {dir_s:6.2f} s")
