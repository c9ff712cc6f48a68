"""The command line: --help for every command, --version, config check on good
and bad files, clear errors for bad input and a second writer."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, workdir  # noqa: E402

for cmd in ([], ["run"], ["generate"], ["ingest"], ["process"], ["log"], ["config", "check"]):
    p = run(*cmd, "--help")
    assert "Usage" in p.stdout, (cmd, p.stdout)
assert run("--version").stdout.startswith("logstream ")

d = workdir("cli")
good = f"{d}/good.toml"
with open(good, "w") as f:
    f.write('[processor]\nwindow = "10s"\nslide = "5s"\n[[rules]]\nname = "warns"\n'
            'levels = ["WARN", "ERROR"]\nmin_count = 5\nper = "all"\n[ingest]\nmultiline = "off"\n')
out = run("config", "check", good).stdout
assert 'slide = "5s"' in out and "warns" in out, out

for text, words in (('[processor]\nwindw = "1s"\n', "unknown key 'windw'"),
                    ('[processor]\nwindow = "ten"\n', "duration"),
                    ('[[rules]]\nname = "x"\nlevel = "LOUD"\n', "LOUD"),
                    ('[[rules]]\nname = "x"\npattern = "(unclosed"\n', "bad regex"),
                    ('[ingest]\nformat = "xml"\n', "format"),
                    ('[processor]\nwindow = "10s"\nslide = "1ms"\n', "slide of at least"),
                    ('[bogus]\nx = 1\n', "unknown key 'bogus'"),
                    ('not toml at all = = =\n', "bad.toml")):
    bad = f"{d}/bad.toml"
    with open(bad, "w") as f:
        f.write(text)
    p = run("config", "check", bad, check=False)
    assert p.returncode == 2, (text, p.returncode, p.stderr)
    assert words in p.stderr, (text, p.stderr)

# One unknown key in each table: config check names every one as FILE:LINE:COLUMN.
every = f"{d}/every.toml"
with open(every, "w") as f:
    f.write('bogus = 1\n[processor]\nwindw = "1s"\n[[rules]]\nname = "r"\nlevl = "ERROR"\n'
            '[[sinks]]\nname = "s"\ntype = "stdout"\ncolour = "red"\n[ingest]\nformatt = "iso"\n'
            '[generator]\nhostz = 3\n[kafka]\n"no.such.property" = "1"\n')
p = run("config", "check", every, check=False)
assert p.returncode == 2, (p.returncode, p.stderr)
for where, key in ((":1:1:", "'bogus'"), (":3:1:", "'windw'"), (":6:1:", "'levl'"),
                   (":10:1:", "'colour'"), (":12:1:", "'formatt'"), (":14:1:", "'hostz'"),
                   (":16:", "no.such.property")):
    assert any(line.startswith(every + where) or (every + where) in line and key in line
               for line in p.stderr.splitlines()), (where, key, p.stderr)
# Where each value came from.
out = run("--namespace", "ns1", "config", "check", good).stdout
assert 'slide = "5s"  # file' in out and 'lateness = "2s"  # default' in out, out
assert 'namespace = "ns1"  # flag' in out, out

# The reference is generated from the declarations; docs/config.md is its output.
ref = run("config", "reference").stdout
src = os.environ.get("LOGSTREAM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
with open(os.path.join(src, "docs", "config.md")) as f:
    assert f.read() == ref, "docs/config.md differs from `logstream config reference`: regenerate it"
# Each flag is declared once in src/ (its declaration), e.g. --broker.
hits = subprocess.run(["grep", "-rl", '"--broker"', os.path.join(src, "src")],
                      capture_output=True, text=True).stdout.split()
assert len(hits) == 1, hits
# Every command that takes --broker takes --namespace, -X and --config.
for cmd in (["ingest"], ["process"], ["notify"], ["log", "tail"], ["log", "stats"], ["run"]):
    h = run(*cmd, "--help").stdout
    assert "--broker" in h and "--config" in h, (cmd, h)
p = run("log", "topics", "--broker", f"{d}/nolog", "--namespace", "x", "-X", "linger.ms=1", check=False)
assert "--namespace" not in p.stderr and "-X" not in p.stderr, p.stderr

p = run("generate", "--start", "yesterday", "--out", f"{d}/b", check=False)
assert p.returncode != 0 and "start" in p.stderr, p.stderr
p = run("generate", "--min-string", 50, "--max-string", 10, "--out", f"{d}/b", check=False)
assert p.returncode != 0 and "min" in p.stderr, p.stderr
p = run("ingest", "--store", "s3://bucket", "--broker", f"{d}/l", "--exit-when-done", check=False)
assert p.returncode != 0 and "s3://" in p.stderr, p.stderr
# -X repeats; each property reaches librdkafka, which names the bad one.
p = run("-X", "linger.ms=5", "-X", "no.such.property=1", "ingest", "--store", f"{d}/b",
        "--broker", "kafka://127.0.0.1:1", "--exit-when-done", check=False)
assert p.returncode != 0 and "no.such.property" in p.stderr, p.stderr

# A second writer of one embedded log gets an error naming the holder.
holder = subprocess.Popen([LOGSTREAM, "ingest", "--store", f"{d}/b", "--broker", f"{d}/l"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    import time
    for _ in range(100):
        if os.path.exists(f"{d}/l/OWNER"):
            break
        time.sleep(0.05)
    p = run("ingest", "--store", f"{d}/b", "--broker", f"{d}/l", "--exit-when-done", check=False)
    assert p.returncode != 0 and str(holder.pid) in p.stderr and "logstream run" in p.stderr, p.stderr
finally:
    holder.terminate()
    holder.wait()
print("ok: help, version, config check and error messages")
