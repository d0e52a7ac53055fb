"""Shared pytest fixtures: a crmhub server on a free port against a fresh database, and admin helpers.

scripts/test.sh exports CRMHUB_BIN (the crmhub binary) and CRMHUB_TEST_DATABASE_URL (a PostgreSQL where databases
may be created). Fixture names start with `crmhub_` so other test files can share this file.
"""

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

REPOSITORY = Path(__file__).resolve().parents[2]


class CRMHubServer:
    """A running `crmhub serve` and the platform token it was started with."""

    def __init__(self, base_url, admin_token, database_url):
        self.base_url = base_url
        self.admin_token = admin_token
        self.database_url = database_url

    def url(self, path):
        return self.base_url + path

    def admin(self, method, path, json=None, expect=(200, 201, 204)):
        """Calls /admin/v1 with the platform token; fails the test on an unexpected status."""
        response = requests.request(
            method, self.url("/admin/v1" + path), json=json, headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10)
        assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def sql(self, query):
        """Runs SQL as the database owner and returns the rows as lists of text (psql's unaligned output)."""
        output = subprocess.run(
            ["psql", self.database_url, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
            check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in output.splitlines() if line]


def _conninfo_with_database(base, name):
    parts = [part for part in base.split() if not part.startswith("dbname=")]
    return " ".join(parts + [f"dbname={name}"])


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def crmhub_database_url():
    """A new, empty database on the test cluster, dropped at the end of the session."""
    base = os.environ.get("CRMHUB_TEST_DATABASE_URL")
    if not base:
        pytest.fail("CRMHUB_TEST_DATABASE_URL is not set (scripts/test.sh sets it)")
    name = "crmhub_py_" + secrets.token_hex(6)
    subprocess.run(["psql", base, "-X", "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    yield _conninfo_with_database(base, name)
    subprocess.run(["psql", base, "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)


@pytest.fixture(scope="session")
def crmhub_server(crmhub_database_url, tmp_path_factory):
    """`crmhub serve` on a free port, migrated, with a bootstrap platform token; stopped with SIGTERM at the end."""
    binary = os.environ.get("CRMHUB_BIN") or str(REPOSITORY / ".build/debug/crmhub")
    token = "crmhub_pt_py" + secrets.token_urlsafe(32)
    log = open(tmp_path_factory.mktemp("crmhub") / "server.log", "w+")
    for _ in range(5):
        port = _free_port()
        environment = dict(os.environ, CRMHUB_DATABASE_URL=crmhub_database_url, CRMHUB_HTTP_ADDRESS=f"127.0.0.1:{port}",
                           CRMHUB_BOOTSTRAP_ADMIN_TOKEN=token, CRMHUB_MIGRATIONS_DIR=str(REPOSITORY / "sql"),
                           CRMHUB_LOG_LEVEL="warning", CRMHUB_DB_POOL_SIZE="4")
        process = subprocess.Popen([binary, "serve"], env=environment, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(base_url + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        if process.poll() is None:
            break
    else:
        log.seek(0)
        pytest.fail("crmhub did not start:\n" + log.read())
    yield CRMHubServer(base_url, token, crmhub_database_url)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


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
