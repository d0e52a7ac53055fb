"""Outbox delivery end to end (issue 8): crmhub processes against a real PostgreSQL, a real SMTP server (aiosmtpd,
plain, STARTTLS with AUTH, implicit TLS) and an HTTP sink as the SMS provider."""

import base64
import json
import time
import urllib.parse
import urllib.request

import pytest
import trustme

from crmhub_process import Database, create_platform_token, free_port, wait_for
from delivery_support import VIETNAMESE, Crmhub, DeliveryAPI, MailSink, SMSSink, idempotency_key, message_id_domain_ok


@pytest.fixture
def database():
    db = Database("delivery")
    yield db
    db.drop()


@pytest.fixture
def ca(tmp_path):
    authority = trustme.CA()
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return authority, str(path)


WELCOME_LISTENER = {
    "welcome_email": {"enabled": True, "from": "hello@htklabs.com", "subject": "Chào mừng {{fullname}}",
                      "body": "<p>Xin chào {{fullname}}, mã khách hàng {{customerId}}.</p>"},
    "welcome_sms": {"enabled": True, "body": "Chào {{name}}, cảm ơn bạn!"},
}


def start(database, cleanup, **settings):
    server = Crmhub(database, **settings)
    cleanup.append(server)
    return server


def sms_settings(sink, **extra):
    return dict({"url": f"http://127.0.0.1:{sink.port}/sms", "body_template": '{"to":"{phone}","text":"{text}","ref":"{message_id}"}',
                 "auth": "header", "auth_header": "X-API-Key", "secret": "sms-key-1"}, **extra)


def test_welcome_email_and_sms_are_delivered_once_with_the_right_content(database, ca, cleanup):
    authority, ca_file = ca
    mail = MailSink("starttls", certificate=authority.issue_cert("localhost", "127.0.0.1"), credentials=("crm@htk.vn", "app-pass"))
    cleanup.append(mail)
    sms = SMSSink()
    cleanup.append(sms)
    server = start(database, cleanup, ca_file=ca_file, delivery_workers=2)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener(WELCOME_LISTENER)
    saved = api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp", {
        "host": "localhost", "port": mail.port, "security": "starttls", "username": "crm@htk.vn", "password": "app-pass",
        "from_address": "crm@htk.vn", "from_name": "Công ty HTK", "reply_to": "support@htk.vn"})
    assert saved["password_set"] is True and "password" not in saved
    saved = api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", sms_settings(sms))
    assert saved["secret_set"] is True and "secret" not in saved and "sms-key-1" not in json.dumps(saved)

    api.listener(path, [("add-contact", dict(VIETNAMESE, emails=[{"value": "thao.nguyen@example.vn"}],
                                             phones=[{"value": "+84 905 123 456"}]))])
    wait_for(lambda: len(mail.messages) >= 1 and len(sms.requests) >= 1, what="one email and one SMS")
    time.sleep(1.0)  # anything sent twice would arrive in this time
    assert len(mail.messages) == 1 and len(sms.requests) == 1

    envelope = mail.messages[0]
    assert envelope["to"] == ["thao.nguyen@example.vn"] and envelope["from"] == "crm@htk.vn" and envelope["authenticated"]
    message = mail.parsed()[0]
    assert str(message["Subject"]) == "Chào mừng Thảo Nguyễn Thị Phương"
    assert message["From"].addresses[0].display_name == "Công ty HTK"
    assert message["From"].addresses[0].addr_spec == "hello@htklabs.com"
    assert str(message["Reply-To"]) == "support@htk.vn" and message["Date"] is not None
    assert message_id_domain_ok(str(message["Message-ID"]))
    assert message.get_content_type() == "text/html"
    assert message.get_content().strip() == "<p>Xin chào Thảo Nguyễn Thị Phương, mã khách hàng PID-1.</p>"

    request = sms.requests[0]
    assert request["headers"]["X-API-Key"] == "sms-key-1"
    body = json.loads(request["body"])
    assert body["text"] == "Chào Thảo, cảm ơn bạn!" and body["to"] == "+84905123456"
    assert body["ref"] == idempotency_key(request) and idempotency_key(request).startswith("outbox-")

    rows = {row["channel"]: row for row in api.outbox(slug)}
    assert rows["email"]["status"] == "sent" and rows["email"]["provider_message_id"] == "Q1" and rows["email"]["attempts"] == 1
    assert rows["sms"]["status"] == "sent" and rows["sms"]["provider_message_id"] == "SM0001"
    assert str(message["Message-ID"]) == f"<{idempotency_key(request).rsplit('-', 1)[0]}-{rows['email']['id']}@crmhub.test>"
    shown = api.ok("GET", f"/admin/v1/orgs/{slug}/outbox/{rows['sms']['id']}")
    assert [a["outcome"] for a in shown["attempt_history"]] == ["sent"]
    metrics = urllib.request.urlopen(f"{api.base}/metrics", timeout=10).read().decode()
    assert 'crmhub_outbox_sent_total{channel="email"} 1' in metrics and 'crmhub_outbox_sent_total{channel="sms"} 1' in metrics
    assert "crmhub_outbox_queue_depth " in metrics and "crmhub_outbox_oldest_queued_seconds " in metrics


def test_provider_down_retries_then_delivers_when_it_returns(database, cleanup):
    smtp_port = free_port()  # nothing listens here yet
    sms = SMSSink(fail_first=2)
    cleanup.append(sms)
    server = start(database, cleanup, delivery_max_attempts=20, delivery_settings_recheck=600)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener(WELCOME_LISTENER)
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp",
           {"host": "127.0.0.1", "port": smtp_port, "security": "none", "from_address": "crm@htk.vn"})
    api.listener(path, [("add-contact", dict(VIETNAMESE, emails=[{"value": "thao@example.vn"}], phones=[{"value": "0905123456"}]))])

    # No SMS settings yet: the SMS waits, queued, saying why; it is not dropped and not counted as an attempt.
    def waiting_sms():
        row = next(r for r in api.outbox(slug) if r["channel"] == "sms")
        return row if row["status"] == "queued" and row["last_error"] else None
    row = wait_for(waiting_sms, what="the SMS to wait for settings")
    assert "no SMS provider settings" in row["last_error"] and row["attempts"] == 0

    # The SMTP server is down: the email is retried with backoff, the error visible.
    def retrying_email():
        row = next(r for r in api.outbox(slug) if r["channel"] == "email")
        return row if row["status"] in ("retrying", "sending") and row["attempts"] >= 3 else None
    row = wait_for(retrying_email, what="email retries")
    assert "connect" in (row["last_error"] or "")

    # Saving SMS settings makes the waiting message due at once (the recheck is 600 s); the provider fails twice.
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", sms_settings(sms))
    mail = MailSink("plain", port=smtp_port)
    cleanup.append(mail)
    wait_for(lambda: all(r["status"] == "sent" for r in api.outbox(slug)), what="both messages sent")
    time.sleep(0.5)
    assert len(mail.messages) == 1
    assert len(sms.requests) == 3 and len({idempotency_key(r) for r in sms.requests}) == 1

    rows = {row["channel"]: row for row in api.outbox(slug)}
    history = api.ok("GET", f"/admin/v1/orgs/{slug}/outbox/{rows['sms']['id']}")["attempt_history"]
    assert [a["outcome"] for a in history] == ["retrying", "retrying", "sent"]
    assert "503" in history[0]["error"]
    email_history = api.ok("GET", f"/admin/v1/orgs/{slug}/outbox/{rows['email']['id']}")["attempt_history"]
    assert email_history[-1]["outcome"] == "sent" and all(a["outcome"] == "retrying" for a in email_history[:-1])
    assert len(email_history) == rows["email"]["attempts"] >= 3


def test_two_worker_processes_never_send_the_same_message_twice(database, cleanup):
    sms = SMSSink(delay=0.01)
    cleanup.append(sms)
    server = start(database, cleanup, delivery_workers=0)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener({})
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", sms_settings(sms))
    phones = [f"+8490{n:07d}" for n in range(1, 81)]
    api.listener(path, [("send-sms", {"content": "Khuyến mãi tháng 11", "phones": phones})])
    for _ in range(2):
        start(database, cleanup, command="worker", delivery_workers=3)
    wait_for(lambda: len(sms.requests) >= 80, what="80 SMS")
    time.sleep(1.0)
    keys = [idempotency_key(r) for r in sms.requests]
    assert len(keys) == 80 and len(set(keys)) == 80
    rows = api.outbox(slug)
    assert len(rows) == 80 and all(r["status"] == "sent" and r["attempts"] == 1 for r in rows)


def test_killing_the_server_mid_delivery_loses_no_message(database, cleanup):
    sms = SMSSink(delay=1.0)
    cleanup.append(sms)
    server = start(database, cleanup, delivery_workers=1, delivery_lease=2)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener({})
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", sms_settings(sms))
    api.listener(path, [("send-sms", {"content": "Xin chào", "phones": [f"+8491{n:07d}" for n in range(1, 6)]})])
    wait_for(lambda: len(sms.requests) >= 1, what="a delivery in flight")
    server.kill()  # SIGKILL while the provider holds the request: the outcome is never recorded
    in_flight = idempotency_key(sms.requests[0])

    restarted = start(database, cleanup, delivery_workers=1, delivery_lease=2)
    api = DeliveryAPI(restarted.base_url, api.token)
    wait_for(lambda: all(r["status"] == "sent" for r in api.outbox(slug)), timeout=60, what="every message sent after restart")
    rows = api.outbox(slug)
    expected = {f"outbox-{key.split('-')[1]}-{row['id']}" for row in rows for key in [in_flight]}
    received = [idempotency_key(r) for r in sms.requests]
    assert set(received) == expected  # nothing lost
    duplicates = {key for key in received if received.count(key) > 1}
    assert duplicates <= {in_flight}  # at least once: only the message in flight may go twice, with the same key
    assert next(r for r in rows if in_flight.endswith(f"-{r['id']}"))["attempts"] == 2


def test_tls_certificates_are_verified_and_the_test_call_reports_the_outcome(database, ca, cleanup):
    authority, ca_file = ca
    trusted = MailSink("tls", certificate=authority.issue_cert("localhost", "127.0.0.1"))
    untrusted = MailSink("tls", certificate=trustme.CA().issue_cert("localhost", "127.0.0.1"))
    cleanup += [trusted, untrusted]
    server = start(database, cleanup, ca_file=ca_file, delivery_workers=0)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, _ = api.make_org_with_listener({})
    test = {"channel": "email", "to": "an@example.vn", "subject": "Thử nghiệm", "body": "Xin chào Nguyễn Văn An"}
    assert api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", test)["outcome"] == "not_configured"

    settings = {"host": "localhost", "port": untrusted.port, "security": "tls", "from_address": "crm@htk.vn"}
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp", settings)
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", test)
    assert result["outcome"] == "failed" and "certificate" in result["error"] and not untrusted.messages

    # A certificate from the trusted CA, but for another name, is refused too (the host name is checked).
    other_name = MailSink("tls", certificate=authority.issue_cert("mail.other.example"))
    cleanup.append(other_name)
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp", dict(settings, port=other_name.port))
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", test)
    assert result["outcome"] == "failed" and "certificate" in result["error"] and not other_name.messages, result

    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp", dict(settings, port=trusted.port))
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", test)
    assert result["outcome"] == "sent" and result["provider_message_id"] == "Q1"
    message = trusted.parsed()[0]
    assert str(message["Subject"]) == "Thử nghiệm" and message.get_content().strip() == "Xin chào Nguyễn Văn An"
    assert api.outbox(slug) == []  # a test message is not queued


def test_private_targets_are_refused_by_default(database, cleanup):
    """Org admins choose the SMTP server and SMS provider, so by default (CRMHUB_DELIVERY_PRIVATE_TARGETS=deny) they
    cannot point the workers at the host's own network: loopback is refused before connecting, for good."""
    mail = MailSink("plain")
    sms = SMSSink()
    cleanup += [mail, sms]
    server = start(database, cleanup, delivery_private_targets="deny")
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener(WELCOME_LISTENER)
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp",
           {"host": "localhost", "port": mail.port, "security": "none", "from_address": "crm@htk.vn"})
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", sms_settings(sms))
    test = {"channel": "email", "to": "an@example.vn", "subject": "Thử nghiệm", "body": "Xin chào"}
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", test)
    # The host as the admin configured it; the addresses it resolved to go to the server log only.
    assert result["outcome"] == "failed" and result["error"].startswith("localhost is not a public address"), result
    assert "CRMHUB_DELIVERY_PRIVATE_TARGETS" in result["error"] and "127.0.0.1" not in result["error"]
    wait_for(lambda: "localhost (127.0.0.1" in server.output() or "localhost (::1" in server.output(),
             what="the resolved addresses in the server log")

    api.listener(path, [("add-contact", dict(VIETNAMESE, emails=[{"value": "ssrf@example.vn"}], phones=[{"value": "0905123457"}]))])

    def both_failed():
        rows = api.outbox(slug)
        return rows if len(rows) == 2 and all(row["status"] == "failed" for row in rows) else None
    rows = wait_for(both_failed, what="both welcome messages to fail")
    assert all(row["attempts"] == 1 and "is not a public address" in row["last_error"] for row in rows), rows
    assert "127.0.0.1 is not a public address" in next(row for row in rows if row["channel"] == "sms")["last_error"]
    assert not mail.messages and not sms.requests


def test_twilio_preset_posts_the_form_with_basic_auth(database, cleanup):
    sms = SMSSink()
    cleanup.append(sms)
    server = start(database, cleanup, delivery_workers=0)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, _ = api.make_org_with_listener({})
    saved = api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", {
        "provider": "twilio", "url": f"http://127.0.0.1:{sms.port}", "account_sid": "AC0123", "from": "+15005550006",
        "secret": "auth-token"})
    assert saved == dict(saved, provider="twilio", account_sid="AC0123", secret_set=True) and "secret" not in saved
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", {"channel": "sms", "to": "0905 123 456", "body": "Chào An & bạn"})
    assert result["outcome"] == "sent" and result["provider_message_id"] == "SM0001"
    request = sms.requests[0]
    assert request["path"] == "/2010-04-01/Accounts/AC0123/Messages.json"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"AC0123:auth-token").decode()
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(request["body"].decode()) == {"To": [result["to"]], "From": ["+15005550006"], "Body": ["Chào An & bạn"]}


def test_auth_login_and_a_permanent_rejection(database, ca, cleanup):
    authority, ca_file = ca
    mail = MailSink("starttls", certificate=authority.issue_cert("localhost", "127.0.0.1"), credentials=("crm", "pw"),
                    mechanisms=["LOGIN"])
    cleanup.append(mail)
    server = start(database, cleanup, ca_file=ca_file, delivery_workers=1)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener(WELCOME_LISTENER)
    settings = {"host": "localhost", "port": mail.port, "security": "starttls", "username": "crm", "password": "wrong",
                "from_address": "crm@htk.vn"}
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp", settings)
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", {"channel": "email", "to": "an@example.vn"})
    assert result["outcome"] == "failed" and result["permanent"] and "AUTH LOGIN: 535" in result["error"], result
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp", dict(settings, password="pw"))
    assert api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", {"channel": "email", "to": "an@example.vn"})["outcome"] == "sent"
    assert mail.messages[0]["authenticated"]

    # A 5xx reply is permanent: the message fails at once, with the server's words, and is not retried.
    api.listener(path, [("add-contact", {"name": "Nobody", "emails": [{"value": "nobody@example.vn"}]})])
    row = wait_for(lambda: next((r for r in api.outbox(slug) if r["status"] == "failed"), None), what="a failed message")
    # The reply code and a reason of CRMHub's own; the server's text is in the server log only.
    assert row["attempts"] == 1 and row["last_error"] == "SMTP RCPT TO: 550 (mailbox unavailable)", row
    wait_for(lambda: "User unknown" in server.output(), what="the server's reply in the server log")
    assert len(mail.messages) == 1


def test_sms_over_https_with_a_chunked_answer(database, ca, cleanup):
    authority, ca_file = ca
    sms = SMSSink(certificate=authority.issue_cert("localhost", "127.0.0.1"), chunked=True)
    cleanup.append(sms)
    server = start(database, cleanup, ca_file=ca_file, delivery_workers=0)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, _ = api.make_org_with_listener({})
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", sms_settings(sms, url=f"https://localhost:{sms.port}/v1/sms?x=1"))
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", {"channel": "sms", "to": "+84 905 000 111", "body": "Chào"})
    assert result == dict(result, outcome="sent", provider_message_id="SM0001"), result
    assert sms.requests[0]["path"] == "/v1/sms?x=1" and sms.requests[0]["headers"]["Host"] == f"localhost:{sms.port}"


def test_a_hostile_sms_provider_cannot_crash_the_server_and_its_message_ends_failed(database, cleanup):
    """A provider answering a chunk size of 7fffffffffffffff after a first chunk once trapped crmhub's HTTP client on
    an overflow: the test call killed the server, and the queued SMS killed each worker that claimed it, for ever."""
    sms = SMSSink(hostile=True)
    cleanup.append(sms)
    server = start(database, cleanup, delivery_max_attempts=2)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener({"welcome_sms": WELCOME_LISTENER["welcome_sms"]})
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", sms_settings(sms))
    result = api.ok("POST", f"/admin/v1/orgs/{slug}/delivery/test", {"channel": "sms", "to": "+84 905 000 111", "body": "Chào"})
    assert result["outcome"] == "failed", result
    assert server.process.poll() is None
    api.listener(path, [("add-contact", dict(VIETNAMESE, phones=[{"value": "0905123456"}]))])
    row = wait_for(lambda: next((r for r in api.outbox(slug) if r["status"] == "failed"), None), what="the SMS to fail")
    assert row["attempts"] == 2, row
    assert server.process.poll() is None
    with urllib.request.urlopen(server.base_url + "/healthz") as answer:
        assert answer.status == 200
