"""A 1 GiB object (and a 256 MiB gzip one) ingest with bounded memory: peak RSS
stays far below the object size, and every line becomes one record. Then 16
objects of 1 GiB each (gzip, decompressed as they are read) listed at once,
so that ingest reads ahead of the one it parses: peak RSS within 256 MB.
Label `slow`: run with `ctest --test-dir build -L slow`."""
import gzip
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, workdir  # noqa: E402

# RocksDB's budget (2 x 64 MB write buffers + 16 MB block cache) plus chunk and
# read buffers; measured ~200 MB for objects of 256 MiB and of 2 GiB alike.
MAX_RSS_MB = 300

d = workdir("ingest-1gib")
bucket, broker = f"{d}/b", f"{d}/l"
os.makedirs(f"{bucket}/big/2026-11-24")
os.makedirs(f"{bucket}/gz/2026-11-24")

# 1 MiB blocks of ~116-byte lines, written until the object reaches 1 GiB.
block_lines = []
size = 0
i = 0
while size < (1 << 20) - 200:
    line = (f"2026-11-24T00:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z "
            f"[worker-{i % 7}] {('INFO', 'WARN', 'ERROR', 'DEBUG')[i % 4]} a.b.Service - "
            f"request {i} took {i % 997} ms {'x' * (i % 40)}\n")
    block_lines.append(line)
    size += len(line)
    i += 1
block = "".join(block_lines).encode()
lines_per_block = len(block_lines)


def write_object(path, total_bytes, compress=False):
    blocks = total_bytes // len(block)
    opener = gzip.open(path, "wb", compresslevel=1) if compress else open(path, "wb")
    with opener as f:
        for _ in range(blocks):
            f.write(block)
    return blocks * lines_per_block


expected = write_object(f"{bucket}/big/2026-11-24/big-000001.log", 1 << 30)
expected += write_object(f"{bucket}/gz/2026-11-24/gz-000001.log.gz", 256 << 20, compress=True)

def ingest(bucket, broker):
    """Ingests the bucket; (records in `logs`, peak RSS in MB)."""
    child = subprocess.Popen([LOGSTREAM, "ingest", "--store", bucket, "--broker", broker, "--exit-when-done"],
                             stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, child.stdout.read()
    topics = run("log", "topics", "--broker", broker).stdout
    m = re.search(r"^logs\s+\d+\s+([\d,]+)", topics, re.M)
    return sum(int(x) for x in m.group(1).split(",")), usage.ru_maxrss / 1024


records, rss_mb = ingest(bucket, broker)
assert records == expected, (records, expected)
assert rss_mb < MAX_RSS_MB, f"peak RSS {rss_mb:.0f} MB"
print(f"ok: {expected} lines (1.25 GiB) ingested, peak RSS {rss_mb:.0f} MB")

# 16 x 1 GiB: each object is the block's gzip member repeated (gzip allows
# members one after another; `cat a.gz b.gz` makes such files).
MAX_16_RSS_MB = 256
bucket16 = f"{d}/b16"
member = gzip.compress(block, compresslevel=1)
blocks = (1 << 30) // len(block)
for n in range(16):
    os.makedirs(f"{bucket16}/h{n}/2026-11-24")
    with open(f"{bucket16}/h{n}/2026-11-24/h{n}-000001.log.gz", "wb") as f:
        f.write(member * blocks)
expected16 = 16 * blocks * lines_per_block
records, rss16 = ingest(bucket16, f"{d}/l16")
assert records == expected16, (records, expected16)
assert rss16 <= MAX_16_RSS_MB, f"16 x 1 GiB: peak RSS {rss16:.0f} MB"
print(f"ok: 16 objects of 1 GiB, {expected16} lines, peak RSS {rss16:.0f} MB")
shutil.rmtree(d)  # ~10 GB of objects and log
