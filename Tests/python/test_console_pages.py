"""The admin console's pages in headless chromium against the real crmhub: each test drives one page's forms and checks
the result through the admin API (or the listener), so a page that only looks right fails."""

import datetime
import json
import secrets
import time

import pytest
import requests

from console_support import browser, console_server, screenshot, sign_in, wait_text  # noqa: F401 - fixtures by name


def by():
    from selenium.webdriver.common.by import By
    return By


def wait(driver, predicate, timeout=10):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(predicate)


@pytest.fixture(autouse=True)
def own_origin_only(request, console_server):
    """After each page test: no CSP violation or script error was logged, and every request the console made went to
    its own origin (the performance log)."""
    driver = request.getfixturevalue("browser")
    yield
    base = console_server[0].base_url
    logged = driver.get_log("browser")
    # Chromium logs each 4xx answer as a failed load; the tests provoke those on purpose.
    problems = [e for e in logged if "Content Security Policy" in e["message"]
                or e["level"] == "SEVERE" and "the server responded with a status of 4" not in e["message"]]
    assert problems == [], problems
    requested = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent" and message["params"].get("documentURL", "").startswith(base + "/console/"):
            requested.add(message["params"]["request"]["url"])
    assert requested and all(url.startswith(base + "/") for url in requested), requested


class Admin:
    """The admin API with the platform token, for setting up and checking what the console did."""

    def __init__(self, base, token):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, body=None, expect=(200, 201, 204)):
        response = self.session.request(method, f"{self.base}/admin/v1{path}", json=body, timeout=10)
        assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


@pytest.fixture
def org(console_server):
    """A new org with its owner and one listener: (admin, slug, owner email, listener with its URL)."""
    process, token = console_server
    admin = Admin(process.base_url, token)
    slug = "pg-" + secrets.token_hex(4)
    owner = f"owner@{slug}.example"
    admin("POST", "/orgs", {"slug": slug, "name": f"Org {slug}", "timezone": "UTC", "owner": {"email": owner}})
    listener = admin("POST", f"/orgs/{slug}/listeners", {"name": "Website form"})
    return admin, slug, owner, listener


def fill(element, value):
    element.clear()
    element.send_keys(value)


def submit(form):
    form.find_element(by().CSS_SELECTOR, "button[type=submit]").click()


def delete_first(driver, table_id):
    """Clicks the first Delete button of the table and accepts its question (found again if the page re-rendered
    between finding and clicking)."""
    wait(driver, lambda d: d.find_element(by().XPATH, f"//table[@id='{table_id}']//button[text()='Delete']").click() is None)
    driver.switch_to.alert.accept()


def test_listener_settings_allowlist_defaults_welcome_and_test_request(console_server, browser, org):
    By = by()
    process, token = console_server
    admin, slug, owner, listener = org
    admin("POST", f"/orgs/{slug}/catalogs/tags", {"name": "webhook"})
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/listeners/{listener['id']}")
    wait_text(driver, "h1", "Listener Website form")

    # The allowlist is checked while typing, for IPv4 and IPv6; the message is next to the field.
    allowlist = driver.find_element(By.ID, "ip-allowlist")
    problems = lambda: driver.find_element(By.ID, "ip-allowlist-problems").text  # noqa: E731
    for bad, message in [("10.0.0.0/33", "prefix length outside 0–32"), ("300.1.2.3", "not an IPv4 or IPv6"),
                         ("2001:db8:::1", "not an IPv4 or IPv6"), ("2001:db8::/129", "outside 0–128"),
                         ("::ffff:10.0.0.0/90", "outside 96–128"), ("010.0.0.1", "not an IPv4")]:
        fill(allowlist, bad)
        wait(driver, lambda d: message in problems())
        assert allowlist.get_attribute("aria-invalid") == "true"
    fill(allowlist, "203.0.113.7/24\n\n2001:db8::1/32\n::ffff:10.0.0.0/104\n192.0.2.1")
    wait(driver, lambda d: problems() == "")
    assert allowlist.get_attribute("aria-invalid") is None
    # An invalid entry blocks saving: nothing reaches the server.
    fill(allowlist, "203.0.113.0/24\nnot-an-address")
    wait(driver, lambda d: 'line 2: "not-an-address"' in problems())
    form = driver.find_element(By.ID, "listener-settings")
    submit(form)
    assert admin("GET", f"/orgs/{slug}/listeners/{listener['id']}")["ip_allowlist"] == []

    # Before the allowlist is saved, a test request from this browser's address goes through.
    url_field = driver.find_element(By.CSS_SELECTOR, "#test-request [name=url]")
    fill(url_field, "https://elsewhere.example/l/abc")
    driver.find_element(By.CSS_SELECTOR, "#test-request button[type=submit]").click()
    wait_text(driver, "#test-request .error", "must be a listener URL of")
    fill(url_field, listener["url"])
    body = json.loads(driver.find_element(By.CSS_SELECTOR, "#test-request [name=body]").get_attribute("value"))
    assert body["senderUser"] == owner and body["data"][0]["actionType"] == "add-contact"
    driver.find_element(By.CSS_SELECTOR, "#test-request button[type=submit]").click()
    wait_text(driver, "#test-result", "The listener answered 200")
    answer = json.loads(driver.find_element(By.ID, "test-answer").text)
    assert answer["status"] == "ok" and answer["results"][0]["outcome"] == "created", answer
    logged = admin("GET", f"/orgs/{slug}/listener-requests?listener={listener['id']}")["items"]
    assert len(logged) == 1 and logged[0]["status"] == 200

    # Default tag and channels come from the catalogs; the welcome email needs from, subject and body: the server's
    # problems are shown by the fields they name.
    from selenium.webdriver.support.ui import Select
    fill(allowlist, "203.0.113.7/24\n2001:db8::1/32")
    tag_options = [o.text for o in Select(form.find_element(By.NAME, "default_tag")).options]
    assert tag_options == ["(none)", "webhook"]
    Select(form.find_element(By.NAME, "default_tag")).select_by_visible_text("webhook")
    Select(form.find_element(By.NAME, "default_contact_channel")).select_by_visible_text("Web Contact Form")
    Select(form.find_element(By.NAME, "default_lead_channel")).select_by_visible_text("Contact Form")
    form.find_element(By.NAME, "welcome_email.enabled").click()
    fill(form.find_element(By.NAME, "welcome_email.from"), "hello@htklabs.com")
    submit(form)
    wait(driver, lambda d: "is required" in d.find_element(
        By.XPATH, "//textarea[@name='welcome_email.body']/following-sibling::span[@class='error']").text)
    assert "is required" in driver.find_element(
        By.XPATH, "//input[@name='welcome_email.subject']/following-sibling::span[@class='error']").text
    fill(form.find_element(By.NAME, "welcome_email.subject"), "Welcome, {{name}}")
    fill(form.find_element(By.NAME, "welcome_email.body"), "Xin chào {{name}} {{lastname}}!")
    submit(form)
    wait_text(driver, "#settings-saved", "Saved")
    saved = admin("GET", f"/orgs/{slug}/listeners/{listener['id']}")
    assert saved["ip_allowlist"] == ["203.0.113.0/24", "2001:db8::/32"]
    assert (saved["default_tag"], saved["default_contact_channel"], saved["default_lead_channel"]) == (
        "webhook", "Web Contact Form", "Contact Form")
    assert saved["welcome_email"] == {"enabled": True, "from": "hello@htklabs.com", "subject": "Welcome, {{name}}",
                                      "body": "Xin chào {{name}} {{lastname}}!"}
    # The canonical network form is shown after saving.
    assert allowlist.get_attribute("value") == "203.0.113.0/24\n2001:db8::/32"
    screenshot(driver, "console-listener-settings")

    # Now this browser's address (127.0.0.1) is outside the allowlist: the test request is refused.
    driver.find_element(By.CSS_SELECTOR, "#test-request button[type=submit]").click()
    wait_text(driver, "#test-result", "The listener answered 403")
    assert "allowlist" in driver.find_element(By.ID, "test-answer").text


def test_request_log_time_filter_and_replay(console_server, browser, org):
    By = by()
    process, token = console_server
    admin, slug, owner, listener = org
    sent = requests.post(process.base_url + listener["url_path"], timeout=10, json={"senderUser": owner, "data": [
        {"actionType": "add-contact", "data": {"name": "Lan", "emails": [{"value": f"lan@{slug}.example"}]}}]})
    assert sent.status_code == 200, sent.text
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/requests")
    wait_text(driver, "#request-log tbody", "ok")
    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).date().isoformat()

    # From tomorrow: nothing; the filter is in the URL and survives a reload.
    form = driver.find_element(By.ID, "request-filter")
    fill(form.find_element(By.NAME, "received_since"), tomorrow)
    submit(form)
    wait(driver, lambda d: f"from={tomorrow}" in d.current_url)
    wait(driver, lambda d: d.execute_script("return document.querySelectorAll('#request-log tbody tr').length") == 0)
    driver.refresh()
    wait(driver, lambda d: d.find_element(By.NAME, "received_since").get_attribute("value") == tomorrow)
    assert driver.execute_script("return document.querySelectorAll('#request-log tbody tr').length") == 0
    # To (before) tomorrow: the request is there.
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/requests?to={tomorrow}")
    wait_text(driver, "#request-log tbody", "ok")
    assert driver.find_element(By.NAME, "received_before").get_attribute("value") == tomorrow
    # A time the server cannot read: its problem is shown by the field.
    form = driver.find_element(By.ID, "request-filter")
    fill(form.find_element(By.NAME, "received_since"), "yesterday")
    submit(form)
    wait(driver, lambda d: "RFC 3339" in d.find_element(
        By.XPATH, "//input[@name='received_since']/following-sibling::span[@class='error']").text)
    screenshot_log = f"{process.base_url}/console/#/orgs/{slug}/requests"
    driver.get(screenshot_log)
    wait_text(driver, "#request-log tbody", "ok")
    screenshot(driver, "console-request-log")

    # Replay asks first, runs the body again and shows the new results and the replay's log entry.
    driver.find_element(By.CSS_SELECTOR, "#request-log tbody a").click()
    wait_text(driver, "#request-body", f"lan@{slug}.example")
    driver.find_element(By.ID, "replay").click()
    driver.switch_to.alert.dismiss()
    assert len(admin("GET", f"/orgs/{slug}/listener-requests")["items"]) == 1
    # A dry run asks nothing, shows the outcomes the replay would have and writes nothing (no new log entry).
    driver.find_element(By.ID, "replay-dry").click()
    wait_text(driver, "#replay-result", "The listener would answer 200")
    dry_answer = json.loads(driver.find_element(By.ID, "replay-answer").text)
    assert dry_answer["results"][0]["outcome"] == "matched-existing", dry_answer
    assert len(admin("GET", f"/orgs/{slug}/listener-requests")["items"]) == 1
    driver.find_element(By.ID, "replay").click()
    driver.switch_to.alert.accept()
    wait_text(driver, "#replay-result", "The listener answered 200")
    replay_answer = json.loads(driver.find_element(By.ID, "replay-answer").text)
    # The same contact again: the replay finds it instead of creating a second one.
    assert replay_answer["status"] == "ok" and replay_answer["results"][0]["outcome"] == "matched-existing", replay_answer
    logged = admin("GET", f"/orgs/{slug}/listener-requests")["items"]
    assert len(logged) == 2 and logged[0]["replay_of"] == logged[1]["id"]
    wait_text(driver, "#replay-result table tbody", logged[0]["received_at"])
    driver.find_element(By.CSS_SELECTOR, "#replay-result table tbody a").click()
    wait_text(driver, "h1", f"Request {logged[0]['id']}")
    wait_text(driver, "main", f"replay of {logged[1]['id']}")


def test_users_and_groups(console_server, browser, org):
    By = by()
    process, token = console_server
    admin, slug, owner, _ = org
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/users")
    wait_text(driver, "#users", owner)

    # Create: a bad email is refused by its field; a good one appears.
    form = driver.find_element(By.ID, "create-user")
    fill(form.find_element(By.NAME, "email"), "not-an-email@")
    driver.execute_script("arguments[0].noValidate = true", form)
    submit(form)
    wait(driver, lambda d: d.find_element(By.XPATH, "//form[@id='create-user']//input[@name='email']/following-sibling::span[@class='error']"))
    user_email = f"mai@{slug}.example"
    form = driver.find_element(By.ID, "create-user")
    fill(form.find_element(By.NAME, "email"), user_email)
    fill(form.find_element(By.NAME, "display_name"), "Mai")
    submit(form)
    wait_text(driver, "#users", user_email)
    user = next(u for u in admin("GET", f"/orgs/{slug}/users")["items"] if u["email"] == user_email)
    assert user["display_name"] == "Mai" and user["role"] == "member" and user["active"]

    # Disable asks first.
    row = lambda: driver.find_element(By.XPATH, f"//table[@id='users']//tr[td/a[text()='{user_email}']]")  # noqa: E731
    row().find_element(By.XPATH, ".//button[text()='Disable']").click()
    driver.switch_to.alert.accept()
    wait(driver, lambda d: "disabled" in row().text)
    assert admin("GET", f"/orgs/{slug}/users/{user['id']}")["active"] is False

    # Edit: name and role.
    from selenium.webdriver.support.ui import Select
    row().find_element(By.LINK_TEXT, user_email).click()
    wait_text(driver, "h1", f"User {user_email}")
    form = driver.find_element(By.ID, "edit-user")
    fill(form.find_element(By.NAME, "display_name"), "Mai Tran")
    Select(form.find_element(By.NAME, "role")).select_by_value("admin")
    submit(form)
    wait_text(driver, "#edit-user", "Saved")
    changed = admin("GET", f"/orgs/{slug}/users/{user['id']}")
    assert (changed["display_name"], changed["role"], changed["active"]) == ("Mai Tran", "admin", False)

    # Groups: create with a member, change the members, delete (asks first).
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/groups")
    wait_text(driver, "h1", "Groups of")
    form = driver.find_element(By.ID, "create-group")
    fill(form.find_element(By.NAME, "name"), "Sales")
    form.find_element(By.NAME, f"member-{user['id']}").click()
    submit(form)
    wait_text(driver, "#groups", user_email)
    group = admin("GET", f"/orgs/{slug}/groups")["items"][0]
    assert group["name"] == "Sales" and group["members"] == [user["id"]]
    edit = driver.find_element(By.CSS_SELECTOR, "#groups form")
    edit.find_element(By.NAME, f"member-{user['id']}").click()
    owner_id = next(u["id"] for u in admin("GET", f"/orgs/{slug}/users")["items"] if u["email"] == owner)
    edit.find_element(By.NAME, f"member-{owner_id}").click()
    submit(edit)
    wait(driver, lambda d: admin("GET", f"/orgs/{slug}/groups")["items"][0]["members"] == [owner_id])
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#groups tbody td:nth-child(2)").text == owner)
    delete_first(driver, "groups")
    wait(driver, lambda d: d.execute_script("return document.querySelectorAll('#groups tbody tr').length") == 0)
    assert admin("GET", f"/orgs/{slug}/groups")["items"] == []


def test_catalogs_custom_fields_support_groups_and_audit(console_server, browser, org):
    By = by()
    from selenium.webdriver.support.ui import Select
    process, token = console_server
    admin, slug, _, _ = org
    driver = browser
    sign_in(driver, process.base_url, token)

    # Catalogs: the kind is in the URL; add, rename, delete (asks first).
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/catalogs")
    wait_text(driver, "#catalog", "Web Contact Form")
    Select(driver.find_element(By.ID, "catalog-kind")).select_by_value("tags")
    wait(driver, lambda d: "kind=tags" in d.current_url)
    wait(driver, lambda d: d.execute_script("return document.querySelectorAll('#catalog tbody tr').length") == 0)
    form = driver.find_element(By.ID, "create-catalog-item")
    fill(form.find_element(By.NAME, "name"), "vip")
    submit(form)
    wait_text(driver, "#catalog tbody", "vip")
    rename = driver.find_element(By.CSS_SELECTOR, "#catalog form")
    fill(rename.find_element(By.NAME, "name"), "VIP customers")
    submit(rename)
    wait(driver, lambda d: [i["name"] for i in admin("GET", f"/orgs/{slug}/catalogs/tags")["items"]] == ["VIP customers"])
    wait_text(driver, "#catalog tbody", "VIP customers")
    # A duplicate name: the server's problem is shown in the form.
    form = driver.find_element(By.ID, "create-catalog-item")
    fill(form.find_element(By.NAME, "name"), "vip customers")
    submit(form)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#create-catalog-item .error"))
    delete_first(driver, "catalog")
    wait(driver, lambda d: admin("GET", f"/orgs/{slug}/catalogs/tags")["items"] == [])

    # Custom fields: a dropdown with options, edited, deleted.
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/custom-fields")
    wait_text(driver, "h1", "Custom fields of")
    form = driver.find_element(By.ID, "create-custom-field")
    Select(form.find_element(By.NAME, "entity")).select_by_value("lead")
    fill(form.find_element(By.NAME, "name"), "Plan")
    Select(form.find_element(By.NAME, "type")).select_by_value("dropdown")
    fill(form.find_element(By.NAME, "options"), "Basic, Pro")
    submit(form)
    wait_text(driver, "#custom-fields", "dropdown")
    field = admin("GET", f"/orgs/{slug}/custom-fields")["items"][0]
    assert (field["entity"], field["name"], field["options"], field["required"]) == ("lead", "Plan", ["Basic", "Pro"], False)
    edit = driver.find_element(By.CSS_SELECTOR, "#custom-fields form")
    fill(edit.find_element(By.NAME, "options"), "Basic, Pro, Enterprise")
    edit.find_element(By.NAME, "required").click()
    submit(edit)
    wait(driver, lambda d: admin("GET", f"/orgs/{slug}/custom-fields")["items"][0]["options"] == ["Basic", "Pro", "Enterprise"])
    assert admin("GET", f"/orgs/{slug}/custom-fields")["items"][0]["required"] is True
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#custom-fields input[name=options]").get_attribute("value")
         == "Basic, Pro, Enterprise")
    delete_first(driver, "custom-fields")
    wait(driver, lambda d: admin("GET", f"/orgs/{slug}/custom-fields")["items"] == [])

    # Support groups: create, deactivate, delete.
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/support-groups")
    wait_text(driver, "h1", "Support groups of")
    form = driver.find_element(By.ID, "create-support-group")
    fill(form.find_element(By.NAME, "system_id"), "SG-1")
    fill(form.find_element(By.NAME, "name"), "Tier 1")
    fill(form.find_element(By.NAME, "code"), "T1")
    submit(form)
    wait_text(driver, "#support-groups", "Tier 1")
    driver.find_element(By.XPATH, "//table[@id='support-groups']//button[text()='Deactivate']").click()
    wait_text(driver, "#support-groups", "inactive")
    assert admin("GET", f"/orgs/{slug}/support-groups/SG-1")["active"] is False
    delete_first(driver, "support-groups")
    wait(driver, lambda d: admin("GET", f"/orgs/{slug}/support-groups")["items"] == [])

    # The audit log shows those changes; the action filter is in the URL and keeps only matching records.
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/audit")
    wait_text(driver, "#audit", "support_group")
    form = driver.find_element(By.ID, "audit-filter")
    fill(form.find_element(By.NAME, "action"), "custom_field.")
    submit(form)
    wait(driver, lambda d: "action=custom_field." in d.current_url)
    actions = lambda: [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr td:nth-child(3)")]  # noqa: E731
    wait(driver, lambda d: actions() and all(a.startswith("custom_field.") for a in actions()))
    actions = actions()
    assert {"custom_field.create", "custom_field.update", "custom_field.delete"} <= set(actions), actions
    # The platform audit log (platform tokens): a token created through the API is there, found by its action.
    created = admin("POST", "/platform-tokens", {"name": f"ops-{slug}"})
    driver.get(f"{process.base_url}/console/#/audit?action=platform_token.create")
    wait_text(driver, "h1", "Platform audit log")
    wait_text(driver, "#audit tbody", f"ops-{slug}")
    admin("DELETE", f"/platform-tokens/{created['id']}")


def test_outbox_and_integrations(console_server, browser, org):
    By = by()
    from selenium.webdriver.support.ui import Select

    from delivery_support import MailSink
    process, token = console_server
    admin, slug, owner, listener = org
    admin("PATCH", f"/orgs/{slug}/listeners/{listener['id']}", {"welcome_email": {
        "enabled": True, "from": "hello@htklabs.com", "subject": "Welcome {{name}}", "body": "Xin chào {{name}}!"}})
    sent = requests.post(process.base_url + listener["url_path"], timeout=10, json={"senderUser": owner, "data": [
        {"actionType": "add-contact", "data": {"name": "An", "emails": [{"value": f"an@{slug}.example"}]}}]})
    assert sent.status_code == 200, sent.text
    driver = browser
    sign_in(driver, process.base_url, token)

    # The welcome email waits in the outbox (no SMTP settings yet); the status filter is in the URL.
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/outbox")
    wait_text(driver, "#outbox tbody", f"an@{slug}.example")
    assert "queued" in driver.find_element(By.CSS_SELECTOR, "#outbox tbody").text
    Select(driver.find_element(By.ID, "outbox-status")).select_by_value("sent")
    wait(driver, lambda d: "status=sent" in d.current_url)
    wait(driver, lambda d: d.execute_script("return document.querySelectorAll('#outbox tbody tr').length") == 0)
    Select(driver.find_element(By.ID, "outbox-status")).select_by_value("queued")
    wait_text(driver, "#outbox tbody", f"an@{slug}.example")
    driver.find_element(By.CSS_SELECTOR, "#outbox tbody a").click()
    wait_text(driver, "#outbox-message", "welcome-email")
    assert "Xin chào An!" in driver.find_element(By.TAG_NAME, "main").text
    assert not driver.find_elements(By.ID, "outbox-retry")  # only a failed message offers a retry

    # A failed message: "Retry now" asks first, then the message is due again (status retrying), audited.
    process.database.query(f"UPDATE outbox SET status = 'failed', last_error = 'gave up' WHERE recipient = 'an@{slug}.example'")
    driver.refresh()
    wait(driver, lambda d: d.find_elements(By.ID, "outbox-retry"))
    driver.find_element(By.ID, "outbox-retry").click()
    driver.switch_to.alert.accept()
    wait(driver, lambda d: not d.find_elements(By.ID, "outbox-retry"))  # re-rendered: no longer failed
    retried = admin("GET", f"/orgs/{slug}/outbox?status=failed")["items"]
    assert not any(m["recipient"] == f"an@{slug}.example" for m in retried), retried
    assert any(entry["action"] == "outbox.retry" for entry in admin("GET", f"/orgs/{slug}/audit")["items"])

    # The health panel: two Sirportly calls (not configured yet: refused) counted once the instance has written them.
    for _ in range(2):
        requests.post(f"{process.base_url}/integrations/sirportly/{slug}", data={"type": "email", "data": "x@example.vn"}, timeout=10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        health = admin("GET", f"/orgs/{slug}/integrations/health")
        if next(i for i in health["integrations"] if i["integration"] == "sirportly")["calls"] == 2:
            break
        time.sleep(0.3)

    # SMTP settings saved through the form; the delivery test sends through them to a real SMTP server.
    sink = MailSink()
    try:
        driver.get(f"{process.base_url}/console/#/orgs/{slug}/integrations")
        wait_text(driver, "h1", "Integrations of")
        sirportly_row = driver.find_element(By.XPATH, "//table[@id='integration-health']//tr[td[1]='Sirportly']").text
        assert sirportly_row.startswith("Sirportly 2 "), sirportly_row
        form = driver.find_element(By.ID, "smtp-settings")
        fill(form.find_element(By.NAME, "host"), "127.0.0.1")
        fill(form.find_element(By.NAME, "port"), str(sink.port))
        Select(form.find_element(By.NAME, "security")).select_by_value("none")
        fill(form.find_element(By.NAME, "from_address"), "not-an-address")
        driver.execute_script("arguments[0].noValidate = true", form)
        submit(form)
        wait(driver, lambda d: d.find_element(
            By.XPATH, "//form[@id='smtp-settings']//input[@name='from_address']/following-sibling::span[@class='error']"))
        fill(form.find_element(By.NAME, "from_address"), "hello@htklabs.com")
        submit(form)
        wait_text(driver, "#smtp-settings", "SMTP settings saved")
        smtp = admin("GET", f"/orgs/{slug}/delivery/smtp")
        assert (smtp["host"], smtp["port"], smtp["security"], smtp["from_address"]) == ("127.0.0.1", sink.port, "none", "hello@htklabs.com")
        test = driver.find_element(By.ID, "delivery-test")
        fill(test.find_element(By.NAME, "to"), f"check@{slug}.example")
        submit(test)
        wait_text(driver, "#delivery-test-result", "Delivery test: sent", timeout=20)
        assert any(m["To"] == f"check@{slug}.example" for m in sink.parsed())
    finally:
        sink.stop()

    # A helpdesk integration: the allowlist is checked while typing; saved settings never show the password.
    spice = driver.find_element(By.ID, "integration-spicecsm")
    allowlist = spice.find_element(By.NAME, "ip_allowlist")
    fill(allowlist, "10.0.0.0/40")
    wait_text(driver, "#integration-spicecsm", "prefix length outside 0–32")
    fill(allowlist, "10.0.0.0/8")
    wait(driver, lambda d: "prefix length" not in d.find_element(By.ID, "integration-spicecsm").text)
    spice.find_element(By.NAME, "enabled").click()
    fill(spice.find_element(By.NAME, "username"), "spice")
    fill(spice.find_element(By.NAME, "password"), "s3cret-pass")
    submit(spice)
    wait_text(driver, "#integration-spicecsm", "SpiceCSM web calls saved.")
    saved = admin("GET", f"/orgs/{slug}/integrations/spicecsm")
    assert (saved["enabled"], saved["username"], saved["password_set"], saved["ip_allowlist"]) == (True, "spice", True, ["10.0.0.0/8"])
    # Sirportly enabled with neither credentials nor an allowlist must be marked public: the problem is by that box.
    sirportly = driver.find_element(By.ID, "integration-sirportly")
    sirportly.find_element(By.NAME, "enabled").click()
    submit(sirportly)
    wait(driver, lambda d: d.find_element(
        By.XPATH, "//form[@id='integration-sirportly']//input[@name='public']/following-sibling::span[@class='error']"))
    screenshot(driver, "console-integrations")


def test_records_search_and_history(console_server, browser, org):
    By = by()
    process, token = console_server
    admin, slug, owner, listener = org
    sent = requests.post(process.base_url + listener["url_path"], timeout=10, json={"senderUser": owner, "data": [
        {"actionType": "add-contact", "data": {"name": "Ngọc", "lastname": "Trinh", "emails": [{"value": f"ngoc@{slug}.example"}],
                                               "phones": [{"value": "0905 123 456"}]}},
        {"actionType": "add-lead", "data": {"name": "Bao", "emails": [{"value": f"bao@{slug}.example"}]}}]})
    assert sent.status_code == 200, sent.text
    driver = browser

    # With a platform token the read API is not available: the page says so.
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/records")
    wait_text(driver, "#records-unavailable", "org API key")
    driver.find_element(By.ID, "sign-out").click()
    wait_text(driver, "h1", "Sign in")

    # With an org API key: search by name prefix (diacritics ignored), email and phone; the record with its history.
    key = admin("POST", f"/orgs/{slug}/api-keys", {"name": "console", "scopes": ["read", "write", "admin"]})["key"]
    sign_in(driver, process.base_url, key, org=slug)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/records")
    form = driver.find_element(By.ID, "record-search")
    fill(form.find_element(By.NAME, "q"), "ngoc")
    submit(form)
    wait_text(driver, "#records tbody", "PID-1")
    assert "q=ngoc" in driver.current_url and "Ngọc Trinh" in driver.find_element(By.ID, "records").text
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/records?kind=contacts&phone=0905123456")
    wait_text(driver, "#records tbody", f"ngoc@{slug}.example")
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/records?kind=leads&email=bao@{slug}.example")
    wait_text(driver, "#records tbody", "LID-1")
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/records?kind=contacts&email=nobody@{slug}.example")
    wait_text(driver, "h1", "Records of")
    wait(driver, lambda d: d.execute_script("return document.querySelectorAll('#records tbody tr').length") == 0)
    # A phone the read API refuses: its problem is shown by the field.
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/records?kind=contacts&phone=abc")
    wait(driver, lambda d: d.find_element(
        By.XPATH, "//form[@id='record-search']//input[@name='phone']/following-sibling::span[@class='error']"))
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/records?kind=contacts&q=ngoc")
    wait_text(driver, "#records tbody", "PID-1")
    driver.find_element(By.LINK_TEXT, "PID-1").click()
    wait_text(driver, "#record", f"ngoc@{slug}.example")
    wait_text(driver, "#history tbody", "created")
    request_link = driver.find_element(By.CSS_SELECTOR, "#history tbody a")
    request_link.click()
    wait_text(driver, "#request-body", f"ngoc@{slug}.example")


def test_health_panel(console_server, browser):
    By = by()
    process, token = console_server
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/health")
    wait_text(driver, "#readiness", "Readiness: ready")
    figures = {row.find_elements(By.TAG_NAME, "td")[0].text: row.find_elements(By.TAG_NAME, "td")[1].text
               for row in driver.find_elements(By.CSS_SELECTOR, "#metrics tbody tr")}
    ok, client_errors, server_errors = (int(n) for n in figures["Requests answered 2xx / 4xx / 5xx"].split(" / "))
    # The console's own calls were answered 2xx by this instance.
    metrics = requests.get(process.base_url + "/metrics", timeout=10).text
    assert ok > 0 and ok <= sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                                if line.startswith("crmhub_http_requests_total{") and 'status="2' in line)
    assert "ms" in figures["Request latency p50 / p99 (all routes)"]
    in_use, idle, waiting = (int(n) for n in figures["Database pool in use / idle / waiting"].split(" / "))
    assert in_use + idle > 0


FOCUSABLE = """
    return [...document.querySelectorAll('a[href], button, input, select, textarea')]
      .filter((e) => !e.disabled && e.offsetParent !== null)
      .map((e, i) => { e.dataset.k = String(i); return e; }).length;"""


def tab_through(driver, count):
    """Presses Tab from the top of a freshly loaded page until focus has been on every control once; returns what it saw: the
    control's index, whether its focus is visible (an outline), and whether it is labelled."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    seen = []
    for _ in range(count + 5):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        seen.append(driver.execute_script("""
            const e = document.activeElement;
            const style = getComputedStyle(e);
            const labelled = !['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName) || e.labels.length > 0 || e.hasAttribute('aria-label');
            return [e.dataset.k ?? null, style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2, labelled, e.matches(':focus-visible')];"""))
    return seen


def test_keyboard_only_and_200_percent_zoom(console_server, browser, org):
    By = by()
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    process, token = console_server
    admin, slug, owner, listener = org
    requests.post(process.base_url + listener["url_path"], timeout=10, json={"senderUser": owner, "data": [
        {"actionType": "add-contact", "data": {"name": "Kim", "emails": [{"value": f"kim@{slug}.example"}]}}]})
    request_id = admin("GET", f"/orgs/{slug}/listener-requests")["items"][0]["id"]
    driver = browser
    sign_in(driver, process.base_url, token)
    pages = {
        "orgs": ("#/orgs", "Orgs"),
        "listeners": (f"#/orgs/{slug}/listeners", "Listeners of"),
        "listener settings": (f"#/orgs/{slug}/listeners/{listener['id']}", "Listener Website form"),
        "request log": (f"#/orgs/{slug}/requests", "Request log of"),
        "request": (f"#/orgs/{slug}/requests/{request_id}", f"Request {request_id}"),
        "users": (f"#/orgs/{slug}/users", "Users of"),
        "groups": (f"#/orgs/{slug}/groups", "Groups of"),
        "catalogs": (f"#/orgs/{slug}/catalogs", "Catalogs of"),
        "custom fields": (f"#/orgs/{slug}/custom-fields", "Custom fields of"),
        "support groups": (f"#/orgs/{slug}/support-groups", "Support groups of"),
        "outbox": (f"#/orgs/{slug}/outbox", "Outbox of"),
        "integrations": (f"#/orgs/{slug}/integrations", "Integrations of"),
        "audit": (f"#/orgs/{slug}/audit", "Audit log of"),
        "records": (f"#/orgs/{slug}/records", "Records of"),
        "health": ("#/health", "Health"),
    }

    # Keyboard only: Tab reaches every link, button and field of each page, in turn, each with a visible focus
    # outline, and every field has a label.
    for name, (path, heading) in pages.items():
        driver.get(f"{process.base_url}/console/{path}")
        driver.refresh()  # a fresh document: sequential focus starts at its top
        wait_text(driver, "h1", heading)
        count = driver.execute_script(FOCUSABLE)
        seen = tab_through(driver, count)
        reached = [k for k, _, _, _ in seen if k is not None]
        assert set(reached) == {str(i) for i in range(count)}, (name, count, reached)
        # Document order: the first pass visits the controls 0, 1, 2, … in turn.
        assert reached[:count] == [str(i) for i in range(count)], (name, reached)
        assert all(visible and focus_visible for k, visible, _, focus_visible in seen if k is not None), (name, seen)
        assert all(labelled for k, _, labelled, _ in seen if k is not None), (name, seen)

    # A change made with the keyboard alone: a new org from the orgs page's form (Tab to the field, type, Enter).
    driver.get(f"{process.base_url}/console/#/orgs")
    driver.refresh()
    wait_text(driver, "h1", "Orgs")
    new_slug = "kb-" + secrets.token_hex(4)
    for _ in range(200):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.name") == "slug":
            break
    ActionChains(driver).send_keys(new_slug, Keys.TAB, "Keyboard org", Keys.ENTER).perform()
    wait_text(driver, "main table", new_slug)
    assert admin("GET", f"/orgs/{new_slug}")["name"] == "Keyboard org"

    # 200% zoom: a 1280-pixel-wide window at device scale 2 is a 640-CSS-pixel viewport. No page scrolls sideways
    # and every control is inside the viewport's width.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 640, "height": 900, "deviceScaleFactor": 2, "mobile": False})
    try:
        for name, (path, heading) in pages.items():
            driver.get(f"{process.base_url}/console/{path}")
            wait_text(driver, "h1", heading)
            layout = driver.execute_script("""
                const width = document.documentElement.clientWidth;
                const outside = [...document.querySelectorAll('a[href], button, input, select, textarea, th, td, pre, h1')]
                  .filter((e) => e.offsetParent !== null)
                  .filter((e) => { const r = e.getBoundingClientRect(); return r.left < -1 || r.right > width + 1; })
                  .map((e) => e.outerHTML.slice(0, 80));
                return {width, scroll: document.documentElement.scrollWidth, outside};""")
            # (640 less a vertical scroll bar when the page is taller than the window)
            assert 600 <= layout["width"] <= 640 and layout["scroll"] <= layout["width"], (name, layout)
            assert layout["outside"] == [], (name, layout)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_ciopulse_portal_and_keys(console_server, browser, org):
    By = by()
    process, token = console_server
    admin, slug, _, _ = org
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/integrations")
    wait_text(driver, "h1", "Integrations of")
    form = driver.find_element(By.ID, "ciopulse-portal")
    code = "P" + secrets.token_hex(4).upper()
    fill(form.find_element(By.NAME, "portal_code"), code)
    allowlist = form.find_element(By.NAME, "ip_allowlist")
    fill(allowlist, "127.0.0.1\n::1/129")
    wait_text(driver, "#ciopulse-allowlist-problems", 'line 2: "::1/129"')
    fill(allowlist, "127.0.0.1\n::1")
    wait(driver, lambda d: d.find_element(By.ID, "ciopulse-allowlist-problems").text == "")
    submit(form)
    wait_text(driver, "#ciopulse-portal", "CIOPulse portal saved.")
    assert admin("GET", f"/orgs/{slug}/ciopulse") == {"portal_code": code, "ip_allowlist": ["127.0.0.1/32", "::1/128"]}

    # A new key is shown once and works with the portal code; revoking asks first and stops it.
    driver.find_element(By.ID, "create-ciopulse-key").click()
    wait_text(driver, "#ciopulse-key", "shown only now")
    key = driver.find_element(By.CSS_SELECTOR, "#ciopulse-key code").text
    assert len(key) == 40 and key.isalnum()
    listed = requests.get(f"{process.base_url}/api/v5/contacts", auth=(code, key), timeout=10)
    assert listed.status_code == 200, listed.text
    driver.refresh()
    wait_text(driver, "#ciopulse-keys tbody", f"…{key[-4:]}")
    assert key not in driver.find_element(By.TAG_NAME, "main").text
    driver.find_element(By.XPATH, "//table[@id='ciopulse-keys']//button[text()='Revoke']").click()
    driver.switch_to.alert.accept()
    wait_text(driver, "#ciopulse-keys tbody", "revoked")
    assert requests.get(f"{process.base_url}/api/v5/contacts", auth=(code, key), timeout=10).status_code == 401


def test_a_problem_naming_an_allowlist_entry_is_shown_by_the_allowlist(console_server, browser, org):
    """The browser checks entries as the server does, so the server's per-entry problem (`ip_allowlist[1]`) is not
    provoked through the form; the console's renderer is given the server's problem document instead."""
    By = by()
    process, token = console_server
    admin, slug, _, listener = org
    response = requests.patch(f"{process.base_url}/admin/v1/orgs/{slug}/listeners/{listener['id']}", timeout=10,
                              headers={"Authorization": f"Bearer {token}"}, json={"ip_allowlist": ["10.0.0.0/8", "nope"]})
    assert response.status_code == 422
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["ip_allowlist[1]"]
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/listeners/{listener['id']}")
    wait_text(driver, "h1", "Listener Website form")
    driver.execute_async_script("""
        const [problem, done] = arguments;
        const src = document.querySelector('script[type=module]').src;
        import(src.slice(0, src.lastIndexOf('/') + 1) + 'dom.js').then(({ showProblem }) => {
          showProblem(document.getElementById('listener-settings'), problem);
          done();
        });""", {"errors": problem["errors"], "message": problem.get("detail", "")})
    shown = driver.find_element(By.XPATH, "//textarea[@name='ip_allowlist']/following-sibling::span[@class='error']")
    assert shown.text == "entry 2: " + problem["errors"][0]["message"]
    assert driver.find_element(By.ID, "ip-allowlist").get_attribute("aria-invalid") == "true"


def test_long_lists_page_with_the_api_cursors(console_server, browser, org):
    By = by()
    process, token = console_server
    admin, slug, _, _ = org
    for number in range(52):
        admin("POST", f"/orgs/{slug}/listeners", {"name": f"Listener {number:02d}"})
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/listeners")
    rows = lambda: driver.execute_script("return document.querySelectorAll('#listener-table tbody tr').length")  # noqa: E731
    wait(driver, lambda d: rows() == 50)
    driver.find_element(By.LINK_TEXT, "Next page").click()
    wait(driver, lambda d: "cursor=" in d.current_url and rows() == 3)
    names = {a.text for a in driver.find_elements(By.CSS_SELECTOR, "#listener-table tbody a[href*='/listeners/']")}
    api_first = admin("GET", f"/orgs/{slug}/listeners?limit=50")
    api_rest = admin("GET", f"/orgs/{slug}/listeners?limit=50&cursor={api_first['next_cursor']}")
    assert names == {listener["name"] for listener in api_rest["items"]}
    assert not driver.find_elements(By.LINK_TEXT, "Next page")
    # The page is a URL: reloading it shows the same second page.
    driver.refresh()
    wait(driver, lambda d: rows() == 3)


def test_group_members_beyond_the_listed_users_are_kept(console_server, browser, org):
    """The group editor offers the first 200 users; saving a group keeps members it did not list."""
    By = by()
    process, token = console_server
    admin, slug, owner, _ = org
    ids = [admin("POST", f"/orgs/{slug}/users", {"email": f"u{n:03d}@{slug}.example"})["id"] for n in range(200)]
    owner_id = next(u["id"] for u in admin("GET", f"/orgs/{slug}/users")["items"] if u["email"] == owner)
    listed = {u["id"] for u in admin("GET", f"/orgs/{slug}/users?limit=200")["items"]}
    beyond = [i for i in ids if i not in listed]
    assert len(beyond) == 1
    admin("POST", f"/orgs/{slug}/groups", {"name": "Big", "members": [owner_id, beyond[0]]})
    driver = browser
    sign_in(driver, process.base_url, token)
    driver.get(f"{process.base_url}/console/#/orgs/{slug}/groups")
    wait_text(driver, "#groups tbody", owner)
    edit = driver.find_element(By.CSS_SELECTOR, "#groups form")
    edit.find_element(By.NAME, f"member-{owner_id}").click()
    submit(edit)
    wait(driver, lambda d: admin("GET", f"/orgs/{slug}/groups")["items"][0]["members"] == beyond)


def test_sms_settings_and_delivery_test(console_server, browser, org):
    By = by()
    from selenium.webdriver.support.ui import Select

    from delivery_support import SMSSink
    process, token = console_server
    admin, slug, _, _ = org
    driver = browser
    sign_in(driver, process.base_url, token)
    sink = SMSSink()
    try:
        driver.get(f"{process.base_url}/console/#/orgs/{slug}/integrations")
        wait_text(driver, "h1", "Integrations of")
        form = driver.find_element(By.ID, "sms-settings")
        fill(form.find_element(By.NAME, "url"), f"http://127.0.0.1:{sink.port}/sms")
        fill(form.find_element(By.NAME, "body_template"), '{"to":"{phone}","text":"{text}","x":"{nope}"}')
        Select(form.find_element(By.NAME, "auth")).select_by_value("header")
        fill(form.find_element(By.NAME, "auth_header"), "X-API-Key")
        fill(form.find_element(By.NAME, "secret"), "sms-key-1")
        submit(form)
        # An unknown placeholder is refused by the server, next to the template.
        wait(driver, lambda d: "{nope}" in d.find_element(
            By.XPATH, "//textarea[@name='body_template']/following-sibling::span[@class='error']").text)
        fill(form.find_element(By.NAME, "body_template"), '{"to":"{phone}","text":"{text}"}')
        submit(form)
        wait_text(driver, "#sms-settings", "SMS settings saved.")
        saved = admin("GET", f"/orgs/{slug}/delivery/sms")
        assert saved["url"].endswith("/sms") and saved["secret_set"] is True and saved["auth_header"] == "X-API-Key"
        test = driver.find_element(By.ID, "delivery-test")
        Select(test.find_element(By.NAME, "channel")).select_by_value("sms")
        fill(test.find_element(By.NAME, "to"), "0905 123 456")
        submit(test)
        wait_text(driver, "#delivery-test-result", "Delivery test: sent", timeout=20)
        request = sink.accepted()[0]
        assert request["headers"]["X-API-Key"] == "sms-key-1"
        assert json.loads(request["body"])["text"] == "A test from the CRMHub console."
    finally:
        sink.stop()
