"""Issue 23.3: `logstream templates` on real samples. The HDFS and Hadoop samples of
testdata/loghub mined with tests/formats/loghub.toml: `--assign` gives one
TEMPLATE_ID<TAB>TEMPLATE line per record in input order, the same on a second run,
grouping the records as the samples' ground truth does (accuracy near Drain's published
0.998 and 0.948); the listing names the format, the record count and each template with
its count and an example; a format's template_* keys are read and checked."""
import collections
import csv
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import run, workdir  # noqa: E402

SOURCE = os.environ.get("LOGSTREAM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
LOGHUB = os.environ.get("LOGHUB_DIR") or os.path.join(SOURCE, "testdata", "loghub")
CONFIG = os.path.join(SOURCE, "tests", "formats", "loghub.toml")


def accuracy(ids, events):
    members = collections.defaultdict(list)
    for i, t in enumerate(ids):
        members[t].append(i)
    sizes = collections.Counter(events)
    ok = sum(len(m) for m in members.values()
             if len({events[i] for i in m}) == 1 and sizes[events[m[0]]] == len(m))
    return ok / len(events)


def main():
    for system, fmt, at_least in [("HDFS", "hdfs", 0.99), ("Hadoop", "hadoop", 0.94)]:
        sample = os.path.join(LOGHUB, system, f"{system}_2k.log")
        with open(sample + "_structured.csv", newline="") as f:
            events = [row["EventId"] for row in csv.DictReader(f)]
        out = run("templates", "--config", CONFIG, "--format", fmt, sample, "--assign").stdout
        lines = out.splitlines()
        assert len(lines) == len(events), (system, len(lines))
        for line in lines:
            assert re.fullmatch(r"[0-9a-f]{16}\t\S.*", line), line
        texts = {}
        for line in lines:  # one text per id
            i, text = line.split("\t", 1)
            assert texts.setdefault(i, text) == text, (i, text, texts[i])
        ids = [line.split("\t", 1)[0] for line in lines]
        a = accuracy(ids, events)
        assert a >= at_least, (system, a)
        again = run("templates", "--config", CONFIG, "--format", fmt, sample, "--assign").stdout
        assert again == out, f"{system}: a second run differs"
        listing = run("templates", "--config", CONFIG, sample).stdout.splitlines()
        head = re.fullmatch(rf"format '{fmt}': 2000 records, (\d+) templates", listing[0])
        assert head and int(head.group(1)) == len(set(ids)), listing[0]
        counts = collections.Counter(ids)
        first = re.fullmatch(r" *(\d+)  ([0-9a-f]{16})  (.+)", listing[1])
        assert first and int(first.group(1)) == max(counts.values()), listing[1]
        assert listing[2].startswith("          e.g. "), listing[2]
        print(f"{system}: accuracy {a:.3f}, {len(counts)} templates")

    # A format's template_* keys are read: a mask of a constant word leaves it out of
    # every template (the examples keep it); a bad mask or depth is an error.
    d = workdir("templates-cli")
    with open(CONFIG) as f:
        text = f.read()
    sample = os.path.join(LOGHUB, "HDFS", "HDFS_2k.log")

    def template_lines(config):
        out = run("templates", "--config", config, "--format", "hdfs", sample).stdout
        return [line for line in out.splitlines()[1:] if not line.startswith("          e.g. ")]

    assert any("PacketResponder" in line for line in template_lines(CONFIG))
    good = os.path.join(d, "good.toml")
    with open(good, "w") as f:
        f.write(text.replace('name = "hdfs"\n', 'name = "hdfs"\ntemplate_similarity = 0.5\n'
                             "template_depth = 4\ntemplate_masks = ['PacketResponder']\n"))
    assert not any("PacketResponder" in line for line in template_lines(good))
    bad = os.path.join(d, "bad.toml")
    with open(bad, "w") as f:
        f.write(text.replace('name = "hdfs"\n', "name = \"hdfs\"\ntemplate_masks = ['(']\n"
                             "template_depth = 2\n"))
    p = run("templates", "--config", bad, sample, check=False)
    assert p.returncode == 2, p
    assert "formats.template_masks: bad regex '('" in p.stderr, p.stderr
    assert "formats.template_depth" in p.stderr, p.stderr
    print("ok")


if __name__ == "__main__":
    main()
