"""A three-broker Kafka cluster (`scripts/services start kafka --brokers 3`,
in a services directory of its own, stopped at the end):
- the replication defaults are in effect, read back from the brokers:
  logstream's topics have 3 replicas and min.insync.replicas 2, the brokers'
  transaction and offsets topics 3 replicas with min ISR 2;
- a broker SIGKILLed while ingest runs and another while process runs (each
  restarted by `scripts/services restart kafka`, the partitions' leaders
  moving meanwhile; a stage that fails meanwhile is started again, as a
  supervisor would) loses and duplicates nothing: the logs topic holds every
  line once and the aggregates equal counts computed independently;
- topics made with fewer replicas are reported when a stage starts, and a
  replication the cluster cannot hold is a clear error."""
import collections
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, check_records_match_lines, run, workdir  # noqa: E402
from independent_counts import rfc3339, window_counts  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KAFKA_HOME = os.environ.get("KAFKA_HOME", "/opt/logstream/kafka")
d = workdir("kafka-cluster")
services_env = dict(os.environ, LOGSTREAM_SERVICES_DIR=f"{d}/services")


def services(*args):
    return subprocess.run([f"{ROOT}/scripts/services", *args], env=services_env, check=True,
                          capture_output=True, text=True).stdout


def kill_broker(n):
    """SIGKILL broker n of the cluster; returns when it is gone."""
    with open(f"{d}/services/kafka/pid.{n}") as f:
        pid = int(f.read())
    os.killpg(pid, signal.SIGKILL)
    while True:
        try:
            os.kill(pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            return


def describe(topic):
    """(replication factor, min.insync.replicas) of a topic, as the brokers say."""
    out = subprocess.run(["java", "-cp", f"{KAFKA_HOME}/libs/*", "org.apache.kafka.tools.TopicCommand",
                          "--bootstrap-server", bootstrap, "--describe", "--topic", topic],
                         check=True, capture_output=True, text=True).stdout
    factor = re.search(r"ReplicationFactor: (\d+)", out)
    isr = re.search(r"min\.insync\.replicas=(\d+)", out)
    assert factor and isr, out
    return int(factor.group(1)), int(isr.group(1))


def stage(ns, *args, config=None):
    cmd = [LOGSTREAM, "--namespace", ns, *args, "--broker", kafka]
    return cmd + (["--config", config] if config else [])


url = services("start", "kafka", "--brokers", "3")
kafka = re.search(r"KAFKA_URL=(\S+)", url).group(1)
bootstrap = kafka.removeprefix("kafka://")
assert len(bootstrap.split(",")) == 3, url
try:
    status = services("status", "kafka")
    assert all(f"broker {n}: 127.0.0.1:" in status for n in (1, 2, 3)), status
    run("generate", "--hosts", 3, "--max-count", 30000, "--seed", 5, "--roll-lines", 4000,
        "--start", "2026-11-24T00:00:00Z", "--out", f"file://{d}/b")
    config = f"{d}/small-transactions.toml"  # many commits for the kills to land among
    with open(config, "w") as f:
        f.write("[ingest]\nchunk_records = 500\n[processor]\ncommit_records = 200\n"
                '[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n')
    ns = "c" + uuid.uuid4().hex[:8]

    # Ingest and process, a broker SIGKILLed and restarted during each. A
    # stage that fails meanwhile (a call to the lost broker timed out) is
    # started again, as a supervisor would: it goes on from what it
    # committed.
    restarts = {}
    for name, args, broker, after in (("ingest", ["ingest", "--store", f"file://{d}/b", "--exit-when-done"], 2, 1.0),
                                      ("process", ["process", "--exit-when-done"], 3, 0.3)):
        p = subprocess.Popen(stage(ns, *args, config=config), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
        time.sleep(after)
        killed = p.poll() is None
        kill_broker(broker)
        time.sleep(2.0)  # the stage goes on with two brokers, on the partitions' new leaders
        services("restart", "kafka")
        _, err = p.communicate(timeout=300)
        assert killed, f"{name} ended before the broker was killed; make the input larger"
        restarts[name] = 0
        while p.returncode != 0:
            with open(f"{d}/{name}.stderr", "a") as f:
                f.write(f"--- exit {p.returncode}\n{err}")
            restarts[name] += 1
            assert restarts[name] <= 5, f"{name} keeps failing after the broker restart: {err[-2000:]}"
            p = subprocess.Popen(stage(ns, *args, config=config), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
            _, err = p.communicate(timeout=300)

    def tail(topic):
        out = run("--namespace", ns, "log", "tail", topic, "--broker", kafka).stdout
        return [json.loads(line) for line in out.splitlines() if line]

    n = check_records_match_lines(tail("logs"), bucket_lines(f"{d}/b"))
    rows = tail("aggregates")
    keys = collections.Counter((r["window_start"], r["source"], r["level"]) for r in rows)
    assert all(c == 1 for c in keys.values()), "an aggregate row emitted twice"
    expected = window_counts(f"{d}/b", 10000)
    got = {(r["window_start"], r["source"], r["level"]): r["count"] for r in rows}
    assert got == {(rfc3339(s), src, lvl): c for (s, src, lvl), c in expected.items()}, \
        "aggregates differ from the independent counts"
    ids = collections.Counter(r["id"] for r in tail("alerts"))
    assert ids and all(c == 1 for c in ids.values()), ids.most_common(3)

    # The replication defaults, read back from the brokers.
    for topic in ("logs", "ingest-manifest", "aggregates", "alerts"):
        assert describe(f"{ns}.{topic}") == (3, 2), (topic, describe(f"{ns}.{topic}"))
    for internal in ("__transaction_state", "__consumer_offsets"):
        assert describe(internal) == (3, 2), (internal, describe(internal))

    # Topics made with one replica are reported when a stage starts on them.
    few = "c" + uuid.uuid4().hex[:8]
    one = f"{d}/one-replica.toml"
    with open(one, "w") as f:
        f.write("[kafka]\nreplication = 1\n")
    ingest_one = ["ingest", "--store", f"file://{d}/b", "--exit-when-done"]
    r = subprocess.run(stage(few, *ingest_one, config=one), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert describe(f"{few}.logs") == (1, 1)
    r = subprocess.run(stage(few, *ingest_one), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"topic {few}.logs has 1 replica(s), fewer than 3 ([kafka] replication)" in r.stderr, r.stderr

    # More replicas than brokers: a clear error before anything is created.
    five = f"{d}/five.toml"
    with open(five, "w") as f:
        f.write("[kafka]\nreplication = 5\n")
    r = subprocess.run(stage("c" + uuid.uuid4().hex[:8], *ingest_one, config=five), capture_output=True,
                       text=True)
    assert r.returncode != 0 and "[kafka] replication = 5, but the cluster at" in r.stderr, r.stderr
    assert "has 3 broker(s)" in r.stderr, r.stderr
    print(f"ok: 3 brokers; a broker SIGKILLed and restarted during ingest and during process (stages "
          f"restarted after it: {restarts}): {n} lines once, "
          f"{len(got)} aggregate rows exact, {len(ids)} alerts once; topics 3 replicas / min ISR 2 "
          f"(internal topics too); fewer replicas reported; replication 5 refused")
finally:
    services("stop", "kafka")
