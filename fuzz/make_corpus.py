#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/TARGET/ from real samples.

Sources: the CS441 LogFileGenerator logs and the LogHub 2k samples in
testdata/ (see their READMEs), and the AWS documentation examples the
unit tests use (src/trigger/s3_event_test.cc, src/aws/aws_test.cc,
src/process/config_test.cc, src/cli/settings_test.cc). Each seed is a few KB
at most; the layout of each target's input (option bytes first) is described
at the top of fuzz/TARGET.cc. Deterministic: running it again rewrites the
same files.

Usage: fuzz/make_corpus.py [DATA_DIR]   (default: testdata/ of the repo)
"""
import gzip
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "testdata")
OUT = os.path.join(ROOT, "fuzz", "corpus")

CS441 = os.path.join(DATA, "cs441-logs")
LOGHUB = os.path.join(DATA, "loghub")


def lines(path, start, count):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[start:start + count]


def text(path, start, count, limit=3000):
    """count lines from start, cut at a line end to at most limit bytes."""
    out = b""
    for line in lines(path, start, count):
        if len(out) + len(line) + 1 > limit:
            break
        out += line + b"\n"
    return out


def find_stack_trace(path):
    """Index of the record line just before the first stack trace."""
    all_lines = lines(path, 0, 10**9)
    for i, line in enumerate(all_lines):
        if line.startswith(b"\tat "):
            j = i
            while j > 0 and not all_lines[j][:2].isdigit():
                j -= 1
            return j
    return 0


def iso(classic_line, date=b"2021-10-17"):
    """A classic line as an iso line of the given date."""
    return date + b"T" + classic_line[:12] + b"Z" + classic_line[12:]


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE, check=True).stdout


def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    assert len(data) <= 4096, (target, name, len(data))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    gen0 = os.path.join(CS441, "LogFileGenerator.2021-10-17.0.log")
    mixed = os.path.join(CS441, "LogFileGenerator.2022-10-07.log")
    trace_at = find_stack_trace(mixed)
    classic = lines(gen0, 0, 40)
    key0 = b"web-1/2021-10-17/LogFileGenerator.2021-10-17.0.log"
    key_mixed = b"hadoop-1/2022-10-07/LogFileGenerator.2022-10-07.log"
    loghub = {s: lines(os.path.join(LOGHUB, s, s + "_2k.log"), 0, 3)
              for s in ["Hadoop", "Zookeeper", "Spark", "Linux", "HDFS", "Android", "Apache", "OpenStack"]}
    trace = text(mixed, trace_at, 40, 2500)

    # parse_line: option byte, key, '\n', line.
    t = "parse_line"
    write(t, "classic-info", b"\x00" + key0 + b"\n" + classic[0])
    write(t, "classic-warn-random", b"\x00" + key0 + b"\n" + classic[2])
    write(t, "classic-crlf", b"\x00" + key0 + b"\n" + classic[5] + b"\r")
    write(t, "iso-fast", b"\x00" + key0 + b"\n" + iso(classic[1]))
    write(t, "iso-offset-micros", b"\x00" + key0 + b"\n" +
          b"2021-10-17T13:44:26.589123+02:00 [main] ERROR GenerateLogData$ - failed")
    write(t, "iso-empty-message", b"\x00\n" + b"2021-10-17T11:44:26.589Z [t] DEBUG a.b -")
    write(t, "classic-short-limit", b"\x51" + key_mixed + b"\n" + lines(mixed, trace_at, 1)[0])
    write(t, "stack-trace-line", b"\x00" + key_mixed + b"\n" + lines(mixed, trace_at + 2, 1)[0])
    for system in ["Hadoop", "Zookeeper", "Spark", "Linux"]:
        write(t, "loghub-" + system.lower(), b"\x00" + system.encode() + b"/2015-10-18/x.log\n" + loghub[system][0])

    # line_reader: mode, limit, pieces, skip, object.
    t = "line_reader"
    plain = text(gen0, 0, 30, 2500)
    write(t, "plain", b"\x00\x00\x1b\x00" + plain)
    write(t, "plain-stack-trace-crlf", b"\x00\x00\x05\x00" + trace.replace(b"\n", b"\r\n")[:2500])
    write(t, "plain-short-limit-skip", b"\x10\x50\x00\x21" + plain)
    write(t, "gzip-here", b"\x01\x00\x1b\x00" + plain)
    write(t, "zstd-here-truncated", b"\x06\x00\x12\x40" + plain)
    write(t, "gzip-bytes", b"\x00\x00\x1b\x00" + gzip.compress(trace, mtime=0))
    write(t, "gzip-two-members", b"\x00\x00\x02\x00" + gzip.compress(plain[:600], mtime=0) +
          gzip.compress(plain[600:1200], mtime=0))
    write(t, "zstd-bytes", b"\x00\x00\x1b\x00" + zstd(trace))
    write(t, "read-error", b"\x08\x00\x30\x00" + plain[:1000])

    # ingest_object: six option bytes (flags, multiline_max_lines, multiline_max_bytes,
    # max_line_bytes, chunk_records, the commit that fails), key, '\n', object.
    t = "ingest_object"
    opts_default = bytes([0x00, 0x07, 0xFF, 0xFF, 0x03, 0x02])
    write(t, "classic", opts_default + key0 + b"\n" + text(gen0, 0, 20, 2000))
    write(t, "stack-trace", opts_default + key_mixed + b"\n" + trace[:2500])
    write(t, "stack-trace-bounds", bytes([0x08, 0x02, 0x10, 0x20, 0x01, 0x01]) + key_mixed + b"\n" + trace[:2000])
    write(t, "iso-multiline-off", bytes([0x04, 0x07, 0xFF, 0xFF, 0x04, 0x03]) + key0 + b"\n" +
          b"\n".join(iso(l) for l in classic[:15]) + b"\n")
    write(t, "gzip-object", opts_default + key_mixed + b"\n" + gzip.compress(trace, mtime=0))
    write(t, "zstd-object-no-final-newline", opts_default + key0 + b"\n" + zstd(text(gen0, 0, 25).rstrip(b"\n")))
    write(t, "loghub-hadoop-dead-letters", opts_default + b"hadoop/2015-10-18/h.log\n" +
          text(os.path.join(LOGHUB, "Hadoop", "Hadoop_2k.log"), 0, 12, 2000))

    # s3_event: the message as is.
    t = "s3_event"
    aws_put = {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-west-2",
        "eventTime": "1970-01-01T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AIDAJDPLRKLG7UEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "172.16.0.1"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810",
                             "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "testConfigRule",
               "bucket": {"name": "amzn-s3-demo-bucket", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                          "arn": "arn:aws:s3:::amzn-s3-demo-bucket"},
               "object": {"key": "HappyFace.jpg", "size": 1024, "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                          "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko", "sequencer": "0055AED6DCD90281E5"}}}]}
    write(t, "aws-doc-put", json.dumps(aws_put, indent=1).encode())

    def record(name, key, size=42, etag='"0123456789abcdef0123456789abcdef"', time="2021-10-17T11:44:26.589Z"):
        return {"eventVersion": "2.1", "eventSource": "aws:s3", "eventTime": time, "eventName": name,
                "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "logs", "arn": "arn:aws:s3:::logs"},
                       "object": {"key": key, "size": size, "eTag": etag}}}

    two = {"Records": [record("ObjectCreated:Put", "web-1/2021-10-17/LogFileGenerator.2021-10-17.0.log"),
                       record("ObjectRemoved:Delete", "web-1/2021-10-16/old.log"),
                       record("ObjectCreated:CompleteMultipartUpload", "web%2B1/2021-10-17/a+b%20c.log.gz",
                              size=12345678901, time="2021-10-17T13:44:26+02:00")]}
    write(t, "created-removed-multipart", json.dumps(two).encode())
    minio = {"EventName": "s3:ObjectCreated:Put", "Key": "logs/web-1/x.log",
             "Records": [record("s3:ObjectCreated:Put", "web-1/2021-10-17/x.log", etag=None)]}
    write(t, "minio-null-etag", json.dumps(minio).encode())
    write(t, "test-event", json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent",
                                       "Time": "2014-10-13T15:57:02.089Z", "Bucket": "amzn-s3-demo-bucket",
                                       "RequestId": "5582815E1AEA5ADF"}).encode())
    sns = {"Type": "Notification", "MessageId": "1", "TopicArn": "arn:aws:sns:us-east-1:1:s3-events",
           "Subject": "Amazon S3 Notification", "Message": json.dumps({"Records": [two["Records"][0]]}),
           "Timestamp": "2021-10-17T11:44:27.000Z"}
    write(t, "sns-envelope", json.dumps(sns).encode())

    # sqs_receive: a ReceiveMessage answer (JSON protocol).
    t = "sqs_receive"
    msgs = {"Messages": [
        {"MessageId": "5fea7756-0ea4-451a-a703-a558b933e274", "ReceiptHandle": "MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+Cw",
         "MD5OfBody": "fafb00f5732ab283681e124bf8747ed1", "Body": json.dumps({"Records": [two["Records"][0]]}),
         "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1634471066589"}},
        {"MessageId": "2", "ReceiptHandle": "rh-2", "Body": json.dumps(sns), "Attributes": {"ApproximateReceiveCount": "3"}}]}
    write(t, "two-messages", json.dumps(msgs).encode())
    write(t, "empty", b"{}")
    write(t, "test-event-body", json.dumps({"Messages": [{"MessageId": "t", "ReceiptHandle": "r",
                                                         "Body": '{"Event":"s3:TestEvent"}'}]}).encode())
    write(t, "error", b'{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}')

    # s3_list_xml: S3 XML answers.
    t = "s3_list_xml"
    write(t, "list-url-encoded", b'''<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><EncodingType>url</EncodingType>
<IsTruncated>true</IsTruncated><NextContinuationToken>tok+/=</NextContinuationToken>
<Contents><Key>web-1/2021-10-17/a%20b%2Bc.log</Key><LastModified>2021-10-17T00:00:01.000Z</LastModified><ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag><Size>5</Size></Contents>
<Contents><Key>x</Key><ETag>"abc-2"</ETag><Size>12345678901</Size></Contents></ListBucketResult>''')
    write(t, "list-empty", b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>logs</Name><Prefix>web-1/</Prefix>'
          b'<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents/></ListBucketResult>')
    write(t, "error", b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The resource you requested '
          b'does not exist &amp; &#x41;&#66;</Message><Resource>/logs/x</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>')
    write(t, "multipart", b'<InitiateMultipartUploadResult><Bucket>logs</Bucket><Key>big.log</Key><UploadId>VXBsb2FkIElE</UploadId>'
          b'</InitiateMultipartUploadResult><CompleteMultipartUploadResult><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>'
          b'</CompleteMultipartUploadResult>')

    # record_json: record values as ingest writes them.
    t = "record_json"

    def rec(offset, line, source=b"web-1", key=key0):
        time = b"2021-10-17T" + line[:12] + b"Z"
        thread = line[line.index(b"[") + 1:line.index(b"]")]
        rest = line[line.index(b"]") + 2:].split(b" ", 1)
        level = rest[0]
        logger, message = rest[1].lstrip(b" ").split(b" - ", 1)
        d = {"source": source.decode(), "object": key.decode(), "offset": offset, "time": time.decode(),
             "level": level.decode(), "thread": thread.decode(), "logger": logger.decode(),
             "message": message.decode("utf-8", "replace")}
        return d

    write(t, "classic-record", json.dumps(rec(0, classic[0]), separators=(",", ":")).encode())
    write(t, "random-message", json.dumps(rec(208, classic[2]), separators=(",", ":")).encode())
    r = rec(4096, lines(mixed, trace_at, 1)[0], b"hadoop-1", key_mixed)
    r["message"] += "\n" + "\n".join(l.decode() for l in lines(mixed, trace_at + 1, 6))
    write(t, "stack-trace-escapes", json.dumps(r, separators=(",", ":")).encode())
    r = rec(7, classic[3])
    write(t, "other-order-extra-field", json.dumps(dict(reversed(list(r.items())), extra=[1, {"a": None}])).encode())
    r = rec(9, classic[4])
    r["time"] = "2021-10-17T13:44:26.5+02:00"
    write(t, "time-offset", json.dumps(r, separators=(",", ":")).encode())

    # record_batch: mode, damage, base offset (2 bytes), from (1), max (1), then records or a raw batch.
    t = "record_batch"
    recs = b"\n".join(b"web-1\t" + json.dumps(rec(i * 100, classic[i]), separators=(",", ":")).encode()
                      for i in range(6))
    write(t, "built-plain", b"\x00\x00\x10\x00\x08\x05" + recs[:3000])
    write(t, "built-lz4", b"\x8a\x00\x10\x00\x0a" + recs[:1500])
    write(t, "built-lz4-damaged", b"\x8e\x35\x10\x00\x0a" + recs[:1500])
    raw = varint(3) + varint(1634471066589)
    for i in range(3):
        k, v = b"web-1", json.dumps(rec(i * 100, classic[i]), separators=(",", ":")).encode()
        raw += varint(len(k)) + k + varint(len(v)) + v
    write(t, "raw-plain", b"\x01\x00\x00\x00\x08\x05" + raw)
    write(t, "raw-lz4-header", b"\x81\x00\x00\x00\x08" + b"\x00\x01" + varint(2) + varint(1634471066589) +
          varint(2) + varint(12) + varint(13) + b"\xc0" + b"\x02k1\x02v1\x02k2\x02v2xx")

    # config_toml: config files as the tests and docs write them.
    t = "config_toml"
    write(t, "processor-rules", b'''[processor]
window = "10s"        # slide = "5s" makes it sliding
lateness = "2s"
idle_timeout = "30s"
[[rules]]
name = "error-burst"
level = "ERROR"       # or levels = ["WARN", "ERROR"]
pattern = ""          # optional regex on the message
min_count = 20
per = "source"        # or "all"
cooldown = "0s"       # event time
''')
    write(t, "every-table", b'''broker = "/tmp/from-file"
namespace = "team-a"
[kafka]
"linger.ms" = 50
"enable.idempotence" = true
[store]
url = "s3://logs/prefix"
s3_endpoint = "http://127.0.0.1:7070"
[events]
source = "sqs://http://127.0.0.1:9324/000000000000/events"
sqs_visibility = "5m"
[ingest]
multiline = "off"
partitions = 8
format = "classic"
max_dead_letters = 10
[generator]
hosts = 2
max_count = 1000
burst_period = "5m"
[generator.levels]
error = [0.0, 0.1]
''')
    write(t, "sinks", b'''[processor]
window = "10s"
slide = "5s"
[[rules]]
name = "warn-or-error"
levels = ["ERROR", "WARN"]
pattern = "time(d)? ?out"
sinks = ["ops-hook", "bus"]
[[sinks]]
name = "ops-hook"
type = "webhook"
url = "http://127.0.0.1:8099/alerts"
secret_env = "LOGSTREAM_WEBHOOK_SECRET"
[[sinks]]
name = "bus"
type = "kafka"
topic = "alert-bus"
max_attempts = 3
backoff = "100ms"
''')
    write(t, "errors", b'bogus = 1\n[processor]\nwindw = "1s"\n[[rules]]\nname = "r"\nlevl = "ERROR"\n'
          b'[[sinks]]\nname = "s"\ntype = "stdout"\ncolour = "red"\n[ingest]\nformatt = "iso"\n'
          b'[generator]\nhostz = 3\n[kafka]\n"no.such.property" = "1"\n')

    # embedded_log: entries (see WriteEntries in the target).
    t = "embedded_log"

    def meta(topic, f):  # op 0: topic index, flag byte (partitions = f % 5, compacted = f >> 3 & 1)
        return bytes([0, topic, f])

    def batch(topic, partition, base, values):  # op 2
        out = bytes([2, topic, partition, base, len(values) - 1])
        for v in values:
            out += bytes([len(v)]) + v
        return out

    def state(topic, key, value):  # op 4
        return bytes([4, topic, len(key)]) + key + bytes([len(value)]) + value

    def offset(topic, partition, value):  # op 5
        return bytes([5, topic, partition, 0, len(value)]) + value

    logs, manifest = 0, 2
    write(t, "logs-and-manifest", meta(logs, 2) + batch(logs, 0, 0, [b"a", b"bb", b"c"]) + batch(logs, 0, 1, [b"d"]) +
          batch(logs, 1, 0, [b"e"]) + meta(manifest, 9) + state(manifest, b"logs/k", b'{"done":true}') +
          offset(logs, 0, (3).to_bytes(8, "big")))
    write(t, "raw-batch-and-cut-key", meta(logs, 1) + bytes([3, logs, 0, 0, 12]) + b"\x02\x00\x00\x01k\x01v\x01k\x01w" +
          bytes([7, logs, 0, 0, 3, 4]) + b"\x01\x00\x00\x01")
    write(t, "corrupt-meta", bytes([1, logs, 3]) + b"\x00\x01\x00" + batch(logs, 0, 0, [b"x"]))


def formats_seeds():
    """format_pattern, format_time, format_lines: the layout of each is at the
    top of fuzz/TARGET_fuzz.cc."""
    def hub(system, n):
        return lines(os.path.join(LOGHUB, system, system + "_2k.log"), 0, n)

    t = "format_pattern"
    write(t, "hadoop", b"\x01%d{ISO8601} %p [%t] %c: %m%n\n" + b"\n".join(hub("Hadoop", 6)))
    write(t, "zookeeper", b"\x05%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n\n" + b"\n".join(hub("Zookeeper", 6)))
    write(t, "hdfs-mdc", b"\x01%d{yyMMdd HHmmss} %X{pid} %p %c: %m%n\n" + b"\n".join(hub("HDFS", 6)))
    write(t, "spark-zone", b"\x0d%d{yy/MM/dd HH:mm:ss}{+01:00} %p %c{1}: %m%n\n" + b"\n".join(hub("Spark", 6)))
    write(t, "openstack", b"\x01%X{file} %d{yyyy-MM-dd HH:mm:ss.SSS} %X{pid} %p %c [%X{request}] %m%n\n" +
          b"\n".join(hub("OpenStack", 4)))
    write(t, "apache-no-year", b"\x03[%d{EEE MMM dd HH:mm:ss}] [%level] %msg%n\n"
          b"[Sun Dec 04 04:47:44] [notice] x\n[Sun Dec 04 04:47:44] [loud] y")
    write(t, "every-conversion", b"\x09%r %d{ABSOLUTE} %5p %-20c{1} %.10t %C.%M(%F:%L) %mdc{a} %% %msg %ex%n\n"
          b"12 10:00:00,001  INFO a.B                  main a.B.m(B.java:3) v % hi\n"
          b"12 10:00:00,001 INFO a.B main x.y(z:1) v % hi")
    write(t, "date-names", b"\x01%date{DATE} %le %logger - %message%n\n04 Dec 2005 04:47:44,001 WARN a - b")

    t = "format_time"
    write(t, "strftime-all", b"\x02\n%a %b %e %H:%M:%S.%f %Y %z\nSun Dec  4 04:47:44.5 2005 +0100")
    write(t, "strftime-epochs", b"\x00\n%s|%ms|%j|%I %p|%L\n1700000000.5|1700000000123|060|01 PM|19")
    write(t, "strftime-short", b"\x02\n%b %d %H:%M:%S\nJul  1 22:16:0")
    write(t, "java-iso-offset", b"\x01\nyyyy-MM-dd'T'HH:mm:ss.SSSXXX\n2020-01-01T00:00:00.123+01:00")
    write(t, "java-iana", b"\x19Europe/Paris\nyy/MM/dd HH:mm:ss\n20/03/29 02:30:00")
    write(t, "java-names", b"\x03\nEEEE, dd MMMM yyyy hh:mm a Z\nSunday, 04 December 2005 04:47 PM -0800")
    write(t, "no-year-ref-end", b"\x17\n%m-%d %H:%M:%S\n12-31 23:59:59")

    t = "format_lines"
    write(t, "json-ecs", b'\x10{"@timestamp":"2019-08-06T12:09:12.375Z","log.level":"error",'
          b'"message":"a \\"q\\" \\u00e9","service":{"name":"x"},"n":12,"ok":true,"tags":["a",{"b":null}]}\n'
          b'{"ts":1700000000.5,"level":30,"msg":"m"}')
    write(t, "logfmt", b'\x11time=2023-01-02T03:04:05.678Z level=warn msg="disk \\"sda\\" full" used=97 dry\n'
          b"ts=1700000000 msg=x")
    write(t, "syslog-5424", b'\x02<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
          b'[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 '
          b'class="high"] \xef\xbb\xbfAn application event\n<34>1 2003-10-11T22:14:15.003Z h su - ID47 - m')
    write(t, "syslog-3164", b"\x1a" + b"\n".join(hub("Linux", 5)) +
          b"\n<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!")
    write(t, "regex-android", b"\x13" + b"\n".join(hub("Android", 5)))
    write(t, "pattern-zookeeper", b"\x14" + b"\n".join(l.replace(b"] - ", b"] - r1 ", 1) for l in hub("Zookeeper", 5)))
    write(t, "iso-classic", b"\x15\n2026-11-24T22:47:30.123Z [main] WARN a.B - x\n22:47:30.123 [main] WARN  a.B - y")
    write(t, "auto", b"\x17\n2026-11-24T22:47:30.123Z [main] WARN a.B - x\n\tat foo\n"
          b"22:47:30.123 [main] FAILURE  a.B - y")


def template_seeds():
    """template_miner: the layout is at the top of fuzz/template_miner_fuzz.cc."""
    def hub(system, n):
        return b"\n".join(lines(os.path.join(LOGHUB, system, system + "_2k.log"), 0, n))

    t = "template_miner"
    write(t, "hdfs", b"\x05\xff" + hub("HDFS", 12))
    write(t, "openstack-user-masks", b"\x25\xff" + hub("OpenStack", 8))
    write(t, "linux-small-caps", b"\x01\x12" + hub("Linux", 12))
    write(t, "services", b"\x05\x9f"
          b"Connection to db-68.internal:40998 timed out after 350 ms, retrying\n"
          b"Connection to 10.1.2.3:9092 refused after 3 retries\n"
          b"Request 1d634686c508 retried 97 times before success\n"
          b"GET https://a.example.com/v1/x?y=2 from [fe80::1]:443 took 1h30m2s\n"
          b"session 123e4567-e89b-12d3-a456-426614174000 of C:\\Users\\x ended: 0x1f 64KB -3.5 v1.2.3\n"
          b"Connection to db-53.internal:7600 timed out after 85 ms, retrying\n"
          b"Request 887c93f024ef retried 23 times before success\n"
          b"Connection to 10.9.8.7:9092 refused after 5 retries")
    # A saved state (miner_state.cc): version 1, depth 4, 2 messages, none
    # evicted, one template "a b" (id 5, count 2), the tree length 2 -> a -> b.
    def s(b):
        return varint(len(b)) + b
    state = (varint(1) + varint(4) + varint(2) + varint(0) + varint(1) +
             varint(5) + varint(2) + varint(0) + varint(0) + varint(2) + s(b"a") + s(b"b") +
             varint(1) + varint(2) + varint(0) + varint(1) + s(b"a") + varint(0) + varint(1) + s(b"b") +
             varint(1) + varint(0) + varint(0))
    write(t, "state", b"\x45\xff" + state)


if __name__ == "__main__":
    main()
    formats_seeds()
    template_seeds()
