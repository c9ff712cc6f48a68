# Installs what the dashboard's browser test (tests/dashboard_browser_test.py)
# drives: Debian's headless Chromium and its chromedriver, and Selenium from
# PyPI in the shared venv /opt/logstream/venv. Sourced by scripts/setup (runs
# as root); idempotent, a second run only checks.
# Selenium 4.51.0: 4.52 and later need a certifi newer than PyPI serves here.
SELENIUM_VERSION="${SELENIUM_VERSION:-4.51.0}"
browser_setup() {
  apt_install chromium chromium-driver
  local venv=/opt/logstream/venv
  if [[ -x "$venv/bin/python" ]] &&
     [[ "$("$venv/bin/python" -c 'import selenium; print(selenium.__version__)' 2>/dev/null)" == "$SELENIUM_VERSION" ]]; then
    return 0
  fi
  venv_pip_install "$venv" "selenium==$SELENIUM_VERSION"
}
browser_setup
