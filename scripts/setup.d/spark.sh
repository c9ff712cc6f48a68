# Sourced by scripts/setup (as root on a fresh Debian 12): installs what the
# Spark job (spark/logstream_spark.py) and its tests need:
#   - a Java 17 runtime (Debian openjdk-17-jre-headless),
#   - pyspark from PyPI in the venv /opt/logstream/venv-spark,
#   - spark-sql-kafka-0-10_2.13 and the dependencies pyspark does not ship
#     (spark-token-provider-kafka-0-10_2.13, kafka-clients, commons-pool2) from
#     Maven Central, at exactly the pyspark version, in /opt/logstream/spark-jars.
# Idempotent: a second run only checks the version stamps.
#
# Spark version: 4.2.0, the newest release both registries serve (PyPI has
# pyspark 4.2.1 and 4.3.0, Maven Central has no spark-sql-kafka at either).
SPARK_VERSION="${SPARK_VERSION:-4.2.0}"
SPARK_VENV="${SPARK_VENV:-/opt/logstream/venv-spark}"
SPARK_JARS="${SPARK_JARS:-/opt/logstream/spark-jars}"

spark_setup() {
  local sudo="$SUDO"
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven

  if [[ "$(cat "$SPARK_VENV/pyspark-version" 2>/dev/null)" != "$SPARK_VERSION" ]]; then
    venv_pip_install "$SPARK_VENV" "pyspark==$SPARK_VERSION"
    echo "$SPARK_VERSION" | $sudo tee "$SPARK_VENV/pyspark-version" >/dev/null
  fi

  if [[ "$(cat "$SPARK_JARS/version" 2>/dev/null)" != "$SPARK_VERSION" ]]; then
    echo "setup: fetching spark-sql-kafka-0-10_2.13 $SPARK_VERSION and its dependencies into $SPARK_JARS"
    local work
    work="$(mktemp -d)"
    cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>logstream</groupId>
  <artifactId>spark-kafka-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-sql-kafka-0-10_2.13</artifactId><version>$SPARK_VERSION</version></dependency>
  </dependencies>
</project>
POM
    (cd "$work" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime \
       -DoutputDirectory="$work/all") || { rm -rf "$work"; return 1; }
    # Keep what pyspark lacks; scala, hadoop-client, lz4, snappy and slf4j are
    # in pyspark's own jars already (a second copy could clash).
    mkdir -p "$work/libs"
    local jar
    for jar in spark-sql-kafka-0-10_2.13 spark-token-provider-kafka-0-10_2.13 kafka-clients commons-pool2; do
      cp "$work/all/$jar"-[0-9]*.jar "$work/libs/" || { rm -rf "$work"; return 1; }
    done
    $sudo mkdir -p "$(dirname "$SPARK_JARS")"
    $sudo rm -rf "$SPARK_JARS"
    $sudo mv "$work/libs" "$SPARK_JARS"
    echo "$SPARK_VERSION" | $sudo tee "$SPARK_JARS/version" >/dev/null
    rm -rf "$work"
  fi
}
spark_setup
