"""The listener test call (issue 23, point 4): POST /admin/v1/orgs/{org}/listeners/{id}/test runs a sample request
through the listener's full path (envelope, sender, validation, matching, dedup) and keeps nothing."""

import requests

from crmhub_process import org_with_listener


def counts(server, org_id):
    return server.sql(f"""SELECT (SELECT count(*) FROM customers WHERE org_id = {org_id}),
                                 (SELECT count(*) FROM customer_history WHERE org_id = {org_id}),
                                 (SELECT count(*) FROM listener_requests WHERE org_id = {org_id}),
                                 (SELECT count(*) FROM outbox WHERE org_id = {org_id})""")[0]


def test_the_sample_runs_the_full_path_and_nothing_is_kept(crmhub_server):
    slug, org_id, listener = org_with_listener(crmhub_server, "tc", "Test call")
    before = counts(crmhub_server, org_id)
    result = crmhub_server.admin("POST", f"/orgs/{slug}/listeners/{listener['id']}/test")
    assert result["dry_run"] is True and result["status"] == 200, result
    item = result["response"]["results"][0]
    assert item["actionType"] == "add-contact" and item["outcome"] == "created"
    assert item["records"][0]["customerId"].startswith("PID-")
    assert result["request"]["senderUser"] == f"owner@{slug}.example"
    assert counts(crmhub_server, org_id) == before == ["0", "0", "0", "0"]

    # Matching and dedup are real: the same contact sent for real first makes the test answer matched-existing.
    sent = requests.post(crmhub_server.url(listener["url_path"]), timeout=10, json=result["request"])
    assert sent.status_code == 200, sent.text
    # The test predicted the code the real request got (a dry run draws no code).
    assert sent.json()["results"][0]["records"][0]["customerId"] == item["records"][0]["customerId"], (sent.text, item)
    after_real = counts(crmhub_server, org_id)
    again = crmhub_server.admin("POST", f"/orgs/{slug}/listeners/{listener['id']}/test")
    assert again["response"]["results"][0]["outcome"] == "matched-existing", again
    assert counts(crmhub_server, org_id) == after_real


def test_a_given_request_is_validated_as_the_listener_would(crmhub_server):
    slug, org_id, listener = org_with_listener(crmhub_server, "tc", "Test call")
    bad = {"senderUser": f"owner@{slug}.example", "data": [{"actionType": "add-contact", "data": {"lastname": "no name"}}]}
    result = crmhub_server.admin("POST", f"/orgs/{slug}/listeners/{listener['id']}/test", {"request": bad})
    assert result["status"] == 422 and result["response"]["results"][0]["outcome"] == "error", result
    assert any("name" in e["field"] for e in result["response"]["results"][0]["errors"]), result
    stranger = {"senderUser": "nobody@else.example", "data": []}
    result = crmhub_server.admin("POST", f"/orgs/{slug}/listeners/{listener['id']}/test", {"request": stranger})
    assert result["status"] == 422 and "senderUser" in result["response"]["detail"], result
    assert counts(crmhub_server, org_id) == ["0", "0", "0", "0"]
    crmhub_server.admin("POST", f"/orgs/{slug}/listeners/999999/test", expect=(404,))
    crmhub_server.admin("POST", f"/orgs/{slug}/listeners/{listener['id']}/test", {"request": "text"}, expect=(422,))
