"""`logstream lambda` (ingest action) under the real Lambda Runtime Interface
Emulator: S3 events with several Records (URL-encoded keys) are POSTed to it;
the objects (in the S3 server of `scripts/services`) land in the log exactly
once; a replayed event appends nothing; invalid event JSON is an invocation
error with a clear message and the runtime goes on serving.
With --kafka (or LAMBDA_TEST_BROKER=kafka) the broker is the real Kafka of `scripts/services start kafka`
(a fresh namespace), otherwise an embedded log directory."""
import json
import os
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, check_records_match_lines, run, service_env, workdir  # noqa: E402
from lambda_common import invoke, s3_event, start_rie, stop_rie  # noqa: E402
from s3_common import _curl, s3_env, s3_put  # noqa: E402

d = workdir("lambda-ingest")
env = s3_env()
bucket = f"lambda-ingest-{os.getpid()}"
gen = ["generate", "--hosts", 3, "--max-count", 3000, "--seed", 21, "--start", "2026-11-24T00:00:00Z"]
subprocess.run([LOGSTREAM, *map(str, gen), "--out", f"file://{d}/local"], check=True, capture_output=True)
# One key S3 must URL-encode in events (space, '+', '%', ';').
weird_dir = os.path.join(d, "local", "web 1", "2026-11-24")
os.makedirs(weird_dir)
with open(os.path.join(weird_dir, "a+b%c;d.log"), "w") as f:
    f.write("2026-11-24T00:00:01.000Z [main] INFO Web$ - started\n"
            "2026-11-24T00:00:02.000Z [main] ERROR Web$ - failed\n")
lines = bucket_lines(f"{d}/local")
objects = {}
for (key, _), _ in lines.items():
    objects.setdefault(key, None)
_curl(bucket, "", "-X", "PUT")
for key in objects:
    with open(os.path.join(d, "local", key), "rb") as f:
        data = f.read()
    s3_put(bucket, key, data)
    objects[key] = len(data)
print(f"{len(objects)} objects, {len(lines)} lines")

kafka = "--kafka" in sys.argv or os.environ.get("LAMBDA_TEST_BROKER") == "kafka"
broker = service_env("kafka")["KAFKA_URL"] if kafka else f"{d}/broker"
namespace = "lambda" + uuid.uuid4().hex[:8]
function_env = {k: v for k, v in env.items() if k.startswith("AWS_")}
function_env.update(LOGSTREAM_BROKER=broker, LOGSTREAM_NAMESPACE=namespace)
url = start_rie(function_env)
try:
    keys = sorted(objects)
    first, second = keys[: len(keys) // 2], keys[len(keys) // 2:]
    r = invoke(url, s3_event(bucket, [(k, objects[k]) for k in first]))
    assert r.get("ingested") == len(first), r
    # Invalid JSON: an invocation error naming the problem.
    r = invoke(url, b"{\"Records\": [")
    assert r.get("errorType") == "InvalidEvent", r
    assert "not an S3 event notification" in r.get("errorMessage", ""), r
    r = invoke(url, {"hello": "world"})
    assert r.get("errorType") == "InvalidEvent", r
    # ... and the runtime keeps serving.
    r = invoke(url, s3_event(bucket, [(k, objects[k]) for k in second]))
    assert r.get("ingested") == len(second), r
    assert any(x["key"] == "web 1/2026-11-24/a+b%c;d.log" for x in r["results"]), r
    # A replay (Lambda retry) appends nothing.
    r = invoke(url, s3_event(bucket, [(k, objects[k]) for k in keys]))
    assert r.get("ingested") == 0 and r.get("duplicates") == len(keys), r
finally:
    stop_rie()
out = run("--namespace", namespace, "log", "tail", "logs", "--broker", broker).stdout
records = [json.loads(line) for line in out.splitlines() if line]
n = check_records_match_lines(records, lines)
print(f"lambda ingest ({broker}): {n} records for {len(lines)} lines, exactly once")
