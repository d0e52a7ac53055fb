"""Helpers for the outbox delivery tests: a private database, crmhub processes, a real SMTP server (aiosmtpd)
and an HTTP sink standing in for an SMS provider. Nothing here knows CRMHub's internals: it drives the binary
and the admin/listener HTTP APIs the way an operator would."""

import email
import email.policy
import http.server
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

CRMHUB_BIN = os.environ.get("CRMHUB_BIN", ".build/debug/crmhub")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET_KEY = secrets.token_hex(32)


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


# ---- database ---------------------------------------------------------------------------------------------------

def conninfo_with_dbname(conninfo, dbname):
    parts = [p for p in conninfo.split() if not p.startswith("dbname=")]
    return " ".join(parts + [f"dbname={dbname}"])


class Database:
    """A fresh database in the test cluster, dropped at the end."""

    def __init__(self):
        self.admin_url = os.environ["CRMHUB_TEST_DATABASE_URL"]
        self.name = "crmhub_test_delivery_" + secrets.token_hex(4)
        self._psql(f'CREATE DATABASE "{self.name}"')
        self.url = conninfo_with_dbname(self.admin_url, self.name)

    def _psql(self, sql, url=None):
        return subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", url or self.admin_url, "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def query(self, sql):
        return self._psql(sql, self.url).strip()

    def drop(self):
        self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# ---- crmhub processes -------------------------------------------------------------------------------------------

class Crmhub:
    """`crmhub serve` or `crmhub worker` as a child process with fast delivery settings."""

    def __init__(self, database, command="serve", ca_file=None, **settings):
        self.port = free_port() if command == "serve" else None
        env = dict(os.environ)
        env.update({
            "CRMHUB_DATABASE_URL": database.url,
            "CRMHUB_MIGRATIONS_DIR": os.path.join(ROOT, "sql"),
            "CRMHUB_SECRET_KEY": SECRET_KEY,
            "CRMHUB_LOG_LEVEL": "info",
            "CRMHUB_DB_POOL_SIZE": "4",
            "CRMHUB_IO_THREADS": "1",
            "CRMHUB_DELIVERY_POLL_INTERVAL_MS": "50",
            "CRMHUB_DELIVERY_RETRY_BASE_MS": "200",
            "CRMHUB_DELIVERY_RETRY_MAX_MS": "600",
            "CRMHUB_DELIVERY_TIMEOUT": "5",
            "CRMHUB_DELIVERY_HOSTNAME": "crmhub.test",
        })
        if self.port:
            env["CRMHUB_HTTP_ADDRESS"] = f"127.0.0.1:{self.port}"
        if ca_file:
            env["CRMHUB_DELIVERY_CA_FILE"] = ca_file
        for key, value in settings.items():
            env["CRMHUB_" + key.upper()] = str(value)
        self.log = open(os.path.join("/tmp", f"crmhub-delivery-{database.name}-{secrets.token_hex(3)}.log"), "w+")
        self.process = subprocess.Popen([CRMHUB_BIN, command], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        marker = "crmhub listening" if command == "serve" else "delivery workers started"
        wait_for(lambda: marker in self.output() or self.process.poll() is not None, timeout=90, what=f"crmhub {command} to start")
        assert self.process.poll() is None, self.output()

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


def create_platform_token(database):
    env = dict(os.environ, CRMHUB_DATABASE_URL=database.url, CRMHUB_MIGRATIONS_DIR=os.path.join(ROOT, "sql"))
    result = subprocess.run([CRMHUB_BIN, "admin", "create-token"], env=env, check=True, capture_output=True, text=True)
    return result.stdout.strip()


class API:
    """JSON over HTTP to a crmhub serve."""

    def __init__(self, port, token):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def call(self, method, path, body=None, auth=True):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, (json.loads(text) if text else None)

    def ok(self, method, path, body=None, expect=(200, 201, 204)):
        status, json_body = self.call(method, path, body)
        assert status in expect, (method, path, status, json_body)
        return json_body

    def make_org_with_listener(self, listener):
        slug = "dlv-" + secrets.token_hex(4)
        self.ok("POST", "/admin/v1/orgs", {"slug": slug, "name": "Công ty " + slug, "timezone": "Asia/Ho_Chi_Minh",
                                            "owner": {"email": f"owner@{slug}.example", "display_name": "Owner"}})
        self.ok("POST", f"/admin/v1/orgs/{slug}/users", {"email": "huy.nguyenviet@htklabs.com"})
        created = self.ok("POST", f"/admin/v1/orgs/{slug}/listeners", dict({"name": "Website"}, **listener))
        return slug, created["url_path"]

    def listener(self, path, items):
        status, body = self.call("POST", path, {"senderUser": "huy.nguyenviet@htklabs.com",
                                                "data": [{"actionType": kind, "data": data} for kind, data in items]}, auth=False)
        assert status == 200, (status, body)
        return body

    def outbox(self, slug):
        return self.ok("GET", f"/admin/v1/orgs/{slug}/outbox?limit=200")["items"]


# ---- a real SMTP server ---------------------------------------------------------------------------------------------

class MailSink:
    """aiosmtpd on a local port: plain, STARTTLS (required) or implicit TLS, with or without AUTH."""

    def __init__(self, mode="plain", certificate=None, credentials=None, port=None, mechanisms=None):
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith("nobody@"):
                    return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                with sink.lock:
                    sink.messages.append({
                        "from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content,
                        "authenticated": session.authenticated,
                    })
                return f"250 2.0.0 Ok: queued as Q{len(sink.messages)}"

        def authenticator(server, session, envelope, mechanism, auth_data):
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            good = credentials and auth_data.login.decode() == credentials[0] and auth_data.password.decode() == credentials[1]
            return AuthResult(success=bool(good), handled=False)

        options = {}
        if credentials:
            options.update(authenticator=authenticator, auth_required=True)
            if mechanisms:
                options.update(auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN") if m not in mechanisms])
        else:
            options.update(auth_require_tls=False)
        context = None
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            certificate.configure_cert(context)
        if mode == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif mode == "tls":
            options.update(ssl_context=context)
        self.port = port or free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, server_hostname="localhost",
                                     ready_timeout=10, **options)
        self.controller.start()

    def parsed(self):
        with self.lock:
            return [email.message_from_bytes(m["data"], policy=email.policy.default) for m in self.messages]

    def stop(self):
        self.controller.stop()


# ---- an SMS provider ----------------------------------------------------------------------------------------------

class SMSSink:
    """An HTTP server that records each request; `fail_first` answers 503 that many times; `delay` holds each
    request that long before answering (to kill a server mid-delivery); `certificate` serves HTTPS; `chunked`
    sends the answer with Transfer-Encoding: chunked."""

    def __init__(self, fail_first=0, delay=0.0, certificate=None, chunked=False):
        self.requests = []
        self.lock = threading.Lock()
        self.fail_first = fail_first
        self.delay = delay
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with sink.lock:
                    sink.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    count = len(sink.requests)
                    failing = sink.fail_first > 0
                    if failing:
                        sink.fail_first -= 1
                if sink.delay:
                    time.sleep(sink.delay)
                answer = json.dumps({"error": "try later"} if failing else {"sid": f"SM{count:04d}", "status": "queued"}).encode()
                self.send_response(503 if failing else 201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(answer), 7):
                        piece = answer[start:start + 7]
                        self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            certificate.configure_cert(context)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self):
        """Requests answered 201 are those after the failures; keys of every request, in order."""
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def idempotency_key(request):
    return request["headers"].get("Idempotency-Key")


VIETNAMESE = {"name": "Thảo", "lastname": "Nguyễn Thị Phương"}


def message_id_domain_ok(message_id):
    return re.fullmatch(r"<outbox-\d+-\d+@crmhub\.test>", message_id or "") is not None
