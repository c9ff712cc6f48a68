"""logstream run over the real Kafka broker produces the same aggregates.jsonl
and alerts.jsonl (as sets of lines) as the embedded run, and they agree with
counts computed independently from the bucket. The alerts' log templates are
left out of the comparison: templates are learned per partition in the order its
records arrived, and the hosts' files reach a shared partition in whatever order
ingest saw them (docs/formats.md); templates.jsonl counts every WARN+ record of
each window and host once in both runs."""
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


def without_templates(path):
    alerts = [json.loads(l) for l in lines(path)]
    for a in alerts:
        a.pop("templates", None)
    return sorted(json.dumps(a, sort_keys=True) for a in alerts)


def warn_up(path):
    """{(window_start, source): count} of templates.jsonl or of aggregates.jsonl at WARN+."""
    counts = {}
    for r in map(json.loads, lines(path)):
        if r.get("level", "WARN") in ("WARN", "ERROR", "FATAL"):
            k = (r["window_start"], r["source"])
            counts[k] = counts.get(k, 0) + r["count"]
    return counts


assert lines(f"{d}/k/aggregates.jsonl") == lines(f"{d}/e/aggregates.jsonl"), "aggregates.jsonl differs"
assert without_templates(f"{d}/k/alerts.jsonl") == without_templates(f"{d}/e/alerts.jsonl"), "alerts differ"
for run_dir in ("k", "e"):
    assert warn_up(f"{d}/{run_dir}/templates.jsonl") == warn_up(f"{d}/{run_dir}/aggregates.jsonl"), run_dir
expected = window_counts(f"{d}/k/bucket", 10000)
got = {(r["window_start"], r["source"], r["level"]): r["count"]
       for r in map(json.loads, lines(f"{d}/k/aggregates.jsonl"))}
assert got == {(rfc3339(s), src, lvl): c for (s, src, lvl), c in expected.items()}
ids = {json.loads(l)["id"] for l in lines(f"{d}/k/alerts.jsonl")}
assert ids == {f"error-burst/{src}/{rfc3339(s)}" for (s, src, lvl), c in expected.items()
               if lvl == "ERROR" and c >= 13}
print(f"ok: run over Kafka = embedded run = independent counts ({len(got)} rows, {len(ids)} alerts)")
