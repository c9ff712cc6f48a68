"""Differential test: our processor and the Spark job on the same Kafka topic.

A fixed-seed data set (several hosts, --burst, --disorder within the
lateness) is generated into a bucket, plus one last object per host whose one
record lies a minute after the data, so Spark's global watermark passes every
window of the data (Spark does not flush at the end of input). It is ingested
into the real Kafka broker with `logstream ingest --broker kafka://...`; then
`logstream process --exit-when-done` and the Spark job (availableNow) read
topic `logs`. On every window Spark finalised (window end <= its final
watermark, which must be max event time - lateness: the final no-data batch
ran), aggregates must be identical row by row and alert ids identical as a
set (alert counts and samples differ by design: ours fire early). A second
run of the job on the same checkpoint must write nothing new.

Usage: spark_differential_test.py LOGSTREAM_BINARY, with `scripts/services
start kafka` running (ctest's kafka fixture) and scripts/setup's Spark."""
import json
import os
import shutil
import subprocess

from common import run, service_env, workdir
import spark_common as sc

SENTINEL = "2026-11-24T00:05:00.000Z"  # a minute after the 4 minutes of data


def main():
    sc.check_installed()
    broker = service_env("kafka")["KAFKA_URL"]
    d = workdir("spark-diff")
    ns = f"sparkdiff{os.getpid()}"
    config = os.path.join(d, "logstream.toml")
    with open(config, "w") as f:
        f.write(sc.CONFIG)
    bucket = os.path.join(d, "bucket")
    run("generate", "--out", bucket, "--duration-minutes", "4", *sc.GENERATE)
    hosts = sorted(h for h in os.listdir(bucket) if h.startswith("host-"))
    for h in hosts:
        os.makedirs(os.path.join(bucket, h, "2026-11-24"), exist_ok=True)
        with open(os.path.join(bucket, h, "2026-11-24", f"{h}-999999.log"), "w") as f:
            f.write(f"{SENTINEL} [main] INFO sentinel.End - end of the data set\n")

    kafka = ["--broker", broker, "--namespace", ns]
    run("ingest", "--store", bucket, *kafka, "--exit-when-done")
    try:
        out = run("process", *kafka, "--config", config, "--exit-when-done", timeout=300).stdout
    except subprocess.TimeoutExpired:
        raise SystemExit("logstream process --exit-when-done did not exit within 300 s on Kafka "
                         "(it has to recognise the end of topic logs, whose last offsets are "
                         "transaction markers)")
    if " 0 late" not in out:
        raise SystemExit(f"the data set must have no late records: {out}")
    ours_agg = run("log", "tail", "aggregates", *kafka).stdout.splitlines()
    ours_alerts = run("log", "tail", "alerts", *kafka).stdout.splitlines()

    checkpoint = os.path.join(d, "checkpoint")
    job = ["--broker", broker, "--namespace", ns, "--config", config, "--checkpoint", checkpoint,
           "--available-now"]
    summary = sc.job_summary(sc.spark_job(*job, log=os.path.join(d, "spark.log")).stdout)
    last = summary["batches"][-1] if summary["batches"] else {}
    want = sc.ms(SENTINEL) - sc.LATENESS_MS
    if last.get("records") != 0 or not last.get("watermark") or sc.ms(last["watermark"]) != want:
        raise SystemExit(f"the final no-data batch did not run with watermark {want} ms: {summary}")
    spark_agg = run("log", "tail", "spark-aggregates", *kafka).stdout.splitlines()
    spark_alerts = run("log", "tail", "spark-alerts", *kafka).stdout.splitlines()

    problems, n_agg, n_alerts = sc.compare(ours_agg, ours_alerts, spark_agg, spark_alerts,
                                           final_before=want)
    if n_agg < 100 or not n_alerts or not any('"key":"*"' in a for a in spark_alerts):
        problems.append(f"data set too small: {n_agg} aggregate rows, {n_alerts} alerts")

    # Restart on the same checkpoint: nothing new is written.
    sc.spark_job(*job, log=os.path.join(d, "spark2.log"))
    again = run("log", "tail", "spark-aggregates", *kafka).stdout.splitlines()
    if len(again) != len(spark_agg):
        problems.append(f"the restarted job wrote {len(again) - len(spark_agg)} aggregates again")

    if problems:
        raise SystemExit("spark vs logstream process on Kafka:\n  " + "\n  ".join(problems) +
                         f"\n(files kept in {d})")
    print(f"spark job agrees with logstream process on Kafka: {n_agg} aggregate rows, "
          f"{n_alerts} alert ids, final watermark {last['watermark']}")
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
