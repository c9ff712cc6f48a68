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


def measure(cmd, log_path):
    """Runs cmd; returns (seconds, peak tree RSS bytes, stdout)."""
    with open(log_path, "w") as log:
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        peak = [0]

        def sample():
            while p.poll() is None:
                peak[0] = max(peak[0], tree_rss(p.pid))
                time.sleep(0.1)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        out = p.communicate()[0]
        seconds = time.monotonic() - start
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
    args = ap.parse_args()
    sc.check_installed()
    broker = service_env("kafka")["KAFKA_URL"]
    d = tempfile.mkdtemp(prefix="logstream-spark-bench-")
    ns = f"sparkbench{os.getpid()}"
    config = os.path.join(d, "logstream.toml")
    with open(config, "w") as f:
        f.write(sc.CONFIG)
    bucket = os.path.join(d, "bucket")
    ls = os.path.abspath(args.logstream)
    per_host = args.records // args.hosts
    subprocess.run([ls, "generate", "--out", bucket, "--hosts", str(args.hosts), "--max-count",
                    str(per_host), "--start", "2026-11-24T00:00:00Z", "--seed", "441", "--burst",
                    "--disorder", "0.01", "--disorder-max", "1s", "--roll-lines", "500000"],
                   check=True, stdout=subprocess.DEVNULL)
    kafka = ["--broker", broker, "--namespace", ns]
    t0 = time.monotonic()
    subprocess.run([ls, "ingest", "--store", bucket, *kafka, "--exit-when-done"], check=True,
                   stdout=subprocess.DEVNULL)
    ingest_s = time.monotonic() - t0
    records = per_host * args.hosts
    print(f"ingested {records} records into Kafka in {ingest_s:.1f} s", flush=True)

    ours_s, ours_rss, _ = measure([ls, "process", *kafka, "--config", config, "--exit-when-done"],
                                  os.path.join(d, "process.log"))
    print(f"logstream process: {records / ours_s:,.0f} records/s ({ours_s:.1f} s), "
          f"peak RSS {ours_rss / 2**20:.0f} MiB", flush=True)

    job = [os.path.join(sc.VENV, "bin", "python"), sc.JOB, "--master", "local[2]", "--jars",
           sc.jars(), "--broker", broker, "--namespace", ns, "--config", config,
           "--checkpoint", os.path.join(d, "checkpoint"), "--available-now"]
    spark_s, spark_rss, out = measure(job, os.path.join(d, "spark.log"))
    summary = sc.job_summary(out)
    print(f"spark job (local[2]): {records / spark_s:,.0f} records/s ({spark_s:.1f} s with JVM "
          f"start-up), peak RSS {spark_rss / 2**20:.0f} MiB", flush=True)
    result = {"records": records, "ingest_s": round(ingest_s, 1),
              "ours": {"seconds": round(ours_s, 2), "records_per_s": round(records / ours_s),
                       "peak_rss_mib": round(ours_rss / 2**20)},
              "spark": {"seconds": round(spark_s, 2), "records_per_s": round(records / spark_s),
                        "peak_rss_mib": round(spark_rss / 2**20), "batches": summary["batches"]},
              "throughput_ratio": round(spark_s / ours_s, 1),
              "memory_ratio": round(spark_rss / max(ours_rss, 1), 1)}
    print(json.dumps(result))
    if args.keep:
        print(f"kept {d}")
    else:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
