"""SIGKILL of `logstream notify` at random moments (the webhook receiver
answers slowly, so kills land between a send and its commit) leads at most
to a re-send carrying the same alert id, never to a lost alert: after the
restarts every alert of alerts.jsonl reached the real SMTP server and the
webhook at least once, each sink re-sent at most one alert per kill, and a
further run sends nothing."""
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, service_env, tail, workdir  # noqa: E402
from notify_common import (SECRET, WebhookReceiver, alerts_of, burst_args, check_mail,  # noqa: E402
                           config, mails)

d = workdir("notify-kill9")
smtp = service_env("smtp")
rcpt = f"ops-kill9-{os.getpid()}@example.com"
data = f"{d}/data"
run(*burst_args(data, config(f"{d}/rules.toml"), max_count=20000))  # alerts, no sinks yet
alerts = {a["id"]: a for a in alerts_of(data)}
assert len(alerts) >= 10, f"only {len(alerts)} alerts"

hook = WebhookReceiver(delay=0.15)
cfg = config(f"{d}/config.toml", smtp["SMTP_URL"], rcpt, hook.url)
env = dict(os.environ, LOGSTREAM_WEBHOOK_SECRET=SECRET)
cmd = [LOGSTREAM, "notify", "--broker", f"{data}/broker", "--config", cfg, "--exit-when-done"]
rng = random.Random(7)
kills = 0
for attempt in range(60):
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        p.wait(timeout=rng.uniform(0.3, 1.2) if kills < 8 else 120)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        kills += 1
        continue
    err = p.stderr.read()
    assert p.returncode == 0, f"notify exited {p.returncode}:\n{err}"
    break
else:
    raise SystemExit("notify never finished")
assert kills >= 3, f"only {kills} kills landed"

mail_ids = Counter(m["X-Logstream-Alert-Id"] for m in mails(smtp["SMTP_MAILDIR"], rcpt))
hook_ids = Counter(a["id"] for a in hook.accepted())
for name, got in (("mail", mail_ids), ("webhook", hook_ids)):
    missing = set(alerts) - set(got)
    assert not missing, f"{name}: {len(missing)} alerts lost, e.g. {sorted(missing)[:3]}"
    assert set(got) <= set(alerts), f"{name}: unknown ids {set(got) - set(alerts)}"
    resent = sum(c - 1 for c in got.values())
    assert resent <= kills, f"{name}: {resent} re-sends after {kills} kills"
for m in mails(smtp["SMTP_MAILDIR"], rcpt):
    check_mail(m, alerts[m["X-Logstream-Alert-Id"]])
assert not hook.bad, hook.bad
assert tail("alerts-undelivered", f"{data}/broker") == [], "alerts were parked"

# Everything is confirmed: another run sends nothing.
before = (sum(mail_ids.values()), len(hook.requests))
p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
assert p.returncode == 0, p.stderr
time.sleep(0.2)
after = (len(mails(smtp["SMTP_MAILDIR"], rcpt)), len(hook.requests))
assert after == before, f"a confirmed alert was sent again: {before} -> {after}"
hook.close()
print(f"ok: {len(alerts)} alerts, {kills} SIGKILLs: mail re-sent {sum(mail_ids.values()) - len(alerts)}, "
      f"webhook re-sent {sum(hook_ids.values()) - len(alerts)} (same ids), none lost")
