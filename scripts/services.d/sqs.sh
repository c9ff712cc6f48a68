# SQS-compatible server: moto in server mode on 127.0.0.1 (in-memory, so
# empty at each start). Installed by scripts/setup.d/sqs.sh. Env lines:
# SQS_URL (the endpoint; queues are created through it) and AWS_REGION. moto
# accepts any credentials, so it prints none: a shell that evals both
# `start s3` and `start sqs` keeps the S3 server's keys, which serve both.
svc_start() {
  local dir="$1" port py=/opt/logstream/venv-moto/bin/python
  [[ -x "$py" ]] || { echo "services: $py is missing; run scripts/setup (as root)" >&2; return 1; }
  port="$(free_port)"
  echo "$port" > "$dir/port"
  spawn "$py" -m moto.server -H 127.0.0.1 -p "$port"
  cat > "$dir/env" <<ENV
SQS_URL=http://127.0.0.1:$port
AWS_REGION=us-east-1
ENV
}

svc_ready() {
  local dir="$1" port i
  port="$(cat "$dir/port")"
  wait_port "$port" 60 || return 1
  for ((i = 0; i < 100; i++)); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/moto-api/" | grep -q '^[1-5]'; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
