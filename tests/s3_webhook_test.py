"""S3 event webhook: versitygw's own bucket-event webhook posts to
`ingest --events webhook`; 3 generator hosts upload; every line lands in the
embedded log exactly once. A malformed body is answered 400 and ingest goes
on. This test runs its own versitygw (scripts/setup installs it), because the
webhook URL is fixed when the server starts."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, check_records_match_lines, tail, workdir  # noqa: E402

VERSITYGW = "/opt/logstream/bin/versitygw"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {timeout} s")


d = workdir("s3-webhook")
s3_port, hook_port = free_port(), free_port()
env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
env.update(AWS_ACCESS_KEY_ID="LSWEBHOOKTEST", AWS_SECRET_ACCESS_KEY="webhook-test-secret",
           AWS_REGION="us-east-1", AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{s3_port}",
           AWS_EC2_METADATA_DISABLED="true")
bucket = "hooked"
gen = ["generate", "--hosts", 3, "--max-count", 30000, "--seed", 13, "--start", "2026-11-24T00:00:00Z"]
subprocess.run([LOGSTREAM, *map(str, gen), "--out", f"file://{d}/local"], check=True, capture_output=True)
lines = bucket_lines(f"{d}/local")

broker = f"{d}/log"
ingest = subprocess.Popen([LOGSTREAM, "ingest", "--store", f"s3://{bucket}/raw", "--events", "webhook",
                           "--listen", f"127.0.0.1:{hook_port}", "--broker", broker],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
server = None
try:
    wait_port(hook_port)
    os.makedirs(f"{d}/s3data")
    server = subprocess.Popen([VERSITYGW, "--port", f"127.0.0.1:{s3_port}",
                               "--event-webhook-url", f"http://127.0.0.1:{hook_port}/",
                               "posix", f"{d}/s3data"],
                              env=dict(env, ROOT_ACCESS_KEY=env["AWS_ACCESS_KEY_ID"],
                                       ROOT_SECRET_KEY=env["AWS_SECRET_ACCESS_KEY"]),
                              stdout=open(f"{d}/versitygw.log", "w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    wait_port(s3_port)

    # A malformed notification is refused and does not stop ingest.
    c = http.client.HTTPConnection("127.0.0.1", hook_port, timeout=10)
    c.request("POST", "/", body=b"{not json", headers={"Content-Type": "application/json"})
    assert c.getresponse().status == 400

    subprocess.run([LOGSTREAM, *map(str, gen), "--out", f"s3://{bucket}/raw"], env=env, check=True,
                   capture_output=True)
    end = time.time() + 120
    n = 0
    while time.time() < end:
        n = len(tail("logs", broker))
        if n >= len(lines) or ingest.poll() is not None:
            break
        time.sleep(0.5)
    assert ingest.poll() is None, f"ingest exited:\n{ingest.stderr.read()}"
    time.sleep(1)  # a duplicate delivery would show up now
    n = check_records_match_lines(tail("logs", broker), lines)
finally:
    ingest.send_signal(signal.SIGTERM)
    out, err = ingest.communicate(timeout=60)
    if server is not None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
assert ingest.returncode == 0, err
print(f"ok: {n} lines exactly once through versitygw's event webhook; {out.strip()}")
