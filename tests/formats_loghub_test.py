"""Issue 18: the eight LogHub samples, each parsed by its [[formats]] entry of
tests/formats/loghub.toml, ingested from one bucket under keys
SYSTEM/2017-12-31/SYSTEM-000001.log: 16,000 records, 0 dead letters, and every
record's time, level and message equal to the sample's structured CSV (the
fields their authors parsed from each line). Needs testdata/loghub."""
import csv
import datetime
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import run, tail, workdir  # noqa: E402

SOURCE = os.environ.get("LOGSTREAM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
LOGHUB = os.environ.get("LOGHUB_DIR") or os.path.join(SOURCE, "testdata", "loghub")
CONFIG = os.path.join(SOURCE, "tests", "formats", "loghub.toml")
SYSTEMS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "OpenStack", "Apache", "Linux", "Android"]
KEY_YEAR = 2017  # the year of the keys' date, for samples whose lines have none

# The standard level map of docs/formats.md.
LEVELS = {}
for words, level in [("trace finest finer verbose v", "TRACE"), ("debug fine d", "DEBUG"),
                     ("info information notice i", "INFO"), ("warn warning w", "WARN"),
                     ("error err severe e", "ERROR"),
                     ("fatal critical crit alert emerg panic f a", "FATAL")]:
    for w in words.split():
        LEVELS[w] = level

MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def ms(y, mo, d, h, mi, s, frac="0"):
    t = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000 + int((frac + "000")[:3])


def expected_time(system, row):
    """The event time of a CSV row, in UTC ms (the formats read local times as UTC)."""
    date, time = row.get("Date", ""), row.get("Time", "")
    if system == "HDFS":  # 081109 203615
        return ms(2000 + int(date[:2]), date[2:4], date[4:], time[:2], time[2:4], time[4:])
    if system in ("Hadoop", "Zookeeper"):  # 2015-10-18, 18:01:47,978
        hms, frac = time.split(",")
        return ms(*date.split("-"), *hms.split(":"), frac)
    if system == "Spark":  # 17/06/09, 20:10:40
        y, mo, d = date.split("/")
        return ms(2000 + int(y), mo, d, *time.split(":"))
    if system == "OpenStack":  # 2017-05-16, 00:00:00.008
        hms, frac = time.split(".")
        return ms(*date.split("-"), *hms.split(":"), frac)
    if system == "Apache":  # Sun Dec 04 04:47:44 2005
        _, mon, d, hms, y = time.split()
        return ms(y, MONTHS[mon], d, *hms.split(":"))
    if system == "Linux":  # Jun, 14, 15:16:01
        return ms(KEY_YEAR, MONTHS[row["Month"]], date, *time.split(":"))
    if system == "Android":  # 03-17, 16:13:38.811
        hms, frac = time.split(".")
        return ms(KEY_YEAR, *date.split("-"), *hms.split(":"), frac)
    raise ValueError(system)


def expected_level(system, row):
    if system == "Linux":  # the CSV's Level column holds the host; syslog without PRI is INFO
        return "INFO"
    return LEVELS[row["Level"].lower()]


def iso_ms(s):
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000 + t.microsecond // 1000


def main():
    d = workdir("formats-loghub")
    bucket = os.path.join(d, "bucket")
    for s in SYSTEMS:
        dest = os.path.join(bucket, s, "2017-12-31")
        os.makedirs(dest)
        shutil.copy(os.path.join(LOGHUB, s, f"{s}_2k.log"), os.path.join(dest, f"{s}-000001.log"))
    broker = os.path.join(d, "log")
    out = run("ingest", "--config", CONFIG, "--store", f"file://{bucket}", "--broker", broker,
              "--exit-when-done").stdout
    print(out.strip())
    assert "16000 lines, 16000 records, 0 dead letters" in out, out
    dead = tail("dead-letter", broker)
    assert not dead, dead[:3]
    records = tail("logs", broker)
    assert len(records) == 16000, len(records)
    by_object = {}
    for r in records:
        by_object.setdefault(r["object"], []).append(r)
    checked = 0
    for s in SYSTEMS:
        recs = sorted(by_object[f"{s}/2017-12-31/{s}-000001.log"], key=lambda r: r["offset"])
        with open(os.path.join(LOGHUB, s, f"{s}_2k.log_structured.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(recs) == len(rows) == 2000, (s, len(recs), len(rows))
        for r, row in zip(recs, rows):
            where = f"{s} line {row['LineId']}"
            assert r["source"] == s, (where, r["source"])
            assert iso_ms(r["time"]) == expected_time(s, row), (where, r["time"], row)
            assert r["level"] == expected_level(s, row), (where, r["level"], row)
            assert r["message"].strip() == row["Content"].strip(), (where, r["message"], row["Content"])
            checked += 1
        print(f"{s}: 2000 records match the structured CSV (time, level, message)")
    # What the formats captured beyond the CSV's columns lands in fields.
    hdfs = by_object["HDFS/2017-12-31/HDFS-000001.log"][0]
    assert hdfs["fields"] == {"pid": "148"}, hdfs
    linux = by_object["Linux/2017-12-31/Linux-000001.log"][0]
    assert linux["logger"] == "sshd(pam_unix)" and linux["fields"] == {"host": "combo", "pid": "19939"}, linux
    zk = by_object["Zookeeper/2017-12-31/Zookeeper-000001.log"][0]
    assert zk["thread"] == "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181", zk
    assert zk["logger"] == "FastLeaderElection" and zk["fields"] == {"line": "774"}, zk
    shutil.rmtree(d, ignore_errors=True)
    print(f"ok: {checked} records checked against the structured CSVs")


if __name__ == "__main__":
    main()
