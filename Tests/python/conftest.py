"""Shared pytest fixtures: a crmhub server on a free port against a fresh database, and admin helpers.

scripts/test.sh exports CRMHUB_BIN (the crmhub binary) and CRMHUB_TEST_DATABASE_URL (a PostgreSQL where databases
may be created). Fixture names start with `crmhub_` so other test files can share this file.
"""

import secrets

import pytest
import requests

from crmhub_process import API, Crmhub, Database


class CRMHubServer:
    """A running `crmhub serve`, its database and the platform token it was started with."""

    def __init__(self, process, database, admin_token):
        self.process = process
        self.database = database
        self.base_url = process.base_url
        self.admin_token = admin_token

    def url(self, path):
        return self.base_url + path

    def admin(self, method, path, json=None, expect=(200, 201, 204)):
        """Calls /admin/v1 with the platform token; fails the test on an unexpected status."""
        return API(self.base_url, self.admin_token).ok(method, "/admin/v1" + path, json, expect)

    def sql(self, query):
        """Runs SQL as the database owner and returns the rows as lists of text."""
        return self.database.rows(query)


@pytest.fixture
def cleanup():
    """Things a test started (sinks, receivers, servers): each is stopped, newest first, however the test ends."""
    things = []
    yield things
    for thing in reversed(things):
        thing.stop()


@pytest.fixture(scope="session")
def crmhub_server(tmp_path_factory):
    """`crmhub serve` on a free port against a fresh database, migrated, with a bootstrap platform token; stopped
    with SIGTERM and the database dropped at the end."""
    database = Database("py")
    token = "crmhub_pt_py" + secrets.token_urlsafe(32)
    process = Crmhub(database, log_path=tmp_path_factory.mktemp("crmhub") / "server.log", bootstrap_admin_token=token)
    yield CRMHubServer(process, database, token)
    process.stop()
    database.drop()


@pytest.fixture
def crmhub_org(crmhub_server):
    """A new org (slug) with its owner user, who may also send listener payloads."""
    slug = "py-" + secrets.token_hex(5)
    crmhub_server.admin("POST", "/orgs", {
        "slug": slug, "name": f"Org {slug}", "timezone": "Asia/Ho_Chi_Minh",
        "owner": {"email": f"owner@{slug}.example", "display_name": "Owner"}})
    return slug


@pytest.fixture
def crmhub_listener(crmhub_server, crmhub_org):
    """A function sending listener actions to a new listener of `crmhub_org` as its owner; returns the response JSON."""
    created = crmhub_server.admin("POST", f"/orgs/{crmhub_org}/listeners", {"name": "Python tests"})

    def send(action, data):
        response = requests.post(crmhub_server.url(created["url_path"]), timeout=10, json={
            "senderUser": f"owner@{crmhub_org}.example", "data": [{"actionType": action, "data": data}]})
        assert response.status_code == 200, response.text
        return response.json()

    return send


@pytest.fixture(scope="module")
def smartertrack_org(crmhub_server):
    """An org set up through the admin API only, as an administrator would: a contact (created by a listener, with
    two custom fields) whose portal login is the document's "myusername" / "mypassword", the SmarterTrack
    integration enabled with a web service password, and rules for GetCustomFieldOptions / StartTicket / StartChat.

    Yields {"slug", "wsdl", "auth_pw", "admin", "url", "api"} where api(method, path, json) calls the org's admin API."""
    url = crmhub_server.base_url
    admin = requests.Session()
    admin.headers["Authorization"] = f"Bearer {crmhub_server.admin_token}"
    slug = "st-" + secrets.token_hex(4)
    sender = "huy.nguyenviet@htklabs.com"

    def api(method, path, body=None, expect=(200, 201, 204)):
        response = admin.request(method, f"{url}/admin/v1/orgs/{slug}{path}", json=body)
        assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    created = admin.post(f"{url}/admin/v1/orgs", json={
        "slug": slug, "name": "SmarterTrack org", "timezone": "UTC", "owner": {"email": f"owner@{slug}.example"},
    })
    assert created.status_code == 201, created.text
    api("POST", "/users", {"email": sender})
    for field in ("Plan Type", "Billing ID"):
        api("POST", "/custom-fields", {"entity": "contact", "name": field, "type": "text"})
    listener = api("POST", "/listeners", {"name": "Website"})
    added = requests.post(url + listener["url_path"], json={"senderUser": sender, "data": [{"actionType": "add-contact", "data": {
        "name": "Huy", "lastname": "Nguyen", "emails": [{"value": "huy.nguyen@htklabs.com"}],
        "cusFields": [{"name": "Plan Type", "value": "ASP.NET Semi-dedicated"}, {"name": "Billing ID", "value": "4126"}],
    }}]})
    assert added.status_code == 200 and added.json()["results"][0]["records"][0]["customerId"] == "PID-1", added.text
    api("PUT", "/contacts/PID-1/portal-login", {"username": "myusername", "password": "mypassword"})
    auth_pw = "st-" + secrets.token_urlsafe(18)
    api("PUT", "/integrations/smartertrack", {"enabled": True, "password": auth_pw})
    api("PUT", "/integrations/smartertrack/rules", {
        "statuses": {"suspended": {"tickets": False, "chats": False, "message": "Your account is suspended."}},
        "custom_fields": [{"name": "Type of Issue", "departments": ["Support Department"], "location": "PRE",
                           "list_options": ["Web site issues", "Email issues"], "required": True}],
    })
    yield {
        "slug": slug, "url": url, "admin": admin, "api": api, "auth_pw": auth_pw,
        "wsdl": f"{url}/integrations/smartertrack/{slug}/provider.asmx?WSDL",
    }
