"""Helpers for the outbox delivery tests: crmhub processes with fast delivery settings, a real SMTP server (aiosmtpd)
and an HTTP sink standing in for an SMS provider. Nothing here knows CRMHub's internals: it drives the binary
and the admin/listener HTTP APIs the way an operator would."""

import email
import email.policy
import http.server
import json
import re
import secrets
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import crmhub_process

SECRET_KEY = secrets.token_hex(32)


class Crmhub(crmhub_process.Crmhub):
    """`crmhub serve` or `crmhub worker` with the tests' secret key and fast delivery settings."""

    def __init__(self, database, command="serve", ca_file=None, **settings):
        fast = {
            "secret_key": SECRET_KEY,
            "io_threads": 1,
            "delivery_poll_interval_ms": 50,
            "delivery_retry_base_ms": 200,
            "delivery_retry_max_ms": 600,
            "delivery_timeout": 5,
            "delivery_hostname": "crmhub.test",
            # The tests' SMTP servers and SMS sinks listen on 127.0.0.1; the default (deny) has a test of its own.
            "delivery_private_targets": "allow",
        }
        if ca_file:
            fast["delivery_ca_file"] = ca_file
        super().__init__(database, command, **dict(fast, **settings))


class DeliveryAPI(crmhub_process.API):
    """The admin and listener calls the delivery tests make."""

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
        self.port = port or crmhub_process.free_port()
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
    sends the answer with Transfer-Encoding: chunked; `hostile` answers a first chunk and then a chunk size of
    7fffffffffffffff, which once overflowed the client's length arithmetic and crashed crmhub."""

    def __init__(self, fail_first=0, delay=0.0, certificate=None, chunked=False, hostile=False):
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
                if hostile:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"1\r\na\r\n7fffffffffffffff\r\n" + b"b" * 4096)
                elif chunked:
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
