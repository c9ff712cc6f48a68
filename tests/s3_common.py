"""Helpers for the tests against the S3 server of `scripts/services start s3`
(standard library only; requests are signed by the curl command line)."""
import hashlib
import json
import os
import signal
import subprocess
import sys
from urllib.parse import quote, quote_plus

sys.path.insert(0, os.path.dirname(__file__))
from common import free_port, service_env, wait_port  # noqa: E402


def s3_env():
    """os.environ plus the server's address, credentials and region."""
    svc = service_env("s3")
    env = dict(os.environ)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(k, None)
    env.update({k: v for k, v in svc.items() if k.startswith("AWS_")})
    env["AWS_ENDPOINT_URL_S3"] = svc["S3_URL"]
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def _curl(bucket, key, *args, server=None):
    svc = server or service_env("s3")
    url = f"{svc['S3_URL']}/{bucket}/{quote(key, safe='/~')}"
    p = subprocess.run(["curl", "-sf", "--aws-sigv4", f"aws:amz:{svc['AWS_REGION']}:s3",
                        "-u", f"{svc['AWS_ACCESS_KEY_ID']}:{svc['AWS_SECRET_ACCESS_KEY']}",
                        "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", *args, url],
                       capture_output=True, check=True)
    return p.stdout


def s3_get(bucket, key):
    """The bytes of object bucket/key, fetched with `curl --aws-sigv4`."""
    return _curl(bucket, key)


def s3_put(bucket, key, data, server=None):
    """Uploads data as object bucket/key with `curl --aws-sigv4` to the
    shared S3 server, or to `server` (S3_URL, AWS_REGION and keys)."""
    import tempfile
    with tempfile.NamedTemporaryFile() as f:  # a file, so curl sends Content-Length
        f.write(data)
        f.flush()
        _curl(bucket, key, "-T", f.name, server=server)


def sqs_call(action, payload):
    """One SQS JSON-protocol call to the server of `scripts/services start sqs`."""
    sqs = service_env("sqs")
    p = subprocess.run(["curl", "-sf", "--aws-sigv4", f"aws:amz:{sqs['AWS_REGION']}:sqs",
                        "-u", "testing:testing",  # moto accepts any keys
                        "-H", f"X-Amz-Target: AmazonSQS.{action}",
                        "-H", "Content-Type: application/x-amz-json-1.0",
                        "-d", json.dumps(payload), sqs["SQS_URL"] + "/"],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout) if p.stdout.strip() else {}


def s3_event_record(bucket, key, data):
    """An S3 ObjectCreated:Put event notification record for object bucket/key holding data."""
    return {"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-11-24T00:00:00.000Z", "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket},
                   "object": {"key": quote_plus(key, safe="/"), "size": len(data),
                              "eTag": hashlib.md5(data).hexdigest()}}}


VERSITYGW = "/opt/logstream/bin/versitygw"


class Versitygw:
    """A versitygw server of the test's own (scripts/setup installs it) on a
    free port, storing its buckets under `data_dir`, posting every bucket
    event to `webhook_url` (fixed when the server starts, hence not the
    shared fixture). `env` holds its address and keys for logstream, known
    before start()."""

    def __init__(self, data_dir, webhook_url, log):
        self.port, self.data_dir, self.webhook_url, self.log, self.p = free_port(), data_dir, webhook_url, log, None
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ACCESS_KEY_ID="LSVERSITYTEST", AWS_SECRET_ACCESS_KEY="versity-test-secret",
                        AWS_REGION="us-east-1", AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{self.port}",
                        AWS_EC2_METADATA_DISABLED="true")
        self.server = dict(self.env, S3_URL=self.env["AWS_ENDPOINT_URL_S3"])  # for s3_put

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        self.p = subprocess.Popen([VERSITYGW, "--port", f"127.0.0.1:{self.port}", "--event-webhook-url",
                                   self.webhook_url, "posix", self.data_dir],
                                  env=dict(self.env, ROOT_ACCESS_KEY=self.env["AWS_ACCESS_KEY_ID"],
                                           ROOT_SECRET_KEY=self.env["AWS_SECRET_ACCESS_KEY"]),
                                  stdout=open(self.log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_port(self.port)

    def stop(self):
        if self.p is not None:
            os.killpg(self.p.pid, signal.SIGTERM)
            self.p.wait(timeout=30)
