"""Sirportly Customer Data Source (sirportly-customer-data-sources.txt), called as Sirportly calls it: an HTTP POST
of the form variables `type` and `data`, with the data source's optional HTTP Basic credentials."""

import json
from pathlib import Path

import pytest
import requests

SAMPLES = Path(__file__).resolve().parents[1] / "HelpdeskTests" / "Fixtures"


@pytest.fixture
def sirportly(crmhub_server, crmhub_org, crmhub_listener):
    """The org's data source URL, with Basic credentials configured, and Adam Cooke of the document as a contact."""
    crmhub_server.admin("PUT", f"/orgs/{crmhub_org}/integrations/sirportly",
                        {"enabled": True, "username": "sirportly", "password": "data-source-pass"})
    crmhub_server.admin("POST", f"/orgs/{crmhub_org}/custom-fields", {"entity": "contact", "name": "Account Number", "type": "text"})
    added = crmhub_listener("add-contact", {
        "name": "Adam", "lastname": "Cooke", "title": "CTO", "emails": [{"value": "adam@atechmedia.com"}],
        "im": [{"protocol": "Facebook", "value": "adam.cooke"}], "companyContact": {"name": "aTech Media"},
        "addresses": [{"street": "1 High St", "city": "London", "country": "GB"}],
        "cusFields": [{"name": "Account Number", "value": "123123123"}]})
    code = added["results"][0]["records"][0]["customerId"]
    return crmhub_server.url(f"/integrations/sirportly/{crmhub_org}"), code


AUTH = ("sirportly", "data-source-pass")


def test_found_by_email_answers_the_documented_payload(sirportly):
    url, code = sirportly
    response = requests.post(url, data={"type": "email", "data": "adam@atechmedia.com"}, auth=AUTH, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    # The document's two payload samples, with the CRM's values: the searched email is in the email array.
    basic = json.loads((SAMPLES / "sirportly-basic.json").read_text())
    assert body["contact_methods"]["email"] == basic["contact_methods"]["email"]
    record = json.loads((SAMPLES / "sirportly-record.json").read_text())
    for key in ("first_name", "last_name", "company"):
        assert body[key] == record[key]
    assert body["reference"] == code and body["timezone"] == "Asia/Ho_Chi_Minh"
    # Custom data in the document's three shapes: a single value, a hash, an array of hashes.
    custom = json.loads((SAMPLES / "sirportly-custom.json").read_text())
    assert body["Account Number"] == custom["Account Number"]
    assert isinstance(custom["Pets"], dict) and body["Details"] == {"Title": "CTO"}
    assert isinstance(custom["Aliases"], list) and len(body["Addresses"]) == 1
    assert {key: body["Addresses"][0][key] for key in ("Type", "Street", "City")} == {"Type": "Other", "Street": "1 High St", "City": "London"}


def test_found_by_facebook_lists_the_searched_handle(sirportly):
    url, code = sirportly
    response = requests.post(url, data={"type": "facebook", "data": "Adam.Cooke"}, auth=AUTH, timeout=10)
    assert response.status_code == 200
    assert response.json()["reference"] == code
    assert response.json()["contact_methods"]["facebook"] == ["Adam.Cooke"]


def test_unknown_customer_is_404_with_no_data(sirportly):
    url, _ = sirportly
    response = requests.post(url, data={"type": "email", "data": "nobody@example.com"}, auth=AUTH, timeout=10)
    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize("auth", [None, ("sirportly", "wrong-pass"), ("someone", "data-source-pass")])
def test_wrong_credentials_are_401(sirportly, auth):
    url, _ = sirportly
    response = requests.post(url, data={"type": "email", "data": "adam@atechmedia.com"}, auth=auth, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_malformed_body_is_400(sirportly):
    url, _ = sirportly
    response = requests.post(url, data={"data": "adam@atechmedia.com"}, auth=AUTH, timeout=10)
    assert response.status_code == 400
    response = requests.post(url, data="not a form", headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=AUTH,
                             timeout=10)
    assert response.status_code == 400
