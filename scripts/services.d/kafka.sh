# Apache Kafka 4.x on 127.0.0.1, from the jars scripts/setup.d/kafka.sh
# installs: a KRaft single node (broker + controller in one JVM), or with
# --brokers N a cluster of N such nodes sharing a static controller quorum.
# Each start formats fresh storage so the brokers are empty. Replication of
# the internal offsets and transaction topics: min(N, 3), min ISR one less
# (at least 1; a single node needs 1 and 1 or transactions hang); no initial
# rebalance delay. Prints KAFKA_URL=kafka://127.0.0.1:PORT[,127.0.0.1:PORT...].
KAFKA_HOME="${KAFKA_HOME:-/opt/logstream/kafka}"

kafka_log4j() {
  cat > "$1/log4j2.properties" <<'LOG'
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = info
logger.txn.name = kafka.coordinator.transaction
logger.txn.level = info
LOG
}

# Sets the array `java` to the JVM command line of a broker in DIR $1.
kafka_java() {
  java=(java -Xms128m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$1/log4j2.properties" -cp "$KAFKA_HOME/libs/*")
}

# Liveness of a single broker (DIR/pid) or of a cluster's brokers (DIR/pid.N).
running() {
  local f
  for f in "$dir"/pid "$dir"/pid.*; do
    [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null && return 0
  done
  return 1
}

# svc_start DIR [--brokers N]: one broker (default), or N brokers that are
# each broker and controller of one KRaft quorum (static voters), with the
# internal topics replicated min(N, 3) times and min ISR one less.
svc_start() {
  local dir="$1" brokers=1
  shift
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --brokers) brokers="${2:-}"; shift 2 || true ;;
      *) echo "services: kafka: unknown option '$1' (want --brokers N)" >&2; return 1 ;;
    esac
  done
  [[ "$brokers" =~ ^[1-9]$ ]] || { echo "services: kafka: --brokers wants 1 to 9" >&2; return 1; }
  [[ -d "$KAFKA_HOME/libs" ]] || {
    echo "services: no Kafka jars in $KAFKA_HOME/libs; run scripts/setup first" >&2
    return 1
  }
  local ports=() cports=() i p used=" "
  for ((i = 1; i <= brokers * 2; i++)); do
    p="$(free_port)"
    while [[ "$used" == *" $p "* ]]; do p="$(free_port)"; done
    used+="$p "
    if ((i <= brokers)); then ports+=("$p"); else cports+=("$p"); fi
  done
  local replication=$((brokers < 3 ? brokers : 3))
  local min_isr=$((replication > 1 ? replication - 1 : 1))
  local voters="" bootstrap=""
  for ((i = 1; i <= brokers; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:${cports[i - 1]}"
    bootstrap+="${bootstrap:+,}127.0.0.1:${ports[i - 1]}"
  done
  local cluster_id java
  # 16 random bytes in URL-safe base64, as Kafka's cluster ids; `=` joins the
  # value to its option, since one in 64 begins with `-`.
  cluster_id="$(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="))')"
  kafka_log4j "$dir"
  kafka_java "$dir"
  for ((i = 1; i <= brokers; i++)); do
    local bdir="$dir" quorum="controller.quorum.bootstrap.servers=127.0.0.1:${cports[0]}" format=(--standalone)
    if ((brokers > 1)); then
      bdir="$dir/broker-$i"
      quorum="controller.quorum.voters=$voters"
      format=()
    fi
    mkdir -p "$bdir/data"
    cat > "$bdir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$i
$quorum
listeners=PLAINTEXT://127.0.0.1:${ports[i - 1]},CONTROLLER://127.0.0.1:${cports[i - 1]}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports[i - 1]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$bdir/data
num.partitions=1
default.replication.factor=$replication
min.insync.replicas=$min_isr
auto.create.topics.enable=false
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=1000
PROPS
    "${java[@]}" kafka.tools.StorageTool format "--cluster-id=$cluster_id" -c "$bdir/server.properties" \
      "${format[@]}" >>"$dir/log" 2>&1 || { echo "services: formatting Kafka storage failed" >&2; return 1; }
  done
  echo "$brokers" > "$dir/brokers"
  echo "${ports[*]}" > "$dir/port"
  echo "KAFKA_URL=kafka://$bootstrap" > "$dir/env"
  for ((i = 1; i <= brokers; i++)); do start_broker "$dir" "$i"; done
}

# The config and pid file of broker $2 of the service in DIR $1.
broker_dir() { if [[ "$(cat "$1/brokers")" == 1 ]]; then echo "$1"; else echo "$1/broker-$2"; fi; }
broker_pid() { if [[ "$(cat "$1/brokers")" == 1 ]]; then echo "$1/pid"; else echo "$1/pid.$2"; fi; }

start_broker() {
  local dir="$1" i="$2" java
  kafka_java "$dir"
  SPAWN_PID="$(broker_pid "$dir" "$i")" spawn "${java[@]}" kafka.Kafka "$(broker_dir "$dir" "$i")/server.properties"
}

# The numbers of the brokers that are not running.
svc_dead() {
  local dir="$1" i f
  for ((i = 1; i <= $(cat "$dir/brokers"); i++)); do
    f="$(broker_pid "$dir" "$i")"
    [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null || echo "$i"
  done
}

svc_status() {
  local dir="$1" i f ports
  read -r -a ports < "$dir/port"
  for ((i = 1; i <= $(cat "$dir/brokers"); i++)); do
    f="$(broker_pid "$dir" "$i")"
    if [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; then
      echo "  broker $i: 127.0.0.1:${ports[i - 1]}, pid $(cat "$f")"
    else
      echo "  broker $i: 127.0.0.1:${ports[i - 1]}, not running"
    fi
  done
}

# `scripts/services restart kafka`: each broker that died (e.g. killed with
# SIGKILL in a fault test) again on its ports and data.
svc_restart() {
  local dir="$1" i
  for i in $(svc_dead "$dir"); do start_broker "$dir" "$i"; done
}

# Ready when every broker runs and each answers a Metadata request listing
# all of them (a listener opens before its broker has joined the quorum).
svc_ready() {
  local dir="$1" ports port i n
  read -r -a ports < "$dir/port"
  n="$(cat "$dir/brokers")"
  for port in "${ports[@]}"; do wait_port "$port" 120 || return 1; done
  for ((i = 0; i < 1200; i++)); do
    [[ -z "$(svc_dead "$dir")" ]] || return 1
    python3 - "$n" "${ports[@]}" <<'PY' && return 0
import socket, struct, sys
want, ports = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]


def brokers(port):
    # Metadata v4 request: all topics (null array), no auto-creation.
    body = struct.pack(">hhih", 3, 4, 1, 5) + b"ready" + struct.pack(">ib", -1, 0)
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(struct.pack(">i", len(body)) + body)
        head = b""
        while len(head) < 16:
            chunk = s.recv(16 - len(head))
            if not chunk:
                return 0
            head += chunk
        _, corr, _, n = struct.unpack(">iiii", head)
        return n if corr == 1 else 0
    except OSError:
        return 0


sys.exit(0 if all(brokers(p) >= want for p in ports) else 1)
PY
    sleep 0.1
  done
  return 1
}
