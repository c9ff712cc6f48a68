"""S3 -> SQS -> ingest: 3 generator hosts upload to the S3 server; their S3
event notifications (plain and SNS-wrapped, one duplicated, plus a test
event, a malformed message and an event of another bucket) are sent to the
SQS server; `ingest --events sqs://...` puts every line exactly once into the
embedded log, sets the malformed message aside, reports the event of a
missing object in dead-letter and leaves the queue empty."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_objects, bucket_lines, check_records_match_lines, tail, workdir  # noqa: E402
from s3_common import s3_env, s3_event_record as record, sqs_call  # noqa: E402

env = s3_env()


def run(*args, check=True):
    p = subprocess.run([LOGSTREAM, *map(str, args)], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise SystemExit(f"logstream {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
    return p


d = workdir("s3-sqs")
bucket = f"sqs-{os.getpid()}"
gen = ["generate", "--hosts", 3, "--max-count", 30000, "--seed", 9, "--start", "2026-11-24T00:00:00Z"]
run(*gen, "--out", f"file://{d}/local")
run(*gen, "--out", f"s3://{bucket}/raw")
lines = bucket_lines(f"{d}/local")

queue = sqs_call("CreateQueue", {"QueueName": f"events-{os.getpid()}"})["QueueUrl"]
objects = []
for key, _ in bucket_objects(f"{d}/local"):
    with open(f"{d}/local/{key}", "rb") as f:
        objects.append((key, f.read()))
objects.sort()
messages = []
for i in range(0, len(objects), 2):  # two records per message
    messages.append({"Records": [record(bucket, "raw/" + k, v) for k, v in objects[i:i + 2]]})
bodies = [json.dumps(m) for m in messages]
bodies = [json.dumps({"Type": "Notification", "Message": b}) if i % 3 == 0 else b
          for i, b in enumerate(bodies)]
bodies.append(bodies[1])  # a duplicate delivery
bodies.append(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": bucket}))
bodies.append("{not json")
bodies.append(json.dumps({"Records": [record("other-bucket", "raw/x.log", b"x")]}))
bodies.append(json.dumps({"Records": [record(bucket, "raw/missing/never uploaded.log", b"x")]}))
for b in bodies:
    sqs_call("SendMessage", {"QueueUrl": queue, "MessageBody": b})

broker = f"{d}/log"
p = run("ingest", "--store", f"s3://{bucket}/raw", "--events", f"sqs://{queue}", "--broker", broker,
        "--exit-when-done")
assert f"ingested {len(objects)} objects" in p.stdout, p.stdout
assert "set aside SQS message" in p.stderr and "{not json" in p.stderr, p.stderr
n = check_records_match_lines(tail("logs", broker), lines)
dead = tail("dead-letter", broker)
assert len(dead) == 1 and "never uploaded" in json.dumps(dead), dead
attrs = sqs_call("GetQueueAttributes", {"QueueUrl": queue, "AttributeNames": ["All"]})["Attributes"]
left = int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
assert left == 0, attrs
print(f"ok: {n} lines exactly once from {len(bodies)} SQS messages; queue empty")
