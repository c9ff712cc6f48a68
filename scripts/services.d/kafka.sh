# Apache Kafka 4.x, KRaft single node (broker + controller in one JVM) on
# 127.0.0.1, from the jars scripts/setup.d/kafka.sh installs. Each start
# formats fresh storage (--standalone) so the broker is empty. Single-node
# settings: replication factor 1 and min ISR 1 for the internal offsets and
# transaction topics (otherwise transactions hang), no initial rebalance delay.
# Prints KAFKA_URL=kafka://127.0.0.1:PORT.
KAFKA_HOME="${KAFKA_HOME:-/opt/logstream/kafka}"

# Sets the array `java` to the JVM command line of a broker in DIR $1.
kafka_java() {
  java=(java -Xms128m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$1/log4j2.properties" -cp "$KAFKA_HOME/libs/*")
}

svc_start() {
  local dir="$1" port cport
  [[ -d "$KAFKA_HOME/libs" ]] || {
    echo "services: no Kafka jars in $KAFKA_HOME/libs; run scripts/setup first" >&2
    return 1
  }
  port="$(free_port)"
  cport="$(free_port)"
  while [[ "$cport" == "$port" ]]; do cport="$(free_port)"; done
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=1000
PROPS
  cat > "$dir/log4j2.properties" <<'LOG'
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
  local java
  kafka_java "$dir"
  local cluster_id
  # 16 random bytes in URL-safe base64, as Kafka's cluster ids; `=` joins the
  # value to its option, since one in 64 begins with `-`.
  cluster_id="$(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="))')"
  "${java[@]}" kafka.tools.StorageTool format "--cluster-id=$cluster_id" -c "$dir/server.properties" \
    --standalone >>"$dir/log" 2>&1 || { echo "services: formatting Kafka storage failed" >&2; return 1; }
  spawn "${java[@]}" kafka.Kafka "$dir/server.properties"
  echo "KAFKA_URL=kafka://127.0.0.1:$port" > "$dir/env"
  echo "$port" > "$dir/port"
}

# `scripts/services restart kafka`: the broker again on the same ports and
# data after it died (e.g. killed with SIGKILL in a fault test).
svc_restart() {
  local dir="$1" java
  kafka_java "$dir"
  spawn "${java[@]}" kafka.Kafka "$dir/server.properties"
}

# Ready when the broker answers a Metadata request listing itself (the
# listener opens before the broker has joined the quorum).
svc_ready() {
  local dir="$1" port i
  port="$(cat "$dir/port")"
  wait_port "$port" 120 || return 1
  for ((i = 0; i < 600; i++)); do
    running || return 1
    python3 - "$port" <<'PY' && return 0
import socket, struct, sys
port = int(sys.argv[1])
# Metadata v4 request: all topics (null array), no auto-creation.
body = struct.pack(">hhih", 3, 4, 1, 5) + b"ready" + struct.pack(">ib", -1, 0)
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(struct.pack(">i", len(body)) + body)
    head = b""
    while len(head) < 16:
        chunk = s.recv(16 - len(head))
        if not chunk:
            sys.exit(1)
        head += chunk
    _, corr, _, brokers = struct.unpack(">iiii", head)
    sys.exit(0 if corr == 1 and brokers > 0 else 1)
except OSError:
    sys.exit(1)
PY
    sleep 0.1
  done
  return 1
}
