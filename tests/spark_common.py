"""Helpers of the Spark tests and benchmark (standard library only): the data
set, the job's command line, and comparisons of its outputs with ours."""
import json
import os
import subprocess
from datetime import datetime

ROOT = os.environ.get("LOGSTREAM_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOB = os.path.join(ROOT, "spark", "logstream_spark.py")
VENV = os.environ.get("SPARK_VENV", "/opt/logstream/venv-spark")
JARS = os.environ.get("SPARK_JARS", "/opt/logstream/spark-jars")

# Sliding windows, lateness above the generator's disorder, a per-source rule
# and a per = "all" regex rule.
CONFIG = """\
[processor]
window = "10s"
slide = "5s"
lateness = "3s"

[[rules]]
name = "error-burst"
level = "ERROR"
min_count = 20

[[rules]]
name = "pattern-all"
pattern = "[A-Z][5-9][f-w]"
levels = ["WARN", "ERROR"]
min_count = 30
per = "all"
"""
LATENESS_MS = 3000

# A fixed-seed data set: several hosts, bursts, disorder within the lateness.
GENERATE = ["--hosts", "4", "--start", "2026-11-24T00:00:00Z", "--seed", "441",
            "--burst", "--burst-period", "1m", "--burst-length", "10s", "--burst-hosts", "2",
            "--disorder", "0.05", "--disorder-max", "2s", "--roll-seconds", "30"]


def check_installed():
    """Exits with a hint when scripts/setup has not installed Spark."""
    if not os.path.exists(os.path.join(VENV, "bin", "python")) or not os.path.isdir(JARS):
        raise SystemExit(f"no Spark in {VENV} / {JARS}: run scripts/setup (scripts/setup.d/spark.sh)")


def jars():
    return ",".join(sorted(os.path.join(JARS, f) for f in os.listdir(JARS) if f.endswith(".jar")))


def spark_job(*args, log=None, **kw):
    """Runs the job with the venv's Python (local[2], the jars); returns the
    CompletedProcess. Spark's own log goes to `log` (a path) if given."""
    cmd = [os.path.join(VENV, "bin", "python"), JOB, "--master", "local[2]", "--jars", jars(), *args]
    err = open(log, "w") if log else subprocess.PIPE
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, **kw)
    finally:
        if log:
            err.close()
    if p.returncode != 0:
        tail = open(log).read()[-4000:] if log else p.stderr[-4000:]
        raise SystemExit(f"spark job exited {p.returncode}:\n{tail}")
    return p


def job_summary(stdout):
    for line in stdout.splitlines():
        if line.startswith("logstream_spark: "):
            return json.loads(line[len("logstream_spark: "):])
    raise SystemExit(f"spark job printed no summary:\n{stdout[-2000:]}")


def ms(rfc3339):
    return int(round(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000))


def process_and_batch_job(run, d, broker, config):
    """`logstream process --exit-when-done` on `broker` (the data set must
    have no late records: the batch job has no watermarks), then the job's
    batch mode on the same `logs` records; `run` runs logstream (common.run).
    Returns our aggregates and alerts and the job's, as lists of JSON lines."""
    out = run("process", "--broker", broker, "--config", config, "--exit-when-done").stdout
    if " 0 late" not in out:
        raise SystemExit(f"the data set must have no late records: {out}")
    records = os.path.join(d, "logs.jsonl")
    with open(records, "w") as f:
        f.write(run("log", "tail", "logs", "--broker", broker).stdout)
    ours_agg = run("log", "tail", "aggregates", "--broker", broker).stdout.splitlines()
    ours_alerts = run("log", "tail", "alerts", "--broker", broker).stdout.splitlines()
    spark_out = os.path.join(d, "spark")
    spark_job("--config", config, "--input-json", records, "--output-dir", spark_out,
              log=os.path.join(d, "spark.log"))
    with open(os.path.join(spark_out, "aggregates.jsonl")) as f:
        spark_agg = f.read().splitlines()
    with open(os.path.join(spark_out, "alerts.jsonl")) as f:
        spark_alerts = f.read().splitlines()
    return ours_agg, ours_alerts, spark_agg, spark_alerts


def compare(ours_aggregates, ours_alerts, spark_aggregates, spark_alerts, final_before=None):
    """Aggregates identical row by row (JSON text), alert ids identical as a
    set, on the windows ending at or before `final_before` (ms; None: all).
    Returns a list of problems (empty: agree) and the compared counts."""
    def final(rows):
        return [r for r in rows if final_before is None or ms(json.loads(r)["window_end"]) <= final_before]

    problems = []
    a, b = sorted(final(ours_aggregates)), sorted(spark_aggregates)
    if len(set(b)) != len(b):
        problems.append(f"{len(b) - len(set(b))} duplicate spark aggregate rows")
    if a != sorted(set(b)):
        only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        problems.append(f"aggregates differ: {len(only_a)} only ours (e.g. {only_a[:3]}), "
                        f"{len(only_b)} only spark (e.g. {only_b[:3]})")
    ia = {json.loads(r)["id"] for r in final(ours_alerts)}
    ib = [json.loads(r)["id"] for r in spark_alerts]
    if len(set(ib)) != len(ib):
        problems.append(f"{len(ib) - len(set(ib))} duplicate spark alert ids")
    if ia != set(ib):
        problems.append(f"alert ids differ: only ours {sorted(ia - set(ib))[:5]}, "
                        f"only spark {sorted(set(ib) - ia)[:5]}")
    return problems, len(a), len(ia)
