# Sourced by scripts/setup (as root on a fresh Debian 12): installs what
# `scripts/services start kafka` needs: a Java 17 runtime and the Apache Kafka
# broker jars from Maven Central in /opt/logstream/kafka/libs (Maven resolves
# kafka_2.13 + kafka-tools and their runtime dependencies, plus log4j for
# logging). Idempotent: skipped when the jars of this version are present.
#
# Kafka version: 4.2.2, the newest release that passes our tests against
# Debian's librdkafka 2.0.2: src/kafka/kafka_log_test (produce, idempotent and
# transactional produce, read_committed consume, group offsets,
# send_offsets_to_transaction) and the fault test kafka_faults_kill9_exact_counts.
# 4.3.0 to 4.4.0 (the newest served) fail the fault test: their KRaftMetadataCache
# answers "no leader endpoint" for a partition that is leaderless while the
# broker restarts, and the transaction coordinator then drops that
# transaction's commit markers as if the partition were deleted ("these
# partitions are likely deleted already and hence can be skipped"). The
# records stay in a hanging transaction that a later transaction of the same
# producer commits or aborts, so ingest duplicated or lost a chunk after a
# broker SIGKILL. 4.2.2 keeps such markers queued until a leader is back.
KAFKA_VERSION="${KAFKA_VERSION:-4.2.2}"
KAFKA_HOME="${KAFKA_HOME:-/opt/logstream/kafka}"

# kcat (Debian package) for bench/kafka_bench.py's baseline producer.
kafka_kcat_setup() {
  command -v kcat >/dev/null && return 0
  echo "setup: installing kcat"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends kcat
}

kafka_setup() {
  if [[ -f "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" && -f "$KAFKA_HOME/version" ]] &&
     [[ "$(cat "$KAFKA_HOME/version")" == "$KAFKA_VERSION" ]]; then
    return 0
  fi
  local need=()
  command -v java >/dev/null || need+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || need+=(maven)
  if ((${#need[@]})); then
    echo "setup: installing ${need[*]} for Kafka"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
  echo "setup: fetching Apache Kafka $KAFKA_VERSION jars into $KAFKA_HOME/libs"
  local work
  work="$(mktemp -d)"
  cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>logstream</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.24.3</version></dependency>
    <!-- the slf4j 2 API the log4j binding needs (Maven would otherwise keep 1.7) -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.16</version></dependency>
  </dependencies>
</project>
POM
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo mkdir -p "$KAFKA_HOME"
  $sudo rm -rf "$KAFKA_HOME/libs.new"
  (cd "$work" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime \
     -DoutputDirectory="$work/libs") || { rm -rf "$work"; return 1; }
  $sudo rm -rf "$KAFKA_HOME/libs"
  $sudo mv "$work/libs" "$KAFKA_HOME/libs"
  echo "$KAFKA_VERSION" | $sudo tee "$KAFKA_HOME/version" >/dev/null
  rm -rf "$work"
}
kafka_kcat_setup
kafka_setup
