# Installs the SMTP capture server for `scripts/services start smtp`:
# aiosmtpd (PyPI) in the shared venv /opt/logstream/venv. Sourced by
# scripts/setup (runs as root); idempotent, a second run only checks.
smtp_setup() {
  local venv=/opt/logstream/venv
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    return 0
  fi
  venv_pip_install "$venv" aiosmtpd
}
smtp_setup
