"""Issue 23, done when: log templates in the processor, on the LogHub Hadoop sample.

Forty hosts each wrote the sample (testdata/loghub/Hadoop); host h1's copy has one
ERROR line injected in its second half, a message the sample never holds. With the
first half of the sample's event time as the warm-up, `new_template` fires for the
injected message, and for no template the warm-up already had at WARN or above
(checked against the sample's ground-truth EventIds). The templates topic counts the
templates per window and host, and alerts carry their window's top templates.

Then the same input is processed again while the processor is killed with SIGKILL
at random moments and restarted: the templates topic and the alerts come out the same
as in the uninterrupted run (the same template ids, nothing lost or doubled)."""
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, tail, workdir  # noqa: E402

SOURCE = os.environ.get("LOGSTREAM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
LOGHUB = os.environ.get("LOGHUB_DIR") or os.path.join(SOURCE, "testdata", "loghub")
HOSTS = 40
KILLS = 8
INJECTED = "Disk /data/7 failed: file system is read-only, 3 volumes left"


def ms(date, clock):
    import datetime
    hms, frac = clock.split(",")
    t = datetime.datetime.strptime(f"{date} {hms}", "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000 + int(frac)


def main():
    d = workdir("templates-processor")
    sample = os.path.join(LOGHUB, "Hadoop", "Hadoop_2k.log")
    with open(sample + "_structured.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = open(sample).read().splitlines()
    assert len(lines) == len(rows) == 2000
    half = len(rows) // 2
    warm_events = {r["EventId"] for r in rows[:half] if r["Level"] in ("WARN", "ERROR", "FATAL")}
    warmup = ms(rows[half]["Date"], rows[half]["Time"]) - ms(rows[0]["Date"], rows[0]["Time"])

    # The injected line: the time of the line it follows, 3/4 of the way in.
    at = len(lines) * 3 // 4
    injected = lines[at][:23] + " ERROR [main] org.apache.hadoop.hdfs.DataNode: " + INJECTED
    bucket = os.path.join(d, "bucket")
    event_of = {}  # (object key, offset) -> EventId
    for h in range(1, HOSTS + 1):
        key = f"h{h}/2017-12-31/h{h}-000001.log"
        text = lines[:at + 1] + ([injected] if h == 1 else []) + lines[at + 1:]
        events = [r["EventId"] for r in rows[:at + 1]] + (["INJECTED"] if h == 1 else []) + \
                 [r["EventId"] for r in rows[at + 1:]]
        os.makedirs(os.path.dirname(os.path.join(bucket, key)), exist_ok=True)
        with open(os.path.join(bucket, key), "w") as f:
            f.write("\n".join(text) + "\n")
        offset = 0
        for line, event in zip(text, events):
            event_of[(key, offset)] = event
            offset += len(line.encode()) + 1

    config = os.path.join(d, "config.toml")
    with open(config, "w") as f:
        f.write(f"""[processor]
commit_records = 50

[[formats]]
name = "hadoop"
kind = "pattern"
pattern = "%d{{ISO8601}} %p [%t] %c: %m%n"

[[rules]]
name = "problems"
levels = ["WARN", "ERROR"]
min_count = 10

[[rules]]
name = "new-error"
kind = "new_template"
warmup = "{warmup}ms"
""")
    broker = os.path.join(d, "broker")
    run("ingest", "--config", config, "--store", bucket, "--broker", broker, "--exit-when-done",
        "--http", "off")
    crashed = os.path.join(d, "broker-crashed")
    shutil.copytree(broker, crashed)

    t0 = time.monotonic()
    run("process", "--config", config, "--broker", broker, "--exit-when-done", "--http", "off")
    full = time.monotonic() - t0
    alerts = tail("alerts", broker)
    templates = tail("templates", broker)

    # new_template: the injected message, and no template of the warm-up.
    new = [a for a in alerts if a["rule"] == "new-error"]
    fired = {}
    for a in new:
        s = a["samples"][0]
        event = event_of[(s["object"], s["offset"])]
        assert event not in warm_events, f"new_template fired for {event}, seen in the warm-up: {a}"
        assert len(a["templates"]) == 1 and a["templates"][0]["id"] == a["id"].rsplit("/", 1)[1], a
        fired.setdefault(event, []).append(a)
    assert "INJECTED" in fired, f"no new_template alert for the injected message: {new}"
    inj = fired["INJECTED"]
    assert len(inj) == 1 and inj[0]["key"] == "h1", inj
    assert inj[0]["templates"][0]["template"].startswith("Disk <*> failed: file system is read-only"), inj
    ids = [a["id"] for a in alerts]
    assert len(ids) == len(set(ids)), "an alert twice"

    # The templates topic: every (window, host, template) once; per host the
    # counts add up to its records at WARN and above.
    cells = [(t["window_start"], t["source"], t["template_id"]) for t in templates]
    assert len(cells) == len(set(cells)), "a template counted twice in one window"
    warn_up = sum(1 for r in rows if r["Level"] in ("WARN", "ERROR", "FATAL"))
    for h in range(1, HOSTS + 1):
        counted = sum(t["count"] for t in templates if t["source"] == f"h{h}")
        assert counted == warn_up + (1 if h == 1 else 0), (h, counted, warn_up)
    # Count alerts carry their window's most frequent templates.
    bursts = [a for a in alerts if a["rule"] == "problems"]
    assert bursts and all(a.get("templates") for a in bursts), bursts[:1]
    for a in bursts:
        counts = [t["count"] for t in a["templates"]]
        assert counts == sorted(counts, reverse=True), a["templates"]

    # The same input with SIGKILLs: the same templates and alerts.
    rng = random.Random(7)
    cmd = [LOGSTREAM, "process", "--config", config, "--broker", crashed, "--exit-when-done",
           "--http", "off"]
    killed = 0
    for attempt in range(KILLS * 4):
        if killed == KILLS:
            break
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.02, max(0.05, full * 2 / KILLS)))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait()
        if p.returncode not in (0, -signal.SIGKILL):
            raise SystemExit(f"process exited {p.returncode}: {p.stderr.read().decode()}")
    run(*cmd[1:])
    again_templates = tail("templates", crashed)
    again_alerts = tail("alerts", crashed)
    key = lambda t: json.dumps(t, sort_keys=True)  # noqa: E731
    assert sorted(map(key, again_templates)) == sorted(map(key, templates)), \
        "the templates topic differs after SIGKILLs"
    assert sorted(map(key, again_alerts)) == sorted(map(key, alerts)), "the alerts differ after SIGKILLs"
    print(f"ok: {len(alerts)} alerts ({len(new)} new_template: {sorted(fired)}), "
          f"{len(templates)} template rows, {killed} SIGKILLs (a full run takes {full:.2f} s)")


if __name__ == "__main__":
    main()
