"""3 generator hosts upload to the S3 server (a missing bucket is created);
`ingest --events poll` puts every line exactly once into the embedded log;
re-publishing and re-ingesting change nothing; wrong credentials give a clear
error that names the access key id but never the secret."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, check_records_match_lines, tail, workdir  # noqa: E402
from s3_common import s3_env, s3_get, s3_put  # noqa: E402


def run(*args, env, check=True):
    p = subprocess.run([LOGSTREAM, *map(str, args)], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise SystemExit(f"logstream {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
    return p


env = s3_env()
d = workdir("s3-e2e")
bucket = f"e2e-{os.getpid()}"
gen = ["generate", "--hosts", 3, "--max-count", 50000, "--seed", 5, "--start", "2026-11-24T00:00:00Z"]

# The same run into a directory bucket gives the expected lines (the
# generator is reproducible).
run(*gen, "--out", f"file://{d}/local", env=env)
lines = bucket_lines(f"{d}/local")
assert len(lines) == 150000, len(lines)

out = run(*gen, "--out", f"s3://{bucket}/raw", env=env).stdout
assert "27 written" in out, out
some_key = sorted({k for k, _ in lines})[5]
with open(f"{d}/local/{some_key}", "rb") as f:
    assert s3_get(bucket, "raw/" + some_key) == f.read(), "object bytes differ"

broker = f"{d}/log"
out = run("ingest", "--store", f"s3://{bucket}/raw", "--events", "poll", "--broker", broker,
          "--exit-when-done", env=env).stdout
assert "ingested 27 objects" in out, out
n = check_records_match_lines(tail("logs", broker), lines)
assert tail("dead-letter", broker) == []

# Identical re-publishing is a no-op; a second ingest appends nothing.
out = run(*gen, "--out", f"s3://{bucket}/raw", env=env).stdout
assert "0 written, 27 unchanged" in out, out
out = run("ingest", "--store", f"s3://{bucket}/raw", "--broker", broker, "--exit-when-done", env=env).stdout
assert "ingested 0 objects" in out, out
assert len(tail("logs", broker)) == n

# Keys with spaces, unicode, '+', '%', ';' and '$()' (uploaded with curl's own
# signing) are listed, read and recorded under their exact names.
odd = ["odd/with space.log", "odd/\u65e5\u672c-\u00e9.log", "odd/a+b%20c.log", "odd/semi;$(rm -rf x).log"]
sample = sorted(lines.items())[:3]
body = "".join(text + "\n" for _, text in sample).encode()
for k in odd:
    s3_put(bucket, "raw/" + k, body)
out = run("ingest", "--store", f"s3://{bucket}/raw", "--broker", broker, "--exit-when-done", env=env).stdout
assert f"ingested {len(odd)} objects" in out, out
records = tail("logs", broker)
by_object = {}
for r in records:
    by_object.setdefault(r["object"], []).append(r["offset"])
for k in odd:
    assert len(by_object.get(k, [])) == 3, (k, sorted(by_object)[:10])
n += 3 * len(odd)
assert len(records) == n

# Wrong secret: a clear error naming the key id and region, never the secret.
bad = dict(env, AWS_SECRET_ACCESS_KEY="wrong-secret-Zq81")
p = run("ingest", "--store", f"s3://{bucket}/raw", "--broker", f"{d}/log2", "--exit-when-done",
        env=bad, check=False)
assert p.returncode != 0, p.stdout
err = p.stderr + p.stdout
assert env["AWS_ACCESS_KEY_ID"] in err and "us-east-1" in err, err
assert "wrong-secret-Zq81" not in err and env["AWS_SECRET_ACCESS_KEY"] not in err, err

# A bucket that does not exist is named in the error.
p = run("ingest", "--store", "s3://no-such-bucket-x1/raw", "--broker", f"{d}/log3", "--exit-when-done",
        env=env, check=False)
assert p.returncode != 0 and "no-such-bucket-x1" in p.stderr, p.stderr
print(f"ok: {n} lines ingested exactly once from s3://{bucket}/raw")
