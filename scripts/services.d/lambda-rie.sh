# AWS Lambda Runtime Interface Emulator (installed by setup.d/lambda-rie.sh)
# running a Lambda custom runtime `bootstrap` on 127.0.0.1. The function's
# environment is DIR/../lambda-rie.env when present (KEY=VALUE lines the
# caller writes before `start`), else the caller's environment; in it
# LOGSTREAM_LAMBDA_BOOTSTRAP names the bootstrap (default build/lambda/bootstrap
# of this checkout). Env lines: LAMBDA_URL (POST events to it), LAMBDA_RIE_URL.
svc_start() {
  local dir="$1" port api_port bin=/opt/logstream/bin/aws-lambda-rie
  [[ -x "$bin" ]] || { echo "services: $bin is missing; run scripts/setup (as root)" >&2; return 1; }
  local envfile; envfile="$(dirname "$dir")/lambda-rie.env"
  if [[ -f "$envfile" ]]; then
    set -a
    # shellcheck source=/dev/null
    source "$envfile"
    set +a
  fi
  local root; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local bootstrap="${LOGSTREAM_LAMBDA_BOOTSTRAP:-$root/build/lambda/bootstrap}"
  [[ -x "$bootstrap" ]] || { echo "services: bootstrap $bootstrap is missing; build target lambda_zip" >&2; return 1; }
  port="$(free_port)"
  api_port="$(free_port)"
  while [[ "$api_port" == "$port" ]]; do api_port="$(free_port)"; done
  echo "$port" > "$dir/port"
  spawn "$bin" --log-level warn --runtime-interface-emulator-address "127.0.0.1:$port" \
    --runtime-api-address "127.0.0.1:$api_port" "$bootstrap"
  cat > "$dir/env" <<ENV
LAMBDA_URL=http://127.0.0.1:$port/2015-03-31/functions/function/invocations
LAMBDA_RIE_URL=http://127.0.0.1:$port
ENV
}

svc_ready() {
  wait_port "$(cat "$1/port")" 60
}
