"""Metrics (issue 19): /metrics of `run --exit-when-done --http`, scraped
during the run and after it (--http-linger) and parsed with the official
Prometheus client's parser, agrees with the run's own outputs: lines read,
records, dead letters, windows and alerts; /healthz and /readyz answer 200,
/api/v1/status lists the stages."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

VENV_PYTHON = "/opt/logstream/venv/bin/python"
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    if sys.executable != VENV_PYTHON and os.access(VENV_PYTHON, os.X_OK):
        os.execv(VENV_PYTHON, [VENV_PYTHON, *sys.argv])
    raise SystemExit("prometheus_client is missing: run scripts/setup --servers (as root)")

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, free_port, http_get as get, tail, workdir  # noqa: E402



def scrape(base):
    """{(name, labels as a sorted tuple): value} of every sample of /metrics."""
    status, text = get(base + "/metrics")
    if status != 200:
        raise OSError(f"/metrics answered {status}: {text[:200]}")
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def total(samples, name):
    return sum(v for (n, _), v in samples.items() if n == name)


d = workdir("metrics")
# An object with lines that start no record: dead letters.
os.makedirs(f"{d}/bucket/host-9/2026-11-24")
with open(f"{d}/bucket/host-9/2026-11-24/host-9-000001.log", "w") as f:
    f.write("not a log line\n" * 7 + "2026-11-24T00:00:01.000Z [main] ERROR a.B - after the bad ones\n")
port = free_port()
base = f"http://127.0.0.1:{port}"
p = subprocess.Popen([LOGSTREAM, "run", "--data", d, "--exit-when-done", "--http", f"127.0.0.1:{port}",
                      "--http-linger", "60s", "--hosts", "4", "--max-count", "4000", "--seed", "5",
                      "--start", "2026-11-24T00:00:00Z", "--burst-period", "10s", "--burst-length", "3s",
                      "--burst-share", "0.9", "--rate", "20000"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
stderr_lines = []
lingering = threading.Event()


def read_stderr():
    for line in p.stderr:
        stderr_lines.append(line)
        if "serving the final metrics" in line:
            lingering.set()


threading.Thread(target=read_stderr, daemon=True).start()
try:
    during = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not lingering.is_set():
        try:
            s = scrape(base)
        except OSError:
            time.sleep(0.2)
            continue
        if during is None and total(s, "logstream_ingest_lines_total") > 0:
            during = s
            assert get(base + "/healthz")[0] == 200
            status = json.loads(get(base + "/api/v1/status")[1])
            names = [st["name"] for st in status["stages"]]
            assert names == ["bucket", "ingest", "log", "process"], names
        time.sleep(0.2)
    assert during is not None, "no scrape during the run saw lines ingested:\n" + "".join(stderr_lines)
    assert lingering.wait(300), "run did not finish:\n" + "".join(stderr_lines[-20:])
    after = scrape(base)
    assert get(base + "/readyz")[0] == 200
    dead_api = json.loads(get(base + "/api/v1/dead-letters?limit=5")[1])
finally:
    p.send_signal(signal.SIGINT)
    p.wait(timeout=60)
assert p.returncode == 0, "".join(stderr_lines[-20:])

lines = bucket_lines(f"{d}/bucket")
records = tail("logs", f"{d}/broker")
dead = tail("dead-letter", f"{d}/broker")
with open(f"{d}/aggregates.jsonl") as f:
    aggregates = [l for l in f if l.strip()]
with open(f"{d}/alerts.jsonl") as f:
    alerts = [json.loads(l) for l in f if l.strip()]
want = {
    "logstream_ingest_lines_total": len(lines),
    "logstream_ingest_records_total": len(records),
    "logstream_ingest_dead_letters_total": len(dead),
    "logstream_process_records_total": len(records),
    "logstream_process_windows_emitted_total": len(aggregates),
    "logstream_process_alerts_fired_total": len(alerts),
    "logstream_ingest_objects_total": sum(1 for _ in {k for k, _ in lines}),
}
got = {name: total(after, name) for name in want}
assert got == want, f"metrics {got}\n!= outputs {want}"
assert len(dead) == 7 and len(alerts) > 0, (len(dead), len(alerts))
by_rule = {}
for a in alerts:
    by_rule[a["rule"]] = by_rule.get(a["rule"], 0) + 1
for rule, n in by_rule.items():
    assert after[("logstream_process_alerts_fired_total", (("rule", rule),))] == n, rule
assert after[("logstream_ingest_dead_letters_total", (("reason", "no_record_above"),))] == 7
assert dead_api["by_reason"] == {"no_record_above": 7}, dead_api
assert dead_api["dead_letters"][0]["object"] == "host-9/2026-11-24/host-9-000001.log", dead_api
for name in ("logstream_ingest_commit_duration_seconds_count", "logstream_alert_latency_seconds_count",
             "process_resident_memory_bytes", "process_cpu_seconds_total"):
    assert total(after, name) > 0, name
for (name, labels) in after:  # bounded label sets only
    assert all(k in {"stage", "topic", "partition", "sink", "reason", "level", "format", "rule", "le", "version"}
               for k, _ in labels), (name, labels)
print(f"ok: /metrics during the run ({int(total(during, 'logstream_ingest_lines_total'))} lines so far) and "
      f"after it agree with the outputs: {want}")
