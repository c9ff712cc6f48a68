"""`logstream lambda` invoked concurrently, as S3 invokes a function when
several hosts upload at once: three Runtime Interface Emulators (three
execution environments) receive overlapping S3 events in parallel (every
object is in two invocations, in shuffled order), on the real Kafka broker.

1. Direct ingest (action ingest): every invocation's writer has the
   transactional id `ingest`, so concurrent invocations fence each other;
   a fenced invocation fails (IngestError) and is retried, as Lambda retries
   an asynchronous invocation. Every line ends up exactly once. Each host's
   objects are NOT in key order here (invocations race): a processor on
   this topic needs a lateness covering the objects' time span (here the
   whole bucket's hour).
2. Hand-off (action enqueue): the invocations only append their events to
   topic `objects` (one transactional id per environment, no fencing, no
   retries needed); two fleet writers (`ingest --instance`) ingest them:
   every line exactly once."""
import collections
import json
import os
import random
import subprocess
import sys
import threading
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, check_records_match_lines, run, service_env, workdir  # noqa: E402
from lambda_common import Emulators, invoke, s3_event  # noqa: E402

ENVIRONMENTS = 3
kafka = service_env("kafka")["KAFKA_URL"]
d = workdir("lambda-fleet")
store = f"file://{d}/b"
run("generate", "--hosts", 6, "--max-count", 6000, "--seed", 23, "--roll-lines", 500,
    "--start", "2026-11-24T00:00:00Z", "--out", store)
lines = bucket_lines(f"{d}/b")
sizes = collections.Counter()
for (key, _), line in lines.items():
    sizes[key] += len(line) + 1
keys = sorted(sizes)
rng = random.Random(1204)
# Invocations of 6 objects; every object in two of them.
order = keys + keys
rng.shuffle(order)
invocations = [order[i:i + 6] for i in range(0, len(order), 6)]


def invoke_all(urls, retry):
    """Invokes every event, ENVIRONMENTS at a time; returns (responses, retries)."""
    todo = list(invocations)
    lock = threading.Lock()
    responses, retries = [], [0]

    def worker(url):
        while True:
            with lock:
                if not todo:
                    return
                batch = todo.pop()
            for attempt in range(30):
                r = invoke(url, s3_event("b", [(k, sizes[k]) for k in batch]))
                if "errorType" not in r:
                    break
                assert retry and r["errorType"] == "IngestError", r
                with lock:
                    retries[0] += 1
            else:
                raise AssertionError(f"still failing after 30 attempts: {r}")
            with lock:
                responses.append(r)

    threads = [threading.Thread(target=worker, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(responses) == len(invocations), "a worker failed"
    return responses, retries[0]


def records(ns):
    out = run("--namespace", ns, "log", "tail", "logs", "--broker", kafka).stdout
    return [json.loads(l) for l in out.splitlines() if l]


def environments(ns, action):
    return Emulators(ENVIRONMENTS, {"LOGSTREAM_BROKER": kafka, "LOGSTREAM_NAMESPACE": ns,
                                    "LOGSTREAM_STORE": store, "LOGSTREAM_LAMBDA_ACTION": action})


# 1. Direct ingest.
ns = "lfd" + uuid.uuid4().hex[:8]
rie = environments(ns, "ingest")
try:
    responses, retries = invoke_all(rie.urls, retry=True)
finally:
    rie.stop()
# (objects ingested by an attempt that then failed are duplicates in its retry)
ingested = sum(r["ingested"] for r in responses)
assert ingested <= len(keys), f"{ingested} objects ingested by the invocations, {len(keys)} objects"
n = check_records_match_lines(records(ns), lines)
print(f"direct: {len(invocations)} invocations on {ENVIRONMENTS} environments, {retries} retried after "
      f"fencing; {n} lines exactly once")

# 2. Enqueue, then two fleet writers.
ns = "lfe" + uuid.uuid4().hex[:8]
rie = environments(ns, "enqueue")
try:
    responses, _ = invoke_all(rie.urls, retry=False)
finally:
    rie.stop()
assert sum(r["enqueued"] for r in responses) == 2 * len(keys), responses[:3]
writers = [subprocess.Popen([LOGSTREAM, "--namespace", ns, "ingest", "--instance", name, "--store", store,
                             "--broker", kafka, "--exit-when-done"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("w1", "w2")]
for w in writers:
    out, err = w.communicate(timeout=240)
    assert w.returncode == 0, (w.returncode, err)
n = check_records_match_lines(records(ns), lines)
print(f"enqueue: {len(invocations)} invocations, two writers: {n} lines exactly once")
