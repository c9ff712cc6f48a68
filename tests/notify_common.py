"""Helpers for the notify tests: a local webhook receiver that checks the
HMAC signature, captured mail read back, and a run that produces alerts."""
import email
import email.policy
import glob
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import run

SECRET = "webhook-test-secret"


class WebhookReceiver:
    """HTTP server on 127.0.0.1 recording POSTs. Answers 500 to the first
    `fail_first` requests, sleeps `delay` seconds before answering, rejects
    (401) a missing or wrong signature or bearer token."""

    def __init__(self, fail_first=0, delay=0.0, token=None, secret=SECRET):
        self.fail_first = fail_first
        self.delay = delay
        self.token = token
        self.lock = threading.Lock()
        self.requests = []  # (status answered, alert id header, body bytes)
        self.bad = []       # why a request was rejected
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sig = self.headers.get("X-Logstream-Signature", "")
                want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
                status = 200
                if not hmac.compare_digest(sig, want):
                    outer.bad.append(f"signature {sig!r} != {want!r}")
                    status = 401
                if outer.token is not None and self.headers.get("Authorization") != f"Bearer {outer.token}":
                    outer.bad.append(f"authorization {self.headers.get('Authorization')!r}")
                    status = 401
                if self.headers.get("Content-Type") != "application/json":
                    outer.bad.append(f"content type {self.headers.get('Content-Type')!r}")
                with outer.lock:
                    if status == 200 and len(outer.requests) < outer.fail_first:
                        status = 500
                    outer.requests.append((status, self.headers.get("X-Logstream-Alert-Id"), body))
                if outer.delay:
                    time.sleep(outer.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self):
        """Bodies answered 200, as parsed JSON."""
        with self.lock:
            return [json.loads(b) for s, _, b in self.requests if s == 200]

    def close(self):
        self.server.shutdown()


def mails(maildir, rcpt):
    """Captured messages (email.message.EmailMessage) sent to rcpt."""
    out = []
    for path in sorted(glob.glob(os.path.join(maildir, "*.eml"))):
        with open(path, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        if rcpt in m.get("X-Captured-To", ""):
            out.append(m)
    return out


def message_id(alert_id):
    """The Message-ID the notifier derives from an alert id."""
    s = "".join(c if c.isalnum() or c in "._-" else "=%02X" % ord(c) for c in alert_id)
    return f"<{s}@logstream>"


def config(path, smtp_url=None, rcpt=None, webhook_url=None, min_count=13, extra="",
           mail_retry='backoff = "200ms"\nmax_backoff = "2s"\n'):
    """A config with the error-burst rule, an email and/or a webhook sink."""
    text = ('[processor]\nwindow = "10s"\nlateness = "2s"\n'
            f'[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = {min_count}\n')
    if smtp_url:
        text += (f'[[sinks]]\nname = "ops-mail"\ntype = "email"\nurl = "{smtp_url}"\ntls = "none"\n'
                 f'from = "logstream@example.com"\nto = ["{rcpt}"]\n' + mail_retry)
    if webhook_url:
        text += (f'[[sinks]]\nname = "ops-hook"\ntype = "webhook"\nurl = "{webhook_url}"\n'
                 'secret_env = "LOGSTREAM_WEBHOOK_SECRET"\nbackoff = "100ms"\nmax_backoff = "1s"\n'
                 'timeout = "5s"\n')
    with open(path, "w") as f:
        f.write(text + extra)
    return path


def burst_args(data, cfg, max_count=6000):
    """`run` arguments for a fixed-seed data set with error bursts (simulated time)."""
    return ["run", "--data", data, "--hosts", 3, "--max-count", max_count, "--seed", 5,
            "--start", "2026-11-24T00:00:00Z", "--burst-period", "20s", "--burst-length", "5s",
            "--burst-hosts", 2, "--roll-seconds", 10, "--config", cfg, "--exit-when-done"]


def alerts_of(data):
    with open(os.path.join(data, "alerts.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def check_mail(m, alert):
    """The mail of an alert carries its id, facts and sample lines."""
    subject = m["Subject"]
    assert alert["rule"] in subject and alert["key"] in subject and alert["window_start"] in subject, subject
    assert m["Message-ID"] == message_id(alert["id"]), (m["Message-ID"], alert["id"])
    assert m["Date"], "no Date header"
    body = m.get_content()
    for want in (f"Alert id:  {alert['id']}", f"Count:     {alert['count']}",
                 f"Threshold: {alert['threshold']}", alert["window_start"], alert["window_end"]):
        assert want in body, f"{want!r} not in body:\n{body}"
    assert alert["samples"], alert
    for s in alert["samples"]:
        line = f"{s['object']} @ {s['offset']}: {s['time']} {s['level']} "
        assert line in body, f"sample {line!r} not in body:\n{body}"
