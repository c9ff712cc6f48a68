"""Helpers for the tests of `logstream lambda` under the AWS Lambda Runtime
Interface Emulator (`scripts/services start lambda-rie`; standard library only)."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote_plus

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, free_port, service_env  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.environ.get("LOGSTREAM_SERVICES_DIR", "/tmp/logstream-services")


def services(*args):
    subprocess.run([os.path.join(ROOT, "scripts", "services"), *args], check=True,
                   stdout=subprocess.DEVNULL)


def start_rie(function_env):
    """Starts the emulator with the packaged bootstrap beside the logstream
    binary and the given function environment; returns the invocation URL."""
    env = dict(function_env, LOGSTREAM_LAMBDA_BOOTSTRAP=bootstrap_path())
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, "lambda-rie.env"), "w") as f:
        for k, v in env.items():
            f.write(f"{k}='{v}'\n")
    services("stop", "lambda-rie")
    services("start", "lambda-rie")
    return service_env("lambda-rie")["LAMBDA_URL"]


def bootstrap_path():
    path = os.path.join(os.path.dirname(os.path.abspath(LOGSTREAM)), "lambda", "bootstrap")
    if not os.access(path, os.X_OK):
        raise SystemExit(f"{path} is missing: build the target lambda_zip")
    return path


class Emulators:
    """n Runtime Interface Emulators of one function, each its own process
    (a Lambda function's concurrent invocations run in separate execution
    environments); stopped by pid."""
    RIE = "/opt/logstream/bin/aws-lambda-rie"

    def __init__(self, n, function_env):
        if not os.access(self.RIE, os.X_OK):
            raise SystemExit(f"{self.RIE} is missing: run scripts/setup")
        self.procs, self.urls = [], []
        env = dict(os.environ, **function_env)
        for _ in range(n):
            port, api = free_port(), free_port()
            while api == port:
                api = free_port()
            self.procs.append(subprocess.Popen(
                [self.RIE, "--log-level", "warn", "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
                 "--runtime-api-address", f"127.0.0.1:{api}", bootstrap_path()],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            self.urls.append(f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations")
        for url in self.urls:
            port = int(url.split(":")[2].split("/")[0])
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"emulator on port {port} did not start")
                    time.sleep(0.1)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


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
