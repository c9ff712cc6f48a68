"""Benchmark (not a ctest): cold start and warm invocation time of
`logstream lambda` (ingest action) under the Lambda Runtime Interface
Emulator for one 10 MB object in the S3 server of `scripts/services`.
Cold = the first invocation after the emulator starts (it launches bootstrap
then, so runtime init, broker open and topic creation count); warm = later
invocations, each a fresh copy of the object.
  python3 tests/lambda_bench.py build/logstream [--kafka]   (s3 [and kafka] running)"""
import os
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from common import LOGSTREAM, service_env, workdir  # noqa: E402
from lambda_common import invoke, s3_event, start_rie, stop_rie  # noqa: E402
from s3_common import _curl, s3_env, s3_put  # noqa: E402

WARM = 5
d = workdir("lambda-bench")
env = s3_env()
bucket = f"lambda-bench-{os.getpid()}"
gen = ["generate", "--hosts", 1, "--max-count", 100000, "--seed", 5, "--start", "2026-11-24T00:00:00Z"]
subprocess.run([LOGSTREAM, *map(str, gen), "--out", f"file://{d}/local"], check=True, capture_output=True)
data = b""
for root, _, files in os.walk(f"{d}/local"):
    for f in sorted(files):
        with open(os.path.join(root, f), "rb") as fh:
            data += fh.read()
data = data[: 10 * 1024 * 1024]
data = data[: data.rfind(b"\n") + 1]
_curl(bucket, "", "-X", "PUT")
keys = [f"host-1/2026-11-24/obj-{i}.log" for i in range(WARM + 1)]
for k in keys:
    s3_put(bucket, k, data)
kafka = "--kafka" in sys.argv
broker = service_env("kafka")["KAFKA_URL"] if kafka else f"{d}/broker"
function_env = {k: v for k, v in env.items() if k.startswith("AWS_")}
function_env.update(LOGSTREAM_BROKER=broker, LOGSTREAM_NAMESPACE="bench" + uuid.uuid4().hex[:8])
url = start_rie(function_env)
times = []
nlines = data.count(b"\n")
try:
    for k in keys:
        t = time.monotonic()
        r = invoke(url, s3_event(bucket, [(k, len(data))]))
        times.append(time.monotonic() - t)
        assert r.get("ingested") == 1, r
finally:
    stop_rie()
print(f"lambda bench ({'kafka' if kafka else 'embedded log'}, {len(data) / 1e6:.1f} MB object, "
      f"{nlines} lines): cold {times[0] * 1000:.0f} ms, warm median "
      f"{statistics.median(times[1:]) * 1000:.0f} ms (min {min(times[1:]) * 1000:.0f}, n={WARM})")
