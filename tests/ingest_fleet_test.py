"""The ingest fleet on the real Kafka broker. Two members `ingest --instance a|b`
start together on one directory bucket, each listing and watching it (each
sees every object); a third, `--instance c`, is fed a duplicate of every
event by webhook. Each member puts the events it learns of on topic
`objects` and ingests the hosts consumer group `ingest` assigns it. a or b
is killed with SIGKILL at random moments mid-way (objects commit in chunks
of 200 records) and restarted under its name, four times. At the end (two
members run with --exit-when-done, which end once the group has committed
`objects` to its end): every line is exactly one record, each host's records
are in key order, a and b each ingested part of the objects (the manifest
names each object's writer), and a processor's aggregates equal the counts
computed independently from the bucket."""
import atexit
import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import (LOGSTREAM, bucket_lines, check_each_source_in_key_order,  # noqa: E402
                    check_records_match_lines, free_port, run, service_env, workdir)
from independent_counts import rfc3339, window_counts  # noqa: E402
from lambda_common import s3_event  # noqa: E402

KILLS = 4
kafka = service_env("kafka")["KAFKA_URL"]
d = workdir("ingest-fleet")
ns = ["--namespace", "fleet" + uuid.uuid4().hex[:8]]
bucket = f"file://{d}/b"
run("generate", "--hosts", 12, "--max-count", 30000, "--seed", 11, "--roll-lines", 2000,
    "--start", "2026-11-24T00:00:00Z", "--out", bucket)
lines = bucket_lines(f"{d}/b")
config = f"{d}/ingest.toml"
with open(config, "w") as f:
    f.write("[ingest]\nchunk_records = 200\npartitions = 8\n")

procs = []


class Proc:
    """A `logstream ingest` process; its stderr lines are collected as they
    come ("ingest: partitions now: objects/0 ..." at each rebalance)."""

    def __init__(self, *args):
        self.p = subprocess.Popen([LOGSTREAM, *ns, "ingest", "--store", bucket, "--broker", kafka,
                                   "--config", config, *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(self.p)
        self.err = []
        self.reader = threading.Thread(target=lambda: self.err.extend(iter(self.p.stderr.readline, "")),
                                       daemon=True)
        self.reader.start()

    def owns_some(self):
        lines = [l for l in list(self.err) if l.startswith("ingest: partitions now:")]
        return bool(lines) and "none" not in lines[-1]

    def wait_owning(self, timeout=60):
        t0 = time.monotonic()
        while not self.owns_some():
            assert self.p.poll() is None, f"ended: {''.join(self.err)}"
            assert time.monotonic() - t0 < timeout, f"no partitions after {timeout}s: {''.join(self.err)}"
            time.sleep(0.1)

    def finish(self, timeout=240):
        # stderr is the reader thread's alone (communicate() would take lines from it).
        self.p.wait(timeout=timeout)
        self.reader.join()
        out = self.p.stdout.read()
        assert self.p.returncode == 0, (self.p.returncode, "".join(self.err))
        return out.strip()


@atexit.register
def kill_all():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


writers = {name: Proc("--instance", name) for name in ("a", "b")}
hook = free_port()
c = Proc("--instance", "c", "--events", "webhook", "--listen", f"127.0.0.1:{hook}")
for w in (*writers.values(), c):
    w.wait_owning()


def feed_webhook():
    """Every object's event once more, to c, a few objects per request, in key order."""
    keys = sorted(set(k for k, _ in lines))
    for i in range(0, len(keys), 5):
        body = json.dumps(s3_event("b", [(k, 0) for k in keys[i:i + 5]])).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{hook}/", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            assert r.status == 200, r.status


feeder = threading.Thread(target=feed_webhook)
feeder.start()


def logs_records():
    """Records of `logs` committed so far (its offsets also count commit markers)."""
    stats = run(*ns, "log", "stats", "--broker", kafka).stdout
    return sum(int(l.split()[2]) for l in stats.splitlines() if l.startswith("logs "))


rng = random.Random(20261204)
at_kill = []
for k in range(KILLS):
    time.sleep(rng.uniform(0.2, 1.5))
    name = rng.choice(sorted(writers))
    victim = writers[name]
    assert victim.p.poll() is None, f"writer {name} ended early: {''.join(victim.err)}"
    at_kill.append(logs_records())
    victim.p.send_signal(signal.SIGKILL)
    victim.p.wait()
    writers[name] = Proc("--instance", name)
    writers[name].wait_owning()  # the group drops the dead member after its session timeout
feeder.join()
# The streaming members end at SIGTERM after committing; two more runs with
# --exit-when-done finish what is left.
for w in (*writers.values(), c):
    w.p.send_signal(signal.SIGTERM)
    out = w.finish(timeout=120)
n_objects = len(set(k for k, _ in lines))
assert out.endswith(f"enqueued {n_objects} events"), f"c did not enqueue every webhook event: {out}"
finals = [Proc("--instance", name, "--exit-when-done") for name in ("a", "b")]
left = [p.finish() for p in finals]



def topic(name):
    out = run(*ns, "log", "tail", name, "--broker", kafka).stdout
    return [json.loads(l) for l in out.splitlines() if l]


records = topic("logs")
n = check_records_match_lines(records, lines)
check_each_source_in_key_order(records)
by_writer = collections.Counter(json.loads(e["value"]).get("writer") for e in topic("ingest-manifest"))
assert by_writer["ingest-a"] > 0 and by_writer["ingest-b"] > 0, f"objects by writer: {by_writer}"
run(*ns, "process", "--broker", kafka, "--exit-when-done")
rows = topic("aggregates")
got = {(r["window_start"], r["source"], r["level"]): r["count"] for r in rows}
assert len(got) == len(rows), "an aggregate row twice"
want = {(rfc3339(st), src, lvl): cnt for (st, src, lvl), cnt in window_counts(f"{d}/b", 10000).items()}
assert got == want, f"aggregates differ from independent counts: {len(set(got.items()) ^ set(want.items()))} rows"
mid_way = [r for r in at_kill if 0 < r < len(lines)]
assert len(mid_way) >= 2, f"records of logs at each kill: {at_kill} of {len(lines)}: too few kills mid-way"
print(f"ok: {KILLS} writer kills (logs had {at_kill} records then), every event listed by a and b and sent "
      f"to c; {n} lines exactly once, each host in order; objects by writer {dict(by_writer)}; "
      f"{len(rows)} aggregate rows = independent counts; left for the last runs: {left}")
