"""End to end through `logstream run --exit-when-done` with a burst and a
config with an email and a webhook sink: the real SMTP server (scripts/services
smtp) receives exactly one mail per alert of alerts.jsonl, and the local
webhook receiver one accepted POST per alert, signed, after answering 500 to
the first attempts (the notifier retries)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import run, service_env, workdir  # noqa: E402
from notify_common import (SECRET, WebhookReceiver, alerts_of, burst_args, check_mail,  # noqa: E402
                           config, mails)

d = workdir("notify-e2e")
smtp = service_env("smtp")
rcpt = f"ops-e2e-{os.getpid()}@example.com"
hook = WebhookReceiver(fail_first=3)
cfg = config(f"{d}/config.toml", smtp["SMTP_URL"], rcpt, hook.url)
os.environ["LOGSTREAM_WEBHOOK_SECRET"] = SECRET
data = f"{d}/data"
p = run(*burst_args(data, cfg))
hook.close()

alerts = alerts_of(data)
assert len(alerts) >= 3, f"only {len(alerts)} alerts: the data set needs bursts"
by_id = {a["id"]: a for a in alerts}
assert len(by_id) == len(alerts), "duplicate alert ids in alerts.jsonl"

got = mails(smtp["SMTP_MAILDIR"], rcpt)
ids = [m["X-Logstream-Alert-Id"] for m in got]
assert sorted(ids) == sorted(by_id), f"mail ids {sorted(ids)} != alerts {sorted(by_id)}"
for m in got:
    check_mail(m, by_id[m["X-Logstream-Alert-Id"]])

assert not hook.bad, hook.bad
posted = hook.accepted()
assert sorted(a["id"] for a in posted) == sorted(by_id), "webhook: not one accepted POST per alert"
for a in posted:
    assert a == by_id[a["id"]], f"webhook body differs from alerts.jsonl: {a}"
failed = [r for r in hook.requests if r[0] == 500]
assert len(failed) == 3, f"{len(failed)} answered 500"
assert all(r[1] in by_id for r in hook.requests), "X-Logstream-Alert-Id header"
assert "retrying" in p.stderr, p.stderr
print(f"ok: {len(alerts)} alerts -> {len(got)} mails, {len(posted)} webhook POSTs "
      f"(after {len(failed)} answered 500)")

# `notify test`: one marked test alert to every sink, each result reported.
hook = WebhookReceiver()
cfg = config(f"{d}/test.toml", smtp["SMTP_URL"], rcpt, hook.url,
             extra=f'[[sinks]]\nname = "copy"\ntype = "file"\npath = "{d}/copy.jsonl"\n'
                   '[[sinks]]\nname = "down"\ntype = "webhook"\nurl = "http://127.0.0.1:1/x"\n')
p = run("notify", "test", "--config", cfg, check=False)
assert p.returncode == 1, p
lines = p.stdout.splitlines()
for want in ("ops-mail (email): OK", "ops-hook (webhook): OK", "copy (file): OK", "down (webhook): RETRY"):
    assert any(l.startswith(want) for l in lines), f"{want!r} not in:\n{p.stdout}"
test_mails = [m for m in mails(smtp["SMTP_MAILDIR"], rcpt) if m["X-Logstream-Alert-Id"].startswith("test/")]
assert len(test_mails) == 1 and "TEST ALERT" in test_mails[0].get_content(), test_mails
assert [a["rule"] for a in hook.accepted()] == ["test"], hook.requests
hook.close()
os.environ["LOGSTREAM_WEBHOOK_SECRET"] = "never-printed-123"
cfg = config(f"{d}/bad.toml", extra='[[sinks]]\nname = "m"\ntype = "email"\nurl = "smtp://127.0.0.1:1"\n'
             'tls = "none"\nfrom = "a@b.c"\nto = "d@e.f"\npassword_env = "LOGSTREAM_TEST_UNSET"\n')
p = run("notify", "test", "--config", cfg, check=False)
assert p.returncode == 1 and "LOGSTREAM_TEST_UNSET is not set" in p.stdout, p.stdout
print("ok: notify test reports each sink")
