# Installs the SQS-compatible server for `scripts/services start sqs`: moto's
# server mode (PyPI, Apache-2.0) in its own venv /opt/logstream/venv-moto.
# Sourced by scripts/setup (runs as root); idempotent, a second run only checks.
sqs_setup() {
  local venv=/opt/logstream/venv-moto version=5.2.5
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import moto.server, flask' 2>/dev/null; then
    return 0
  fi
  venv_pip_install "$venv" "moto[server]==$version"
}
sqs_setup
