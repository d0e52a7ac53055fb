"""Shared pytest fixtures for the Python clients in Tests/python.

Each fixture starts what it needs itself: scripts/test.sh exports CRMHUB_BIN (the crmhub binary) and
CRMHUB_TEST_DATABASE_URL (the private test cluster, as a libpq conninfo or URI).
"""
import os
import secrets
import socket
import subprocess
import time

import pytest
import requests

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _with_database(base, name):
    """The same server with another database (a URI gets it as its path, a conninfo a last dbname=)."""
    if base.startswith("postgres"):
        head, _, query = base.partition("?")
        scheme, _, rest = head.partition("://")
        authority = rest.split("/", 1)[0]
        return f"{scheme}://{authority}/{name}" + (f"?{query}" if query else "")
    return f"{base} dbname={name}"


def _psql(base, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base, "-c", sql], check=True, capture_output=True)


@pytest.fixture(scope="module")
def smartertrack_crmhub():
    """A crmhub server on a free port against a fresh database, with a bootstrap platform token.

    Yields {"url": base URL, "admin": a requests.Session sending the platform token}."""
    binary = os.environ["CRMHUB_BIN"]
    base = os.environ["CRMHUB_TEST_DATABASE_URL"]
    name = f"crmhub_test_py_smartertrack_{secrets.randbelow(10**12)}"
    _psql(base, f'CREATE DATABASE "{name}"')
    port = _free_port()
    token = "crmhub-py-bootstrap-" + secrets.token_hex(16)
    environment = dict(
        os.environ,
        CRMHUB_DATABASE_URL=_with_database(base, name),
        CRMHUB_HTTP_ADDRESS=f"127.0.0.1:{port}",
        CRMHUB_MIGRATIONS_DIR=os.path.join(REPOSITORY, "sql"),
        CRMHUB_BOOTSTRAP_ADMIN_TOKEN=token,
        CRMHUB_DB_POOL_SIZE="4",
        CRMHUB_LOG_LEVEL="warning",
    )
    server = subprocess.Popen([binary, "serve"], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"crmhub exited: {server.stderr.read().decode(errors='replace')}")
            try:
                if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("crmhub did not become ready within 60 s")
            time.sleep(0.1)
        admin = requests.Session()
        admin.headers["Authorization"] = f"Bearer {token}"
        yield {"url": url, "admin": admin}
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        _psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def smartertrack_org(smartertrack_crmhub):
    """An org set up through the admin API only, as an administrator would: a contact (created by a listener, with
    two custom fields) whose portal login is the document's "myusername" / "mypassword", the SmarterTrack
    integration enabled with a web service password, and rules for GetCustomFieldOptions / StartTicket / StartChat.

    Yields {"slug", "wsdl", "auth_pw", "admin", "url", "api"} where api(method, path, json) calls the org's admin API."""
    url, admin = smartertrack_crmhub["url"], smartertrack_crmhub["admin"]
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
