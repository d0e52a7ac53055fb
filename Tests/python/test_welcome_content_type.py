"""A welcome email's content type comes from the listener's template, never from what a sender sends (issue 18,
point 1): hostile names, last names and custom field values reach a real SMTP server (aiosmtpd) through the real
server, and a plain-text template stays text/plain while an HTML template gets every value escaped."""

import pytest

from crmhub_process import Database, create_platform_token, wait_for
from delivery_support import Crmhub, DeliveryAPI, MailSink

HOSTILE_NAME = '<a href="https://evil.example/login">Verify your account</a><!--'
HOSTILE_LASTNAME = "<script>alert(1)</script> & <b>"
HOSTILE_FIELD = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def database():
    db = Database("welcome")
    yield db
    db.drop()


@pytest.fixture
def delivering(database):
    """An SMTP sink, a crmhub with one delivery worker, and an org whose email goes to the sink."""
    mail = MailSink("plain")
    server = Crmhub(database, delivery_workers=1)
    try:
        api = DeliveryAPI(server.base_url, create_platform_token(database))
        yield mail, api
    finally:
        server.stop()
        mail.stop()


def org_with_template(api, mail, body, subject="Welcome {{fullname}}"):
    slug, path = api.make_org_with_listener({"welcome_email": {"enabled": True, "from": "hello@htklabs.com",
                                                                "subject": subject, "body": body}})
    api.ok("POST", f"/admin/v1/orgs/{slug}/custom-fields", {"entity": "contact", "name": "Nickname", "type": "text"})
    api.ok("PUT", f"/admin/v1/orgs/{slug}/delivery/smtp",
           {"host": "127.0.0.1", "port": mail.port, "security": "none", "from_address": "crm@htk.vn"})
    return slug, path


def welcome_for_hostile_contact(delivering, template):
    """The welcome email (parsed) that `template` gives a contact with hostile values, and its outbox row."""
    mail, api = delivering
    slug, path = org_with_template(api, mail, template)
    api.listener(path, [("add-contact", {"name": HOSTILE_NAME, "lastname": HOSTILE_LASTNAME,
                                         "emails": [{"value": "victim@example.vn"}],
                                         "cusFields": [{"name": "Nickname", "value": HOSTILE_FIELD}]})])
    row = wait_for(lambda: next((r for r in api.outbox(slug) if r["status"] == "sent"), None), what="the welcome email sent")
    assert len(mail.messages) == 1
    return mail.parsed()[0], row


def test_a_hostile_name_never_turns_a_plain_text_template_into_html(delivering):
    message, row = welcome_for_hostile_contact(delivering, "{{name}}, thanks for signing up. Your code is {{customerId}}.")
    assert message.get_content_type() == "text/plain", message.as_string()
    # Plain text is sent as the sender wrote it: a mail client shows the tags as text.
    assert message.get_content().strip() == f"{HOSTILE_NAME}, thanks for signing up. Your code is PID-1."
    assert str(message["Subject"]) == f"Welcome {HOSTILE_NAME} {HOSTILE_LASTNAME}"
    assert row["content_type"] == "text/plain"


def test_values_are_escaped_in_an_html_template(delivering):
    message, row = welcome_for_hostile_contact(delivering, "<p>Hello {{fullname}} ({{email}})</p>")
    assert message.get_content_type() == "text/html"
    body = message.get_content().strip()
    assert body == ("<p>Hello &lt;a href=&quot;https://evil.example/login&quot;&gt;Verify your account&lt;/a&gt;&lt;!-- "
                    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt; (victim@example.vn)</p>"), body
    assert "<a " not in body and "<script" not in body and "<img" not in body and "<!--" not in body
    assert row["content_type"] == "text/html"


def test_a_template_that_starts_with_a_placeholder_is_plain_text_whatever_the_values(delivering):
    """The rendered body starts with a tag here; the template does not, so the email is plain text."""
    message, row = welcome_for_hostile_contact(delivering, "{{lastname}}\n{{name}}")
    assert message.get_content_type() == "text/plain" and row["content_type"] == "text/plain"
    assert message.get_content().replace("\r\n", "\n").strip() == f"{HOSTILE_LASTNAME}\n{HOSTILE_NAME}"
