# Installs the SQS-compatible server for `scripts/services start sqs`: moto's
# server mode (PyPI, Apache-2.0) in its own venv /opt/logstream/venv-moto.
# Sourced by scripts/setup (runs as root); idempotent, a second run only checks.
sqs_setup() {
  local venv=/opt/logstream/venv-moto version=5.2.5
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import moto.server, flask' 2>/dev/null; then
    return 0
  fi
  local SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "setup: installing python3-venv"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends python3-venv
  fi
  if [[ ! -x "$venv/bin/pip" ]]; then
    $SUDO mkdir -p "$(dirname "$venv")"
    $SUDO python3 -m venv "$venv"
  fi
  echo "setup: installing moto[server] $version into $venv"
  $SUDO "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$version"
}
sqs_setup
