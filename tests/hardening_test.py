"""Hardening (issue 17): a full disk and an unreachable S3 endpoint end
`--exit-when-done` with a clear error within two minutes, retrying and saying
so meanwhile; credentials in URLs are never printed."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, workdir  # noqa: E402

d = workdir("hardening")
run("generate", "--hosts", 1, "--max-count", 1000, "--seed", 1, "--start", "2026-11-24T00:00:00Z",
    "--out", f"{d}/bucket")
# A disk that is "full": more free space required than any disk has.
with open(f"{d}/full.toml", "w") as f:
    f.write("min_free_bytes = 9000000000000000000\n")
env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}
start = time.monotonic()
full = subprocess.Popen([LOGSTREAM, "ingest", "--store", f"{d}/bucket", "--broker", f"{d}/broker",
                         "--config", f"{d}/full.toml", "--exit-when-done"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
s3 = subprocess.Popen([LOGSTREAM, "ingest", "--store", "s3://unreachable-bucket",
                       "--s3-endpoint", "http://user:S3CRETPASS@127.0.0.1:1", "--broker", f"{d}/broker2",
                       "--exit-when-done"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
out, err = full.communicate(timeout=180)
took = time.monotonic() - start
assert full.returncode != 0, (full.returncode, err[-2000:])
assert "disk full: embedded log" in err and f"{d}/broker" in err and "MB free" in err, err[-2000:]
assert "retrying in" in err, err[-2000:]
assert took < 120, took
print(f"ok: full disk: exit {full.returncode} after {took:.0f} s:", err.strip().splitlines()[-1][:200])

out, err = s3.communicate(timeout=180)
took = time.monotonic() - start
assert s3.returncode != 0, (s3.returncode, err[-2000:])
assert "is the S3 endpoint reachable" in err and "listing again in" in err, err[-2000:]
assert "S3CRETPASS" not in out + err, err
assert "***@127.0.0.1:1" in err, err[-500:]
assert took < 120, took
print(f"ok: unreachable S3: exit {s3.returncode} after {took:.0f} s, credentials redacted")

# Sink URLs in `notify test` output and config check are redacted too.
with open(f"{d}/sinks.toml", "w") as f:
    f.write('[[sinks]]\nname = "hook"\ntype = "webhook"\nurl = "http://u:HOOKPASS@127.0.0.1:1/x?token=QTOKEN"\n'
            'timeout = "1s"\n')
p = run("notify", "test", "--config", f"{d}/sinks.toml", "--broker", f"{d}/broker3", check=False)
assert p.returncode == 1, p.stdout + p.stderr
assert "HOOKPASS" not in p.stdout + p.stderr and "QTOKEN" not in p.stdout + p.stderr, p.stdout + p.stderr
p = run("config", "check", f"{d}/sinks.toml", env={**os.environ, "LOGSTREAM_BROKER": "kafka://u:KPASS@h:1"})
assert "KPASS" not in p.stdout + p.stderr and "***@h:1" in p.stdout, p.stdout
print("ok: no credential printed by notify test or config check")

# The most windows per record that config check allows (window / slide =
# 1000): process keeps working and stops within seconds of SIGINT.
with open(f"{d}/slide.toml", "w") as f:
    f.write('[processor]\nwindow = "10s"\nslide = "10ms"\n')
run("generate", "--hosts", 4, "--max-count", 50000, "--seed", 2, "--start", "2026-11-24T00:00:00Z",
    "--out", f"{d}/slide-bucket")
run("ingest", "--store", f"{d}/slide-bucket", "--broker", f"{d}/slide-log", "--exit-when-done")
proc = subprocess.Popen([LOGSTREAM, "process", "--broker", f"{d}/slide-log", "--config", f"{d}/slide.toml"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(3)
assert proc.poll() is None, proc.communicate()
sent = time.monotonic()
proc.send_signal(signal.SIGINT)
out, err = proc.communicate(timeout=60)
took = time.monotonic() - sent
assert proc.returncode == 0, (proc.returncode, err[-2000:])
assert took < 5, f"process took {took:.1f} s to stop after SIGINT"
print(f"ok: 1000 windows per record: process stopped {took:.1f} s after SIGINT: {out.strip()}")
