"""Issue 18 with the Spark job: the eight LogHub samples ingested through
[[formats]] (tests/formats/loghub.toml), counted by `logstream process` and
by the Spark job's batch mode from the same records (their `fields`
included), with rules on fields (`field` with `equals` or `pattern`) beside
level rules: aggregates identical row by row, alert ids identical as a set.

Usage: spark_formats_test.py LOGSTREAM_BINARY (needs scripts/setup's Spark and
testdata/loghub)."""
import json
import os
import shutil

from common import run, workdir
import spark_common as sc

SOURCE = os.environ.get("LOGSTREAM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
LOGHUB = os.environ.get("LOGHUB_DIR") or os.path.join(SOURCE, "testdata", "loghub")
SYSTEMS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "OpenStack", "Apache", "Linux", "Android"]

RULES = """
[processor]
window = "1m"
lateness = "100000d"   # the samples are not in time order everywhere: nothing is late

[[rules]]
name = "errors"
level = "ERROR"
min_count = 5

[[rules]]
name = "pid-1xx"
field = "pid"
pattern = '^1[0-9]{2,4}$'
min_count = 2

[[rules]]
name = "combo-sshd"
field = "host"
equals = "combo"
pattern = ""
min_count = 4

[[rules]]
name = "zk-line-all"
field = "line"
per = "all"
min_count = 10
"""


def main():
    sc.check_installed()
    d = workdir("spark-formats")
    config = os.path.join(d, "logstream.toml")
    with open(os.path.join(SOURCE, "tests", "formats", "loghub.toml")) as f:
        formats = f.read()
    with open(config, "w") as f:
        f.write(formats + RULES)
    bucket, broker = os.path.join(d, "bucket"), os.path.join(d, "broker")
    for s in SYSTEMS:
        dest = os.path.join(bucket, s, "2017-12-31")
        os.makedirs(dest)
        shutil.copy(os.path.join(LOGHUB, s, f"{s}_2k.log"), os.path.join(dest, f"{s}-000001.log"))
    out = run("ingest", "--config", config, "--store", bucket, "--broker", broker, "--exit-when-done").stdout
    assert "16000 records, 0 dead letters" in out, out
    ours_agg, ours_alerts, spark_agg, spark_alerts = sc.process_and_batch_job(run, d, broker, config)

    problems, n_agg, n_alerts = sc.compare(ours_agg, ours_alerts, spark_agg, spark_alerts)
    fired = {json.loads(a)["rule"] for a in ours_alerts}
    for rule in ("errors", "pid-1xx", "combo-sshd", "zk-line-all"):
        if rule not in fired:
            problems.append(f"rule {rule} never fired: the data set does not test it")
    if problems:
        raise SystemExit("spark batch vs logstream process on the LogHub formats:\n  " + "\n  ".join(problems) +
                         f"\n(files kept in {d})")
    print(f"spark batch agrees with logstream process on the LogHub samples: {n_agg} aggregate rows, "
          f"{n_alerts} alert ids (rules on fields included)")
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
