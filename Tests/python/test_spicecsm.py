"""SpiceCSM web calls (spicecsm-web-call-integrations.txt), called as SpiceCSM calls them: HTTP POST variables,
always with intUser and intPass, answered with the document's XML."""

import urllib.parse
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import requests

SAMPLES = Path(__file__).resolve().parents[1] / "HelpdeskTests" / "Fixtures"
CREDENTIALS = {"intUser": "spice", "intPass": "spice-integration-pass"}


@pytest.fixture
def spicecsm(crmhub_server, crmhub_org, crmhub_listener):
    """The org's four URLs and John Doe of the document's samples as a contact (his Userkey is his customer code)."""
    crmhub_server.admin("PUT", f"/orgs/{crmhub_org}/integrations/spicecsm",
                        {"enabled": True, "username": "spice", "password": "spice-integration-pass"})
    field = crmhub_server.admin("POST", f"/orgs/{crmhub_org}/custom-fields", {"entity": "contact", "name": "Plan", "type": "text"})
    added = crmhub_listener("add-contact", {
        "name": "John", "lastname": "Doe", "emails": [{"value": "johnd@xyz.net"}],
        "phones": [{"type": "Work", "value": "(555) 555-5555"}, {"type": "Home", "value": "(555) 555-5556"}],
        "addresses": [{"street": "123 Fake St.", "city": "Anywhere", "state": "ZZ", "zip": "123456"}],
        "cusFields": [{"name": "Plan", "value": "Anything"}]})
    code = added["results"][0]["records"][0]["customerId"]
    base = crmhub_server.url(f"/integrations/spicecsm/{crmhub_org}/")
    return base, code, field["id"], crmhub_server


def post(base, call, **variables):
    response = requests.post(base + call, data={**CREDENTIALS, **variables}, timeout=10)
    return response, ElementTree.fromstring(response.content)


def test_search_answers_the_users_structure_with_encoded_values(spicecsm):
    base, code, _, _ = spicecsm
    response, users = post(base, "search", FirstName="John", PrimaryEmail="johnd@xyz.net")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    sample = ElementTree.parse(SAMPLES / "spicecsm-search.xml").getroot()
    assert users.tag == sample.tag == "users"
    [user] = list(users)
    assert set(user.attrib) == set(sample[0].attrib)
    # The sample's John Doe, encoded exactly as printed.
    for name in ("status", "name", "email", "phone"):
        assert user.get(name) == sample[0].get(name), name
    assert urllib.parse.unquote(user.get("userkey")) == code


def test_search_without_match_is_an_empty_users_element(spicecsm):
    base, _, _, _ = spicecsm
    response, users = post(base, "search", LastName="Nobody")
    assert response.status_code == 200 and users.tag == "users" and len(users) == 0


def test_load_answers_the_userdata_structure(spicecsm):
    base, code, field_id, _ = spicecsm
    response, userdata = post(base, "load", Userkey=code)
    assert response.status_code == 200
    sample = ElementTree.parse(SAMPLES / "spicecsm-load.xml").getroot()
    assert [child.tag for child in userdata] == [child.tag for child in sample] == ["user", "contacts", "fielddata"]
    contact, expected = userdata.find("contacts/contact"), sample.find("contacts/contact")
    assert set(contact.attrib) == set(expected.attrib)
    for name in ("firstname", "lastname", "aone", "atwo", "city", "region", "pc", "country", "pphone", "sphone", "pemail",
                 "semail", "mobile", "fax"):
        if name == "sphone":
            assert contact.get(name) == "%28555%29%20555%2D5556"
        else:
            assert contact.get(name) == expected.get(name), name
    assert userdata.find("fielddata/field").attrib == {"id": field_id, "value": "Anything"}


def test_account_update_applies_user_xml(spicecsm):
    base, code, field_id, server = spicecsm
    # The document's load sample sent back as the update, naming John's Userkey and the org's custom field id.
    user_xml = (SAMPLES / "spicecsm-load.xml").read_text().replace('userkey="johnd"', f'userkey="{code}"') \
        .replace('field id="1"', f'field id="{field_id}"').replace('value="Anything"', 'value="Gold"') \
        .replace('city="Anywhere"', 'city="Springfield"').replace('semail=""', 'semail="jd%40home%2Enet"')
    response, userdata = post(base, "update-account", userXML=user_xml)
    assert response.status_code == 200, response.text
    contact = userdata.find("contacts/contact")
    assert contact.get("city") == "Springfield" and contact.get("semail") == "jd%40home%2Enet"
    # sphone="%28555%29%20555%2D5555" in the sample: the Home number is now the same as the Work one, kept once.
    assert contact.get("pphone") == "%28555%29%20555%2D5555" and contact.get("sphone") == ""
    assert userdata.find("fielddata/field").attrib == {"id": field_id, "value": "Gold"}
    _, found = post(base, "search", SecondaryEmail="jd@home.net")
    assert len(found) == 1
    fields = server.sql("SELECT detail->>'fields' FROM customer_history WHERE event = 'updated' AND detail->>'source' = 'spicecsm'")
    assert fields and "addresses" in fields[0][0] and "emails" in fields[0][0]


def test_case_update_records_the_sample_once(spicecsm):
    base, code, _, server = spicecsm
    case_xml = (SAMPLES / "spicecsm-case.xml").read_text()
    response, result = post(base, "update-case", Userkey=code, caseXML=case_xml)
    assert response.status_code == 200 and result.get("recorded") == "1", response.text
    _, again = post(base, "update-case", Userkey=code, caseXML=case_xml)
    assert again.get("recorded") == "0" and again.get("duplicates") == "1"
    assert server.sql("SELECT title, status FROM tickets WHERE source = 'spicecsm' AND external_id = '6344'") == \
        [["SpiceCSM case 6344: Browsing", "open"]]
    assert len(server.sql("SELECT id FROM notes WHERE source = 'spicecsm' AND external_id = '7906'")) == 1


@pytest.mark.parametrize("call,variables,status,code", [
    ("update-case", {"caseXML": "<tickets><ticket cid=\u201d6344\u201d /></tickets>"}, 400, "malformed-xml"),
    ("update-account", {"userXML": "<userdata><user userkey='x'></userdata>"}, 400, "malformed-xml"),
    ("load", {}, 400, "missing-variable"),
    ("load", {"Userkey": "jdoe"}, 404, "unknown-userkey"),
    ("update-case", {"Userkey": "PID-999999", "caseXML": "<tickets/>"}, 404, "unknown-userkey"),
])
def test_errors_are_documented_xml(spicecsm, call, variables, status, code):
    base, userkey, _, _ = spicecsm
    if call == "update-case" and "Userkey" not in variables:
        variables = {**variables, "Userkey": userkey}
    response, error = post(base, call, **variables)
    assert response.status_code == status and error.tag == "error" and error.get("code") == code, response.text


@pytest.mark.parametrize("credentials", [{"intUser": "spice", "intPass": "wrong"}, {"intUser": "other", "intPass": "spice-integration-pass"}, {}])
def test_bad_credentials_are_401(spicecsm, credentials):
    base, code, _, _ = spicecsm
    response = requests.post(base + "load", data={**credentials, "Userkey": code}, timeout=10)
    error = ElementTree.fromstring(response.content)
    assert response.status_code == 401 and error.get("code") == "authentication-failed"


def post_multipart(base, call, files):
    """multipart/form-data, as requests sends fields given as files= (what many clients do when told to post a form)."""
    parts = {name: (None, value) for name, value in {**CREDENTIALS, **files}.items() if not isinstance(value, tuple)}
    parts.update({name: value for name, value in files.items() if isinstance(value, tuple)})
    response = requests.post(base + call, files=parts, timeout=10)
    assert response.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    return response, ElementTree.fromstring(response.content)


def test_every_call_accepts_multipart_form_data(spicecsm):
    base, code, _, _ = spicecsm
    response, users = post_multipart(base, "search", {"PrimaryEmail": "johnd@xyz.net"})
    assert response.status_code == 200 and [urllib.parse.unquote(u.get("userkey")) for u in users] == [code], response.text
    response, userdata = post_multipart(base, "load", {"Userkey": code})
    assert response.status_code == 200 and userdata.find("contacts/contact").get("firstname") == "John", response.text
    user_xml = f'<userdata><user userkey="{code}"/><contacts><contact city="Hue"/></contacts></userdata>'
    response, updated = post_multipart(base, "update-account", {"userXML": user_xml})
    assert response.status_code == 200 and updated.find("contacts/contact").get("city") == "Hue", response.text
    # caseXML as an uploaded file: its content is the variable's value.
    case_file = ("case.xml", (SAMPLES / "spicecsm-case.xml").read_bytes(), "text/xml")
    response, result = post_multipart(base, "update-case", {"Userkey": code, "caseXML": case_file})
    assert response.status_code == 200 and result.get("recorded") == "1", response.text


def test_a_body_that_is_not_a_form_is_415_not_a_credentials_error(spicecsm):
    base, code, _, _ = spicecsm
    response = requests.post(base + "load", json={**CREDENTIALS, "Userkey": code}, timeout=10)
    error = ElementTree.fromstring(response.content)
    assert response.status_code == 415 and error.get("code") == "unsupported-media-type", response.text
