"""generate -> ingest into the real Kafka broker -> process --exit-when-done:
every line exactly once on the logs topic, and aggregates and alerts identical
to the same pipeline on the embedded log. A second ingest and process add
nothing."""
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import bucket_lines, check_records_match_lines, run, service_env, workdir  # noqa: E402

kafka = service_env("kafka")["KAFKA_URL"]
ns = ["--namespace", "t" + uuid.uuid4().hex[:8]]
d = workdir("kafka-pipeline")
rules = f"{d}/rules.toml"
with open(rules, "w") as f:
    f.write('[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n'
            '[[rules]]\nname = "pattern"\nlevels = ["WARN", "ERROR"]\npattern = "[a-c][e-g][0-3]"\n'
            'min_count = 30\nper = "all"\n')
run("generate", "--hosts", 3, "--max-count", 20000, "--seed", 11, "--burst", "--disorder", 0.01,
    "--disorder-max", "1s", "--start", "2026-11-24T00:00:00Z", "--out", f"{d}/b")


def tail(topic, broker, *extra):
    import json
    out = run(*extra, "log", "tail", topic, "--broker", broker).stdout
    return [json.loads(l) for l in out.splitlines() if l]


def pipeline(broker, *extra):
    run(*extra, "ingest", "--store", f"{d}/b", "--broker", broker, "--exit-when-done")
    run(*extra, "process", "--broker", broker, "--config", rules, "--exit-when-done")


pipeline(kafka, *ns)
n = check_records_match_lines(tail("logs", kafka, *ns), bucket_lines(f"{d}/b"))
pipeline(f"{d}/embedded")


def comparable(record):
    # Samples of a per = "all" alert are the first matching records in the
    # order the partitions' partial counts arrive, which can differ from run
    # to run (docs/processor-groups.md); ids and counts do not.
    if record.get("key") == "*":
        record.pop("samples", None)
    return str(record)


for topic in ("aggregates", "alerts"):
    got = sorted(map(comparable, tail(topic, kafka, *ns)))
    want = sorted(map(comparable, tail(topic, f"{d}/embedded")))
    assert got == want, f"{topic}: {len(set(got) ^ set(want))} differ:\n" + "\n".join(sorted(set(got) ^ set(want))[:6])
pipeline(kafka, *ns)  # replays: nothing new
assert len(tail("logs", kafka, *ns)) == n
print(f"ok: {n} lines once on Kafka; aggregates and alerts identical to the embedded log")
