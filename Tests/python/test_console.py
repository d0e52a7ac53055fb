"""The admin console (/console/) in a real browser: Debian's headless chromium driven by Selenium through
chromium-driver, against the real crmhub. Also its headers, caching and that no path reaches a file outside it."""

import http.client
import json
import re
import secrets

import pytest
import requests

from console_support import browser, console_server, session_storage, wait_text  # noqa: F401 - fixtures by name
from crmhub_process import ROOT


def raw_get(base_url, path):
    """GET with the path sent exactly as given (no client-side dot-segment removal)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def asset_paths(page):
    return re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page)


def test_page_and_assets_headers(console_server):
    process, _ = console_server
    status, headers, body = raw_get(process.base_url, "/console/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"
    page = body.decode()
    assert "{{version}}" not in page
    # No inline script: every <script> has a src and no body.
    assert re.findall(r"<script[^>]*>(.*?)</script>", page, re.S) == [""]
    paths = asset_paths(page)
    assert len(paths) == 3
    types = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml"}
    for path in paths:
        status, headers, body = raw_get(process.base_url, path)
        assert status == 200, path
        assert headers["Content-Type"] == types[path.rsplit(".", 1)[1]]
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert body == (ROOT / "console" / "assets" / path.rsplit("/", 1)[1]).read_bytes()
    version = paths[0].split("/")[3]
    # Another version is not served from the cache-forever path.
    status, _, _ = raw_get(process.base_url, "/console/assets/0000000000000000/app.js")
    assert status == 404


@pytest.mark.parametrize("suffix", [
    "../../../openapi/openapi.yaml",
    "..%2f..%2f..%2fopenapi%2fopenapi.yaml",
    "%2e%2e%2f%2e%2e%2findex.html",
    "%2e%2e/%2e%2e/index.html",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "..",
    "%2e%2e",
    ".",
    "",
])
def test_no_path_leaves_the_assets(console_server, suffix):
    process, _ = console_server
    _, _, body = raw_get(process.base_url, "/console/")
    version = asset_paths(body.decode())[0].split("/")[3]
    status, headers, body = raw_get(process.base_url, f"/console/assets/{version}/{suffix}")
    assert status in (404, 400), (suffix, status)
    assert b"root:" not in body and b"openapi:" not in body and b"<html" not in body


def test_console_end_to_end(console_server, browser):
    from selenium.webdriver.common.by import By

    process, token = console_server
    driver = browser
    base = process.base_url
    driver.get(base + "/console/")
    wait_text(driver, "h1", "Sign in")

    # Sign in with the platform token: kept in sessionStorage only, no cookie, nothing in localStorage.
    form = driver.find_element(By.ID, "sign-in-form")
    form.find_element(By.NAME, "token").send_keys(token)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(driver, "h1", "Orgs")
    assert token in session_storage(driver)
    assert driver.get_cookies() == []
    assert driver.execute_script("return localStorage.length") == 0

    # Create an org through the form; it appears in the list.
    slug = "ui-" + secrets.token_hex(4)
    owner = f"owner@{slug}.example"
    form = driver.find_element(By.ID, "create-org")
    form.find_element(By.NAME, "slug").send_keys(slug)
    form.find_element(By.NAME, "name").send_keys("Console org")
    form.find_element(By.NAME, "owner_email").send_keys(owner)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(driver, "main table", slug)

    # A bad slug's problem is shown next to its field.
    form = driver.find_element(By.ID, "create-org")
    form.find_element(By.NAME, "slug").send_keys("Not A Slug!")
    form.find_element(By.NAME, "name").send_keys("Bad")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(driver, "#create-org .error", "")
    assert driver.find_elements(By.CSS_SELECTOR, "#create-org .error")

    # Suspend and resume it (suspend asks first).
    row = lambda: driver.find_element(By.XPATH, f"//tr[td/a[text()='{slug}']]")  # noqa: E731
    row().find_element(By.XPATH, ".//button[text()='Suspend']").click()
    driver.switch_to.alert.accept()
    wait_text(driver, "main table", "suspended")
    assert requests.get(f"{base}/admin/v1/orgs/{slug}", headers={"Authorization": f"Bearer {token}"}).json()["status"] == "suspended"
    row().find_element(By.XPATH, ".//button[text()='Resume']").click()
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: "active" in row().text)

    # Its listeners: create one; the secret URL is shown once.
    row().find_element(By.LINK_TEXT, slug).click()
    wait_text(driver, "h1", f"Listeners of {slug}")
    form = driver.find_element(By.ID, "create-listener")
    form.find_element(By.NAME, "name").send_keys("Website form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(driver, "#secret-url", "shown only now")
    url = driver.find_element(By.CSS_SELECTOR, "#secret-url code").text
    assert url.startswith("http") and "/l/" in url
    assert driver.find_element(By.XPATH, "//div[@id='secret-url']//button[text()='Copy']")
    driver.refresh()
    wait_text(driver, "h1", f"Listeners of {slug}")
    assert "/l/" not in driver.find_element(By.TAG_NAME, "main").text, "the secret URL is shown only once"

    # Disable and enable it from the list.
    driver.find_element(By.XPATH, "//button[text()='Disable']").click()
    wait_text(driver, "#listeners", "Enable")
    driver.find_element(By.XPATH, "//button[text()='Enable']").click()
    wait_text(driver, "#listeners", "Disable")

    # A listener request, then the request log shows it; its body and results side by side.
    path = "/l/" + url.split("/l/", 1)[1]
    sent = requests.post(base + path, timeout=10, json={"senderUser": owner, "data": [
        {"actionType": "add-contact", "data": {"name": "Huy", "lastname": "Nguyen", "emails": [{"value": f"huy@{slug}.example"}]}}]})
    assert sent.status_code == 200, sent.text
    driver.find_element(By.LINK_TEXT, "Request log").click()
    wait_text(driver, "h1", "Request log")
    wait_text(driver, "main table", "ok")
    # The outcome filter is part of the URL: "refused" hides the request, "ok" shows it again.
    from selenium.webdriver.support.ui import Select
    Select(driver.find_element(By.ID, "outcome-filter")).select_by_value("refused")
    WebDriverWait(driver, 10).until(lambda d: "outcome=refused" in d.current_url)
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.querySelectorAll('main table tbody tr').length") == 0)
    Select(driver.find_element(By.ID, "outcome-filter")).select_by_value("ok")
    wait_text(driver, "main table tbody", "ok")
    assert "outcome=ok" in driver.current_url
    driver.find_element(By.CSS_SELECTOR, "main table tbody a").click()
    wait_text(driver, "#request-body", f"huy@{slug}.example")
    assert "add-contact" in driver.find_element(By.ID, "request-body").text
    results = driver.find_element(By.ID, "request-results").text
    assert json.loads(results) == sent.json()
    # Bookmarkable: the same URL reloads to the same page.
    detail = driver.current_url
    driver.refresh()
    wait_text(driver, "#request-body", f"huy@{slug}.example")
    assert driver.current_url == detail

    # Rotation asks first and shows the new URL once; the old one stops working.
    driver.get(f"{base}/console/#/orgs/{slug}/listeners")
    wait_text(driver, "h1", f"Listeners of {slug}")
    driver.find_element(By.XPATH, "//button[text()='Rotate URL']").click()
    driver.switch_to.alert.accept()
    wait_text(driver, "#secret-url", "shown only now")
    assert driver.find_element(By.CSS_SELECTOR, "#secret-url code").text != url

    # The page ran with no CSP violation and no script error; every request went to the console's own origin.
    # (The bad slug's 422 is logged by chromium as a failed resource load; it is expected.)
    problems = [e for e in driver.get_log("browser") if "Content Security Policy" in e["message"]
                or e["level"] == "SEVERE" and "status of 422" not in e["message"]]
    assert problems == [], problems
    requested = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            # Only the console's requests, not those of the browser's own new-tab page opened before it.
            if message["params"].get("documentURL", "").startswith(base + "/console/"):
                requested.add(message["params"]["request"]["url"])
    assert requested and all(u.startswith(base + "/") for u in requested), requested

    # The CSP blocks inline script: one added to the page does not run and is reported as a violation.
    blocked = driver.execute_script("""
        window.__violations = 0;
        document.addEventListener('securitypolicyviolation', () => { window.__violations += 1; });
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true;';
        document.body.append(script);
        return window.__inlineRan === true;""")
    assert blocked is False
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return window.__violations") >= 1)

    # Sign-out clears sessionStorage and returns to sign-in.
    driver.find_element(By.ID, "sign-out").click()
    wait_text(driver, "h1", "Sign in")
    assert session_storage(driver) == "{}"


def test_a_401_returns_to_sign_in(console_server, browser):
    from selenium.webdriver.common.by import By

    process, _ = console_server
    driver = browser
    driver.get(process.base_url + "/console/#/sign-in")
    wait_text(driver, "h1", "Sign in")
    form = driver.find_element(By.ID, "sign-in-form")
    form.find_element(By.NAME, "token").send_keys("crmhub_pt_wrong" + secrets.token_hex(8))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(driver, "h1", "Sign in")
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("#/sign-in") and session_storage(d) == "{}")
