"""S3 event webhook: versitygw's own bucket-event webhook posts to
`ingest --events webhook`; 3 generator hosts upload; every line lands in the
embedded log exactly once. A malformed body is answered 400 and ingest goes
on. This test runs its own versitygw (scripts/setup installs it), because the
webhook URL is fixed when the server starts."""
import http.client
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, check_records_match_lines, free_port, tail, wait_port, workdir  # noqa: E402
from s3_common import Versitygw  # noqa: E402


d = workdir("s3-webhook")
hook_port = free_port()
s3 = Versitygw(f"{d}/s3data", f"http://127.0.0.1:{hook_port}/", f"{d}/versitygw.log")
env = s3.env
bucket = "hooked"
gen = ["generate", "--hosts", 3, "--max-count", 30000, "--seed", 13, "--start", "2026-11-24T00:00:00Z"]
subprocess.run([LOGSTREAM, *map(str, gen), "--out", f"file://{d}/local"], check=True, capture_output=True)
lines = bucket_lines(f"{d}/local")

broker = f"{d}/log"
ingest = subprocess.Popen([LOGSTREAM, "ingest", "--store", f"s3://{bucket}/raw", "--events", "webhook",
                           "--listen", f"127.0.0.1:{hook_port}", "--broker", broker],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    wait_port(hook_port)
    s3.start()

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
    s3.stop()
assert ingest.returncode == 0, err
print(f"ok: {n} lines exactly once through versitygw's event webhook; {out.strip()}")
