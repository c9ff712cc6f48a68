"""Scaling on a three-broker Kafka cluster (scripts/services start kafka
--brokers 3, in a services directory of its own, stopped at the end):
ingest lines/s with one writer (`ingest`) and with a fleet of 1, 2 and 4
writers (`ingest --instance wN`, docs/ingest-scale.md), and processor
records/s with 1 and 2 instances (--instance a|b, splitting the partitions
of `logs`), each with replication 1 and 3 ([kafka] replication), side by
side in one run; a running fleet of 1, 2 and 4 members each held to a
quarter of a core by a cgroup CPU quota (as N small machines; root and a
cgroup v1 cpu controller needed, else skipped), timed from `ingest
--enqueue` to the group's last commit; then ingest into the embedded log with 1 and 2 threads
([ingest] threads). All on this machine: the three brokers share its cores with the stages
measured, so the figures say how the pieces scale relative to each other,
not what a cluster of real machines does.

With --brokers 1 the same runs on one broker (replication 1 only), where
fewer JVMs leave the writers more of the cores.

usage: python3 bench/scale_bench.py [build/logstream] [--lines N] [--brokers 1|3]"""
import argparse
import os
import re
import resource
import socket
import subprocess
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser()
p.add_argument("logstream", nargs="?", default="build/logstream")
p.add_argument("--lines", type=int, default=1_000_000)
p.add_argument("--brokers", type=int, choices=(1, 3), default=3)
args = p.parse_args()
exe = os.path.abspath(args.logstream)
d = tempfile.mkdtemp(prefix="logstream-scale-bench-")
env = dict(os.environ, LOGSTREAM_SERVICES_DIR=f"{d}/services")


def services(*a):
    return subprocess.run([f"{ROOT}/scripts/services", *a], env=env, check=True, capture_output=True,
                          text=True).stdout


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CGROUP = "/sys/fs/cgroup/cpu"  # cgroup v1 cpu controller (root): a CPU quota per writer
groups = []  # the cgroups made, removed at the end


def cpu_cap(core_share):
    """A preexec_fn that puts the child in a cgroup of its own allowed
    core_share of one core (cfs quota), as if it ran on a machine of that
    size; None when there is no writable cpu cgroup here."""
    if not os.access(CGROUP, os.W_OK):
        return None
    group = f"{CGROUP}/logstream-scale-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    os.mkdir(group)
    with open(f"{group}/cpu.cfs_period_us", "w") as f:
        f.write("100000")
    with open(f"{group}/cpu.cfs_quota_us", "w") as f:
        f.write(str(int(core_share * 100000)))
    groups.append(group)

    def join():
        with open(f"{group}/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
    return join


def timed(cmds):
    """Runs the commands at once; (wall seconds, CPU seconds of all)."""
    t, r = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for c in cmds]
    for c, proc in zip(cmds, procs):
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(c)} exited {proc.returncode}: {err[-1000:]}")
    r2 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - t, r2.ru_utime + r2.ru_stime - r.ru_utime - r.ru_stime


def cpu_seconds(pid):
    """User + system CPU seconds of a running process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def running_fleet(writers, config, core_share):
    """A running fleet's rate, as N small machines would give it: `writers`
    members (each held to core_share of a core) start on no work and join
    the group; then `ingest --enqueue` puts every object's event on
    `objects` and the clock runs until the group has committed them all.
    (wall seconds, CPU seconds the members used meanwhile)."""
    ns = "r" + uuid.uuid4().hex[:6]
    stage = [exe, "--namespace", ns, "ingest", "--store", f"file://{d}/b", "--broker", kafka, "--config", config]
    members = [subprocess.Popen([*stage, "--instance", f"w{i}", "--events", "webhook", "--listen",
                                 f"127.0.0.1:{free_port()}"], stdout=subprocess.DEVNULL,
                                stderr=open(f"{d}/{ns}-w{i}.stderr", "w"), preexec_fn=cpu_cap(core_share))
               for i in range(writers)]
    try:
        def settled():  # every member was given partitions, and none since 2 s
            texts = [open(f"{d}/{ns}-w{i}.stderr").read() for i in range(writers)]
            return all("partitions now:" in t for t in texts) and time.time() - max(
                os.path.getmtime(f"{d}/{ns}-w{i}.stderr") for i in range(writers)) > 2
        while not settled():
            assert all(m.poll() is None for m in members), f"a fleet member exited: see {d}/{ns}-w*.stderr"
            time.sleep(0.2)
        before = [cpu_seconds(m.pid) for m in members]
        t = time.perf_counter()
        subprocess.run([*stage, "--enqueue", "--exit-when-done"], check=True, capture_output=True)

        def log(*a):
            return subprocess.run([exe, "--namespace", ns, "log", *a, "--broker", kafka], check=True,
                                  capture_output=True, text=True).stdout.splitlines()
        # Each partition of `objects` ends with the enqueuer's commit marker: done
        # when the group's committed offset is past the record before it.
        ends = [int(e) for line in log("topics") if line.startswith("objects ") for e in line.split()[2].split(",")]
        want = {p: e - 1 for p, e in enumerate(ends) if e > 0}
        while True:
            rows = [line.split() for line in log("stats") if line.startswith("ingest ")]
            got = {int(f[2]): int(f[3]) for f in rows if f[1] == "objects"}
            if all(got.get(p, 0) >= e for p, e in want.items()):
                break
            time.sleep(0.05)
        wall = time.perf_counter() - t
        cpu = sum(cpu_seconds(m.pid) - c for m, c in zip(members, before))
    finally:
        for m in members:
            m.terminate()
            m.wait()
    return wall, cpu


hosts = 64  # several per partition of `logs`, so that writers get even shares
subprocess.run([exe, "generate", "--hosts", str(hosts), "--max-count", str(args.lines // hosts), "--seed", "7",
                "--start", "2026-11-24T00:00:00Z", "--out", f"file://{d}/b"], check=True, capture_output=True)
lines = hosts * (args.lines // hosts)
kafka = re.search(r"KAFKA_URL=(\S+)", services("start", "kafka", "--brokers", str(args.brokers))).group(1)
rows = []
try:
    for replication in (1, 3)[:1 if args.brokers == 1 else 2]:
        config = f"{d}/r{replication}.toml"
        with open(config, "w") as f:
            f.write(f"[kafka]\nreplication = {replication}\n[ingest]\npartitions = 8\n")
        warm = "w" + uuid.uuid4().hex[:6]  # a fresh cluster's first run pays for its JIT
        timed([[exe, "--namespace", warm, "ingest", "--store", f"file://{d}/b", "--broker", kafka,
                "--exit-when-done", "--config", config]])
        for instances in (1, 2):
            ns = "s" + uuid.uuid4().hex[:6]
            stage = [exe, "--namespace", ns]
            wall, cpu = timed([[*stage, "ingest", "--store", f"file://{d}/b", "--broker", kafka,
                                "--exit-when-done", "--config", config]])
            if instances == 1:
                rows.append((f"ingest, 1 writer, replication {replication}", lines / wall, wall, cpu))
                for writers in (1, 2, 4):
                    fleet = [exe, "--namespace", "f" + uuid.uuid4().hex[:6], "ingest", "--store", f"file://{d}/b",
                             "--broker", kafka, "--exit-when-done", "--config", config]
                    wall, cpu = timed([[*fleet, "--instance", f"w{i}"] for i in range(writers)])
                    rows.append((f"ingest fleet, {writers} writer(s), replication {replication}", lines / wall, wall,
                                 cpu))
                if replication == 1 and os.access(CGROUP, os.W_OK):
                    for writers in (1, 2, 4):
                        wall, cpu = running_fleet(writers, config, core_share=0.25)
                        rows.append((f"running fleet, {writers} writer(s) of 1/4 core each, replication 1",
                                     lines / wall, wall, cpu))
            names = ["a", "b"][:instances]
            wall, cpu = timed([[*stage, "process", "--broker", kafka, "--exit-when-done", "--config", config,
                                "--instance", n] for n in names])
            rows.append((f"process, {instances} instance(s), replication {replication}", lines / wall, wall, cpu))
finally:
    services("stop", "kafka")
    for g in groups:
        os.rmdir(g)
for threads in (1, 2):
    config = f"{d}/t{threads}.toml"
    with open(config, "w") as f:
        f.write(f"[ingest]\nthreads = {threads}\n")
    wall, cpu = timed([[exe, "ingest", "--store", f"file://{d}/b", "--broker", f"{d}/embedded-{threads}",
                        "--exit-when-done", "--config", config]])
    rows.append((f"ingest, embedded log, {threads} thread(s)", lines / wall, wall, cpu))
load = os.getloadavg()[0]
print(f"{lines} lines, {args.brokers} broker(s) and the stages on {os.cpu_count()} cores, load {load:.1f}")
for name, rate, wall, cpu in rows:
    print(f"{name:60}: {rate / 1e6:5.2f} M lines/s  {wall:6.2f} s  {cpu:6.2f} CPU s")
