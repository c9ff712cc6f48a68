"""Health (issue 19): `ingest --http` answers /healthz 200 while it makes
progress, 503 naming the ingest loop once its S3 server stops answering
(SIGSTOP) for longer than [http] stuck_after, and 200 again once the server
is back. Runs its own versitygw so that no other test's server is stopped."""
import json
import os
import secrets
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, free_port, http_get as get, workdir  # noqa: E402

VERSITYGW = "/opt/logstream/bin/versitygw"
if not os.access(VERSITYGW, os.X_OK):
    raise SystemExit(f"{VERSITYGW} is missing: run scripts/setup --servers (as root)")



def wait_for(url, status, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = get(url)
        if last[0] == status:
            return last[1]
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer {status} within {seconds} s; last: {last}")


d = workdir("healthz")
s3_port, http_port = free_port(), free_port()
key, secret = "LS" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
os.makedirs(f"{d}/s3/data")
os.makedirs(f"{d}/s3/meta")
server = subprocess.Popen([VERSITYGW, "--port", f"127.0.0.1:{s3_port}", "posix", "--sidecar", f"{d}/s3/meta",
                           f"{d}/s3/data"],
                          env={**os.environ, "ROOT_ACCESS_KEY": key, "ROOT_SECRET_KEY": secret,
                               "VGW_REGION": "us-east-1"},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
env = {**os.environ, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "us-east-1",
       "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{s3_port}", "AWS_EC2_METADATA_DISABLED": "true",
       "LOGSTREAM_HTTP_STUCK_AFTER": "3s"}
ingest = None
try:
    wait_for(f"http://127.0.0.1:{s3_port}/", 403, 60)  # up (unsigned requests are refused)
    subprocess.run([LOGSTREAM, "generate", "--hosts", "2", "--max-count", "500", "--seed", "3",
                    "--start", "2026-11-24T00:00:00Z", "--out", "s3://health"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    ingest = subprocess.Popen([LOGSTREAM, "ingest", "--store", "s3://health", "--events", "poll",
                               "--broker", f"{d}/log", "--http", f"127.0.0.1:{http_port}"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for(base + "/readyz", 200, 60)
    wait_for(base + "/healthz", 200, 10)
    deadline = time.monotonic() + 60
    while json.loads(get(base + "/api/v1/status")[1])["stages"][0]["totals"]["lines"] < 1000:
        assert time.monotonic() < deadline, "ingest did not read the 1,000 lines"
        time.sleep(0.2)
    os.kill(server.pid, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        body = wait_for(base + "/healthz", 503, 30)
        took = time.monotonic() - stopped
        assert "ingest (no progress for" in body, body
        print(f"ok: /healthz 503 {took:.1f} s after the S3 server stopped: {body.strip()}")
    finally:
        os.kill(server.pid, signal.SIGCONT)
    resumed = time.monotonic()
    wait_for(base + "/healthz", 200, 60)
    print(f"ok: /healthz 200 again {time.monotonic() - resumed:.1f} s after the server resumed")
finally:
    if ingest:
        ingest.send_signal(signal.SIGINT)
        try:
            ingest.wait(timeout=60)
        except subprocess.TimeoutExpired:
            ingest.kill()
    server.kill()
    server.wait()
