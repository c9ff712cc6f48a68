"""Faults on a three-broker cluster (issue 21): every stage runs as it would in
production, streaming, several of each, and things die under them.

Three brokers (`scripts/services start kafka --brokers 3`, its own services
directory); a versitygw bucket whose event webhook is relayed to an SQS queue
(the moto fixture; a quarter of the events are sent twice, as S3 and SQS
deliver at least once); 6 generator hosts upload for about 30 s; two ingest
fleet members on the queue (`ingest --instance a|b --events sqs://...`); two
processors (`process --instance p|q`); the notifier with a webhook sink (a
receiver in this test). During the upload, at random moments (the seed is
printed; LOGSTREAM_FAULT_SEED repeats a run's choices):
one broker is SIGKILLed and restarted, one ingest member and one processor are
SIGKILLed and restarted under their names; a stage that exits on an error
meanwhile is started again, as a supervisor would. Once the queue is empty,
each host uploads a sentinel line an hour later (it closes every window), the
streaming stages are stopped with SIGTERM, and each runs once more with
--exit-when-done. Then: every line is one record, the aggregates equal the
counts computed independently from the bucket, every alert id appears once on
`alerts` and was delivered to the webhook, and the Spark job, reading `logs`
from the same cluster (availableNow), writes the same aggregates and alerts.

An SQS queue does not keep order, and a killed member's messages come back
after their visibility timeout (4 s here): a host's object may be appended
after a later one of its host. The lateness (30 s of event time, about 18 s of
upload) covers that, so every record is counted."""
import collections
import http.server
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import spark_common as sc  # noqa: E402
from common import LOGSTREAM, bucket_lines, check_records_match_lines, free_port, run, workdir  # noqa: E402
from independent_counts import rfc3339, window_counts  # noqa: E402
from notify_common import SECRET, WebhookReceiver  # noqa: E402
from s3_common import Versitygw, s3_put, sqs_call  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sc.check_installed()
d = workdir("kafka-cluster-faults")
services_env = dict(os.environ, LOGSTREAM_SERVICES_DIR=f"{d}/services")
seed = int(os.environ.get("LOGSTREAM_FAULT_SEED", time.time_ns() % 100000))
print(f"fault seed {seed}", flush=True)
rng = random.Random(seed)


def services(*args):
    return subprocess.run([f"{ROOT}/scripts/services", *args], env=services_env, check=True,
                          capture_output=True, text=True).stdout


def kill_broker(n):
    with open(f"{d}/services/kafka/pid.{n}") as f:
        pid = int(f.read())
    os.killpg(pid, signal.SIGKILL)
    while True:
        try:
            os.kill(pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            return


def queue_empty():
    attrs = sqs_call("GetQueueAttributes", {"QueueUrl": queue, "AttributeNames": ["All"]})["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"]) == 0


class EventsToSqs(http.server.BaseHTTPRequestHandler):
    """versitygw's event webhook -> SQS SendMessage, a quarter of them twice."""
    relayed = sent = 0
    lock = threading.Lock()
    dup = random.Random(7)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with EventsToSqs.lock:
            EventsToSqs.relayed += 1
            times = 2 if EventsToSqs.dup.random() < 0.25 else 1
            EventsToSqs.sent += times
        for _ in range(times):
            sqs_call("SendMessage", {"QueueUrl": queue, "MessageBody": body})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


gen = ["generate", "--hosts", 6, "--max-count", 5000, "--seed", 17, "--roll-lines", 500,
       "--start", "2026-11-24T00:00:00Z"]
run(*gen, "--out", f"file://{d}/local")
SENTINEL = "2026-11-24T01:00:00.000Z"
sentinels = {h: (f"{h}/2026-11-24/{h}-999999.log", f"{SENTINEL} [main] INFO sentinel.End - end of the data set\n")
             for h in sorted(os.listdir(f"{d}/local"))}
for key, text in sentinels.values():
    with open(f"{d}/local/{key}", "w") as f:
        f.write(text)
lines = bucket_lines(f"{d}/local")
hook = WebhookReceiver()
processor = ('[processor]\nwindow = "10s"\nlateness = "30s"\n'
             '[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 11\n')
config, spark_config = f"{d}/faults.toml", f"{d}/spark.toml"  # the Spark job reads the processor's settings only
with open(spark_config, "w") as f:
    f.write(processor)
with open(config, "w") as f:
    f.write('[ingest]\nchunk_records = 300\n[events]\nsqs_visibility = "4s"\n' +
            processor.replace("[processor]\n", "[processor]\ncommit_records = 300\n") +
            f'[[sinks]]\nname = "hook"\ntype = "webhook"\nurl = "{hook.url}"\n'
            'secret_env = "LOGSTREAM_WEBHOOK_SECRET"\nbackoff = "100ms"\nmax_backoff = "1s"\ntimeout = "5s"\n')
ns = "faults" + uuid.uuid4().hex[:8]
bucket = "faults"
queue = sqs_call("CreateQueue", {"QueueName": f"{ns}-events"})["QueueUrl"]
relay = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), EventsToSqs)
threading.Thread(target=relay.serve_forever, daemon=True).start()
s3 = Versitygw(f"{d}/s3data", f"http://127.0.0.1:{relay.server_port}/", f"{d}/versitygw.log")
s3.start()
env = dict(s3.env, LOGSTREAM_WEBHOOK_SECRET=SECRET)
kafka = re.search(r"KAFKA_URL=(\S+)", services("start", "kafka", "--brokers", "3")).group(1)
ingest_args = ["--store", f"s3://{bucket}/raw", "--events", f"sqs://{queue}"]
procs = []


class Stage:
    """A supervised stage: restarted when it exits on an error, killed at
    will; its restarts are counted."""

    def __init__(self, name, *args):
        self.name, self.args, self.restarts, self.kills = name, args, 0, 0
        self.start()

    def start(self):
        self.p = subprocess.Popen([LOGSTREAM, "--namespace", ns, *self.args, "--broker", kafka, "--config", config],
                                  env=env,
                                  stdout=subprocess.DEVNULL, stderr=open(f"{d}/{self.name}.stderr", "a"))
        procs.append(self.p)

    def supervise(self):
        if self.p.poll() not in (None, 0, -signal.SIGKILL):
            self.restarts += 1
            assert self.restarts <= 10, f"{self.name} keeps failing: see {d}/{self.name}.stderr"
            self.start()

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()
        self.kills += 1
        self.start()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=120)


def wait_until(done, what, seconds=180):
    end = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < end, f"{what} after {seconds} s: see {d}/*.stderr"
        for s in stages.values():
            s.supervise()
        time.sleep(0.2)


try:
    upload = subprocess.Popen([LOGSTREAM, *map(str, gen), "--rate", "1000", "--out", f"s3://{bucket}/raw"], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(f"{d}/generate.stderr", "w"))
    procs.append(upload)
    stages = {"a": Stage("a", "ingest", *ingest_args, "--instance", "a"),
              "b": Stage("b", "ingest", *ingest_args, "--instance", "b"),
              "p": Stage("p", "process", "--instance", "p"),
              "q": Stage("q", "process", "--instance", "q"),
              "notify": Stage("notify", "notify")}
    faults = [("broker", rng.uniform(3, 15)), ("ingest", rng.uniform(5, 22)), ("process", rng.uniform(8, 26))]
    t0 = time.monotonic()
    for what, at in sorted(faults, key=lambda f: f[1]):
        wait_until(lambda: time.monotonic() - t0 >= at, "never")
        if what == "broker":
            kill_broker(rng.choice([1, 2, 3]))
            time.sleep(2.0)
            services("restart", "kafka")
        else:
            stages[rng.choice(["a", "b"] if what == "ingest" else ["p", "q"])].kill()
    wait_until(lambda: upload.poll() is not None, "the upload has not ended")
    assert upload.returncode == 0, open(f"{d}/generate.stderr").read()
    wait_until(queue_empty, "the queue is not empty")
    for key, text in sentinels.values():
        s3_put(bucket, f"raw/{key}", text.encode(), server=s3.server)
    wait_until(queue_empty, "the sentinels' events are still queued")
    wait_until(lambda: time.monotonic() - t0 >= 45, "never")  # the processors close the windows meanwhile
    for s in stages.values():
        s.stop()
    # Each stage once more to the end, as after a last crash.
    run("--namespace", ns, "ingest", *ingest_args, "--instance", "a", "--broker", kafka, "--config", config,
        "--exit-when-done", timeout=300, env=env)
    out = run("--namespace", ns, "process", "--instance", "p", "--broker", kafka, "--config", config,
              "--exit-when-done", timeout=300).stdout
    run("--namespace", ns, "notify", "--broker", kafka, "--config", config, "--exit-when-done", timeout=300, env=env)

    def tail(topic):
        return run("--namespace", ns, "log", "tail", topic, "--broker", kafka).stdout.splitlines()

    n = check_records_match_lines([json.loads(line) for line in tail("logs")], lines)
    aggregates, alerts = tail("aggregates"), tail("alerts")
    rows = [json.loads(r) for r in aggregates]
    got = {(r["window_start"], r["source"], r["level"]): r["count"] for r in rows}
    assert len(got) == len(rows), "an aggregate row emitted twice"
    want = {(rfc3339(s), src, lvl): c for (s, src, lvl), c in window_counts(f"{d}/local", 10000).items()}
    assert got == want, (f"aggregates differ from the independent counts: "
                         f"{len(set(got.items()) ^ set(want.items()))} rows; the last process run said: {out}")
    ids = collections.Counter(json.loads(a)["id"] for a in alerts)
    assert ids and all(c == 1 for c in ids.values()), ids.most_common(3)
    delivered = {a["id"] for a in hook.accepted()}
    assert delivered == set(ids), f"alerts not delivered: {sorted(set(ids) - delivered)[:3]}"
    assert not hook.bad, hook.bad[:3]
    # The Spark job on the same cluster; its last watermark is the sentinels' time less the lateness.
    job = ["--broker", kafka, "--namespace", ns, "--config", spark_config, "--checkpoint", f"{d}/checkpoint",
           "--available-now"]
    summary = sc.job_summary(sc.spark_job(*job, log=f"{d}/spark.log").stdout)
    final = sc.ms(SENTINEL) - 30000
    last = summary["batches"][-1] if summary["batches"] else {}
    assert last.get("watermark") and sc.ms(last["watermark"]) == final, summary
    problems, n_agg, n_alerts = sc.compare(aggregates, alerts, tail("spark-aggregates"), tail("spark-alerts"),
                                           final_before=final)
    assert not problems, problems
    summary = {name: (s.kills, s.restarts) for name, s in stages.items()}
    print(f"ok (seed {seed}): 3 brokers, one SIGKILLed and restarted; {EventsToSqs.relayed} bucket events as "
          f"{EventsToSqs.sent} SQS messages; "
          f"(kills, restarts after errors) {summary}; {n} lines once; {len(rows)} aggregate rows = independent "
          f"counts; {n_agg} = Spark's on the cluster; {len(ids)} alerts once, all delivered ({n_alerts} = Spark's)")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    hook.close()
    relay.shutdown()
    s3.stop()
    services("stop", "kafka")
