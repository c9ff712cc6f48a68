"""Faults on a three-broker cluster (issue 21): every stage runs as it would in
production, streaming, several of each, and things die under them.

Three brokers (`scripts/services start kafka --brokers 3`, its own services
directory); two ingest fleet members (`ingest --instance a|b`, each listing
and watching one directory bucket); two processors (`process --instance
p|q`); the notifier with a webhook sink (a receiver in this test). During
the run, at random moments (a fixed seed): one broker is SIGKILLed and
restarted, one ingest member and one processor are SIGKILLed and restarted
under their names; a stage that exits on an error meanwhile is started
again, as a supervisor would. At the end (the streaming stages stopped with
SIGTERM, then each stage once with --exit-when-done): every line is one
record, the aggregates equal the counts computed independently from the
bucket, every alert id appears once on `alerts` and was delivered to the
webhook, and the Spark job's batch mode on the same records agrees.

Not here: the bucket is a directory, not a versitygw bucket with events on
an SQS queue (tests/s3_sqs_test.py covers that path on one broker)."""
import collections
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import spark_common as sc  # noqa: E402
from common import LOGSTREAM, bucket_lines, check_records_match_lines, run, workdir  # noqa: E402
from independent_counts import rfc3339, window_counts  # noqa: E402
from notify_common import SECRET, WebhookReceiver  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sc.check_installed()
d = workdir("kafka-cluster-faults")
services_env = dict(os.environ, LOGSTREAM_SERVICES_DIR=f"{d}/services")
rng = random.Random(2112)


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


run("generate", "--hosts", 6, "--max-count", 20000, "--seed", 17, "--roll-lines", 2000,
    "--start", "2026-11-24T00:00:00Z", "--out", f"file://{d}/b")
lines = bucket_lines(f"{d}/b")
hook = WebhookReceiver()
config = f"{d}/faults.toml"
with open(config, "w") as f:
    f.write('[ingest]\nchunk_records = 300\n[processor]\ncommit_records = 300\nwindow = "10s"\n'
            '[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n'
            f'[[sinks]]\nname = "hook"\ntype = "webhook"\nurl = "{hook.url}"\n'
            'secret_env = "LOGSTREAM_WEBHOOK_SECRET"\nbackoff = "100ms"\nmax_backoff = "1s"\ntimeout = "5s"\n')
ns = "faults" + uuid.uuid4().hex[:8]
kafka = re.search(r"KAFKA_URL=(\S+)", services("start", "kafka", "--brokers", "3")).group(1)
procs = []


class Stage:
    """A supervised stage: restarted when it exits on an error, killed at
    will; its restarts are counted."""

    def __init__(self, name, *args):
        self.name, self.args, self.restarts, self.kills = name, args, 0, 0
        self.start()

    def start(self):
        self.p = subprocess.Popen([LOGSTREAM, "--namespace", ns, *self.args, "--broker", kafka, "--config", config],
                                  env=dict(os.environ, LOGSTREAM_WEBHOOK_SECRET=SECRET),
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


try:
    stages = {"a": Stage("a", "ingest", "--store", f"file://{d}/b", "--instance", "a"),
              "b": Stage("b", "ingest", "--store", f"file://{d}/b", "--instance", "b"),
              "p": Stage("p", "process", "--instance", "p"),
              "q": Stage("q", "process", "--instance", "q"),
              "notify": Stage("notify", "notify")}
    faults = [("broker", rng.uniform(2, 6)), ("ingest", rng.uniform(3, 8)), ("process", rng.uniform(4, 12))]
    t0 = time.monotonic()
    for what, at in sorted(faults, key=lambda f: f[1]):
        while time.monotonic() - t0 < at:
            for s in stages.values():
                s.supervise()
            time.sleep(0.1)
        if what == "broker":
            kill_broker(rng.choice([1, 2, 3]))
            time.sleep(2.0)
            services("restart", "kafka")
        else:
            stages[rng.choice(["a", "b"] if what == "ingest" else ["p", "q"])].kill()
    # Let the streaming stages work for a while after the last fault.
    end = time.monotonic() + 20
    while time.monotonic() < end:
        for s in stages.values():
            s.supervise()
        time.sleep(0.1)
    for s in stages.values():
        s.stop()
    # Each stage once more to the end, as after a last crash.
    run("--namespace", ns, "ingest", "--store", f"file://{d}/b", "--instance", "a", "--broker", kafka,
        "--config", config, "--exit-when-done", timeout=300)
    run("--namespace", ns, "process", "--instance", "p", "--broker", kafka, "--config", config,
        "--exit-when-done", timeout=300)
    run("--namespace", ns, "notify", "--broker", kafka, "--config", config, "--exit-when-done", timeout=300,
        env=dict(os.environ, LOGSTREAM_WEBHOOK_SECRET=SECRET))

    def tail(topic):
        return run("--namespace", ns, "log", "tail", topic, "--broker", kafka).stdout.splitlines()

    records = [json.loads(line) for line in tail("logs")]
    n = check_records_match_lines(records, lines)
    aggregates, alerts = tail("aggregates"), tail("alerts")
    rows = [json.loads(r) for r in aggregates]
    got = {(r["window_start"], r["source"], r["level"]): r["count"] for r in rows}
    assert len(got) == len(rows), "an aggregate row emitted twice"
    want = {(rfc3339(s), src, lvl): c for (s, src, lvl), c in window_counts(f"{d}/b", 10000).items()}
    assert got == want, f"aggregates differ from the independent counts: {len(set(got.items()) ^ set(want.items()))}"
    ids = collections.Counter(json.loads(a)["id"] for a in alerts)
    assert ids and all(c == 1 for c in ids.values()), ids.most_common(3)
    delivered = {a["id"] for a in hook.accepted()}
    assert delivered == set(ids), f"alerts not delivered: {sorted(set(ids) - delivered)[:3]}"
    assert not hook.bad, hook.bad[:3]
    # The Spark job's batch mode on the same records.
    with open(f"{d}/logs.jsonl", "w") as f:
        f.write("\n".join(json.dumps(r) for r in records) + "\n")
    spark_config = f"{d}/spark.toml"  # the job reads the processor's settings only
    with open(spark_config, "w") as f:
        f.write('[processor]\nwindow = "10s"\n[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n')
    sc.spark_job("--config", spark_config, "--input-json", f"{d}/logs.jsonl", "--output-dir", f"{d}/spark",
                 log=f"{d}/spark.log")
    with open(f"{d}/spark/aggregates.jsonl") as f:
        spark_agg = f.read().splitlines()
    with open(f"{d}/spark/alerts.jsonl") as f:
        spark_alerts = f.read().splitlines()
    problems, n_agg, n_alerts = sc.compare(aggregates, alerts, spark_agg, spark_alerts)
    assert not problems, problems
    summary = {name: (s.kills, s.restarts) for name, s in stages.items()}
    print(f"ok: 3 brokers, one SIGKILLed and restarted; (kills, restarts after errors) {summary}; {n} lines "
          f"once; {len(rows)} aggregate rows = independent counts = Spark; {len(ids)} alerts once, all delivered")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    hook.close()
    services("stop", "kafka")
