"""No secret is ever written out (issue 17): a full run in which every secret
is used for real, then a scan of everything that was written for them.

- S3 credentials (the s3 service's, versitygw validates SigV4): `generate`
  uploads into s3://BUCKET/raw and `ingest --store s3://...` reads from it;
- the event-source bearer token (LOGSTREAM_WEBHOOK_TOKEN): the S3 event
  notifications are POSTed to `ingest --events webhook` with it (without it,
  and with another token, they are refused 401);
- an SMTP password: a private smtp service that requires AUTH with exactly
  this user and password (SMTP_AUTH_USER/SMTP_AUTH_PASSWORD); `notify`
  sends one mail per alert through it (username_env, password_env);
- a webhook sink's HMAC key (secret_env) and bearer token (token_env): a
  local receiver accepts only correctly signed POSTs carrying the token.
Then stdout and stderr of every process (generate, ingest, process, notify,
notify test, config check, log), the log files the services wrote (the s3
service's, the smtp service's), the captured mails, the webhook bodies, every
topic of the broker (`log topics`, `log tail`) and the broker's files hold 0
occurrences of any secret (nor of the AUTH PLAIN / LOGIN encodings of the
SMTP password, nor of a wrong token a client sent)."""
import base64
import glob
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, bucket_lines, bucket_objects, check_records_match_lines, workdir  # noqa: E402
from notify_common import WebhookReceiver, alerts_of, check_mail, mails  # noqa: E402
from s3_common import s3_env, s3_event_record  # noqa: E402

ROOT = os.environ.get("LOGSTREAM_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = os.path.join(ROOT, "scripts", "services")
STATE = os.environ.get("LOGSTREAM_SERVICES_DIR", "/tmp/logstream-services")

d = workdir("secrets")
env = s3_env()  # the s3 service's endpoint and credentials
smtp_user = "alerts-" + secrets.token_hex(4)
secret_values = {
    "S3 secret access key": env["AWS_SECRET_ACCESS_KEY"],
    "SMTP password": "smtppw-" + secrets.token_urlsafe(18),
    "webhook sink HMAC key": "hmackey-" + secrets.token_urlsafe(18),
    "webhook sink bearer token": "sinktoken-" + secrets.token_urlsafe(18),
    "webhook source bearer token": "srctoken-" + secrets.token_urlsafe(18),
    "a wrong token a client sent": "wrongtoken-" + secrets.token_urlsafe(18),
}
assert len(secret_values["S3 secret access key"]) >= 20, "the s3 service's secret is too short to scan for"
pw = secret_values["SMTP password"]
# What an SMTP client sends for AUTH PLAIN and AUTH LOGIN: a log of the
# dialogue would hold these rather than the password itself.
encodings = {
    "SMTP AUTH PLAIN": base64.b64encode(f"\0{smtp_user}\0{pw}".encode()).decode(),
    "SMTP AUTH LOGIN password": base64.b64encode(pw.encode()).decode(),
}
needles = {**secret_values, **encodings}
env.update(LS_SMTP_USER=smtp_user, LS_SMTP_PASSWORD=pw,
           LS_HOOK_SECRET=secret_values["webhook sink HMAC key"],
           LS_HOOK_TOKEN=secret_values["webhook sink bearer token"],
           LOGSTREAM_WEBHOOK_TOKEN=secret_values["webhook source bearer token"])
outputs = {}  # name -> text every process wrote (stdout + stderr)


def logstream(name, *args, check=True, timeout=300):
    p = subprocess.run([LOGSTREAM, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)
    outputs[f"{name} stdout"] = p.stdout
    outputs[f"{name} stderr"] = p.stderr
    if check and p.returncode != 0:
        raise SystemExit(f"logstream {name} exited {p.returncode}:\n{p.stderr}")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, body, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    c.request("POST", "/", body=body, headers=headers)
    r = c.getresponse()
    return r.status, r.read().decode()


# A private smtp service requiring AUTH with smtp_user and the password
# (given in its environment only).
smtp_env = dict(os.environ, LOGSTREAM_SERVICES_DIR=f"{d}/services", SMTP_AUTH_USER=smtp_user, SMTP_AUTH_PASSWORD=pw)
p = subprocess.run([SERVICES, "start", "smtp"], env=smtp_env, capture_output=True, text=True)
assert p.returncode == 0, f"services start smtp: {p.stderr}"
smtp = dict(l.removeprefix("export ").split("=", 1) for l in p.stdout.splitlines() if "=" in l)
outputs["services start smtp"] = p.stdout + p.stderr
hook = WebhookReceiver(token=secret_values["webhook sink bearer token"], secret=secret_values["webhook sink HMAC key"])
ingest = None
try:
    # The data: 2 hosts with error bursts, uploaded to S3 (signed PUTs).
    bucket, prefix = f"secrets-{os.getpid()}", "raw"
    gen = ["generate", "--hosts", 2, "--max-count", 6000, "--seed", 5, "--start", "2026-11-24T00:00:00Z",
           "--burst-period", "20s", "--burst-length", "5s", "--burst-hosts", 2, "--roll-seconds", 10]
    logstream("generate (local copy)", *gen, "--out", f"file://{d}/local")
    lines = bucket_lines(f"{d}/local")
    logstream("generate (to s3)", *gen, "--out", f"s3://{bucket}/{prefix}")

    # Ingest from S3 (signed GETs), told of the objects by S3 event
    # notifications POSTed with the source's bearer token.
    broker = f"{d}/broker"
    hook_port = free_port()
    with open(f"{d}/ingest.out", "w") as out, open(f"{d}/ingest.err", "w") as err:
        ingest = subprocess.Popen([LOGSTREAM, "ingest", "--store", f"s3://{bucket}/{prefix}", "--events", "webhook",
                                   "--listen", f"127.0.0.1:{hook_port}", "--broker", broker],
                                  env=env, stdout=out, stderr=err)
    end = time.time() + 30
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", hook_port)) == 0:
                break
        assert ingest.poll() is None and time.time() < end, f"ingest did not listen on {hook_port}"
        time.sleep(0.1)
    # In creation (key) order, as S3 sends them.
    records = [s3_event_record(bucket, f"{prefix}/{key}", data)
               for key, data in sorted(bucket_objects(f"{d}/local"))]
    body = json.dumps({"Records": records}).encode()
    status, text = post(hook_port, body)
    assert status == 401, f"no token: answered {status} {text}"
    status, text = post(hook_port, body, secret_values["a wrong token a client sent"])
    assert status == 401, f"a wrong token: answered {status} {text}"
    status, text = post(hook_port, body, secret_values["webhook source bearer token"])
    assert status == 200 and "committed" in text, f"the right token: answered {status} {text}"
    ingest.send_signal(signal.SIGTERM)
    assert ingest.wait(timeout=60) == 0, f"ingest exited {ingest.returncode}"
    ingest = None
    logstream("log tail logs", "log", "tail", "logs", "--broker", broker)
    n = check_records_match_lines([json.loads(l) for l in outputs["log tail logs stdout"].splitlines() if l], lines)

    # Alerts, delivered by mail (SMTP AUTH) and webhook (signed, with a token).
    cfg = f"{d}/config.toml"
    with open(cfg, "w") as f:
        f.write('[processor]\nwindow = "10s"\nlateness = "2s"\n'
                '[[rules]]\nname = "error-burst"\nlevel = "ERROR"\nmin_count = 13\n'
                f'[[sinks]]\nname = "ops-mail"\ntype = "email"\nurl = "{smtp["SMTP_URL"]}"\ntls = "none"\n'
                'username_env = "LS_SMTP_USER"\npassword_env = "LS_SMTP_PASSWORD"\n'
                'from = "logstream@example.com"\nto = ["ops-secrets@example.com"]\n'
                'backoff = "200ms"\nmax_backoff = "1s"\n'
                f'[[sinks]]\nname = "ops-hook"\ntype = "webhook"\nurl = "{hook.url}"\n'
                'secret_env = "LS_HOOK_SECRET"\ntoken_env = "LS_HOOK_TOKEN"\n'
                'backoff = "200ms"\nmax_backoff = "1s"\n')
    logstream("config check", "config", "check", cfg)
    logstream("process", "process", "--broker", broker, "--config", cfg, "--exit-when-done")
    logstream("notify", "notify", "--broker", broker, "--config", cfg, "--exit-when-done")
    logstream("log tail alerts", "log", "tail", "alerts", "--broker", broker)
    alerts = {a["id"]: a for a in map(json.loads, outputs["log tail alerts stdout"].splitlines())}
    assert len(alerts) >= 3, f"only {len(alerts)} alerts: the data set needs bursts"
    got = mails(smtp["SMTP_MAILDIR"], "ops-secrets@example.com")
    assert sorted(m["X-Logstream-Alert-Id"] for m in got) == sorted(alerts), "not one mail per alert"
    for m in got:
        assert m["X-Captured-Auth"] == smtp_user, f"mail sent without AUTH as {smtp_user}"
        check_mail(m, alerts[m["X-Logstream-Alert-Id"]])
    assert not hook.bad, f"the webhook receiver refused {len(hook.bad)} requests (signature or token)"
    assert sorted(a["id"] for a in hook.accepted()) == sorted(alerts), "not one accepted webhook POST per alert"
    p = logstream("notify test", "notify", "test", "--config", cfg, "--broker", broker)
    assert "ops-mail (email): OK" in p.stdout and "ops-hook (webhook): OK" in p.stdout, p.stdout
    # A wrong SMTP password is refused, and the refusal names no secret.
    env["LS_SMTP_PASSWORD"] = secret_values["a wrong token a client sent"]
    p = logstream("notify test (wrong SMTP password)", "notify", "test", "--config", cfg, check=False)
    assert p.returncode == 1 and "ops-mail (email): ERROR" in p.stdout, p.stdout
    env["LS_SMTP_PASSWORD"] = pw
finally:
    if ingest is not None:
        ingest.kill()
        ingest.wait()
    hook.close()
    # stop removes the service's directory: its log and mail are kept for the scan
    shutil.copytree(f"{d}/services/smtp", f"{d}/smtp-kept", dirs_exist_ok=True)
    subprocess.run([SERVICES, "stop", "smtp"], env=smtp_env, capture_output=True)

# Everything that was written, scanned.
for name in ("out", "err"):
    with open(f"{d}/ingest.{name}") as f:
        outputs[f"ingest std{name}"] = f.read()
p = logstream("log topics", "log", "topics", "--broker", broker)
topics = [l.split()[0] for l in p.stdout.splitlines()[1:] if l.strip()]
for want in ("logs", "aggregates", "alerts"):
    assert want in topics, f"{want} not among the topics: {p.stdout}"
for t in topics:
    logstream(f"log tail {t}", "log", "tail", t, "--broker", broker)
logstream("log stats", "log", "stats", "--broker", broker)
with open(os.path.join(STATE, "s3", "log"), errors="replace") as f:
    outputs["s3 service log"] = f.read()
for i, (_, _, b) in enumerate(hook.requests):
    outputs[f"webhook POST {i}"] = b.decode()
files = glob.glob(f"{broker}/**", recursive=True) + glob.glob(f"{d}/smtp-kept/**", recursive=True)
texts = dict(outputs)
for path in files:
    if os.path.isfile(path):
        with open(path, "rb") as f:
            texts[path] = f.read().decode("latin-1")
found = [(what, where) for what, value in needles.items() for where, text in texts.items() if value in text]
# The control: the scan finds the S3 secret where it belongs (the s3 service's own env file).
with open(os.path.join(STATE, "s3", "env")) as f:
    assert secret_values["S3 secret access key"] in f.read(), "the scan's S3 secret is not the service's"
assert not found, "secrets written out:\n" + "\n".join(f"  {what} in {where}" for what, where in found)
scanned = sum(map(len, texts.values()))
print(f"ok: {n} lines read from S3 (SigV4) after a token-authenticated S3 event webhook, {len(alerts)} alerts "
      f"mailed with SMTP AUTH and POSTed signed with a bearer token; {len(needles)} secret values (and encodings) "
      f"in none of {len(texts)} outputs, logs, topics and files ({scanned} bytes)")
