"""The contract enforced: schemathesis calls every operation of openapi/openapi.yaml on the real server.

A fresh database in the test cluster (CRMHUB_TEST_DATABASE_URL), the debug binary (CRMHUB_BIN) serving it, an org with
a user, a listener, an org API key, a CIOPulse portal and key, and records sent through the listener. Then schemathesis
runs the examples, coverage and fuzzing phases over every operation the spec contains (new routes are fuzzed as soon
as they are documented) with a fixed seed and a bounded number of examples, and fails on any 5xx, any response that
violates its schema or content type, and any status code the spec does not list for the operation.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "openapi.yaml"
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = int(os.environ.get("CRMHUB_FUZZ_MAX_EXAMPLES", "50"))
# CI runs the deterministic generation (the same cases every run); CRMHUB_FUZZ_SEED=<n> explores other ones.
SEED = int(os.environ.get("CRMHUB_FUZZ_SEED", "20240501"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"


def conninfo_with(conninfo: str, **changes: str) -> str:
    pairs = dict(part.split("=", 1) for part in conninfo.split())
    pairs.update(changes)
    return " ".join(f"{key}={value}" for key, value in pairs.items())


def psql(conninfo: str, sql: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql], check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    def __init__(self, base: str, token: str | None = None):
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body=None, token: str | None = None, raw: bytes | None = None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token or self.token:
            request.add_header("Authorization", f"Bearer {token or self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, (json.loads(text) if text else None)

    def expect(self, status: int, method: str, path: str, body=None):
        got, answer = self.call(method, path, body)
        assert got == status, f"{method} {path}: {got} {answer}"
        return answer


@pytest.fixture(scope="module")
def server():
    yield from running_server()


def running_server():
    """Yields (base URL, platform token) of a crmhub serving a fresh database; stops it and drops the database after."""
    base_conninfo = os.environ["CRMHUB_TEST_DATABASE_URL"]
    binary = os.environ["CRMHUB_BIN"]
    database = f"crmhub_test_schemathesis_{secrets.token_hex(4)}"
    psql(base_conninfo, f'CREATE DATABASE "{database}"')
    port = free_port()
    platform_token = "fuzz-" + secrets.token_hex(24)
    env = dict(os.environ)
    env.update({
        "CRMHUB_DATABASE_URL": conninfo_with(base_conninfo, dbname=database),
        "CRMHUB_HTTP_ADDRESS": f"127.0.0.1:{port}",
        "CRMHUB_MIGRATIONS_DIR": str(ROOT / "sql"),
        "CRMHUB_OPENAPI_FILE": str(SPEC),
        "CRMHUB_BOOTSTRAP_ADMIN_TOKEN": platform_token,
        "CRMHUB_LOG_LEVEL": "error",
        "CRMHUB_DB_POOL_SIZE": "8",
    })
    log = open(ROOT / ".data" / "schemathesis-server.log", "w")
    process = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert process.poll() is None, "crmhub serve exited; see .data/schemathesis-server.log"
            assert time.time() < deadline, "crmhub serve did not become ready"
            time.sleep(0.2)
        yield base, platform_token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        psql(base_conninfo, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def seed(base: str, platform_token: str) -> dict[str, str]:
    """An org with everything the operations need, and records that arrived through its listener."""
    admin = Client(base, platform_token)
    slug = "fuzz-" + secrets.token_hex(3)
    owner = "huy.nguyenviet@htklabs.com"
    admin.expect(201, "POST", "/admin/v1/orgs", {
        "slug": slug, "name": "Fuzz", "timezone": "Asia/Ho_Chi_Minh", "owner": {"email": owner, "display_name": "Huy"}})
    org = f"/admin/v1/orgs/{slug}"
    admin.expect(201, "POST", f"{org}/catalogs/deal-stages", {"name": "Won"})
    listener = admin.expect(201, "POST", f"{org}/listeners", {"name": "Website form", "default_tag": "webhook"})
    org_key = admin.expect(201, "POST", f"{org}/api-keys", {"name": "reader", "scopes": ["read"]})["key"]
    admin.expect(200, "PUT", f"{org}/ciopulse", {"portal_code": "FUZZ01", "ip_allowlist": []})
    portal_key = admin.expect(201, "POST", f"{org}/ciopulse/api-keys")["api_key"]
    samples = ROOT / "Tests" / "ListenerTests" / "Fixtures"
    for name in ["add-contact"]:
        status, answer = Client(base).call("POST", listener["url_path"], raw=(samples / f"{name}.json").read_bytes())
        assert status in (200, 207), f"{name}: {status} {answer}"
    items = [{"actionType": "add-contact", "data": {"name": "Ngọc Trinh", "emails": [{"value": "trinh@example.vn"}]}},
             {"actionType": "add-lead", "data": {"name": "Lam", "emails": [{"value": "lam@example.vn"}]}},
             {"actionType": "add-note", "data": {"body": "called back", "email": "trinh@example.vn"}},
             {"actionType": "add-ticket", "data": {"body": "Help", "email": "trinh@example.vn"}},
             {"actionType": "send-sms", "data": {"content": "Xin chào", "phones": ["0333456789"]}},
             {"actionType": "add-contact", "data": {"name": "ACME", "type": 1, "companyContact": {"name": "ACME Corp"}}},
             {"actionType": "add-deal", "data": {"name": "BOOKING", "stage": "Won", "value": "12.5",
                                                 "dealWith": {"name": "Ngọc Trinh", "emails": [{"value": "trinh@example.vn"}]}}}]
    status, answer = Client(base).call("POST", listener["url_path"], {"senderUser": owner, "data": items})
    assert status == 200, answer
    return {
        "CRMHUB_FUZZ_PLATFORM_TOKEN": platform_token,
        "CRMHUB_FUZZ_ORG": slug,
        "CRMHUB_FUZZ_ORG_KEY": org_key,
        "CRMHUB_FUZZ_PORTAL_CODE": "FUZZ01",
        "CRMHUB_FUZZ_PORTAL_KEY": portal_key,
        "CRMHUB_FUZZ_LISTENER_TOKEN": listener["url_path"].rsplit("/", 1)[1],
    }


@pytest.fixture(scope="module")
def fuzz_env(server):
    base, platform_token = server
    env = dict(os.environ)
    env.update(seed(base, platform_token))
    return base, env


def run_schemathesis(base: str, env: dict[str, str], selection: list[str], name: str) -> None:
    report = ROOT / ".data" / "schemathesis-report" / name
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", str(SPEC), "--url", base,
        *selection, "--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED), *([] if os.environ.get("CRMHUB_FUZZ_SEED") else ["--generation-deterministic"]),
        # One worker: hypothesis describes filters with ast.parse, which CPython 3.11 does not make thread-safe
        # ("AST constructor recursion depth mismatch" with two workers).
        "--workers", "1", "--request-timeout", "30",
        "--suppress-health-check", "all", "--report", "junit", "--report-dir", str(report),
    ]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(result.stdout[-20000:])
    sys.stderr.write(result.stderr[-5000:])
    assert result.returncode == 0, "schemathesis found contract violations (output above; server log in .data/schemathesis-server.log)"


# The admin operations run last: fuzzing them changes the seeded org (suspends it, replaces its CIOPulse portal code,
# revokes keys), which would leave the other operations nothing but 401 and 423 to answer.
def test_every_operation_outside_admin_keeps_the_contract(fuzz_env):
    run_schemathesis(*fuzz_env, ["--exclude-path-regex", "^/admin/"], "clients")


def test_every_admin_operation_keeps_the_contract(fuzz_env):
    run_schemathesis(*fuzz_env, ["--include-path-regex", "^/admin/"], "admin")
