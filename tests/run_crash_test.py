"""logstream run killed with SIGKILL at 20+ random moments and restarted each
time ends with the same aggregates and alerts as an uninterrupted run: no
duplicate alert id, no missing or doubled window, no duplicated line. Ingest
runs two threads ([ingest] threads = 2), each the writer of its hosts."""
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, workdir  # noqa: E402

KILLS = 20
d = workdir("run-crash")
cfg = f"{d}/rules.toml"
with open(cfg, "w") as f:
    f.write('[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n'
            '[[rules]]\nname = "pattern"\nlevels = ["WARN", "ERROR"]\npattern = "[a-c][e-g][0-3]"\n'
            'min_count = 30\nper = "all"\n[ingest]\nchunk_records = 2000\nthreads = 2\n')


def cmd(data):
    return [LOGSTREAM, "run", "--data", data, "--hosts", 3, "--max-count", 60000, "--seed", 5,
            "--burst", "--roll-lines", 3000,
            "--start", "2026-11-24T23:58:00Z", "--config", cfg, "--exit-when-done"]


def files(data):
    return [open(f"{data}/{n}").read().splitlines() for n in ("aggregates.jsonl", "alerts.jsonl")]


t0 = time.monotonic()
subprocess.run(list(map(str, cmd(f"{d}/reference"))), check=True, capture_output=True)
full = time.monotonic() - t0
ref_aggs, ref_alerts = files(f"{d}/reference")

rng = random.Random(11)
killed = 0
data = f"{d}/crashed"
attempts = 0
while killed < KILLS and attempts < KILLS * 4:
    attempts += 1
    p = subprocess.Popen(list(map(str, cmd(data))), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Kill within the first part of what is left, so most kills land mid-run.
    time.sleep(rng.uniform(0.02, max(0.05, full / KILLS * 2 / (1 + attempts - killed))))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        killed += 1
    p.wait()
    if p.returncode not in (0, -signal.SIGKILL):
        raise SystemExit(f"run exited {p.returncode}: {p.stderr.read().decode()}")
subprocess.run(list(map(str, cmd(data))), check=True, capture_output=True)
aggs, alerts = files(data)
assert len(aggs) == len(set(aggs)), "duplicated aggregate line"
assert len(alerts) == len(set(alerts)), "duplicated alert line"
assert sorted(aggs) == sorted(ref_aggs), f"aggregates differ: {len(set(aggs) ^ set(ref_aggs))} lines"
import json  # noqa: E402
ids = [json.loads(a)["id"] for a in alerts]
ref_ids = [json.loads(a)["id"] for a in ref_alerts]
assert len(ids) == len(set(ids)), "duplicate alert id"
assert sorted(ids) == sorted(ref_ids), f"alert ids differ: {set(ids) ^ set(ref_ids)}"
print(f"ok: {killed} kills (uninterrupted run {full:.2f}s); {len(aggs)} aggregates, {len(ids)} alerts identical")
assert killed >= 20, f"only {killed} kills landed"
