#!/usr/bin/env python3
"""Throughput and peak memory: our processor vs the Spark job, same topic.

Generates N records (default 10 M) over several hosts, ingests them into the
running Kafka broker (`scripts/services start kafka`) with `logstream ingest`,
then times on topic `logs`:
  - `logstream process --exit-when-done`
  - the Spark job (spark/logstream_spark.py, local[2], trigger availableNow)
and samples the resident memory of each one's whole process tree (the Spark
job: the Python driver plus its JVM) every 100 ms.

Usage: scripts/services start kafka
       python3 bench/spark_bench.py build/logstream [--records N] [--keep]
Prints one line per side and a JSON summary. Not part of the test suite.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from common import service_env  # noqa: E402
import spark_common as sc  # noqa: E402


def tree_rss(root):
    """Resident bytes of a process and its descendants (from /proc)."""
    children, rss = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(pid))
        rss[int(pid)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


def measure(cmd, log_path, until_idle=0):
    """Runs cmd; returns (seconds, peak tree RSS bytes, stdout). With
    until_idle > 0 the process is stopped (SIGTERM) once its CPU time has not
    grown for that many seconds, and the time runs to its last busy moment."""
    with open(log_path, "w") as log:
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        peak, busy = [0], [start]

        def sample():
            history = []  # (time, CPU ticks); busy: >= 10 % of a core over 0.5 s
            while p.poll() is None:
                peak[0] = max(peak[0], tree_rss(p.pid))
                now, ticks = time.monotonic(), cpu_ticks(p.pid) or 0
                history = [h for h in history if now - h[0] <= 0.5] + [(now, ticks)]
                if ticks - history[0][1] >= 0.05 * os.sysconf("SC_CLK_TCK"):
                    busy[0] = now
                elif until_idle and now - busy[0] > until_idle:
                    p.terminate()
                    return
                time.sleep(0.1)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        out = p.communicate()[0]
        seconds = (busy[0] if until_idle else time.monotonic()) - start
        t.join()
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} exited {p.returncode}; see {log_path}")
    return seconds, peak[0], out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("logstream", help="the logstream binary")
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--namespace", help="reuse the records a previous run ingested under this "
                    "namespace (same --records and --hosts); only the Spark job runs, since "
                    "our processor's group has consumed them already")
    ap.add_argument("--ours-until-idle", type=float, default=0, metavar="SECONDS",
                    help="stop our processor once idle this long (for a build whose "
                         "--exit-when-done does not end on Kafka); time to its last busy moment")
    args = ap.parse_args()
    sc.check_installed()
    broker = service_env("kafka")["KAFKA_URL"]
    d = tempfile.mkdtemp(prefix="logstream-spark-bench-")
    ns = args.namespace or f"sparkbench{os.getpid()}"
    config = os.path.join(d, "logstream.toml")
    with open(config, "w") as f:
        f.write(sc.CONFIG)
    bucket = os.path.join(d, "bucket")
    ls = os.path.abspath(args.logstream)
    per_host = args.records // args.hosts
    records = per_host * args.hosts
    if args.namespace:
        print(f"using the {records} records of namespace {ns}", flush=True)
    else:
        ingest_s = generate_and_ingest(ls, bucket, args, per_host, broker, ns)
        print(f"ingested {records} records into Kafka in {ingest_s:.1f} s", flush=True)
    kafka = ["--broker", broker, "--namespace", ns]
    run_both(ls, d, args, records, broker, ns, config, kafka)
    if args.keep:
        print(f"kept {d}")
    else:
        shutil.rmtree(d, ignore_errors=True)


def generate_and_ingest(ls, bucket, args, per_host, broker, ns):
    subprocess.run([ls, "generate", "--out", bucket, "--hosts", str(args.hosts), "--max-count",
                    str(per_host), "--start", "2026-11-24T00:00:00Z", "--seed", "441", "--burst",
                    "--disorder", "0.01", "--disorder-max", "1s", "--roll-lines", "500000"],
                   check=True, stdout=subprocess.DEVNULL)
    t0 = time.monotonic()
    subprocess.run([ls, "ingest", "--store", bucket, "--broker", broker, "--namespace", ns,
                    "--exit-when-done"], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(bucket, ignore_errors=True)
    return time.monotonic() - t0


def run_both(ls, d, args, records, broker, ns, config, kafka):
    ours_s, ours_rss = float("nan"), 0
    if not args.namespace:
        ours_s, ours_rss, _ = measure([ls, "process", *kafka, "--config", config,
                                       "--exit-when-done"],
                                      os.path.join(d, "process.log"), args.ours_until_idle)
        print(f"logstream process: {records / ours_s:,.0f} records/s ({ours_s:.1f} s), "
              f"peak RSS {ours_rss / 2**20:.0f} MiB", flush=True)

    job = [os.path.join(sc.VENV, "bin", "python"), sc.JOB, "--master", "local[2]", "--jars",
           sc.jars(), "--broker", broker, "--namespace", ns, "--config", config,
           "--checkpoint", os.path.join(d, "checkpoint"), "--available-now"]
    spark_s, spark_rss, out = measure(job, os.path.join(d, "spark.log"))
    summary = sc.job_summary(out)
    batch_s = sum(b["ms"] for b in summary["batches"]) / 1000
    print(f"spark job (local[2]): {records / spark_s:,.0f} records/s ({spark_s:.1f} s with JVM "
          f"start-up; {records / batch_s:,.0f} records/s in its {batch_s:.1f} s of batches), "
          f"peak RSS {spark_rss / 2**20:.0f} MiB", flush=True)
    result = {"records": records,
              "spark": {"seconds": round(spark_s, 2), "records_per_s": round(records / spark_s),
                        "peak_rss_mib": round(spark_rss / 2**20), "batch_seconds": batch_s,
                        "batches": summary["batches"]}}
    if not args.namespace:
        result["ours"] = {"seconds": round(ours_s, 2), "records_per_s": round(records / ours_s),
                          "peak_rss_mib": round(ours_rss / 2**20)}
        result["throughput_ratio"] = round(spark_s / ours_s, 1)
        result["memory_ratio"] = round(spark_rss / max(ours_rss, 1), 1)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
