# SMTP capture server (aiosmtpd, installed by scripts/setup.d/smtp.sh).
# Every message lands as one .eml file in DIR/data, printed as SMTP_MAILDIR
# (raw RFC 5322 text, preceded by X-Captured-From/-To/-Auth lines with the
# envelope; read it with any mail parser, e.g. Python's email). SMTP_PORT fixes
# the port (e.g. to restart on the same address); default a free one.
# Authentication is accepted (also without TLS) unless the password is "wrong".
# With SMTP_AUTH_USER and SMTP_AUTH_PASSWORD set, it is required and only that
# user and password pass (the password stays in the environment: not in argv,
# DIR/env or the log); SMTP_AUTH_USER is printed.
svc_start() {
  local dir="$1" port="${SMTP_PORT:-$(free_port)}"
  local py=/opt/logstream/venv/bin/python
  if ! "$py" -c 'import aiosmtpd' 2>/dev/null; then
    echo "services: aiosmtpd is missing in /opt/logstream/venv; run scripts/setup --no-build" >&2
    return 1
  fi
  spawn "$py" "$ROOT/scripts/services.d/smtp_capture.py" 127.0.0.1 "$port" "$dir/data"
  echo "$port" > "$dir/port"
  {
    echo "SMTP_URL=smtp://127.0.0.1:$port"
    echo "SMTP_MAILDIR=$dir/data"
    if [[ -n "${SMTP_AUTH_USER:-}" && -n "${SMTP_AUTH_PASSWORD:-}" ]]; then
      echo "SMTP_AUTH_USER=$SMTP_AUTH_USER"
    fi
  } > "$dir/env"
}
svc_ready() { wait_port "$(cat "$1/port")" 30; }
