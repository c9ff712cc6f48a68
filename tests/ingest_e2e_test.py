"""generate -> ingest -> log tail prints every generated line exactly once,
then a second ingest of the same bucket appends nothing."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import bucket_lines, check_records_match_lines, run, tail, workdir  # noqa: E402

d = workdir("ingest-e2e")
bucket, broker = f"{d}/b", f"{d}/l"
run("generate", "--hosts", 3, "--max-count", 100000, "--seed", 7,
    "--start", "2026-11-24T00:00:00Z", "--out", f"file://{bucket}")
lines = bucket_lines(bucket)
assert len(lines) == 300000, len(lines)
run("ingest", "--store", f"file://{bucket}", "--broker", broker, "--exit-when-done")
n = check_records_match_lines(tail("logs", broker), lines)
again = run("ingest", "--store", f"file://{bucket}", "--broker", broker, "--exit-when-done")
assert "ingested 0 objects" in again.stdout, again.stdout
assert len(tail("logs", broker)) == n
assert tail("dead-letter", broker) == []
print(f"ok: {n} lines ingested exactly once")
