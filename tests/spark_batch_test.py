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
    ours_agg, ours_alerts, spark_agg, spark_alerts = sc.process_and_batch_job(run, d, broker, config)

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
