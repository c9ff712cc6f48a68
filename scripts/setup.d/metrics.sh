# Installs the official Prometheus Python client (PyPI) into the shared venv
# /opt/logstream/venv: tests/metrics_test.py parses /metrics with its parser.
# Sourced by scripts/setup (runs as root); idempotent.
metrics_setup() {
  local venv=/opt/logstream/venv
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import prometheus_client' 2>/dev/null; then
    return 0
  fi
  venv_pip_install "$venv" prometheus-client==0.21.1
}
metrics_setup
