"""Issue 18: the json (ECS), logfmt and syslog (the RFCs' own examples) kinds
end to end: ingest with [[formats]] (records, fields, syslog HOSTNAME as the
source of keys without a host), a rule on a field firing in `process`, and
`logstream formats test` (exit 0, then 1 with the failing line, its line
number, the format and the column)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import run, tail, workdir  # noqa: E402

CONFIG = '''
[ingest]
partitions = 1

[[formats]]
name = "ecs"
match = "*/*/*.json"
kind = "json"

[[formats]]
name = "edge"
match = "edge/**"
kind = "logfmt"

[[formats]]
name = "syslog"
match = "syslog/*.log"
kind = "syslog"

[processor]
window = "10s"
lateness = "0s"

[[rules]]
name = "checkout-errors"
level = "ERROR"
field = "service.name"
equals = "checkout"
min_count = 2

[[rules]]
name = "slow"
field = "took_ms"
pattern = '^[0-9]{4,}$'
min_count = 1
'''

ECS = [
    {"@timestamp": "2026-11-24T10:00:01.000Z", "log.level": "error", "message": "payment refused",
     "service": {"name": "checkout"}, "ecs.version": "1.6.0", "trace.id": "a1"},
    {"@timestamp": "2026-11-24T10:00:02.500Z", "log.level": "info", "message": "cart viewed",
     "service": {"name": "cart"}, "ecs.version": "1.6.0"},
    {"@timestamp": "2026-11-24T10:00:03.250Z", "log": {"level": "ERROR", "logger": "pay.Gateway"},
     "message": "timeout", "service.name": "checkout", "process.thread.name": "http-1"},
]
LOGFMT = [
    'time=2026-11-24T10:00:04Z level=warn msg="slow upstream \\"db\\"" took_ms=1200 path=/api/x',
    'time=2026-11-24T10:00:05Z level=info msg=ok took_ms=12',
]
RFC5424 = [
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" '
    'eventSource="Application" eventID="1011"] \ufeffAn application event log entry...',
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" '
    'eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
]
RFC3164 = [
    "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
    "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
]


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\r\n".join(lines))  # CRLF, and no newline after the last line


def main():
    d = workdir("formats-kinds")
    config = os.path.join(d, "formats.toml")
    with open(config, "w") as f:
        f.write(CONFIG)
    bucket = os.path.join(d, "bucket")
    write(os.path.join(bucket, "shop/2026-11-24/shop-000001.json"), [json.dumps(x) for x in ECS])
    write(os.path.join(bucket, "edge/2026-11-24/edge-000001.log"), LOGFMT)
    write(os.path.join(bucket, "syslog/rfc5424.log"), RFC5424)
    write(os.path.join(bucket, "syslog/rfc3164.log"), RFC3164)
    broker = os.path.join(d, "log")
    out = run("ingest", "--config", config, "--store", f"file://{bucket}", "--broker", broker,
              "--exit-when-done").stdout
    assert "11 lines, 11 records, 0 dead letters" in out, out
    recs = {(r["object"], r["offset"]): r for r in tail("logs", broker)}
    by_obj = {}
    for (obj, _), r in sorted(recs.items()):
        by_obj.setdefault(obj, []).append(r)

    ecs = by_obj["shop/2026-11-24/shop-000001.json"]
    assert [r["level"] for r in ecs] == ["ERROR", "INFO", "ERROR"], ecs
    assert ecs[0]["time"] == "2026-11-24T10:00:01.000Z" and ecs[0]["message"] == "payment refused", ecs[0]
    assert ecs[0]["source"] == "shop", ecs[0]
    assert ecs[0]["fields"] == {"service.name": "checkout", "ecs.version": "1.6.0", "trace.id": "a1"}, ecs[0]
    assert ecs[2]["logger"] == "pay.Gateway" and ecs[2]["thread"] == "http-1", ecs[2]

    edge = by_obj["edge/2026-11-24/edge-000001.log"]
    assert edge[0]["level"] == "WARN" and edge[0]["message"] == 'slow upstream "db"', edge[0]
    assert edge[0]["fields"] == {"took_ms": "1200", "path": "/api/x"}, edge[0]

    s5424 = by_obj["syslog/rfc5424.log"]
    assert [r["source"] for r in s5424] == ["mymachine.example.com", "192.0.2.1", "mymachine.example.com",
                                           "mymachine.example.com"], s5424
    assert [r["level"] for r in s5424] == ["FATAL", "INFO", "INFO", "INFO"], s5424
    assert s5424[0]["message"] == "'su root' failed for lonvick on /dev/pts/8", s5424[0]
    assert s5424[1]["time"] == "2003-08-24T12:14:15.000Z" and s5424[1]["fields"] == {"pid": "8710"}, s5424[1]
    assert s5424[2]["fields"]["exampleSDID@32473.eventID"] == "1011", s5424[2]
    assert s5424[3]["message"] == "" and s5424[3]["fields"]["examplePriority@32473.class"] == "high", s5424[3]
    s3164 = by_obj["syslog/rfc3164.log"]
    assert s3164[0]["source"] == "mymachine" and s3164[0]["logger"] == "su", s3164[0]
    assert s3164[1]["source"] == "10.0.0.99" and s3164[1]["message"] == "Use the BFG!", s3164[1]
    # No date in the key: the year is the object's last-modified one.
    assert s3164[0]["time"][4:] == "-10-11T22:14:15.000Z", s3164[0]

    # Rules on fields.
    run("process", "--config", config, "--broker", broker, "--exit-when-done")
    alerts = sorted(a["id"] for a in tail("alerts", broker))
    assert alerts == ["checkout-errors/shop/2026-11-24T10:00:00.000Z", "slow/edge/2026-11-24T10:00:00.000Z"], alerts

    # formats test: every file parses...
    files = [os.path.join(bucket, p) for p in ("shop/2026-11-24/shop-000001.json",
                                               "edge/2026-11-24/edge-000001.log", "syslog/rfc5424.log")]
    p = run("formats", "test", "--config", config, *files)
    assert "format 'ecs' (json)" in p.stdout and "3 lines, 3 records, 0 dead letters" in p.stdout, p.stdout
    assert "format 'syslog' (syslog)" in p.stdout and "levels: INFO 3 FATAL 1" in p.stdout, p.stdout
    # ...then a bad line: exit 1, with its line number, format and column.
    bad = os.path.join(d, "bad.log")
    write(bad, LOGFMT + ['time=2026-11-24T10:00:06Z level=loud msg=x', 'time=2026-11-24T10:00:07Z msg="open'])
    p = run("formats", "test", "--config", config, "--format", "edge", bad, check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "4 lines, 2 records, 2 dead letters" in p.stdout, p.stdout
    assert f"{bad}:3: format 'edge' (logfmt): key 'level': unknown level 'loud'" in p.stdout, p.stdout
    assert f"{bad}:4: format 'edge' (logfmt): column 31: quoted value of 'msg' not closed" in p.stdout, p.stdout
    p = run("formats", "test", "--config", config, "--format", "nope", bad, check=False)
    assert p.returncode == 2 and "no format named 'nope'" in p.stderr, p.stderr
    print("ok: json (ECS), logfmt, RFC 5424 and RFC 3164 lines, field rules and formats test")


if __name__ == "__main__":
    main()
