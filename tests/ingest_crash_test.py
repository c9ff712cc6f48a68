"""Kills `logstream ingest` with SIGKILL at random moments (at least 20 times)
during a multi-object ingest, restarting it each time; the log then holds
exactly the generated lines, compared line by line with the objects."""
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import (LOGSTREAM, bucket_lines, check_each_source_in_key_order, check_records_match_lines,  # noqa: E402
                    run, tail, workdir)

KILLS = 20
d = workdir("ingest-crash")
bucket, broker = f"{d}/b", f"{d}/l"
config = f"{d}/ingest.toml"


def configure(threads):
    """Ingest threads vary between restarts: an object begun by one thread
    count is finished by another."""
    with open(config, "w") as f:
        f.write(f"[ingest]\nchunk_records = 700\nthreads = {threads}\n")


configure(3)
run("generate", "--hosts", 4, "--max-count", 150000, "--seed", 3, "--roll-lines", 5000,
    "--start", "2026-11-24T23:50:00Z", "--out", f"file://{bucket}")
run("generate", "--hosts", 1, "--max-count", 20000, "--seed", 4, "--compress", "gzip",
    "--start", "2026-11-24T00:00:00Z", "--out", f"file://{bucket}/gz")
lines = bucket_lines(bucket)

ingest = [LOGSTREAM, "ingest", "--store", f"file://{bucket}", "--broker", broker,
          "--config", config, "--exit-when-done"]
# How long an uninterrupted ingest takes, on a scratch log.
t0 = time.monotonic()
subprocess.run(ingest[:5] + [f"{d}/scratch"] + ingest[6:], check=True, capture_output=True)
full = time.monotonic() - t0

rng = random.Random(20261124)
killed = 0
attempts = 0
while killed < KILLS and attempts < KILLS * 4:
    attempts += 1
    configure(1 + attempts % 3)
    p = subprocess.Popen(ingest, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Kill within the first part of what is left, so most kills land mid-ingest.
    time.sleep(rng.uniform(0.02, max(0.05, full / KILLS * 1.5 / (1 + attempts - killed))))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        killed += 1
    p.wait()
    if p.returncode not in (0, -signal.SIGKILL):
        raise SystemExit(f"ingest exited {p.returncode}: {p.stderr.read().decode()}")
run(*ingest[1:])
records = tail("logs", broker)
n = check_records_match_lines(records, lines)
check_each_source_in_key_order(records)
assert tail("dead-letter", broker) == []
print(f"ok: {killed} kills (uninterrupted run {full:.2f}s), {n} lines exactly once")
assert killed >= 20, f"only {killed} kills landed before the ingest finished"
