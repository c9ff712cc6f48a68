"""logstream's stream processor as an Apache Spark Structured Streaming job.

Reads topic `logs` (the record JSON of docs/record.md) from Kafka with
read_committed, counts records per (event-time window, source, level),
evaluates the [[rules]] of the same TOML file as `logstream process`, and
writes aggregates and alerts in the processor's JSON shapes to the topics
`spark-aggregates` and `spark-alerts` (all topic names carry the namespace
prefix, `logstream.` by default, as the C++ Kafka backend's do):

  aggregate {"window_start","window_end","source","level","count"}
            message key WINDOW_START/SOURCE/LEVEL
  alert     {"id","rule","key","window_start","window_end","count","threshold","samples"}
            message key = id = RULE/KEY/WINDOW_START (RFC 3339 UTC, .000Z)

Usage (see spark/README.md for a cluster):
  spark-submit --jars JARS spark/logstream_spark.py --broker kafka://HOST:PORT \
      --config logstream.toml --checkpoint DIR [--available-now]
  python spark/logstream_spark.py --input-json FILE --output-dir DIR --config F
      (batch mode over a file of record JSON lines, no Kafka: tests and trials)

Semantics and where they differ from the C++ processor (DESIGN.md
"Processing semantics"):
- Windows: the same epoch-aligned tumbling/sliding [start, end) windows.
- Watermark: Spark's is global, max event time seen - lateness, advanced
  between micro-batches; ours is per source. A source that lags the others by
  more than the lateness loses records here (dropped silently by Spark, no
  `late` topic), not in ours. Within one micro-batch nothing is late.
- A window is emitted once, when the global watermark passes its end. There is
  no flush at the end of input: the last windows stay open until later
  records move the watermark (ours emits them under --exit-when-done).
- Alerts fire when a window is final, with its final count (ours fire as soon
  as the count reaches min_count, with the count at that moment). The same
  (rule, key, window) fire in both, so alert ids agree. Samples: up to 3
  matching records, the first of each level (ours: the first 3).
- `cooldown` is not supported (it depends on the order in which records
  arrive); rules with a cooldown are evaluated without one, with a warning.
- Regexes are Java regexes (RLIKE, a partial match like RE2's) rather than
  RE2: the common syntax agrees.
- Records whose JSON or time does not parse are dropped (ours count them).
- Exactly-once per id: Spark's Kafka sink is at-least-once. foreachBatch is
  idempotent per batch id: a batch whose outputs were written is recorded in
  CHECKPOINT/sink-commits/ and skipped when Spark replays it after a restart.
  A crash between the write and that record writes the batch again with
  identical messages and keys, so readers de-duplicate by message key (the
  alert id; WINDOW_START/SOURCE/LEVEL for aggregates).
"""
import argparse
import json
import os
import re
import sys
import tomllib

LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
DURATION = re.compile(r"^([0-9.]+)(ms|s|m|h|d)$")
UNIT_MS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}


# ---------------------------------------------------------------- config ----

def parse_duration(text, what):
    m = DURATION.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{what}: not a duration (want e.g. 10s, 500ms, 2m, 1h, 1d): {text!r}")
    ms = float(m.group(1)) * UNIT_MS[m.group(2)]
    if ms != int(ms):
        raise ValueError(f"{what}: not a whole number of milliseconds: {text!r}")
    return int(ms)


def load_config(path):
    """[processor] and [[rules]] of a logstream TOML file, with the defaults
    of src/process/config.h. Returns a dict; ValueError on bad values."""
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    p = doc.get("processor", {})
    unknown = set(p) - {"window", "slide", "lateness", "idle_timeout"}
    if unknown:
        raise ValueError(f"{path}: unknown key(s) in [processor]: {', '.join(sorted(unknown))}")
    window = parse_duration(p.get("window", "10s"), "window")
    slide = parse_duration(p.get("slide", "0s"), "slide")
    lateness = parse_duration(p.get("lateness", "2s"), "lateness")
    if slide == window:
        slide = 0
    if window <= 0 or slide < 0 or slide > window or (slide and window % slide):
        raise ValueError(f"{path}: window must be positive and a multiple of slide")
    rules = []
    for i, t in enumerate(doc.get("rules", [{"name": "error-burst", "level": "ERROR"}])):
        if "name" not in t:
            raise ValueError(f"{path}: rule #{i + 1} has no 'name'")
        levels = t.get("levels", [t["level"]] if "level" in t else [])
        for level in levels:
            if level not in LEVELS:
                raise ValueError(f"{path}: rule '{t['name']}': unknown level {level!r}")
        per = t.get("per", "source")
        if per not in ("source", "all"):
            raise ValueError(f"{path}: rule '{t['name']}': per must be \"source\" or \"all\"")
        cooldown = parse_duration(t.get("cooldown", "0s"), "cooldown")
        if cooldown:
            print(f"logstream_spark: rule '{t['name']}': cooldown is not supported by the Spark "
                  "job; evaluated without it", file=sys.stderr)
        if "equals" in t and "field" not in t:
            raise ValueError(f"{path}: rule '{t['name']}': 'equals' needs 'field'")
        rules.append({"name": t["name"], "levels": sorted(set(levels), key=LEVELS.index),
                      "pattern": t.get("pattern", ""), "min_count": int(t.get("min_count", 20)),
                      "per": per, "field": t.get("field", ""), "equals": t.get("equals")})
    return {"window": window, "slide": slide, "lateness": lateness, "rules": rules}


# ------------------------------------------------------------- transform ----

def parse_records(raw):
    """Kafka rows (value, partition, offset) -> typed records; rows whose JSON
    or time does not parse are dropped."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, MapType, StringType, StructField, StructType
    schema = StructType([StructField(n, t) for n, t in [
        ("source", StringType()), ("object", StringType()), ("offset", LongType()),
        ("time", StringType()), ("level", StringType()), ("thread", StringType()),
        ("logger", StringType()), ("message", StringType()),
        ("fields", MapType(StringType(), StringType()))]])
    r = raw.select(F.from_json(F.col("value").cast("string"), schema).alias("r"),
                   F.col("partition").alias("k_partition"), F.col("offset").alias("k_offset"))
    r = r.select("r.*", "k_partition", "k_offset")
    ts = F.expr("try_to_timestamp(time, \"yyyy-MM-dd'T'HH:mm:ss.SSSXXX\")")
    return r.withColumn("ts", ts).where(F.col("ts").isNotNull() & F.col("source").isNotNull()
                                        & F.col("level").isin(LEVELS))


def window_counts(records, config, streaming):
    """Counts per (window, source, level): `count`, and per rule i `m{i}` (the
    matching records) and `s{i}` (the first matching record, a sample)."""
    from pyspark.sql import functions as F
    if streaming:
        records = records.withWatermark("ts", f"{config['lateness']} milliseconds")
    size = f"{config['window']} milliseconds"
    win = (F.window("ts", size, f"{config['slide']} milliseconds") if config["slide"]
           else F.window("ts", size))
    aggs = [F.count(F.lit(1)).alias("count")]
    sample = F.struct("k_partition", "k_offset", "object", "offset", "time", "level", "message")
    for i, rule in enumerate(config["rules"]):
        match = F.lit(True)
        if rule["levels"]:
            match = match & F.col("level").isin(rule["levels"])
        tested = F.col("message")
        if rule.get("field"):  # the record must have the field; the pattern tests it
            tested = F.col("fields").getItem(rule["field"])
            match = match & tested.isNotNull()
            if rule.get("equals") is not None:
                match = match & (tested == F.lit(rule["equals"]))
        if rule["pattern"]:
            match = match & tested.rlike(rule["pattern"])
        aggs.append(F.sum(F.when(match, 1).otherwise(0)).alias(f"m{i}"))
        aggs.append(F.min(F.when(match, sample)).alias(f"s{i}"))
    return records.groupBy(win.alias("w"), "source", "level").agg(*aggs)


def _rfc3339(column):
    from pyspark.sql import functions as F
    return F.date_format(column, "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")


def outputs(final, config):
    """Final window rows -> (aggregates, alerts) DataFrames of (key, value)
    strings in the processor's JSON shapes."""
    from pyspark.sql import functions as F
    ws, we = _rfc3339("w.start"), _rfc3339("w.end")
    aggregates = final.select(
        F.concat_ws("/", ws, "source", "level").alias("key"),
        F.to_json(F.struct(ws.alias("window_start"), we.alias("window_end"), "source", "level",
                           "count")).alias("value"))
    alerts = None
    for i, rule in enumerate(config["rules"]):
        by = ["w", "source"] if rule["per"] == "source" else ["w"]
        key = F.col("source") if rule["per"] == "source" else F.lit("*")
        g = (final.where(F.col(f"m{i}") > 0).groupBy(*by)
             .agg(F.sum(f"m{i}").alias("count"), F.collect_list(f"s{i}").alias("s"))
             .where(F.col("count") >= rule["min_count"]))
        if rule["per"] == "all":
            g = g.withColumn("source", F.lit("*"))
        samples = F.expr("transform(slice(array_sort(s), 1, 3), x -> named_struct("
                         "'object', x.object, 'offset', x.offset, 'time', x.time, "
                         "'level', x.level, 'message', x.message))")
        alert_id = F.concat_ws("/", F.lit(rule["name"]), key, ws)
        a = g.select(alert_id.alias("key"), F.to_json(F.struct(
            alert_id.alias("id"), F.lit(rule["name"]).alias("rule"), key.alias("key"),
            ws.alias("window_start"), we.alias("window_end"), "count",
            F.lit(rule["min_count"]).cast("long").alias("threshold"),
            samples.alias("samples"))).alias("value"))
        alerts = a if alerts is None else alerts.unionByName(a)
    if alerts is None:
        alerts = aggregates.limit(0)
    return aggregates, alerts


# ----------------------------------------------------------------- sinks ----

def kafka_bootstrap(url):
    if not url.startswith("kafka://"):
        raise ValueError(f"--broker must be kafka://HOST:PORT[,HOST:PORT], not {url!r}")
    return url[len("kafka://"):]


def ensure_topics(spark, bootstrap, topics):
    """Creates missing topics through the Kafka Admin API on the JVM side
    (the broker may not auto-create them)."""
    jvm = spark._jvm
    props = jvm.java.util.Properties()
    props.put("bootstrap.servers", bootstrap)
    admin = jvm.org.apache.kafka.clients.admin.Admin.create(props)
    try:
        existing = set(admin.listTopics().names().get())
        new = jvm.java.util.ArrayList()
        for t in topics:
            if t not in existing:
                new.add(jvm.org.apache.kafka.clients.admin.NewTopic(t, jvm.java.util.Optional.empty(),
                                                                     jvm.java.util.Optional.empty()))
        if new.size():
            try:
                admin.createTopics(new).all().get()
            except Exception as e:  # created meanwhile by someone else
                if "TopicExists" not in str(e):
                    raise
    finally:
        admin.close()


class IdempotentBatchWriter:
    """foreachBatch function: writes a batch's final windows once per batch id
    (see the module comment). `write(df, kind)` writes (key, value) rows."""

    def __init__(self, config, commits_dir, write):
        self.config, self.commits_dir, self.write = config, commits_dir, write
        os.makedirs(commits_dir, exist_ok=True)

    def __call__(self, df, batch_id):
        marker = os.path.join(self.commits_dir, str(batch_id))
        if os.path.exists(marker):
            return
        df.persist()
        try:
            aggregates, alerts = outputs(df, self.config)
            self.write(aggregates, "aggregates")
            self.write(alerts, "alerts")
        finally:
            df.unpersist()
        with open(marker + ".tmp", "w") as f:
            f.write("done\n")
        os.replace(marker + ".tmp", marker)


# ------------------------------------------------------------------ main ----

def spark_session(master, jars):
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession
    b = SparkSession.builder.appName("logstream-spark").config("spark.sql.session.timeZone", "UTC")
    if os.environ.get("PYSPARK_GATEWAY_PORT"):
        # Under spark-submit the JVM runs already: connect, so that SparkConf()
        # sees its --conf (launching it here would lose spark.jars set below).
        SparkContext._ensure_initialized()
    given = SparkConf()  # what spark-submit --conf set; those win over these defaults
    if not given.contains("spark.sql.shuffle.partitions"):
        b = b.config("spark.sql.shuffle.partitions", "4")
    if not given.contains("spark.ui.enabled"):
        b = b.config("spark.ui.enabled", "false")
    b = b.config("spark.ui.showConsoleProgress", "false")  # pyspark sets it true itself
    if master:
        b = b.master(master)
    if jars:
        b = b.config("spark.jars", jars)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def run_batch(args, config):
    """--input-json: the same transform over a file of record JSON lines;
    every window is final (no watermark). Writes DIR/aggregates.jsonl and
    DIR/alerts.jsonl, sorted."""
    spark = spark_session(args.master or "local[2]", args.jars)
    from pyspark.sql import functions as F
    raw = (spark.read.text(args.input_json).withColumnRenamed("value", "value")
           .withColumn("partition", F.lit(0))
           .withColumn("offset", F.monotonically_increasing_id()))
    final = window_counts(parse_records(raw), config, streaming=False)
    os.makedirs(args.output_dir, exist_ok=True)

    def write(df, kind):
        values = sorted(r.value for r in df.collect())
        with open(os.path.join(args.output_dir, f"{kind}.jsonl"), "w") as f:
            f.writelines(v + "\n" for v in values)

    IdempotentBatchWriter(config, os.path.join(args.output_dir, "sink-commits"), write)(final, 0)
    spark.stop()


def run_stream(args, config):
    bootstrap = kafka_bootstrap(args.broker)
    ns = args.namespace + "."
    spark = spark_session(args.master or "local[2]", args.jars)
    out_topics = {"aggregates": ns + "spark-aggregates", "alerts": ns + "spark-alerts"}
    ensure_topics(spark, bootstrap, out_topics.values())
    reader = (spark.readStream.format("kafka")
              .option("kafka.bootstrap.servers", bootstrap)
              .option("subscribe", ns + "logs")
              .option("startingOffsets", "earliest")
              .option("kafka.isolation.level", "read_committed")
              .option("failOnDataLoss", "false"))
    if args.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
    counts = window_counts(parse_records(reader.load()), config, streaming=True)

    def write(df, kind):
        (df.write.format("kafka").option("kafka.bootstrap.servers", bootstrap)
         .option("topic", out_topics[kind]).save())

    writer = IdempotentBatchWriter(config, os.path.join(args.checkpoint, "sink-commits"), write)
    stream = (counts.writeStream.outputMode("append").foreachBatch(writer)
              .option("checkpointLocation", os.path.join(args.checkpoint, "query")))
    batches = []
    rounds = 0
    while True:
        rounds += 1
        if args.available_now:
            stream = stream.trigger(availableNow=True)
        query = stream.start()
        query.awaitTermination()
        progress = [json.loads(p.json()) for p in query._jsq.recentProgress()]
        # (A round that finds nothing to do reports one progress without
        # running a batch: no addBatch.)
        batches += [{"batch": p["batchId"], "records": p["numInputRows"],
                     "watermark": p.get("eventTime", {}).get("watermark"),
                     "ms": p["batchDuration"]}
                    for p in progress if "addBatch" in p.get("durationMs", {})]
        if not args.available_now:
            break
        # availableNow ends once the data present at start is processed; the
        # no-data batch that moves the watermark past the last windows and
        # emits them may not have run yet (Spark 4.2 runs it within the same
        # round; older releases did not): run again until a round ends with a
        # no-data batch (or runs none).
        if not progress or progress[-1]["numInputRows"] == 0 or rounds >= 5:
            break
    print("logstream_spark: " + json.dumps({"rounds": rounds, "batches": batches}), flush=True)
    spark.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="TOML file with [processor] and [[rules]] (default: built-in)")
    ap.add_argument("--broker", help="kafka://HOST:PORT[,HOST:PORT]")
    ap.add_argument("--namespace", default="logstream",
                    help="topic names are NAMESPACE.NAME, as in the C++ Kafka backend "
                         "(default %(default)s)")
    ap.add_argument("--checkpoint", help="checkpoint directory (local path, hdfs://, s3a://)")
    ap.add_argument("--available-now", action="store_true",
                    help="process what the topic holds now, then exit (tests, backfills)")
    ap.add_argument("--max-offsets-per-trigger", type=int, default=0,
                    help="records per micro-batch (default: all available)")
    ap.add_argument("--master", help="Spark master when not given by spark-submit (default local[2])")
    ap.add_argument("--jars", help="comma-separated jars when not given by spark-submit")
    ap.add_argument("--input-json", help="batch mode: a file of record JSON lines instead of Kafka")
    ap.add_argument("--output-dir", help="batch mode: where aggregates.jsonl and alerts.jsonl go")
    args = ap.parse_args(argv)
    try:
        config = load_config(args.config) if args.config else load_config_defaults()
    except (OSError, ValueError, tomllib.TOMLDecodeError) as e:
        print(f"logstream_spark: {e}", file=sys.stderr)
        return 2
    if args.input_json:
        if not args.output_dir:
            ap.error("--input-json needs --output-dir")
        run_batch(args, config)
        return 0
    if not args.broker or not args.checkpoint:
        ap.error("--broker and --checkpoint are required (or --input-json for batch mode)")
    run_stream(args, config)
    return 0


def load_config_defaults():
    return {"window": 10000, "slide": 0, "lateness": 2000,
            "rules": [{"name": "error-burst", "levels": ["ERROR"], "pattern": "",
                       "min_count": 20, "per": "source"}]}


if __name__ == "__main__":
    sys.exit(main())
