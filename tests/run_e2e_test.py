"""logstream run --exit-when-done on a fixed seed: every line of
aggregates.jsonl agrees with counts computed independently from the bucket,
and the alerts are exactly the windows whose ERROR count reaches min_count."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import run, workdir  # noqa: E402
from independent_counts import rfc3339, window_counts  # noqa: E402

d = workdir("run-e2e")
rules = f"{d}/rules.toml"
with open(rules, "w") as f:
    f.write('[processor]\nwindow = "10s"\nlateness = "2s"\nidle_timeout = "30s"\n'
            '[[rules]]\nname = "error-burst"\nlevel = "ERROR"\npattern = ""\nmin_count = 13\n'
            'per = "source"\ncooldown = "0s"\n')
data = f"{d}/data"
run("run", "--data", data, "--hosts", 3, "--max-count", 20000, "--seed", 11,
    "--start", "2026-11-24T00:00:00Z", "--config", rules, "--exit-when-done")

expected = window_counts(f"{data}/bucket", 10000)
rows = [json.loads(l) for l in open(f"{data}/aggregates.jsonl")]
got = {}
for r in rows:
    k = (r["window_start"], r["source"], r["level"])
    assert k not in got, f"window emitted twice: {k}"
    got[k] = r["count"]
want = {(rfc3339(s), src, lvl): c for (s, src, lvl), c in expected.items()}
assert got == want, f"{len(set(got.items()) ^ set(want.items()))} rows differ, e.g. " \
    f"{sorted(set(got.items()) ^ set(want.items()))[:5]}"

alerts = [json.loads(l) for l in open(f"{data}/alerts.jsonl")]
ids = [a["id"] for a in alerts]
assert len(ids) == len(set(ids)), "duplicate alert id"
want_ids = {f"error-burst/{src}/{rfc3339(s)}" for (s, src, lvl), c in expected.items()
            if lvl == "ERROR" and c >= 13}
assert set(ids) == want_ids, f"alerts differ: {set(ids) ^ want_ids}"
for a in alerts:
    assert a["count"] == 13 and a["threshold"] == 13, a
print(f"ok: {len(rows)} aggregate rows and {len(ids)} alerts agree with independent counts")
