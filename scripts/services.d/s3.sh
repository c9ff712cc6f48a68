# S3-compatible server: versitygw (posix backend) on 127.0.0.1, empty at each
# start, with a root access key and secret generated per start. Installed by
# scripts/setup.d/s3.sh. Env lines: S3_URL, AWS_ENDPOINT_URL_S3 (the same
# URL, which logstream and the AWS CLI read), AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, AWS_REGION (a shell can export them).
svc_start() {
  local dir="$1" port bin=/opt/logstream/bin/versitygw
  [[ -x "$bin" ]] || { echo "services: $bin is missing; run scripts/setup (as root)" >&2; return 1; }
  port="$(free_port)"
  local key secret
  key="LS$(python3 -c 'import secrets; print(secrets.token_hex(8).upper())')"
  secret="$(python3 -c 'import secrets; print(secrets.token_urlsafe(30))')"
  mkdir -p "$dir/data" "$dir/meta"
  echo "$port" > "$dir/port"
  # Credentials go through the environment, not argv (no secret in `ps`).
  ROOT_ACCESS_KEY="$key" ROOT_SECRET_KEY="$secret" VGW_REGION=us-east-1 \
    spawn "$bin" --port "127.0.0.1:$port" posix --sidecar "$dir/meta" "$dir/data"
  cat > "$dir/env" <<ENV
S3_URL=http://127.0.0.1:$port
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$port
AWS_ACCESS_KEY_ID=$key
AWS_SECRET_ACCESS_KEY=$secret
AWS_REGION=us-east-1
ENV
}

svc_ready() {
  local dir="$1" port i
  port="$(cat "$dir/port")"
  wait_port "$port" 60 || return 1
  # Ready once it answers HTTP (any status: unsigned requests get 403).
  for ((i = 0; i < 100; i++)); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" | grep -q '^[1-5]'; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
