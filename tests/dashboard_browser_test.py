"""The live dashboard as a person sees it (issue 19.3): `logstream run` on
generated data with error bursts and --http, the page opened in Debian's
headless Chromium driven by Selenium (chromium-driver); waits for the stage
rates, the chart and the first alert with its top log templates and sample
lines, a dead letter by reason (a junk object dropped into the bucket), checks
them against the JSON API, saves a screenshot (in its work directory;
DASHBOARD_SCREENSHOT=PATH to put it elsewhere, e.g. docs/dashboard.png for
README) and stops run by its pid.

Selenium comes from scripts/setup.d/browser.sh in the venv /opt/logstream/venv;
when the Python running this lacks it, the test runs itself again with the
venv's Python."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

VENV = os.environ.get("LOGSTREAM_VENV", "/opt/logstream/venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")
try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    if os.path.exists(VENV_PYTHON) and os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(VENV_PYTHON, [VENV_PYTHON, *sys.argv])
    raise SystemExit(f"selenium is missing (looked in {VENV_PYTHON}): run scripts/setup --servers")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LOGSTREAM, free_port, workdir  # noqa: E402

ROOT = os.environ.get("LOGSTREAM_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCREENSHOT = os.environ.get("DASHBOARD_SCREENSHOT")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT_S = 120

for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
    if not os.access(path, os.X_OK):
        raise SystemExit(f"{path} is missing: run scripts/setup --servers (Debian package {package})")



def api(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.loads(r.read())


def wait_http(port, proc, log):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"run exited {proc.returncode} before serving:\n{open(log).read()[-3000:]}")
        try:
            return api(port, "/api/v1/status")
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on 127.0.0.1:{port} after 60 s:\n{open(log).read()[-3000:]}")


def drop_junk_object(bucket):
    """An object whose lines do not parse, written atomically (a hidden
    temporary renamed into place): its lines become dead letters."""
    d = os.path.join(bucket, "junk-host", "2026-11-24")
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, ".junk-host-000001.log.tmp")
    with open(tmp, "w") as f:
        f.write("this line has no time\n"
                "2026-11-24T00:00:01.000Z [main] NOTICE a.B - unknown level\n"
                "2026-11-24T00:00:02.000Z [main] NOTICE a.B - unknown level again\n")
    os.rename(tmp, os.path.join(d, "junk-host-000001.log"))


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1400,1400", "--hide-scrollbars", f"--user-data-dir={data}/chromium"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=f"{data}/chromedriver.log"), options=opts)


def wait_for(driver, what, check):
    """Waits until check(driver) is truthy; returns it."""
    try:
        return WebDriverWait(driver, WAIT_S, poll_frequency=0.25,
                             ignored_exceptions=(WebDriverException,)).until(check)
    except TimeoutException:
        driver.save_screenshot(f"{data}/timeout.png")
        raise SystemExit(f"the dashboard did not show {what} within {WAIT_S} s "
                         f"(screenshot {data}/timeout.png)\nconsole: {driver.get_log('browser')}")


def number(text):
    t = text.replace(",", "").strip()
    m = re.fullmatch(r"([0-9.]+)( [kMG])?", t)
    return float(m.group(1)) if m else None


def texts(driver, css):
    """The text of each match, as in the DOM (not as CSS shows it, e.g. upper-cased)."""
    return [e.get_attribute("textContent").strip() for e in driver.find_elements(By.CSS_SELECTOR, css)]


work = workdir("dashboard")
SCREENSHOT = SCREENSHOT or os.path.join(work, "dashboard.png")
data = os.path.join(work, "data")
port = free_port()
log = os.path.join(work, "run.log")
# Simulated time at a capped rate: 8 hosts, 8,000 lines/s in all, so 10 s of
# event time pass every second: a 10 s window closes about every second, and
# host-1..3 burst (half their lines ERROR) for 10 s every minute, from the
# first second on.
BURSTING = {"host-1", "host-2", "host-3"}
cmd = [LOGSTREAM, "run", "--data", data, "--http", f"127.0.0.1:{port}",
       "--hosts", "8", "--seed", "19", "--start", "2026-11-24T00:00:00Z", "--rate", "8000",
       "--duration-minutes", "60", "--burst-period", "1m", "--burst-length", "10s", "--burst-hosts", "3"]
with open(log, "w") as out:
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
driver = None
try:
    status = wait_http(port, proc, log)
    assert status.get("command") == "run", status
    stages = [s["name"] for s in status["stages"]]
    assert stages[:4] == ["bucket", "ingest", "log", "process"], stages
    drop_junk_object(os.path.join(data, "bucket"))

    driver = browser()
    driver.get(f"http://127.0.0.1:{port}/")
    assert driver.title == "logstream", driver.title

    # The flow: one box per stage of the API, in its order, with live rates.
    wait_for(driver, "a box per stage", lambda d: texts(d, "#flow .stage .name") == stages)
    for name in ("bucket", "ingest", "log", "process"):
        wait_for(driver, f"a rate above 0 on {name}",
                 lambda d: (number(d.find_element(By.CSS_SELECTOR, f"#stage-{name} .rate .value").text) or 0) > 0)
    wait_for(driver, "the totals of ingest",
             lambda d: (number(d.find_element(By.CSS_SELECTOR,
                                              '#stage-ingest .totals [data-field="lines"] dd').text) or 0) > 0)
    wait_for(driver, "the lag of process",
             lambda d: d.find_element(By.CSS_SELECTOR, "#stage-process .lag").is_displayed())

    # The chart (uPlot draws on a canvas) and the table of the top hosts.
    wait_for(driver, "the chart", lambda d: d.find_elements(By.CSS_SELECTOR, "#chart canvas"))
    wait_for(driver, "the bursting hosts at the top",
             lambda d: set(texts(d, "#top-hosts tbody tr td:first-child")[:3]) == BURSTING)

    # The first alert with its sample lines and object@offset.
    wait_for(driver, "an alert with a sample", lambda d: d.find_elements(By.CSS_SELECTOR, "#alerts .alert .sample"))
    alert = driver.find_element(By.CSS_SELECTOR, "#alerts .alert")
    shown_id = alert.get_attribute("data-id")
    api_alerts = {a["id"]: a for a in api(port, "/api/v1/alerts?limit=50")["alerts"]}
    assert shown_id in api_alerts, (shown_id, list(api_alerts))
    a = api_alerts[shown_id]
    assert alert.find_element(By.CSS_SELECTOR, ".rule").text == a["rule"]
    assert alert.find_element(By.CSS_SELECTOR, ".key").text == a["key"]
    locs = [e.text for e in alert.find_elements(By.CSS_SELECTOR, ".sample .loc")]
    assert locs == [f"{s['object']}@{s['offset']}" for s in a["samples"]], (locs, a["samples"])
    # Its window's most frequent log templates (run's service lines): which error.
    shown_templates = texts(alert, ".template .text")
    assert a["templates"] and shown_templates == [t["template"] for t in a["templates"][:3]], \
        (shown_templates, a.get("templates"))
    assert all("<*>" in t for t in shown_templates), shown_templates

    # Dead letters by reason, with an example each.
    wait_for(driver, "dead letters by reason", lambda d: d.find_elements(By.CSS_SELECTOR, "#dead-letters tr.reason"))
    by_reason = api(port, "/api/v1/dead-letters?limit=200")["by_reason"]
    shown = texts(driver, "#dead-letters tr.reason .reason-text")
    assert set(shown) <= set(by_reason), (shown, by_reason)
    examples = texts(driver, "#dead-letters tr.reason .example .loc")
    assert examples and all(e.startswith("junk-host/2026-11-24/junk-host-000001.log@") for e in examples), examples

    # More live updates (15 windows on the chart, the second burst), then the
    # picture for README.
    wait_for(driver, "the page live", lambda d: d.find_element(By.ID, "conn").get_attribute("data-state") == "live")
    wait_for(driver, "15 windows on the chart",
             lambda d: int(d.find_element(By.ID, "chart").get_attribute("data-windows") or 0) >= 15)
    time.sleep(1)
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"errors in the browser's console: {severe}"
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    assert driver.save_screenshot(SCREENSHOT), SCREENSHOT
    print(f"ok: stages {stages} with rates, chart, alert {shown_id} with {len(locs)} samples, "
          f"{len(shown)} dead-letter reasons; screenshot {SCREENSHOT}")
finally:
    if driver is not None:
        driver.quit()
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
assert proc.returncode == 0, f"run exited {proc.returncode} after SIGINT:\n{open(log).read()[-3000:]}"
shutil.rmtree(work, ignore_errors=True)  # kept when the test fails
