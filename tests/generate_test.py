"""logstream generate: the issue's Done-when run (300,000 lines, byte-identical
on a second run, identical re-publish is a no-op, level shares and pattern
frequency), compression, classic format, config file and bad options."""
import datetime
import filecmp
import gzip
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import bucket_objects, run, workdir  # noqa: E402

d = workdir("generate")
ARGS = ["generate", "--hosts", 3, "--max-count", 100000, "--seed", 7,
        "--start", "2026-11-24T00:00:00Z"]

# Done when: 300,000 lines in objects named HOST/YYYY-MM-DD/HOST-NNNNNN.log.
first = run(*ARGS, "--out", f"file://{d}/a")
objects = dict(bucket_objects(f"{d}/a"))
key_re = re.compile(r"^(host-[123])/(\d{4}-\d\d-\d\d)/\1-(\d{6})\.log$")
levels = {}
with_pattern = 0
pattern = re.compile(r"([a-c][e-g][0-3]|[A-Z][5-9][f-w]){5,15}")
total = 0
for key, data in objects.items():
    m = key_re.match(key)
    assert m, f"bad key {key}"
    for line in data.decode().splitlines():
        total += 1
        assert line.startswith(m.group(2) + "T"), f"{key}: line of another date: {line}"
        level = line.split("] ", 1)[1].split(" ", 1)[0]
        levels[level] = levels.get(level, 0) + 1
        if pattern.search(line.split(" - ", 1)[1]):
            with_pattern += 1
assert total == 300000, total
assert "300000 lines" in first.stdout and "0 unchanged" in first.stdout, first.stdout
for level, want, tol in [("ERROR", 0.01, 0.001), ("WARN", 0.19, 0.004),
                         ("DEBUG", 0.10, 0.003), ("INFO", 0.70, 0.004)]:
    share = levels[level] / total
    assert abs(share - want) <= tol, f"{level} share {share:.4f}, want {want}"
assert abs(with_pattern / total - 0.07) <= 0.003, with_pattern / total

# A second run into another directory is byte-identical.
run(*ARGS, "--out", f"file://{d}/b")
cmp = filecmp.dircmp(f"{d}/a", f"{d}/b")
def same(c):
    if c.left_only or c.right_only or c.diff_files or c.funny_files:
        raise SystemExit(f"runs differ: {c.left_only} {c.right_only} {c.diff_files}")
    _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    for sub in c.subdirs.values():
        same(sub)
same(cmp)

# Re-running into the same bucket publishes nothing new (a restart is idempotent).
again = run(*ARGS, "--out", f"file://{d}/a")
assert re.search(r"objects: 0 written, %d unchanged" % len(objects), again.stdout), again.stdout

# Compression: .gz / .zst objects hold exactly the plain objects' bytes.
for comp, suffix in [("gzip", ".gz"), ("zstd", ".zst")]:
    run(*ARGS, "--compress", comp, "--out", f"{d}/{comp}")
    packed = dict(bucket_objects(f"{d}/{comp}"))
    assert {k[: -len(suffix)] for k in packed} == set(objects), comp
    for k, data in packed.items():
        assert data == objects[k[: -len(suffix)]], k
    if comp == "gzip":
        some = next(iter(packed))
        with open(f"{d}/{comp}/{some}", "rb") as fh:
            assert fh.read(8)[4:8] == b"\0\0\0\0", "gzip mtime must be 0"

# Classic format and rolling at UTC midnight: no date in lines, the key has it.
run("generate", "--max-count", 2000, "--start", "2026-11-24T23:59:50Z", "--format", "classic",
    "--roll-lines", 500, "--out", f"{d}/classic")
classic = dict(bucket_objects(f"{d}/classic"))
assert sorted(classic) == ["host-1/2026-11-24/host-1-000001.log", "host-1/2026-11-24/host-1-000002.log",
                           "host-1/2026-11-25/host-1-000003.log", "host-1/2026-11-25/host-1-000004.log"], \
    sorted(classic)
first_line = classic["host-1/2026-11-24/host-1-000001.log"].decode().splitlines()[0]
assert re.match(r"^23:59:50\.000 \[scala-execution-context-global-\d+\] \w+ +HelperUtils\.Parameters\$ - ",
                first_line), first_line

# A config file sets options; the command line wins.
with open(f"{d}/gen.toml", "w") as fh:
    fh.write('[generator]\nhosts = 4\nmax_count = 10\nstart = "2026-11-24T00:00:00Z"\n'
             'prefix = "logs"\n[generator.levels]\nerror = [0, 0.5]\nwarn = [0.5, 0.6]\ndebug = [0.6, 0.7]\ninfo = [0.7, 1]\n')
out = run("generate", "--config", f"{d}/gen.toml", "--hosts", 2, "--out", f"{d}/conf").stdout
keys = sorted(k for k, _ in bucket_objects(f"{d}/conf"))
assert keys == ["logs/host-1/2026-11-24/host-1-000001.log", "logs/host-2/2026-11-24/host-2-000001.log"], keys
assert "20 lines" in out, out

# Real time (no --start): wall-clock stamps.
now = datetime.datetime.now(datetime.timezone.utc)
run("generate", "--max-count", 5, "--time-period", 20, "--out", f"{d}/live")
(live_key, live), = bucket_objects(f"{d}/live")
stamp = datetime.datetime.fromisoformat(live.decode().split(" ", 1)[0].replace("Z", "+00:00"))
assert abs((stamp - now).total_seconds()) < 30, (stamp, now)
assert len(live.decode().splitlines()) == 5

# Bad options fail with a message naming the problem, and write nothing.
for args, message in [
    (["--min-string", 60], "min_string"),
    (["--frequency", 1.5], "frequency"),
    (["--warn-range", "0.01,0.25"], "overlap"),
    (["--pattern", "(ab"], "bad pattern"),
    (["--start", "yesterday"], "RFC 3339"),
    (["--compress", "lz4"], "none, gzip or zstd"),
]:
    p = run("generate", *args, "--max-count", 10, "--out", f"{d}/bad", check=False)
    assert p.returncode != 0, args
    assert message in p.stderr, (args, p.stderr)
assert not os.path.exists(f"{d}/bad") or not list(bucket_objects(f"{d}/bad"))
print(f"ok: {total} lines, {len(objects)} objects, byte-identical rerun")
