"""The admin console's browser tests, shared: the server they drive, headless chromium through Selenium, and waits.

Imported by the test_console*.py files (fixtures are found by name in the importing module)."""

import os
import secrets
import shutil

import pytest

from crmhub_process import LOG_DIR, ROOT, Crmhub, Database

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# With CRMHUB_CONSOLE_SCREENSHOTS=1 the page tests save the README's screenshots to docs/ (off by default, so a test
# run leaves the working tree as it was).
SCREENSHOTS = os.environ.get("CRMHUB_CONSOLE_SCREENSHOTS") == "1"


@pytest.fixture(scope="module")
def console_server(tmp_path_factory):
    database = Database("console")
    token = "crmhub_pt_console" + secrets.token_urlsafe(32)
    # A secret key for the delivery settings' secrets; the integrations page's delivery test sends to a local SMTP sink.
    process = Crmhub(database, log_path=tmp_path_factory.mktemp("console") / "server.log", bootstrap_admin_token=token,
                     console_dir=ROOT / "console", secret_key=secrets.token_hex(32), delivery_private_targets="allow",
                     delivery_timeout=5)
    try:
        yield process, token
    finally:
        process.stop()
        database.drop()


@pytest.fixture
def browser(tmp_path, request):
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("chromium and chromium-driver are not installed (scripts/setup-deps.sh --test installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # Headless, and as root chromium's sandbox cannot start: --no-sandbox is needed in this container.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception as error:  # noqa: BLE001 - the reason is reported in the skip
        pytest.skip(f"headless chromium cannot start here: {error}")
    driver.implicitly_wait(10)
    failed_before = request.session.testsfailed
    try:
        yield driver
        # A failing step leaves a screenshot with the server logs (.data/test-logs, emptied by scripts/test.sh).
        if request.session.testsfailed > failed_before:
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(LOG_DIR / f"{request.node.name}.png"))
    finally:
        driver.quit()


def wait_text(driver, css, text, timeout=10):
    """Waits until the element holds the text; the console re-renders, so elements found earlier may go stale."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda d: text in d.find_element("css selector", css).text)


def session_storage(driver):
    return driver.execute_script("return JSON.stringify(Object.assign({}, sessionStorage));")


def sign_in(driver, base, token, org=None):
    """Signs in through the form and waits for the first page."""
    from selenium.webdriver.common.by import By
    driver.get(base + "/console/#/sign-in")
    wait_text(driver, "h1", "Sign in")
    form = driver.find_element(By.ID, "sign-in-form")
    form.find_element(By.NAME, "token").send_keys(token)
    if org:
        form.find_element(By.NAME, "org").send_keys(org)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(driver, "h1", "Listeners of" if org else "Orgs")


def screenshot(driver, name):
    """Saves docs/<name>.png for the README when CRMHUB_CONSOLE_SCREENSHOTS=1."""
    if SCREENSHOTS:
        (ROOT / "docs").mkdir(exist_ok=True)
        size = driver.get_window_size()
        driver.set_window_size(1024, 720)
        driver.execute_script("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur();")
        driver.save_screenshot(str(ROOT / "docs" / f"{name}.png"))
        driver.set_window_size(size["width"], size["height"])
