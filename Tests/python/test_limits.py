"""Listener limits (issue 23, point 3), through the real server: actions per request (413), the org's requests and
actions per minute set by the platform administrator and the listener's own rate limit (429 with Retry-After and
the IETF httpapi RateLimit fields), and the refusals counted per org in /metrics."""

import re

import requests

from crmhub_process import org_with_listener

SENDER_DOMAIN = ".example"


def post(server, slug, listener, count):
    items = [{"actionType": "add-note", "data": {"body": f"n{i}", "email": "nobody@example.vn"}} for i in range(count)]
    return requests.post(server.url(listener["url_path"]), timeout=30,
                         json={"senderUser": f"owner@{slug}.example", "data": items})


def refused_count(server, org_id, status):
    text = requests.get(server.url("/metrics"), timeout=10).text
    match = re.search(r'crmhub_listener_refused_total\{org_id="%s",status="%d"\} (\d+)' % (org_id, status), text)
    return int(match.group(1)) if match else 0


def test_org_requests_per_minute_answer_429_with_retry_after_and_ratelimit_fields(crmhub_server):
    slug, org_id, listener = org_with_listener(crmhub_server, "lim", "Limits")
    saved = crmhub_server.admin("PUT", f"/orgs/{slug}/listener-limits", {"requests_per_minute": 3})
    assert saved == {"requests_per_minute": 3, "items_per_minute": None, "max_items_per_request": 5000,
                     "max_request_bytes": 4 << 20}
    assert [post(crmhub_server, slug, listener, 1).status_code for _ in range(3)] != [429] * 3
    limited = post(crmhub_server, slug, listener, 1)
    assert limited.status_code == 429, limited.text
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["RateLimit-Policy"] == '"org-requests";q=3;w=60'
    assert re.fullmatch(r'"org-requests";r=0;t=\d+', limited.headers["RateLimit"])
    assert "3 requests a minute" in limited.json()["detail"] and "org-requests" in limited.json()["detail"]
    assert refused_count(crmhub_server, org_id, 429) >= 1

    # Only the platform administrator sets limits: the org's own admin key may read them, not change them.
    key = crmhub_server.admin("POST", f"/orgs/{slug}/api-keys", {"name": "ops", "scopes": ["admin"]})["key"]
    headers = {"Authorization": f"Bearer {key}"}
    assert requests.get(crmhub_server.url(f"/admin/v1/orgs/{slug}/listener-limits"), headers=headers, timeout=10).status_code == 200
    denied = requests.put(crmhub_server.url(f"/admin/v1/orgs/{slug}/listener-limits"), headers=headers, timeout=10,
                          json={"requests_per_minute": None})
    assert denied.status_code == 403, denied.text
    bad = requests.put(crmhub_server.url(f"/admin/v1/orgs/{slug}/listener-limits"), timeout=10,
                       headers={"Authorization": f"Bearer {crmhub_server.admin_token}"}, json={"items_per_minute": 0, "x": 1})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"items_per_minute", "x"}


def test_org_items_per_minute_count_this_requests_actions(crmhub_server):
    slug, org_id, listener = org_with_listener(crmhub_server, "lim", "Limits")
    crmhub_server.admin("PUT", f"/orgs/{slug}/listener-limits", {"items_per_minute": 5})
    assert post(crmhub_server, slug, listener, 4).status_code in (200, 207, 422)
    limited = post(crmhub_server, slug, listener, 2)
    assert limited.status_code == 429 and limited.headers["RateLimit-Policy"] == '"org-items";q=5;w=60', limited.text
    assert post(crmhub_server, slug, listener, 1).status_code != 429  # 4 + 1 fits
    crmhub_server.admin("PUT", f"/orgs/{slug}/listener-limits", {})
    assert post(crmhub_server, slug, listener, 3).status_code != 429


def test_a_listener_rate_limit_names_its_policy(crmhub_server):
    slug, org_id, listener = org_with_listener(crmhub_server, "lim", "Limits")
    crmhub_server.admin("PATCH", f"/orgs/{slug}/listeners/{listener['id']}", {"rate_limit_per_minute": 1})
    assert post(crmhub_server, slug, listener, 1).status_code != 429
    limited = post(crmhub_server, slug, listener, 1)
    assert limited.status_code == 429 and limited.headers["RateLimit-Policy"] == '"listener";q=1;w=60'


def test_more_actions_than_a_request_may_carry_is_413_naming_the_limit(crmhub_server):
    slug, org_id, listener = org_with_listener(crmhub_server, "lim", "Limits")
    answer = post(crmhub_server, slug, listener, 5001)
    assert answer.status_code == 413, answer.text
    problem = answer.json()
    assert problem["errors"][0]["field"] == "data" and "at most 5000" in problem["errors"][0]["message"]
    assert refused_count(crmhub_server, org_id, 413) >= 1
