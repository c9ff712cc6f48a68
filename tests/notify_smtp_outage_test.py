"""An SMTP server that is down for 20 s delays delivery and loses nothing:
alerts are in topic `alerts`, the smtp service (a private instance, so other
tests keep theirs) is stopped, `logstream notify` retries with backoff for
20 s, the service restarts on the same port, and every alert arrives exactly
once with nothing parked."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import LOGSTREAM, run, tail, workdir  # noqa: E402
from notify_common import alerts_of, burst_args, check_mail, config, mails  # noqa: E402

ROOT = os.environ.get("LOGSTREAM_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
d = workdir("notify-outage")
env = dict(os.environ, LOGSTREAM_SERVICES_DIR=f"{d}/services")
services = os.path.join(ROOT, "scripts", "services")


def service(action, **extra):
    p = subprocess.run([services, action, "smtp"], env=dict(env, **extra), capture_output=True, text=True)
    assert p.returncode == 0, f"services {action} smtp: {p.stderr}"
    return dict(l.removeprefix("export ").split("=", 1) for l in p.stdout.splitlines() if "=" in l)


smtp = service("start")
try:
    port = smtp["SMTP_URL"].rsplit(":", 1)[1]
    rcpt = f"ops-outage-{os.getpid()}@example.com"
    data = f"{d}/data"
    run(*burst_args(data, config(f"{d}/rules.toml")))
    alerts = {a["id"]: a for a in alerts_of(data)}
    assert alerts, "no alerts"
    # Retries every 1-4 s, far from giving up (max_attempts, max_age) within 20 s.
    cfg = config(f"{d}/config.toml", smtp["SMTP_URL"], rcpt,
                 mail_retry='backoff = "1s"\nmax_backoff = "4s"\nmax_attempts = 100\n')
    service("stop")
    start = time.time()
    p = subprocess.Popen([LOGSTREAM, "notify", "--broker", f"{data}/broker", "--config", cfg,
                          "--exit-when-done"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(20)
    assert p.poll() is None, f"notify gave up while the server was down:\n{p.stderr.read()}"
    smtp = service("start", SMTP_PORT=port)
    _, err = p.communicate(timeout=120)
    took = time.time() - start
    assert p.returncode == 0, f"notify exited {p.returncode}:\n{err}"
    assert "retrying" in err, err
    got = mails(smtp["SMTP_MAILDIR"], rcpt)
    ids = sorted(m["X-Logstream-Alert-Id"] for m in got)
    assert ids == sorted(alerts), f"mail ids {ids} != alerts {sorted(alerts)}"
    for m in got:
        check_mail(m, alerts[m["X-Logstream-Alert-Id"]])
    assert tail("alerts-undelivered", f"{data}/broker") == [], "alerts were parked"
    print(f"ok: {len(alerts)} alerts delivered {took:.1f} s after the start of a 20 s SMTP outage, "
          f"none lost, none parked")
finally:
    subprocess.run([services, "stop", "smtp"], env=env)
