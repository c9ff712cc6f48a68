"""Two `logstream process` instances in one consumer group over the real Kafka
broker split the partitions of `logs` and together produce exactly the
aggregates and alert ids that one instance produces, and that counts computed
independently from the bucket predict, a per = "all" rule included (its count
spans every partition, so no instance sees it whole). Second phase: one of the
two is killed with SIGKILL mid-way; its partitions move to the survivor, and
the outputs are still exact, with no alert id twice. Third phase: the same
with two streaming instances (no --exit-when-done); once the survivor has
caught up, idle sources close their windows (idle_timeout), and the outputs
equal the one-instance run's before the survivor is stopped with SIGTERM
(per = "all" windows included: they stay open while a partition has a
backlog, as each host's files come one after another).

Each phase ingests the same fixed-seed bucket into its own namespace (4
partitions of `logs`)."""
import atexit
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, service_env, workdir  # noqa: E402
from independent_counts import rfc3339, window_counts  # noqa: E402

kafka = service_env("kafka")["KAFKA_URL"]
d = workdir("kafka-two-processors")
run("generate", "--hosts", 8, "--max-count", 60000, "--seed", 7, "--roll-lines", 15000,
    "--start", "2026-11-24T00:00:00Z", "--out", f"file://{d}/b")
counts = window_counts(f"{d}/b", 10000)
total_lines = sum(counts.values())

# per = "all": errors of every host per window, threshold at the median so
# that some windows fire and some do not.
all_errors = collections.Counter()
for (start, src, lvl), c in counts.items():
    if lvl == "ERROR":
        all_errors[start] += c
threshold = sorted(all_errors.values())[len(all_errors) // 2]
rules = f"{d}/rules.toml"
with open(rules, "w") as f:
    # Small transactions (slower processors), so that the second instance
    # joins early, the group's committed offsets follow the processors
    # closely and a kill lands mid-way.
    # idle_timeout: the streaming phase's windows close soon after the end
    # (--exit-when-done closes them at the end anyway).
    f.write('[processor]\ncommit_records = 500\nidle_timeout = "1s"\n\n'
            '[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n\n'
            f'[[rules]]\nname = "errors-all"\nlevel = "ERROR"\nmin_count = {threshold}\nper = "all"\n')
want_rows = {(rfc3339(s), src, lvl): c for (s, src, lvl), c in counts.items()}
want_ids = {f"error-burst/{src}/{rfc3339(s)}" for (s, src, lvl), c in counts.items()
            if lvl == "ERROR" and c >= 13}
want_all = {f"errors-all/*/{rfc3339(s)}" for s, c in all_errors.items() if c >= threshold}
assert want_all and len(want_all) < len(all_errors)
want_ids |= want_all


def ns_args(ns):
    return ["--namespace", ns]


# Every command has a deadline: a hang fails the test naming the command
# (subprocess.TimeoutExpired) instead of running into ctest's timeout silently.
def tail(ns, topic):
    out = run(*ns_args(ns), "log", "tail", topic, "--broker", kafka, timeout=120).stdout
    return [json.loads(l) for l in out.splitlines() if l]


def outputs(ns):
    """Checks the namespace's outputs against the independent counts; returns
    (aggregate rows, alert ids)."""
    rows = tail(ns, "aggregates")
    keys = collections.Counter((r["window_start"], r["source"], r["level"]) for r in rows)
    dup = [k for k, c in keys.items() if c > 1]
    assert not dup, f"{ns}: {len(dup)} aggregate rows emitted twice, e.g. {dup[:3]}"
    got = {(r["window_start"], r["source"], r["level"]): r["count"] for r in rows}
    assert got == want_rows, f"{ns}: aggregates differ from independent counts: " \
                             f"{len(set(got.items()) ^ set(want_rows.items()))} rows"
    alerts = tail(ns, "alerts")
    ids = collections.Counter(a["id"] for a in alerts)
    twice = [i for i, c in ids.items() if c > 1]
    assert not twice, f"{ns}: alert ids twice: {twice[:3]}"
    assert set(ids) == want_ids, f"{ns}: alert ids differ: missing {sorted(want_ids - set(ids))[:3]}, " \
                                 f"unexpected {sorted(set(ids) - want_ids)[:3]}"
    for a in alerts:
        if a["rule"] == "errors-all":
            assert a["key"] == "*" and a["count"] == threshold, a
    return got, set(ids)


def ingest(ns):
    run(*ns_args(ns), "ingest", "--store", f"file://{d}/b", "--broker", kafka, "--exit-when-done", timeout=300)


class Processor:
    """A `logstream process` instance; its stderr lines are collected as they
    come ("process: partitions now: logs/0 ..." at each rebalance)."""

    def __init__(self, ns, instance, streaming=False):
        cmd = [LOGSTREAM, *ns_args(ns), "process", "--broker", kafka, "--config", rules,
               "--instance", instance] + ([] if streaming else ["--exit-when-done"])
        self.name = instance
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.err = []
        self.reader = threading.Thread(target=lambda: self.err.extend(iter(self.p.stderr.readline, "")),
                                       daemon=True)
        self.reader.start()
        atexit.register(self.stop)

    def stop(self):
        """Kills it if it still runs (a failed test leaves none behind)."""
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def announced(self):
        """The partitions ("logs/0", "rule-partials/0", ...) it announced last."""
        lines = [l for l in list(self.err) if l.startswith("process: partitions now:")]
        return set(lines[-1].split(":", 1)[1].split()) if lines else set()

    def owned(self):
        """The `logs` partitions it announced last."""
        return {int(w.split("/")[1]) for w in self.announced() if w.startswith("logs/")}

    def finish(self, timeout=240):
        try:
            self.p.wait(timeout=timeout)  # its stdout is one summary line: the pipe cannot fill
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            self.reader.join()
            raise SystemExit(f"processor {self.name} did not finish in {timeout} s (killed); it owned "
                             f"{sorted(self.announced())}; its stderr ends with: {''.join(self.err)[-2000:]}")
        out = self.p.stdout.read()
        self.reader.join()
        assert self.p.returncode == 0, f"processor {self.name} exited {self.p.returncode}: {''.join(self.err)[-2000:]}"
        return int(out.split("processed ", 1)[1].split(" ", 1)[0])


def offsets(ns):
    """{partition: (committed, end)} of group `processor` on `logs`."""
    out = run(*ns_args(ns), "log", "stats", "--broker", kafka, timeout=120).stdout
    got = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 6 and f[0] == "processor" and f[1] == "logs":
            got[int(f[2])] = (int(f[3]), int(f[4]))
    return got


base = "two" + uuid.uuid4().hex[:6]

# Reference: one instance.
ns = base + "-one"
ingest(ns)
assert Processor(ns, "solo").finish() == total_lines
ref_rows, ref_ids = outputs(ns)

# Two instances in one group, started together.
ns = base + "-two"
ingest(ns)
a, b = Processor(ns, "a"), Processor(ns, "b")
na, nb = a.finish(), b.finish()
assert na > 0 and nb > 0, f"the partitions were not split: a processed {na}, b {nb}"
assert na + nb >= total_lines
rows, ids = outputs(ns)
assert rows == ref_rows and ids == ref_ids
print(f"two instances: a processed {na}, b {nb} records; outputs = one instance's", flush=True)


def kill_mid_way(ns, a, b):
    """Kills one of the two with SIGKILL once they have split the partitions:
    one that owns partitions of `logs` it has committed only in part,
    preferably the owner of `rule-partials` (so the per-all sums move too).
    Returns (victim, survivor, its `logs` partitions, their (committed, end))."""
    give_up = time.monotonic() + 120
    while True:
        got = offsets(ns)
        candidates = []
        for p, other in ((a, b), (b, a)):
            mine = p.owned()
            if not mine or not other.owned() or not all(q in got for q in mine):
                continue  # the partitions are not split yet
            # A partition committed in part, many commits short of its end.
            if any(0 < got[q][0] and got[q][0] + 10000 < got[q][1] for q in mine):
                candidates.append(p)
        candidates.sort(key=lambda p: "rule-partials/0" not in p.announced())
        if candidates:
            victim = candidates[0]
            break
        for p in (a, b):
            assert p.p.poll() is None, f"{p.name} ended before a kill mid-way: {''.join(p.err)[-1000:]}"
        assert time.monotonic() < give_up, "the instances never split part-committed partitions in 2 minutes"
        time.sleep(0.05)
    mine = victim.owned()
    done = [got[q] for q in sorted(mine)]
    victim.p.send_signal(signal.SIGKILL)
    victim.p.wait()
    victim.reader.join(timeout=30)
    assert not victim.reader.is_alive(), f"{victim.name}'s stderr did not end 30 s after SIGKILL"
    return victim, b if victim is a else a, mine, done


# Two instances, one killed with SIGKILL mid-way. Its partitions move to the
# survivor.
ns = base + "-kill"
ingest(ns)
a, b = Processor(ns, "a"), Processor(ns, "b")
victim, survivor, mine, done = kill_mid_way(ns, a, b)
n = survivor.finish()
owned_partials = "rule-partials/0" in victim.announced()
assert survivor.owned() == {0, 1, 2, 3} and "rule-partials/0" in survivor.announced(), \
    f"{survivor.name} did not take over: {survivor.err}"
rows, ids = outputs(ns)
assert rows == ref_rows and ids == ref_ids
print(f"ok: one = two instances = independent counts ({len(rows)} rows, {len(ids)} alerts, "
      f"{len(want_all)} per-all); {victim.name} killed owning logs {sorted(mine)} "
      f"{'and rule-partials ' if owned_partials else ''}"
      f"at {done} (committed, end), {survivor.name} processed {n} records", flush=True)

# Streaming: two instances without --exit-when-done, one killed mid-way. The
# survivor runs until it has committed every partition to its end and its
# outputs hold every window (idle sources close theirs), then stops on
# SIGTERM (exit 0); the outputs equal the one-instance run's.
ns = base + "-stream"
ingest(ns)
a, b = Processor(ns, "a", streaming=True), Processor(ns, "b", streaming=True)
victim, survivor, mine, done = kill_mid_way(ns, a, b)
give_up = time.monotonic() + 180
while True:
    got = offsets(ns)
    if len(got) == 4 and all(c >= e - 1 for c, e in got.values()):  # e - 1: a commit marker
        if len(tail(ns, "aggregates")) >= len(ref_rows) and \
                {x["id"] for x in tail(ns, "alerts")} >= ref_ids:
            break
    assert survivor.p.poll() is None, f"{survivor.name} ended: {''.join(survivor.err)[-2000:]}"
    if time.monotonic() > give_up:
        missing = sorted(ref_ids - {x["id"] for x in tail(ns, "alerts")})
        raise SystemExit(f"streaming outputs incomplete after 3 minutes: offsets {got}, "
                         f"{len(tail(ns, 'aggregates'))} of {len(ref_rows)} aggregate rows, "
                         f"{len(missing)} alerts missing, e.g. {missing[:4]}")
    time.sleep(0.5)
print("streaming outputs complete; stopping the survivor", flush=True)
survivor.p.send_signal(signal.SIGTERM)
n = survivor.finish()
rows, ids = outputs(ns)
assert rows == ref_rows and ids == ref_ids
print(f"ok: streaming, {victim.name} killed owning logs {sorted(mine)} at {done}; "
      f"{survivor.name} processed {n} records; outputs = one instance's")
