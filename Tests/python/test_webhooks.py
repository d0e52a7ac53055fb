"""Outbound events (Standard Webhooks) and signed inbound listener requests, end to end (issue 23): crmhub against a
real PostgreSQL, a receiver that verifies every delivery with the published `svix` library, and listener requests
signed by the same library."""

import base64
import datetime
import http.server
import json
import secrets
import threading
import time

import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from crmhub_process import Database, create_platform_token, wait_for
from delivery_support import Crmhub, DeliveryAPI, SMSSink

SENDER = "huy.nguyenviet@htklabs.com"


class Receiver:
    """An HTTP endpoint that verifies each request with svix and records it; answers 204 when the signature holds,
    400 when it does not, and `fail_with` (e.g. 500) for the first `fail_first` requests (or always, with -1)."""

    def __init__(self, fail_first=0, fail_with=500):
        self.secret = None
        self.requests = []
        self.lock = threading.Lock()
        self.fail_first = fail_first
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    payload, verified = None, False
                with receiver.lock:
                    failing = receiver.fail_first != 0
                    if receiver.fail_first > 0:
                        receiver.fail_first -= 1
                    receiver.requests.append({"headers": headers, "body": body, "verified": verified, "payload": payload,
                                              "answered": fail_with if failing else (204 if verified else 400)})
                status = fail_with if failing else (204 if verified else 400)
                answer = b'{"error":"receiver is down"}' if failing else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self):
        with self.lock:
            return [r for r in self.requests if r["answered"] == 204]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def database():
    db = Database("webhooks")
    yield db
    db.drop()


def setup(database, cleanup, receiver=None, **settings):
    server = Crmhub(database, delivery_workers=2, **settings)
    cleanup.append(server)
    api = DeliveryAPI(server.base_url, create_platform_token(database))
    slug, path = api.make_org_with_listener({"welcome_sms": {"enabled": True, "body": "Chào {{name}}!"}})
    return server, api, slug, path


def make_endpoint(api, slug, receiver, **fields):
    created = api.ok("POST", f"/admin/v1/orgs/{slug}/webhook-endpoints", dict({"url": receiver.url, "description": "CRM sync"}, **fields))
    assert created["secret"].startswith("whsec_")
    receiver.secret = created["secret"]
    return created


def types(requests):
    return [r["payload"]["type"] for r in requests]


def test_every_event_is_delivered_signed_verified_by_svix_and_a_tampered_one_is_rejected(database, cleanup):
    receiver = Receiver()
    cleanup.append(receiver)
    sms = SMSSink()
    cleanup.append(sms)
    server, api, slug, path = setup(database, cleanup)
    endpoint = make_endpoint(api, slug, receiver)
    shown = api.ok("GET", f"/admin/v1/orgs/{slug}/webhook-endpoints/{endpoint['id']}")
    assert "secret" not in shown and shown["enabled"] is True and shown["event_types"] == []
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/sms", {
        "url": f"http://127.0.0.1:{sms.port}/sms", "body_template": '{"to":"{phone}","text":"{text}"}'})

    contact = {"name": "Thảo", "lastname": "Nguyễn", "emails": [{"value": "thao@example.vn"}], "phones": [{"value": "0905123456"}]}
    api.listener(path, [("add-contact", contact)])
    api.listener(path, [("add-contact", contact)])  # a duplicate
    api.listener(path, [("update-contact", {"emails": [{"value": "thao@example.vn"}], "lastname": "Trần", "title": "CEO"})])
    api.listener(path, [("add-note", {"body": "called back", "email": "thao@example.vn"}),
                        ("add-ticket", {"body": "Help", "email": "thao@example.vn"})])

    wanted = {"contact.created", "contact.duplicate_received", "contact.updated", "note.created", "ticket.created", "sms.delivered"}
    wait_for(lambda: wanted <= set(types(receiver.delivered())), timeout=30, what=f"events {wanted}")
    time.sleep(0.5)
    assert receiver.requests and all(r["verified"] for r in receiver.requests), [r for r in receiver.requests if not r["verified"]]

    by_type = {r["payload"]["type"]: r["payload"] for r in receiver.delivered()}
    assert by_type["contact.created"]["data"]["id"] == "PID-1" and by_type["contact.created"]["data"]["name"] == "Thảo"
    assert set(by_type["contact.updated"]["data"]["changed_fields"]) >= {"lastname", "title"}
    assert by_type["contact.updated"]["data"]["lastname"] == "Trần"
    assert by_type["contact.duplicate_received"]["data"]["id"] == "PID-1"
    assert by_type["note.created"]["data"]["customer_id"] == "PID-1" and by_type["ticket.created"]["data"]["body"] == "Help"
    assert by_type["sms.delivered"]["data"]["recipient"].endswith("905123456")
    for r in receiver.delivered():
        assert r["headers"]["webhook-id"].startswith("msg_") and r["headers"]["content-type"] == "application/json"

    # Ordering: the events of PID-1 arrive in the order they were written.
    pid1 = [t for t in types(receiver.delivered()) if t.startswith("contact.")]
    assert pid1.index("contact.created") < pid1.index("contact.duplicate_received") < pid1.index("contact.updated"), pid1

    # A tampered body (or a wrong secret) does not verify.
    sample = receiver.delivered()[0]
    tampered = sample["body"].replace(b"PID-1", b"PID-2") if b"PID-1" in sample["body"] else sample["body"] + b" "
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(tampered, sample["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()).verify(sample["body"], sample["headers"])

    # The per-attempt log: status, duration and the receiver's answer, through the admin API.
    listed = api.ok("GET", f"/admin/v1/orgs/{slug}/outbox?channel=webhook&endpoint={endpoint['id']}&limit=100")["items"]
    assert len(listed) == len(receiver.delivered()) and all(m["status"] == "sent" for m in listed)
    detail = api.ok("GET", f"/admin/v1/orgs/{slug}/outbox/{listed[0]['id']}")
    attempt = detail["attempt_history"][0]
    assert attempt["outcome"] == "sent" and attempt["response_status"] == 204 and attempt["duration_ms"] >= 0
    assert detail["event_id"] == [r for r in receiver.delivered() if r["headers"]["webhook-id"] == detail["event_id"]][0]["headers"]["webhook-id"]


def test_a_merge_and_an_erasure_are_events_and_the_erasure_carries_no_value_of_the_person(database, cleanup):
    receiver = Receiver()
    cleanup.append(receiver)
    server, api, slug, path = setup(database, cleanup)
    make_endpoint(api, slug, receiver, event_types=["contact.merged", "contact.erased", "contact.created"])
    api.listener(path, [("add-contact", {"name": "An", "emails": [{"value": "an.merge@example.vn"}]}),
                        ("add-contact", {"name": "An", "phones": [{"value": "0905111222"}]})])
    api.ok("POST", f"/admin/v1/orgs/{slug}/customers/merge", {"survivor": "PID-1", "merged": "PID-2"})
    before = ["contact.created", "contact.created", "contact.merged"]
    wait_for(lambda: sorted(types(receiver.delivered())) == sorted(before), timeout=30, what=f"events {before}")
    api.ok("POST", f"/admin/v1/orgs/{slug}/customers/PID-1/erase", {})
    wanted = before + ["contact.erased"]
    wait_for(lambda: sorted(types(receiver.delivered())) == sorted(wanted), timeout=30, what=f"events {wanted}")
    assert all(r["verified"] for r in receiver.requests)
    by_type = {r["payload"]["type"]: r for r in receiver.delivered()}
    merged = by_type["contact.merged"]["payload"]["data"]
    assert merged["id"] == "PID-1" and merged["merged"] == "PID-2", merged
    erased = by_type["contact.erased"]
    assert erased["payload"]["data"] == {"id": "PID-1", "kind": "contact"}, erased["payload"]
    assert b"an.merge" not in erased["body"] and b"905111222" not in erased["body"]

    # Events of the person not delivered yet when they are erased carry their data: the erasure cancels them. The
    # receiver refuses the first attempt, so PID-3's created event is waiting for its retry when the erasure comes.
    receiver.fail_first = 1
    api.listener(path, [("add-contact", {"name": "Bình", "emails": [{"value": "binh.gone@example.vn"}]})])
    wait_for(lambda: receiver.fail_first == 0, timeout=30, what="the refused first attempt")
    api.ok("POST", f"/admin/v1/orgs/{slug}/customers/PID-3/erase", {})
    wait_for(lambda: any(r["payload"]["data"]["id"] == "PID-3" for r in receiver.delivered()
                         if r["payload"]["type"] == "contact.erased"), timeout=30, what="PID-3 erased")
    assert not any(b"binh.gone" in r["body"] for r in receiver.delivered())
    cancelled = api.ok("GET", f"/admin/v1/orgs/{slug}/outbox?channel=webhook&status=failed&limit=100")["items"]
    assert any(m["event_type"] == "contact.created" and m["body"] == "[erased]" for m in cancelled), cancelled


def test_an_event_type_filter_and_a_disabled_endpoint_are_respected(database, cleanup):
    receiver, other = Receiver(), Receiver()
    cleanup += [receiver, other]
    server, api, slug, path = setup(database, cleanup)
    make_endpoint(api, slug, receiver, event_types=["contact.updated"])
    off = make_endpoint(api, slug, other, enabled=False)
    api.listener(path, [("add-contact", {"name": "An", "emails": [{"value": "an@example.vn"}]})])
    api.listener(path, [("update-contact", {"emails": [{"value": "an@example.vn"}], "title": "CTO"})])
    wait_for(lambda: receiver.delivered(), what="the filtered event")
    time.sleep(1.0)
    assert types(receiver.delivered()) == ["contact.updated"] and other.requests == []
    assert api.ok("GET", f"/admin/v1/orgs/{slug}/outbox?channel=webhook&endpoint={off['id']}")["items"] == []
    status, problem = api.call("POST", f"/admin/v1/orgs/{slug}/webhook-endpoints", {"url": "ftp://x", "event_types": ["contact.deleted"]})
    assert status == 422 and {e["field"] for e in problem["errors"]} == {"url", "event_types[0]"}


def test_a_rotated_secret_overlaps_with_the_old_one_and_both_signatures_verify(database, cleanup):
    receiver = Receiver()
    cleanup.append(receiver)
    server, api, slug, path = setup(database, cleanup)
    endpoint = make_endpoint(api, slug, receiver)
    old = receiver.secret
    rotated = api.ok("POST", f"/admin/v1/orgs/{slug}/webhook-endpoints/{endpoint['id']}/rotate-secret", {"overlap_seconds": 3600})
    new = rotated["secret"]
    assert new != old and rotated["previous_secret_expires_at"] is not None
    receiver.secret = new
    api.listener(path, [("add-contact", {"name": "Bình"})])
    wait_for(lambda: receiver.delivered(), what="an event after rotation")
    delivered = receiver.delivered()[0]
    assert len(delivered["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(delivered["body"], delivered["headers"])
    Webhook(new).verify(delivered["body"], delivered["headers"])

    # Without an overlap the old secret stops signing at once.
    receiver.secret = api.ok("POST", f"/admin/v1/orgs/{slug}/webhook-endpoints/{endpoint['id']}/rotate-secret", {"overlap_seconds": 0})["secret"]
    api.listener(path, [("add-contact", {"name": "Chi"})])
    wait_for(lambda: len(receiver.delivered()) == 2, what="a second event")
    second = receiver.delivered()[1]
    assert len(second["headers"]["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(second["body"], second["headers"])


def test_failures_retry_with_backoff_then_die_disable_the_endpoint_and_can_be_retried_and_replayed(database, cleanup):
    receiver = Receiver(fail_first=-1)
    cleanup.append(receiver)
    server, api, slug, path = setup(database, cleanup, delivery_max_attempts=3, webhook_disable_after_failures=3,
                                    webhook_disable_after_seconds=0)
    endpoint = make_endpoint(api, slug, receiver)
    api.listener(path, [("add-contact", {"name": "Dũng"})])
    listed = lambda: api.ok("GET", f"/admin/v1/orgs/{slug}/outbox?channel=webhook")["items"]
    wait_for(lambda: listed() and listed()[0]["status"] == "failed", timeout=30, what="the event to fail for good")
    message = api.ok("GET", f"/admin/v1/orgs/{slug}/outbox/{listed()[0]['id']}")
    history = message["attempt_history"]
    assert [a["outcome"] for a in history] == ["retrying", "retrying", "failed"]
    assert all(a["response_status"] == 500 and "receiver is down" in a["response_excerpt"] for a in history)
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1  # the same webhook-id on every attempt
    stamps = [int(r["headers"]["webhook-timestamp"]) for r in receiver.requests]
    assert stamps == sorted(stamps)

    shown = api.ok("GET", f"/admin/v1/orgs/{slug}/webhook-endpoints/{endpoint['id']}")
    assert shown["enabled"] is False and "3 failed attempts" in shown["disabled_reason"]
    audit = api.ok("GET", f"/admin/v1/orgs/{slug}/audit?limit=50")["items"]
    assert any(a["action"] == "webhook_endpoint.disable" and a["actor"] == "delivery" for a in audit), audit
    # Disabled: new changes queue nothing for it.
    api.listener(path, [("add-contact", {"name": "Em"})])
    assert len(listed()) == 1

    # Enabled again, the receiver now up: one manual retry delivers the dead event.
    receiver.fail_first = 0
    api.ok("PATCH", f"/admin/v1/orgs/{slug}/webhook-endpoints/{endpoint['id']}", {"enabled": True})
    status, _ = api.call("POST", f"/admin/v1/orgs/{slug}/outbox/{message['id']}/retry")
    assert status == 202
    wait_for(lambda: receiver.delivered(), what="the retried event")
    assert api.ok("GET", f"/admin/v1/orgs/{slug}/outbox/{message['id']}")["status"] == "sent"
    status, problem = api.call("POST", f"/admin/v1/orgs/{slug}/outbox/{message['id']}/retry")
    assert status == 409, problem

    # A replay of the time range queues the sent event again, with the same webhook-id.
    since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, replayed = api.call("POST", f"/admin/v1/orgs/{slug}/webhook-endpoints/{endpoint['id']}/replay", {"since": since})
    assert status == 202 and replayed["queued"] == 1, replayed
    wait_for(lambda: len(receiver.delivered()) == 2, what="the replayed event")
    first, again = receiver.delivered()
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"] and first["payload"] == again["payload"]
    status, problem = api.call("POST", f"/admin/v1/orgs/{slug}/webhook-endpoints/{endpoint['id']}/replay", {"since": "yesterday"})
    assert status == 422 and problem["errors"][0]["field"] == "since"


def test_events_of_one_record_wait_for_the_earlier_ones(database, cleanup):
    receiver = Receiver(fail_first=2)
    cleanup.append(receiver)
    server, api, slug, path = setup(database, cleanup)
    make_endpoint(api, slug, receiver)
    api.listener(path, [("add-contact", {"name": "Giang", "emails": [{"value": "giang@example.vn"}]})])
    api.listener(path, [("update-contact", {"emails": [{"value": "giang@example.vn"}], "title": "Giám đốc"})])
    wait_for(lambda: len(receiver.delivered()) == 2, timeout=30, what="both events")
    # The created event failed twice; the updated event was not even tried until it had been delivered.
    seen = [(r["payload"] or json.loads(r["body"]))["type"] for r in receiver.requests]
    assert seen == ["contact.created", "contact.created", "contact.created", "contact.updated"], seen


# ---- signed inbound listener requests ------------------------------------------------------------------------------

def signed_post(api, path, secret, body, msg_id=None, when=None):
    msg_id = msg_id or "msg_" + secrets.token_hex(8)
    when = when or datetime.datetime.now(datetime.timezone.utc)
    data = json.dumps(body)
    signature = Webhook(secret).sign(msg_id, when, data)
    import urllib.request
    import urllib.error
    request = urllib.request.Request(api.base + path, data=data.encode(), method="POST", headers={
        "Content-Type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_a_listener_with_a_signing_secret_accepts_only_fresh_valid_signatures_once(database, cleanup):
    server, api, slug, path = setup(database, cleanup)
    listener_id = api.ok("GET", f"/admin/v1/orgs/{slug}/listeners")["items"][0]["id"]
    body = {"senderUser": SENDER, "data": [{"actionType": "add-contact", "data": {"name": "Hà"}}]}
    assert api.call("POST", path, body, auth=False)[0] == 200  # no secret: the URL alone, as before

    secret = api.ok("POST", f"/admin/v1/orgs/{slug}/listeners/{listener_id}/signing-secret")["signing_secret"]
    assert secret.startswith("whsec_")
    assert api.ok("GET", f"/admin/v1/orgs/{slug}/listeners/{listener_id}")["signed_requests"] is True
    time.sleep(5.2)  # the per-instance memory of a listener's signing state lasts 5 seconds

    status, problem = api.call("POST", path, body, auth=False)
    assert status == 401 and "(missing)" in problem["detail"] and problem["errors"][0]["field"] == "webhook-id", problem
    status, answer = signed_post(api, path, secret, body, msg_id="msg_once")
    assert status == 200, answer
    status, problem = signed_post(api, path, secret, body, msg_id="msg_once")
    assert status == 401 and "(replayed)" in problem["detail"], problem
    stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=6)
    status, problem = signed_post(api, path, secret, body, when=stale)
    assert status == 401 and "(stale)" in problem["detail"] and problem["errors"][0]["field"] == "webhook-timestamp", problem
    wrong = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    status, problem = signed_post(api, path, wrong, body)
    assert status == 401 and "(mismatch)" in problem["detail"], problem
    customers = database.query("SELECT count(*) FROM customers WHERE name = 'Hà'")
    assert customers == "2"  # the unsigned request before the secret and the one valid signed request

    # Removing the secret brings back the URL alone.
    api.ok("DELETE", f"/admin/v1/orgs/{slug}/listeners/{listener_id}/signing-secret")
    time.sleep(5.2)
    assert api.call("POST", path, body, auth=False)[0] == 200
