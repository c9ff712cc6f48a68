"""The S3 server stops (SIGSTOP) for 30 s while ingest reads from it: ingest
waits and resumes, and every line is in the log exactly once."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, check_records_match_lines, tail, workdir  # noqa: E402
from s3_common import s3_env  # noqa: E402

env = s3_env()
d = workdir("s3-outage")
bucket = f"outage-{os.getpid()}"
gen = ["generate", "--hosts", 3, "--max-count", 300000, "--seed", 11, "--start", "2026-11-24T00:00:00Z"]
for out in (f"file://{d}/local", f"s3://{bucket}"):
    subprocess.run([LOGSTREAM, *map(str, gen), "--out", out], env=env, check=True, capture_output=True)
lines = bucket_lines(f"{d}/local")

state = os.environ.get("LOGSTREAM_SERVICES_DIR", "/tmp/logstream-services")
with open(f"{state}/s3/pid") as f:
    server = int(f.read())
broker = f"{d}/log"
ingest = subprocess.Popen([LOGSTREAM, "ingest", "--store", f"s3://{bucket}", "--events", "poll",
                           "--broker", broker, "--exit-when-done"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(0.3)
os.kill(server, signal.SIGSTOP)
try:
    assert ingest.poll() is None, "ingest finished before the server was stopped; use more data"
    time.sleep(30)
    assert ingest.poll() is None, f"ingest exited while the server was stopped:\n{ingest.stderr.read()}"
finally:
    os.kill(server, signal.SIGCONT)
out, err = ingest.communicate(timeout=300)
assert ingest.returncode == 0, err
n = check_records_match_lines(tail("logs", broker), lines)
print(f"ok: {n} lines exactly once across a 30 s server stop; {out.strip()}")
