"""The real crmhub for the Python tests: a fresh database in the test cluster, `crmhub serve` or `crmhub worker` as a
child process, and JSON over HTTP to it. scripts/test.sh exports CRMHUB_BIN (the binary) and CRMHUB_TEST_DATABASE_URL
(a cluster where databases may be created, as a libpq conninfo)."""

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CRMHUB_BIN = os.environ.get("CRMHUB_BIN") or str(ROOT / ".build" / "debug" / "crmhub")
# Server logs of processes started without a log_path: kept for reading after a failure, emptied by scripts/test.sh.
LOG_DIR = ROOT / ".data" / "test-logs"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def conninfo_with_dbname(conninfo, dbname):
    parts = [p for p in conninfo.split() if not p.startswith("dbname=")]
    return " ".join(parts + [f"dbname={dbname}"])


class Database:
    """A fresh database in the test cluster, dropped by `drop()`."""

    def __init__(self, prefix="py"):
        self.admin_url = os.environ["CRMHUB_TEST_DATABASE_URL"]
        self.name = f"crmhub_test_{prefix}_" + secrets.token_hex(4)
        self._psql(f'CREATE DATABASE "{self.name}"')
        self.url = conninfo_with_dbname(self.admin_url, self.name)

    def _psql(self, sql, url=None, separator="|"):
        # The tests connect as the database owner, not a superuser, and the tenant tables force row-level security
        # on their owner too: crmhub.platform lets these inspections see every org, as platform administration does.
        env = dict(os.environ, PGOPTIONS="-c crmhub.platform=on")
        return subprocess.run(
            ["psql", "-X", "-q", "-tA", "-F", separator, "-v", "ON_ERROR_STOP=1", url or self.admin_url, "-c", sql],
            check=True, capture_output=True, text=True, env=env).stdout

    def query(self, sql):
        """psql's unaligned output, stripped."""
        return self._psql(sql, self.url).strip()

    def rows(self, sql):
        """The rows as lists of text."""
        return [line.split("\t") for line in self._psql(sql, self.url, separator="\t").splitlines() if line]

    def drop(self):
        # A stopped server's backends leave a moment after its process exits; until then FORCE would have to
        # terminate them, which the owner (not a superuser) may not do for the application role's sessions.
        deadline = time.monotonic() + 15
        while True:
            try:
                self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                return
            except subprocess.CalledProcessError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cannot drop {self.name}: {error.stderr.strip()}") from error
                time.sleep(0.2)



def org_with_listener(server, prefix, name):
    """A new org (slug `prefix-…`) whose owner is owner@<slug>.example, and a listener of it: (slug, org id, listener)."""
    slug = f"{prefix}-" + secrets.token_hex(4)
    created = server.admin("POST", "/orgs", {"slug": slug, "name": f"{name} {slug}", "timezone": "UTC",
                                             "owner": {"email": f"owner@{slug}.example"}})
    listener = server.admin("POST", f"/orgs/{slug}/listeners", {"name": "Web"})
    return slug, created["id"], listener


class Crmhub:
    """`crmhub serve` or `crmhub worker` on `database` as a child process, started and ready.

    `settings` become CRMHUB_* variables (`bootstrap_admin_token="…"` is CRMHUB_BOOTSTRAP_ADMIN_TOKEN)."""

    def __init__(self, database, command="serve", log_path=None, **settings):
        self.database = database
        env = dict(os.environ)
        env.update({
            "CRMHUB_DATABASE_URL": database.url,
            "CRMHUB_MIGRATIONS_DIR": str(ROOT / "sql"),
            "CRMHUB_LOG_LEVEL": "info",  # the readiness marker below is an info line
            "CRMHUB_DB_POOL_SIZE": "4",
        })
        for key, value in settings.items():
            env["CRMHUB_" + key.upper()] = str(value)
        if log_path is None:
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            log_path = LOG_DIR / f"crmhub-{database.name}-{secrets.token_hex(3)}.log"
        self.log = open(log_path, "w+")
        marker = "crmhub listening" if command == "serve" else "delivery workers started"
        # A free port can be taken by someone else before crmhub binds it: a serve that exits at start is tried
        # again on another port.
        for _ in range(5 if command == "serve" else 1):
            self.port = free_port() if command == "serve" else None
            self.base_url = f"http://127.0.0.1:{self.port}" if self.port else None
            if self.port:
                env["CRMHUB_HTTP_ADDRESS"] = f"127.0.0.1:{self.port}"
            self.process = subprocess.Popen([CRMHUB_BIN, command], env=env, stdout=self.log, stderr=subprocess.STDOUT)
            wait_for(lambda: marker in self.output() or self.process.poll() is not None, timeout=90,
                     what=f"crmhub {command} to start")
            if self.process.poll() is None:
                return
        raise AssertionError(f"crmhub {command} did not start:\n" + self.output())

    def output(self):
        self.log.flush()
        with open(self.log.name) as text:
            return text.read()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class API:
    """JSON over HTTP to a crmhub serve, with a bearer token."""

    def __init__(self, base_url, token=None):
        self.base = base_url
        self.token = token

    def call(self, method, path, body=None, auth=True, raw=None):
        """(status, JSON answer or None). `raw` is sent as the body instead of `body` as JSON."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth and self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, (json.loads(text) if text else None)

    def ok(self, method, path, body=None, expect=(200, 201, 204)):
        """The JSON answer; fails the test on a status outside `expect` (a number or a tuple of them)."""
        expect = (expect,) if isinstance(expect, int) else expect
        status, answer = self.call(method, path, body)
        assert status in expect, f"{method} {path}: {status} {answer}"
        return answer


def create_platform_token(database):
    """A platform administrator token made with `crmhub admin create-token` (which migrates the database first)."""
    env = dict(os.environ, CRMHUB_DATABASE_URL=database.url, CRMHUB_MIGRATIONS_DIR=str(ROOT / "sql"))
    result = subprocess.run([CRMHUB_BIN, "admin", "create-token"], env=env, check=True, capture_output=True, text=True)
    return result.stdout.strip()
