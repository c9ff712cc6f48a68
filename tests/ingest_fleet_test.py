"""The ingest fleet on the real Kafka broker: two enqueuers (`ingest --enqueue`)
hand every object event of a bucket to topic `objects`, so each event arrives
twice (a duplicate delivery, the second often while the first is being
ingested); two writers (`ingest --instance a|b`) share `objects` as consumer
group `ingest`. Writers are killed with SIGKILL at random moments, mid-object
(objects commit in chunks of 200 records), and restarted under their name.
At the end (two writers run with --exit-when-done, which end once the group
has committed `objects` to its end) every line is exactly one record and
each host's records are in key order."""
import atexit
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import (LOGSTREAM, bucket_lines, check_each_source_in_key_order,  # noqa: E402
                    check_records_match_lines, run, service_env, workdir)

KILLS = 4
kafka = service_env("kafka")["KAFKA_URL"]
d = workdir("ingest-fleet")
ns = ["--namespace", "fleet" + uuid.uuid4().hex[:8]]
bucket = f"file://{d}/b"
run("generate", "--hosts", 6, "--max-count", 60000, "--seed", 11, "--roll-lines", 2000,
    "--start", "2026-11-24T00:00:00Z", "--out", bucket)
lines = bucket_lines(f"{d}/b")
config = f"{d}/ingest.toml"
with open(config, "w") as f:
    f.write("[ingest]\nchunk_records = 200\n")

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
        out = self.p.communicate(timeout=timeout)[0]
        self.reader.join()
        assert self.p.returncode == 0, (self.p.returncode, "".join(self.err))
        return out.strip()


@atexit.register
def kill_all():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


writers = {name: Proc("--instance", name) for name in ("a", "b")}
for w in writers.values():
    w.wait_owning()
enqueuers = [Proc("--enqueue", "--instance", f"e{i}", "--exit-when-done") for i in (1, 2)]


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
n_objects = len(set(k for k, _ in lines))
for e in enqueuers:
    out = e.finish(timeout=120)
    assert out == f"enqueued {n_objects} object events on topic objects", out
# The streaming writers end at SIGTERM after committing; two more runs with
# --exit-when-done finish what is left.
for w in writers.values():
    w.p.send_signal(signal.SIGTERM)
    w.finish(timeout=120)
finals = [Proc("--instance", name, "--exit-when-done") for name in ("a", "b")]
left = [p.finish() for p in finals]

out = run(*ns, "log", "tail", "logs", "--broker", kafka).stdout
import json  # noqa: E402
records = [json.loads(l) for l in out.splitlines() if l]
n = check_records_match_lines(records, lines)
check_each_source_in_key_order(records)
mid_way = [r for r in at_kill if 0 < r < len(lines)]
assert len(mid_way) >= 2, f"records of logs at each kill: {at_kill} of {len(lines)}: too few kills mid-way"
print(f"ok: {KILLS} writer kills (logs had {at_kill} records then), every event twice, {n} lines exactly once, each host in order; "
      f"left for the last runs: {left}")
