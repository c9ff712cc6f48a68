"""logstream run over the real Kafka broker produces the same aggregates.jsonl
and alerts.jsonl (as sets of lines) as the embedded run, and they agree with
counts computed independently from the bucket."""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import run, service_env, workdir  # noqa: E402
from independent_counts import rfc3339, window_counts  # noqa: E402

kafka = service_env("kafka")["KAFKA_URL"]
d = workdir("kafka-run")
rules = f"{d}/rules.toml"
with open(rules, "w") as f:
    f.write('[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n')
common = ["--hosts", 3, "--max-count", 20000, "--seed", 11, "--roll-lines", 4000,
          "--start", "2026-11-24T00:00:00Z", "--config", rules, "--exit-when-done"]
run("--namespace", "t" + uuid.uuid4().hex[:8], "run", "--broker", kafka, "--data", f"{d}/k", *common)
run("run", "--data", f"{d}/e", *common)


def lines(path):
    with open(path) as f:
        return sorted(f.read().splitlines())


for name in ("aggregates.jsonl", "alerts.jsonl"):
    assert lines(f"{d}/k/{name}") == lines(f"{d}/e/{name}"), f"{name} differs"
expected = window_counts(f"{d}/k/bucket", 10000)
got = {(r["window_start"], r["source"], r["level"]): r["count"]
       for r in map(json.loads, lines(f"{d}/k/aggregates.jsonl"))}
assert got == {(rfc3339(s), src, lvl): c for (s, src, lvl), c in expected.items()}
ids = {json.loads(l)["id"] for l in lines(f"{d}/k/alerts.jsonl")}
assert ids == {f"error-burst/{src}/{rfc3339(s)}" for (s, src, lvl), c in expected.items()
               if lvl == "ERROR" and c >= 13}
print(f"ok: run over Kafka = embedded run = independent counts ({len(got)} rows, {len(ids)} alerts)")
