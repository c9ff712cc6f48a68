"""Helpers shared by the integration tests (standard library only)."""
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

LOGSTREAM = os.environ.get("LOGSTREAM_BIN") or (sys.argv[1] if len(sys.argv) > 1 else "build/logstream")


def run(*args, check=True, **kw):
    """Runs logstream with args; returns the CompletedProcess."""
    p = subprocess.run([LOGSTREAM, *map(str, args)], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise SystemExit(f"logstream {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
    return p


def workdir(name):
    d = os.path.join(tempfile.gettempdir(), f"logstream-test-{name}-{os.getpid()}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def bucket_objects(bucket):
    """Yields (key, decompressed bytes) of every object in a directory bucket."""
    for root, dirs, files in os.walk(bucket):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for f in files:
            if f.startswith("."):
                continue
            path = os.path.join(root, f)
            key = os.path.relpath(path, bucket)
            with open(path, "rb") as fh:
                data = fh.read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            elif data[:4] == b"\x28\xb5\x2f\xfd":
                data = subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
            yield key, data


def bucket_lines(bucket):
    """{(key, offset): line text} of every line of every object."""
    lines = {}
    for key, data in bucket_objects(bucket):
        offset = 0
        for raw in data.split(b"\n"):
            if raw:
                lines[(key, offset)] = raw.decode("utf-8")
            offset += len(raw) + 1
    return lines


def tail(topic, broker):
    out = run("log", "tail", topic, "--broker", broker).stdout
    return [json.loads(l) for l in out.splitlines() if l]


def check_records_match_lines(records, lines):
    """Every line exactly once as a record whose fields match the line."""
    seen = {}
    for r in records:
        k = (r["object"], r["offset"])
        if k in seen:
            raise SystemExit(f"duplicate record for {k}")
        seen[k] = r
    missing = set(lines) - set(seen)
    extra = set(seen) - set(lines)
    if missing or extra:
        raise SystemExit(f"{len(missing)} lines missing (e.g. {sorted(missing)[:3]}), "
                         f"{len(extra)} unexpected records (e.g. {sorted(extra)[:3]})")
    for k, line in lines.items():
        check_record_matches_line(seen[k], line)
    return len(seen)


def check_each_source_in_key_order(records):
    """Each host's records in its objects' key order, as `log tail` prints
    them (partition by partition; a host's records are in one partition)."""
    last = {}
    for r in records:
        at = (r["object"], r["offset"])
        assert last.get(r["source"], ("", -1)) < at, f"{r['source']}: {at} after {last[r['source']]}"
        last[r["source"]] = at


def check_record_matches_line(r, line):
    """The record's message, thread, level, logger (and time, for iso lines) are the line's."""
    head, _, message = line.partition(" - ")
    stamp, thread_rest = head.split(" [", 1)
    thread, rest = thread_rest.split("] ", 1)
    level, logger = rest.split()
    k = (r["object"], r["offset"])
    if (r["message"], r["thread"], r["level"], r["logger"]) != (message, thread, level, logger):
        raise SystemExit(f"record {k} differs from its line:\n{line}\n{r}")
    if "T" in stamp and r["time"] != stamp:
        raise SystemExit(f"record {k} time {r['time']} != {stamp}")


def service_env(name):
    """The address lines of a server started by scripts/services, as a dict."""
    state = os.environ.get("LOGSTREAM_SERVICES_DIR", "/tmp/logstream-services")
    env = {}
    with open(os.path.join(state, name, "env")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k:
                env[k] = v
    return env


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    """Returns once something listens on 127.0.0.1:port; exits after timeout s."""
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {timeout} s")


def http_get(url, timeout=10):
    """(status, body text) of a GET; (0, the error) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)
