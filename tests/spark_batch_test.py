"""The Spark job's window and rule logic against our processor, without Kafka:
a fixed-seed data set is ingested into the embedded log, `logstream process
--exit-when-done` counts it, `logstream log tail logs` exports the records as
JSON lines, and the job's batch mode (--input-json, the same transform as the
streaming query, every window final) counts the same records. Aggregates
must be identical row by row, alert ids identical as a set.

Usage: spark_batch_test.py LOGSTREAM_BINARY (needs scripts/setup's Spark)."""
import json
import os
import shutil

from common import run, workdir
import spark_common as sc


def main():
    sc.check_installed()
    d = workdir("spark-batch")
    config = os.path.join(d, "logstream.toml")
    with open(config, "w") as f:
        f.write(sc.CONFIG)
    bucket, broker = os.path.join(d, "bucket"), os.path.join(d, "broker")
    run("generate", "--out", bucket, "--duration-minutes", "3", *sc.GENERATE)
    run("ingest", "--store", bucket, "--broker", broker, "--exit-when-done")
    out = run("process", "--broker", broker, "--config", config, "--exit-when-done").stdout
    if " 0 late" not in out:
        raise SystemExit(f"the data set must have no late records: {out}")
    records = os.path.join(d, "logs.jsonl")
    with open(records, "w") as f:
        f.write(run("log", "tail", "logs", "--broker", broker).stdout)
    ours_agg = run("log", "tail", "aggregates", "--broker", broker).stdout.splitlines()
    ours_alerts = run("log", "tail", "alerts", "--broker", broker).stdout.splitlines()

    spark_out = os.path.join(d, "spark")
    sc.spark_job("--config", config, "--input-json", records, "--output-dir", spark_out,
                 log=os.path.join(d, "spark.log"))
    with open(os.path.join(spark_out, "aggregates.jsonl")) as f:
        spark_agg = f.read().splitlines()
    with open(os.path.join(spark_out, "alerts.jsonl")) as f:
        spark_alerts = f.read().splitlines()

    problems, n_agg, n_alerts = sc.compare(ours_agg, ours_alerts, spark_agg, spark_alerts)
    if not n_agg or not n_alerts or not any(json.loads(a)["key"] == "*" for a in spark_alerts):
        problems.append(f"data set too small: {n_agg} aggregate rows, {n_alerts} alerts")
    if problems:
        raise SystemExit("spark batch vs logstream process:\n  " + "\n  ".join(problems) +
                         f"\n(files kept in {d})")
    print(f"spark batch agrees with logstream process: {n_agg} aggregate rows, {n_alerts} alert ids")
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
