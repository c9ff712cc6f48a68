"""Soak over the real Kafka broker (issue 17): for --minutes N (default 30) a
generator writes log files in real time into a directory bucket while
`logstream ingest` (watching the bucket) and `logstream process` run
continuously; every 1 to 3 minutes (at random) one of ingest, process or the
broker is killed with SIGKILL and restarted (the broker by `scripts/services
restart kafka`, on the same port and data). Every 10 s the resident set size
(VmRSS) of each logstream process is sampled.

At the end the generator is stopped, ingest and process are stopped and the
rest drained with `ingest --exit-when-done` and `process --exit-when-done`,
and then:
- topic logs holds every line of the bucket exactly once, each record equal
  to its line (lost = duplicated = 0);
- per (window, source, level), the aggregates plus the records on topic late
  equal counts computed independently from the bucket (a source silent for
  idle_timeout while the processor is caught up may close its windows early;
  its later lines are late, never lost or counted twice), and no aggregate
  row is emitted twice;
- every alert id once, exactly for the aggregates at or over the threshold;
  nothing on dead-letter;
- RSS stays flat: per process, the largest sample of the last third of the
  run (after a warm-up) is at most 1.5x the largest of the first third.
The samples go to RSS.csv, kills to kills.csv, the chart to rss.svg and the
figures to summary.json under --out (default: soak/ beside the binary, i.e.
build/soak/).

Usage: tests/soak.py [BINARY] [--minutes N] [--out DIR] [--seed S]
Needs the broker of `scripts/services start kafka` (ctest's fixture); run by
hand without one, it starts one (under $LOGSTREAM_SERVICES_DIR) and stops it.
It kills the broker: nothing else may use it meanwhile (RUN_SERIAL)."""
import argparse
import collections
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("LOGSTREAM_SOURCE_DIR") or os.path.dirname(HERE)
ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("binary", nargs="?", help="the logstream binary (default: $LOGSTREAM_BIN or build/logstream)")
ap.add_argument("--minutes", type=float, default=30, help="length of the faulty run (default 30)")
ap.add_argument("--out", help="directory for RSS.csv, kills.csv, rss.svg, summary.json (default build/soak)")
ap.add_argument("--seed", type=int, help="random seed of the kill schedule and the data (default: random)")
ap.add_argument("--hosts", type=int, default=3, help="simulated hosts (default 3)")
ap.add_argument("--time-period", type=int, default=5, help="ms between two lines of a host (default 5)")
args = ap.parse_args()
os.environ["LOGSTREAM_BIN"] = os.path.abspath(
    args.binary or os.environ.get("LOGSTREAM_BIN") or os.path.join(ROOT, "build", "logstream"))
sys.path.insert(0, HERE)
from common import LOGSTREAM, bucket_objects, check_record_matches_line, service_env, workdir  # noqa: E402
from independent_counts import rfc3339, window_counts  # noqa: E402

SERVICES = os.path.join(ROOT, "scripts", "services")
STATE = os.environ.get("LOGSTREAM_SERVICES_DIR", "/tmp/logstream-services")
SAMPLE_EVERY = 10.0
KILL_GAP = (60.0, 180.0)
WINDOW_MS = 10000
MIN_COUNT = 200  # bursts (half the lines ERROR) fire; the 1% ERROR of normal windows does not
RSS_GROWTH = 1.5

out_dir = os.path.abspath(args.out or os.path.join(os.path.dirname(LOGSTREAM), "soak"))
os.makedirs(out_dir, exist_ok=True)
seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
rng = random.Random(seed)
duration = args.minutes * 60
d = workdir("soak")
bucket = f"{d}/bucket"
ns = ["--namespace", "soak" + uuid.uuid4().hex[:8]]
t0 = time.monotonic()


def elapsed():
    return time.monotonic() - t0


def say(msg):
    print(f"[{elapsed():7.1f} s] {msg}", flush=True)


own_kafka = subprocess.run([SERVICES, "status", "kafka"], capture_output=True).returncode != 0
if own_kafka:
    say("no broker running: starting one (scripts/services start kafka)")
    subprocess.run([SERVICES, "start", "kafka"], check=True, capture_output=True)
kafka = service_env("kafka")["KAFKA_URL"]

rules = f"{d}/rules.toml"
with open(rules, "w") as f:
    f.write('[processor]\nwindow = "10s"\nlateness = "2s"\n'
            f'[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = {MIN_COUNT}\n')


class Stage:
    """One logstream process, restarted when killed; its output is appended
    to d/NAME.log (one section per run)."""

    def __init__(self, name, cmd_args):
        self.name = name
        self.cmd = [LOGSTREAM, *ns, *map(str, cmd_args)]
        self.p = None
        self.runs = 0
        self.unexpected = []  # (seconds, exit code) of exits nobody asked for
        self.log_path = f"{d}/{name}.log"

    def start(self):
        self.runs += 1
        with open(self.log_path, "a") as log:
            log.write(f"--- run {self.runs} at {elapsed():.1f} s\n")
            log.flush()
            self.p = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT)

    def kill9(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()
        self.start()

    def check(self):
        """Restarts the process if it exited on its own (counted)."""
        rc = self.p.poll()
        if rc is not None:
            self.unexpected.append((round(elapsed(), 1), rc))
            say(f"{self.name} exited by itself ({rc}); restarting it")
            time.sleep(1)
            self.start()

    def stop(self):
        """SIGTERM, as a user stops it; returns the exit code."""
        self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return "no exit within 120 s of SIGTERM"


def broker_pid():
    try:
        with open(os.path.join(STATE, "kafka", "pid")) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def kill_broker():
    """SIGKILL the broker; returns the Popen of its restart (on the same port and data)."""
    pid = broker_pid()
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        os.kill(pid, signal.SIGKILL)
    while True:
        try:
            os.kill(pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            break
    time.sleep(0.5)
    return subprocess.Popen([SERVICES, "restart", "kafka"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


gen = Stage("generate", ["generate", "--hosts", args.hosts, "--time-period", args.time_period,
                         "--duration-minutes", int(args.minutes) + 60, "--roll-seconds", 10,
                         "--seed", seed, "--burst-period", "1m", "--burst-length", "10s",
                         "--burst-hosts", 1, "--out", f"file://{bucket}"])
ingest = Stage("ingest", ["ingest", "--store", f"file://{bucket}", "--broker", kafka])
process = Stage("process", ["process", "--broker", kafka, "--config", rules, "--instance", "soak"])
stages = {"ingest": ingest, "process": process}
ROLES = ["generate", "ingest", "process"]

t0 = time.monotonic()  # the run starts now (a broker of our own was started before)
say(f"soak for {args.minutes:g} min, seed {seed}, broker {kafka} ({ns[1]}), work dir {d}, out {out_dir}")
os.makedirs(bucket)
gen.start()
ingest.start()
process.start()

samples = []  # (seconds, {role: kB or None}, broker kB)
kills = []    # (seconds, victim, note)
restart = None  # the broker's restart while it runs: (Popen, started at)
# The first kill lands inside even a short run.
first_kill = (min(KILL_GAP[0], duration / 3), min(KILL_GAP[1], 0.7 * duration))
next_kill = rng.uniform(first_kill[0], max(first_kill))
next_sample = 0.0
failed_restarts = []
while elapsed() < duration:
    now = elapsed()
    if now >= next_sample:
        pids = {"generate": gen.p.pid, "ingest": ingest.p.pid, "process": process.p.pid}
        bp = broker_pid() if restart is None else None
        samples.append((round(now, 1), {r: rss_kb(pids[r]) for r in ROLES}, rss_kb(bp) if bp else None))
        next_sample += SAMPLE_EVERY
    if restart is not None and restart[0].poll() is not None:
        p, started = restart
        took = elapsed() - started
        if p.returncode != 0:
            failed_restarts.append(p.stderr.read())
            raise SystemExit(f"scripts/services restart kafka failed:\n{failed_restarts[-1]}")
        say(f"broker back after {took:.1f} s")
        kills[-1] = (kills[-1][0], "broker", f"back after {took:.1f} s")
        restart = None
    if now >= next_kill and restart is None:
        victim = rng.choice(["ingest", "process", "broker"])
        say(f"SIGKILL {victim}")
        if victim == "broker":
            restart = (kill_broker(), elapsed())
            kills.append((round(now, 1), "broker", ""))
        else:
            stages[victim].kill9()
            kills.append((round(now, 1), victim, f"run {stages[victim].runs} started"))
        next_kill = elapsed() + rng.uniform(*KILL_GAP)
    for s in (ingest, process):
        s.check()
    if gen.p.poll() is not None:
        raise SystemExit(f"the generator exited ({gen.p.returncode}); see {gen.log_path}")
    time.sleep(0.5)
if restart is not None:
    restart[0].wait()
    assert restart[0].returncode == 0, restart[0].stderr.read()
    kills[-1] = (kills[-1][0], "broker", f"back after {elapsed() - restart[1]:.1f} s")
chaos_end = elapsed()
say(f"{len(kills)} kills; stopping the generator")

# Drain: the generator publishes its open objects and exits; ingest and
# process are stopped as a user would and the rest is drained to the end.
gen_rc = gen.stop()
assert gen_rc == 0, f"generate exited {gen_rc} on SIGTERM; see {gen.log_path}"
stop_rcs = {"ingest": ingest.stop(), "process": process.stop()}


def drain(name, cmd_args):
    cmd = [LOGSTREAM, *ns, *map(str, cmd_args)]
    for attempt in range(3):
        t = time.monotonic()
        with open(f"{d}/{name}-drain.log", "a") as log:
            log.write(f"--- attempt {attempt + 1}\n")
            log.flush()
            try:
                rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=900).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout (900 s)"
        if rc == 0:
            return time.monotonic() - t
        say(f"{name} --exit-when-done exited {rc} (attempt {attempt + 1}); see {d}/{name}-drain.log")
    raise SystemExit(f"{name} --exit-when-done never completed")


ingest_drain = drain("ingest", ["ingest", "--store", f"file://{bucket}", "--broker", kafka, "--exit-when-done"])
process_drain = drain("process", ["process", "--broker", kafka, "--config", rules, "--instance", "soak",
                                  "--exit-when-done"])
say(f"drained: ingest {ingest_drain:.1f} s, process {process_drain:.1f} s; checking")


def stream(topic):
    p = subprocess.Popen([LOGSTREAM, *ns, "log", "tail", topic, "--broker", kafka],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stdout:
        if line.strip():
            yield json.loads(line)
    err = p.stderr.read()
    assert p.wait() == 0, f"log tail {topic}: {err}"


def ms_of(stamp):
    t = datetime.datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000 + int(stamp[20:23])


# Topic logs: every line exactly once, each record equal to its line.
objects = dict(bucket_objects(bucket))
line_starts = {}
for key, data in objects.items():
    starts, off = [], 0
    for raw in data.split(b"\n"):
        if raw:
            starts.append(off)
        off += len(raw) + 1
    line_starts[key] = starts
n_lines = sum(map(len, line_starts.values()))
seen = collections.Counter()
unexpected = []
for r in stream("logs"):
    k = (r["object"], r["offset"])
    seen[k] += 1
    if seen[k] > 1:
        continue
    data = objects.get(r["object"])
    off = r["offset"]
    if data is None or off >= len(data) or (off > 0 and data[off - 1] != 0x0A):
        unexpected.append(k)
        continue
    check_record_matches_line(r, data[off:data.index(b"\n", off)].decode())
lost_lines = sum(1 for key, starts in line_starts.items() for off in starts if (key, off) not in seen)
dup_lines = sum(c - 1 for c in seen.values() if c > 1)
n_records = sum(seen.values())

# Aggregates (+ late) against independent counts.
expected = {(rfc3339(s), src, lvl): c for (s, src, lvl), c in window_counts(bucket, WINDOW_MS).items()}
agg, agg_rows = collections.Counter(), collections.Counter()
for r in stream("aggregates"):
    k = (r["window_start"], r["source"], r["level"])
    agg[k] += r["count"]
    agg_rows[k] += 1
late = collections.Counter()
for r in stream("late"):
    t = ms_of(r["time"])
    late[(rfc3339(t - t % WINDOW_MS), r["source"], r["level"])] += 1
lost_counts = dup_counts = 0
for k in set(expected) | set(agg) | set(late):
    got = agg[k] + late[k]
    lost_counts += max(0, expected.get(k, 0) - got)
    dup_counts += max(0, got - expected.get(k, 0))
dup_rows = sum(c - 1 for c in agg_rows.values() if c > 1)
alert_ids = collections.Counter(r["id"] for r in stream("alerts"))
dup_alerts = sum(c - 1 for c in alert_ids.values() if c > 1)
want_alerts = {f"error-burst/{src}/{ws}" for (ws, src, lvl), c in agg.items() if lvl == "ERROR" and c >= MIN_COUNT}
dead = sum(1 for _ in stream("dead-letter"))

# RSS: per process, after a warm-up, the last third's max against the first third's.
warmup = min(120.0, 0.2 * chaos_end)
rss = {}
for role in ROLES:
    pts = [(t, v[role]) for t, v, _ in samples if v[role] is not None]
    after = [(t, kb) for t, kb in pts if t >= warmup]
    third = (chaos_end - warmup) / 3
    first = [kb for t, kb in after if t < warmup + third]
    last = [kb for t, kb in after if t >= chaos_end - third]
    rss[role] = {"start_kb": after[0][1] if after else None, "end_kb": pts[-1][1] if pts else None,
                 "max_kb": max((kb for _, kb in pts), default=None),
                 "first_third_max_kb": max(first, default=None), "last_third_max_kb": max(last, default=None)}
    if first and last:
        rss[role]["growth"] = round(max(last) / max(first), 3)
broker_kb = [b for _, _, b in samples if b is not None]

# Outputs: the samples, the kills, a chart and the figures.
with open(f"{out_dir}/RSS.csv", "w") as f:
    f.write("seconds," + ",".join(f"{r}_rss_kb" for r in ROLES) + ",broker_rss_kb\n")
    for t, v, b in samples:
        f.write(f"{t}," + ",".join("" if v[r] is None else str(v[r]) for r in ROLES) + f",{b or ''}\n")
with open(f"{out_dir}/kills.csv", "w") as f:
    f.write("seconds,victim,note\n")
    f.write("".join(f"{t},{v},{n}\n" for t, v, n in kills))


def svg_chart(path):
    """RSS of each logstream process over time (MB), kills as vertical lines."""
    w, h, left, right, top, bottom = 960, 420, 64, 170, 36, 44
    tmax = max(chaos_end, 1.0)
    ymax = max([kb for _, v, _ in samples for kb in v.values() if kb] + [1024]) / 1024 * 1.15
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000) if ymax / s <= 8)
    x = lambda t: left + (w - left - right) * t / tmax  # noqa: E731
    y = lambda mb: h - bottom - (h - top - bottom) * mb / ymax  # noqa: E731
    colors = {"generate": "#2b8a3e", "ingest": "#1c7ed6", "process": "#e8590c"}
    kill_colors = {"ingest": "#1c7ed6", "process": "#e8590c", "broker": "#868e96"}
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
         f'font-size="12"><rect width="{w}" height="{h}" fill="white"/>',
         f'<text x="{left}" y="20" font-size="14">logstream soak: RSS (VmRSS) per process, '
         f'{args.minutes:g} min, {len(kills)} SIGKILLs (dashed: victim)</text>']
    mb = 0
    while mb <= ymax:
        o.append(f'<line x1="{left}" x2="{w - right}" y1="{y(mb):.1f}" y2="{y(mb):.1f}" stroke="#e9ecef"/>'
                 f'<text x="{left - 6}" y="{y(mb) + 4:.1f}" text-anchor="end">{mb} MB</text>')
        mb += step
    tick = next(s for s in (0.5, 1, 2, 5, 10, 15, 30, 60) if tmax / 60 / s <= 12)
    m = 0.0
    while m * 60 <= tmax:
        o.append(f'<text x="{x(m * 60):.1f}" y="{h - bottom + 16}" text-anchor="middle">{m:g}</text>')
        m += tick
    o.append(f'<text x="{(left + w - right) / 2}" y="{h - 8}" text-anchor="middle">minutes</text>')
    o.append(f'<rect x="{left}" y="{top}" width="{w - left - right}" height="{h - top - bottom}" '
             'fill="none" stroke="#adb5bd"/>')
    for t, victim, _ in kills:
        o.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{h - bottom}" '
                 f'stroke="{kill_colors[victim]}" stroke-dasharray="4,3"/>')
    for role in ROLES:
        seg = []
        segs = [seg]
        for t, v, _ in samples:
            if v[role] is None:
                seg = []
                segs.append(seg)
            else:
                seg.append(f"{x(t):.1f},{y(v[role] / 1024):.1f}")
        for s in segs:
            if s:
                o.append(f'<polyline fill="none" stroke="{colors[role]}" stroke-width="1.8" points="{" ".join(s)}"/>')
    for i, role in enumerate(ROLES):
        ly = top + 16 + 20 * i
        o.append(f'<line x1="{w - right + 12}" x2="{w - right + 36}" y1="{ly}" y2="{ly}" stroke="{colors[role]}" '
                 f'stroke-width="2"/><text x="{w - right + 42}" y="{ly + 4}">{role}</text>')
    for i, victim in enumerate(["ingest", "process", "broker"]):
        ly = top + 90 + 20 * i
        o.append(f'<line x1="{w - right + 12}" x2="{w - right + 36}" y1="{ly}" y2="{ly}" '
                 f'stroke="{kill_colors[victim]}" stroke-dasharray="4,3"/>'
                 f'<text x="{w - right + 42}" y="{ly + 4}">kill {victim}</text>')
    o.append("</svg>\n")
    with open(path, "w") as f:
        f.write("\n".join(o))


svg_chart(f"{out_dir}/rss.svg")
by_victim = collections.Counter(v for _, v, _ in kills)
summary = {
    "minutes": args.minutes, "seed": seed, "namespace": ns[1], "work_dir": d,
    "kills": len(kills), "kills_by_victim": dict(by_victim), "kill_times": kills,
    "unexpected_exits": {s.name: s.unexpected for s in (ingest, process)},
    "sigterm_exit_codes": stop_rcs,
    "objects": len(objects), "lines": n_lines, "records": n_records,
    "lost_lines": lost_lines, "duplicated_lines": dup_lines, "unexpected_records": len(unexpected),
    "aggregate_rows": sum(agg_rows.values()), "late_records": sum(late.values()),
    "lost_in_counts": lost_counts, "duplicated_in_counts": dup_counts, "aggregate_rows_twice": dup_rows,
    "alerts": len(alert_ids), "alerts_twice": dup_alerts, "dead_letters": dead,
    "drain_seconds": {"ingest": round(ingest_drain, 1), "process": round(process_drain, 1)},
    "rss_warmup_seconds": warmup, "rss": rss,
    "broker_rss_kb": {"first": broker_kb[0], "last": broker_kb[-1], "max": max(broker_kb)} if broker_kb else None,
}
with open(f"{out_dir}/summary.json", "w") as f:
    json.dump(summary, f, indent=1)
    f.write("\n")
for role in ROLES:
    r = rss[role]
    say(f"RSS {role}: start {r['start_kb']} kB, end {r['end_kb']} kB, max {r['max_kb']} kB, "
        f"last/first third max {r.get('growth')}")
say(f"kills {dict(by_victim)}; lines {n_lines}, records {n_records}, lost {lost_lines}, duplicated {dup_lines}; "
    f"counts lost {lost_counts}, duplicated {dup_counts} (late {sum(late.values())}); "
    f"alerts {len(alert_ids)}; chart {out_dir}/rss.svg")
if own_kafka:
    subprocess.run([SERVICES, "stop", "kafka"], capture_output=True)

problems = []
if lost_lines or dup_lines or unexpected:
    problems.append(f"topic logs: {lost_lines} lines lost, {dup_lines} duplicated, "
                    f"{len(unexpected)} records of no line (e.g. {unexpected[:3]})")
if lost_counts or dup_counts or dup_rows:
    problems.append(f"aggregates + late vs the bucket: {lost_counts} lost, {dup_counts} counted twice, "
                    f"{dup_rows} rows emitted twice")
if dup_alerts or set(alert_ids) != want_alerts:
    problems.append(f"alerts: {dup_alerts} twice; {len(want_alerts - set(alert_ids))} missing, "
                    f"{len(set(alert_ids) - want_alerts)} unexpected")
if dead:
    problems.append(f"{dead} dead letters")
if len(kills) < max(1, int(args.minutes / 3)):
    problems.append(f"only {len(kills)} kills landed")
for s in (ingest, process):
    if s.unexpected:
        problems.append(f"{s.name} exited by itself {len(s.unexpected)} times: {s.unexpected} (see {s.log_path})")
for name, rc in stop_rcs.items():
    if rc != 0:
        problems.append(f"{name} exited {rc} on SIGTERM")
for role in ROLES:
    g = rss[role].get("growth")
    if g is None:
        problems.append(f"too few RSS samples of {role}")
    elif g > RSS_GROWTH:
        problems.append(f"RSS of {role} grew {g}x (last third max {rss[role]['last_third_max_kb']} kB vs "
                        f"first third max {rss[role]['first_third_max_kb']} kB)")
if problems:
    raise SystemExit("soak failed:\n  " + "\n  ".join(problems) + f"\nwork dir {d}, figures {out_dir}/summary.json")
print(f"ok: {args.minutes:g} min, {len(kills)} SIGKILLs {dict(by_victim)}; {n_lines} lines exactly once; "
      f"aggregates exact ({sum(late.values())} late); {len(alert_ids)} alerts once each; RSS flat; "
      f"chart {out_dir}/rss.svg")
