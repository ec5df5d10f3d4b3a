"""Odd input to the staff REST API is a 4xx with a message, never a server error (the cases
the schemathesis run in test_fuzz_staff.py found)."""

import pytest

from tests.admin.test_tickets import make_desk

HUGE = 10**25  # beyond any database integer


@pytest.mark.parametrize("method, path", [
    ("delete", f"/api/v1/group/{HUGE}"),
    ("get", f"/api/v1/contact/{HUGE}"),
    ("put", f"/api/v1/directory/{HUGE}"),
    ("delete", f"/api/v1/directory/{HUGE}"),
    ("get", f"/api/v1/article/{HUGE}"),
    ("post", f"/api/v1/ticket/{HUGE}/reporters"),
    ("get", f"/api/v1/ticket/{HUGE}"),
])
def test_ids_beyond_the_database_integer_are_not_found(api, acme, globex, method, path):
    make_desk(acme, globex)
    client, headers = api("admin", acme)
    resp = getattr(client, method)(path, json={}, headers=headers)
    assert resp.status_code == 404 and resp.is_json, (path, resp.status_code, resp.text)


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/account/", {"name": "Initech", "domains": 0}, "domains"),
    ("/api/v1/contact/", {"email": "x@acme.example", "account": {"": [495]}}, "account"),
    ("/api/v1/contact/", {"email": "y@acme.example", "account": True}, "account"),
    ("/api/v1/group/", {"name": "Team", "members": [[], [{}]]}, "members"),
    ("/api/v1/group/", {"name": "Team", "members": 7}, "members"),
])
def test_malformed_fields_are_a_422_naming_the_field(api, acme, path, body, field):
    client, headers = api("admin", acme)
    resp = client.post(path, json=body, headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.get_json()["details"]["field"] == field


def test_a_list_offset_beyond_the_database_integer_is_refused(api, acme):
    client, headers = api("admin", acme)
    resp = client.get(f"/api/v1/article/?offset={HUGE}", headers=headers)
    assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "offset"
