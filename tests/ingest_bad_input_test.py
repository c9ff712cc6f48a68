"""Hardening of ingest against bad objects (issue 17):
1. a 2 GiB gzip of lines that never start a record ingests under a 1 GB
   address-space limit, writes at most the capped dead letters plus one
   summary, and still ingests the valid lines after them;
4. a FIFO in the bucket neither hangs ingest nor passes silently;
9. a symlink is skipped with a logged reason, never followed."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, tail, workdir  # noqa: E402

d = workdir("bad-input")
bucket = f"{d}/bucket"
day = f"{bucket}/host-1/2026-11-24"
os.makedirs(day)
valid = ("2026-11-24T00:00:00.000Z [main] INFO a.B - after\n"
         "2026-11-24T00:00:00.010Z [main] ERROR a.B - after2\n")
with open(f"{day}/host-1-000001.log.gz", "wb") as out:
    gen = subprocess.Popen(["bash", "-c", 'yes x | head -c 2G; printf "%s" "$VALID"'],
                           stdout=subprocess.PIPE, env={**os.environ, "VALID": valid})
    gz = subprocess.Popen(["gzip", "-1"], stdin=gen.stdout, stdout=out)
    gen.stdout.close()
    assert gz.wait() == 0 and gen.wait() == 0

broker = f"{d}/broker"
p = subprocess.run(["prlimit", "--as=1000000000", LOGSTREAM, "ingest", "--store", bucket,
                    "--broker", broker, "--exit-when-done"], capture_output=True, text=True, timeout=600)
assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
dead = tail("dead-letter", broker)
assert len(dead) == 1001, len(dead)
assert "more dead letters of this object were not written" in dead[-1]["reason"], dead[-1]
assert "x1073740824" in dead[-1]["reason"], dead[-1]
logs = tail("logs", broker)
assert [r["message"] for r in logs] == ["after", "after2"], logs
assert "1073741826 lines" in p.stdout, p.stdout
print("ok: 2 GiB of non-record lines under a 1 GB address-space limit:", p.stdout.strip())

# A FIFO and a symlink in a watched bucket: ingest keeps going and says why.
bucket2 = f"{d}/bucket2"
day2 = f"{bucket2}/host-2/2026-11-24"
os.makedirs(day2)
os.mkfifo(f"{day2}/host-2-000001.log")
os.symlink("/etc/passwd", f"{day2}/host-2-000002.log")
with open(f"{day2}/host-2-000003.log", "w") as f:
    f.write(valid)
broker2 = f"{d}/broker2"
p = subprocess.run([LOGSTREAM, "ingest", "--store", bucket2, "--broker", broker2, "--exit-when-done"],
                   capture_output=True, text=True, timeout=60)
assert p.returncode == 0, p.stderr
assert "host-2-000001.log: not a regular file" in p.stderr, p.stderr
assert "host-2-000002.log: a symbolic link (never followed)" in p.stderr, p.stderr
assert len(tail("logs", broker2)) == 2

# While watching: a FIFO that appears is refused with a dead letter, the
# objects after it are ingested.
w = subprocess.Popen([LOGSTREAM, "ingest", "--store", bucket2, "--broker", broker2],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
try:
    time.sleep(1)
    os.mkfifo(f"{day2}/host-2-000004.log")
    with open(f"{day2}/host-2-000005.log.tmp", "w") as f:
        f.write(valid)
    os.rename(f"{day2}/host-2-000005.log.tmp", f"{day2}/host-2-000005.log")
    for _ in range(100):
        time.sleep(0.1)
        # (the .tmp name may be ingested too when ingest reads it before the
        # rename: a directory bucket is watched as it is written)
        if any(r["object"].endswith("host-2-000005.log") for r in tail("logs", broker2)):
            break
    else:
        raise AssertionError("the object after the FIFO was not ingested")
finally:
    w.terminate()
    w.wait(timeout=30)
print("ok: FIFOs and symlinks are refused with a reason; ingest never hangs")
