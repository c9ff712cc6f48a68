# Installs the SMTP capture server for `scripts/services start smtp`:
# aiosmtpd (PyPI) in the shared venv /opt/logstream/venv. Sourced by
# scripts/setup (runs as root); idempotent, a second run only checks.
smtp_setup() {
  local venv=/opt/logstream/venv
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    return 0
  fi
  local SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  # Debian's python3 needs python3-venv (ensurepip) for `python3 -m venv`.
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "setup: installing python3-venv"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends python3-venv
  fi
  if [[ ! -x "$venv/bin/pip" ]]; then
    $SUDO mkdir -p "$(dirname "$venv")"
    $SUDO python3 -m venv "$venv"
  fi
  echo "setup: installing aiosmtpd into $venv"
  $SUDO "$venv/bin/pip" install -q --disable-pip-version-check aiosmtpd
}
smtp_setup
