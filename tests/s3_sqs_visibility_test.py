"""S3 -> SQS -> ingest with objects that take longer to ingest than the
queue's visibility timeout: ingest reads the S3 server through a local proxy
that passes its answers on at 250 KB/s per connection (a slow link), so each
~1 MB object takes about 4 s and a message of several objects stays in flight for many
seconds, while `--sqs-visibility 3s` hides received messages for only 3 s.
The source must keep extending the visibility (ChangeMessageVisibility) so no
message is delivered twice: a second consumer polling the queue meanwhile
(as another ingest instance would) gets nothing, ingest receives every
message exactly once and deletes it once its objects are committed (the
queue ends empty), and every line is in the embedded log exactly once."""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_objects, bucket_lines, check_records_match_lines, service_env, tail, workdir  # noqa: E402
from s3_common import s3_env, s3_event_record, sqs_call  # noqa: E402

RATE = 250_000  # bytes per second from the S3 server to ingest
VISIBILITY_S = 3


class SlowLink:
    """A TCP proxy on 127.0.0.1 to (host, port) that passes the server's bytes
    on at RATE bytes/s per connection (requests go through at full speed).
    SigV4 still checks out: the client signs the Host it sends, the proxy
    leaves it alone."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, RATE), daemon=True).start()

    @staticmethod
    def _pipe(src, dst, rate):
        start, sent = time.monotonic(), 0
        try:
            while True:
                data = src.recv(16384)
                if not data:
                    break
                dst.sendall(data)
                if rate:
                    sent += len(data)
                    ahead = sent / rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


env = s3_env()
d = workdir("s3-sqs-visibility")
bucket = f"sqsvis-{os.getpid()}"
gen = ["generate", "--hosts", 2, "--max-count", 24000, "--seed", 21, "--start", "2026-11-24T00:00:00Z",
       "--roll-bytes", 1_000_000, "--roll-seconds", 0]
for out in (f"file://{d}/local", f"s3://{bucket}/raw"):
    subprocess.run([LOGSTREAM, *map(str, gen), "--out", out], env=env, check=True, capture_output=True)
lines = bucket_lines(f"{d}/local")
objects = sorted(bucket_objects(f"{d}/local"))
host1 = [(k, v) for k, v in objects if k.startswith("host-1/")]
host2 = [(k, v) for k, v in objects if k.startswith("host-2/")]
assert len(host1) >= 2 and len(host2) >= 2, [k for k, _ in objects]
# Most objects alone take longer to read than the visibility timeout.
assert sum(len(v) > RATE * VISIBILITY_S for _, v in objects) >= 4, [len(v) for _, v in objects]

queue = sqs_call("CreateQueue", {"QueueName": f"slow-{os.getpid()}"})["QueueUrl"]
# host-1: all its objects in one message (in flight until the last is committed);
# host-2: one message per object.
bodies = [json.dumps({"Records": [s3_event_record(bucket, "raw/" + k, v) for k, v in host1]})]
bodies += [json.dumps({"Records": [s3_event_record(bucket, "raw/" + k, v)]}) for k, v in host2]
for b in bodies:
    sqs_call("SendMessage", {"QueueUrl": queue, "MessageBody": b})

s3 = re.match(r"https?://([^:/]+):(\d+)", service_env("s3")["S3_URL"])
link = SlowLink(s3.group(1), int(s3.group(2)))
broker = f"{d}/log"
started = time.monotonic()
ingest = subprocess.Popen([LOGSTREAM, "ingest", "--store", f"s3://{bucket}/raw", "--events", f"sqs://{queue}",
                           "--sqs-visibility", f"{VISIBILITY_S}s", "--s3-endpoint", f"http://127.0.0.1:{link.port}",
                           "--broker", broker, "--exit-when-done"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def attributes():
    return sqs_call("GetQueueAttributes", {"QueueUrl": queue, "AttributeNames": ["All"]})["Attributes"]


# A second consumer of the queue, as another ingest instance would be: once
# ingest has received every message, anything this one receives while
# ingest runs was delivered again because its visibility timeout ran out.
while ingest.poll() is None and int(attributes()["ApproximateNumberOfMessages"]) > 0:
    time.sleep(0.1)
redelivered = []
while ingest.poll() is None:
    got = sqs_call("ReceiveMessage", {"QueueUrl": queue, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1,
                                      "VisibilityTimeout": 1})
    redelivered += [m["Body"][:100] for m in got.get("Messages", [])]
out, err = ingest.communicate()
took = time.monotonic() - started
if ingest.returncode != 0:
    raise SystemExit(f"ingest exited {ingest.returncode}:\n{out}\n{err}")
assert redelivered == [], f"{len(redelivered)} messages delivered again while ingest held them, e.g. {redelivered[:2]}"
total = sum(len(v) for _, v in objects)
# The link really was slow: each connection at RATE (ingest reads a few
# objects ahead, each on a connection of its own), so the run outlived the
# visibility timeout several times over.
assert took > max(len(v) for _, v in objects) / RATE and took > 2 * VISIBILITY_S, (took, total)
assert f"ingested {len(objects)} objects (0 already ingested" in out, out
m = re.search(r"SQS: received (\d+) messages, deleted (\d+), set aside (\d+), visibility extended (\d+) times",
              out)
assert m, out
received, deleted, set_aside, extended = map(int, m.groups())
# Exactly once: a message whose visibility ran out would have been received again.
assert (received, deleted, set_aside) == (len(bodies), len(bodies), 0), (out, err)
assert extended >= len(host1) - 1, out  # host-1's message alone outlives several timeouts
assert "cannot extend" not in err, err
n = check_records_match_lines(tail("logs", broker), lines)
assert tail("dead-letter", broker) == [], tail("dead-letter", broker)
attrs = attributes()
left = int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
assert left == 0, attrs
print(f"ok: {len(objects)} objects ({total} bytes) over a {RATE} B/s link in {took:.1f} s with a "
      f"{VISIBILITY_S} s visibility timeout: {received} messages received once each, visibility extended "
      f"{extended} times, {n} lines exactly once; queue empty")
