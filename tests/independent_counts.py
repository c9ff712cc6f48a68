"""Counts computed from a bucket's objects without the project's parser:
{(window_start_ms, source, level): count} for tumbling windows."""
import datetime
import re

from common import bucket_objects

LINE = re.compile(rb"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z \[[^\]]*\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) ")


def window_counts(bucket, window_ms):
    counts = {}
    for key, data in bucket_objects(bucket):
        source = key.split("/")[-3]
        for raw in data.split(b"\n"):
            if not raw:
                continue
            m = LINE.match(raw)
            assert m, f"unexpected line in {key}: {raw[:80]!r}"
            y, mo, d, h, mi, s, ms = map(int, m.groups()[:7])
            t = datetime.datetime(y, mo, d, h, mi, s, tzinfo=datetime.timezone.utc)
            t_ms = int(t.timestamp()) * 1000 + ms
            start = t_ms - t_ms % window_ms
            k = (start, source, m.group(8).decode())
            counts[k] = counts.get(k, 0) + 1
    return counts


def rfc3339(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"
