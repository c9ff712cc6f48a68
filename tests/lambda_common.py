"""Helpers for the tests of `logstream lambda` under the AWS Lambda Runtime
Interface Emulator (`scripts/services start lambda-rie`; standard library only)."""
import json
import os
import subprocess
import sys
import urllib.request
from urllib.parse import quote_plus

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, service_env  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.environ.get("LOGSTREAM_SERVICES_DIR", "/tmp/logstream-services")


def services(*args):
    subprocess.run([os.path.join(ROOT, "scripts", "services"), *args], check=True,
                   stdout=subprocess.DEVNULL)


def start_rie(function_env):
    """Starts the emulator with the packaged bootstrap beside the logstream
    binary and the given function environment; returns the invocation URL."""
    bootstrap = os.path.join(os.path.dirname(os.path.abspath(LOGSTREAM)), "lambda", "bootstrap")
    if not os.access(bootstrap, os.X_OK):
        raise SystemExit(f"{bootstrap} is missing: build the target lambda_zip")
    env = dict(function_env, LOGSTREAM_LAMBDA_BOOTSTRAP=bootstrap)
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, "lambda-rie.env"), "w") as f:
        for k, v in env.items():
            f.write(f"{k}='{v}'\n")
    services("stop", "lambda-rie")
    services("start", "lambda-rie")
    return service_env("lambda-rie")["LAMBDA_URL"]


def stop_rie():
    services("stop", "lambda-rie")
    try:
        os.remove(os.path.join(STATE, "lambda-rie.env"))
    except FileNotFoundError:
        pass


def invoke(url, body):
    """POSTs body (bytes or a JSON-able value) to the emulator; returns the
    parsed response (a function error comes back as errorType/errorMessage)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST")
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


def s3_event(bucket, objects):
    """An S3 event notification with one ObjectCreated:Put record per
    (key, size), keys URL-encoded as S3 does."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-24T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": quote_plus(key, safe="/~"), "size": size, "eTag": None}},
    } for key, size in objects]}
