"""Odd input to the staff REST API is a 4xx with a message, never a server error (the cases
the schemathesis run in test_fuzz_staff.py found)."""

import prison
import pytest

from tests.factories import make_account
from tests.tickets_helpers import make_desk

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


# Each case below answered 500 before the staff API read its input through declared
# schemas (portal/schemas/staff_*.py). HUGE overflows SQLite's integer as well as
# PostgreSQL's, so they fail on both databases without the fix.
@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/ticket/1/reporters", {"contact_id": HUGE}, "contact_id"),
    ("/api/v1/ticket/1/reporters", {"contact_id": 2**31}, "contact_id"),
    ("/api/v1/directory/", {"names": {"en-US": "Billing"}, "parent_id": HUGE}, "parent_id"),
    ("/api/v1/directory/", {"names": {"en-US": "Billing"}, "parent_id": 2**31}, "parent_id"),
    ("/api/v1/directory/", {"names": {"en-US": "Billing"}, "slug": 5}, "slug"),
    ("/api/v1/directory/", {"names": {"en-US": "Billing"}, "slug": ["billing"]}, "slug"),
])
def test_huge_ids_and_numbers_for_slugs_in_bodies_are_a_422(api, acme, globex, path, body,
                                                            field):
    make_desk(acme, globex)
    client, headers = api("admin", acme)
    resp = client.post(path, json=body, headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.get_json()["error"] == "invalid"
    assert resp.get_json()["details"]["field"] == field


@pytest.mark.parametrize("query, field", [
    (f"?account={HUGE}", "account"),
    (f"?assignee={HUGE}", "assignee"),
    (f"?assignee={2**31}", "assignee"),
])
def test_huge_ticket_filters_are_a_422(api, acme, globex, query, field):
    make_desk(acme, globex)
    client, headers = api("agent", acme)
    resp = client.get(f"/api/v1/ticket/{query}", headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.get_json()["details"]["field"] == field


def _q(value) -> str:
    return "?q=" + prison.dumps(value)


@pytest.mark.parametrize("path, field", [
    ("/api/v1/contact/" + _q({"filters": [{"col": "account", "opr": "rel_o_m",
                                           "value": HUGE}]}), "filters.value"),
    ("/api/v1/contact/" + _q({"filters": [{"col": "verified", "opr": "eq", "value": "x"}]}),
     "filters.value"),
    ("/api/v1/group/" + _q({"filters": [{"col": "system", "opr": "eq", "value": HUGE}]}),
     "filters.value"),
    ("/api/v1/contact/" + _q({"filters": [{"col": "name", "opr": "sw", "value": 5}]}),
     "filters.value"),
    ("/api/v1/contact/" + _q({"filters": [{"col": "name", "opr": "in", "value": "x"}]}),
     "filters.value"),
    ("/api/v1/account/" + _q({"page": HUGE, "page_size": 10}), "page"),
    ("/api/v1/account/_info" + _q({"add_columns": {"domains": {"page": -1}}}),
     "add_columns.domains.value.page"),
])
def test_fab_q_arguments_are_typed(api, acme, path, field):
    client, headers = api("admin", acme)
    resp = client.get(path, headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.get_json()["details"]["field"] == field


@pytest.mark.parametrize("q", ["(((", "(a:", "!("])
def test_q_that_is_neither_rison_nor_json_is_a_400(api, acme, q):
    client, headers = api("admin", acme)
    resp = client.get(f"/api/v1/contact/?q={q}", headers=headers)
    assert resp.status_code == 400, resp.text
    assert resp.get_json()["error"] == "malformed_query"


def test_fab_refusals_have_the_customer_api_error_shape(api, acme):
    client, headers = api("agent", acme)
    cases = [
        (client.get("/api/v1/contact/", headers={"X-Workspace": "acme"}), 401, "unauthorized"),
        (client.get("/api/v1/ticket/", headers={**headers, "Authorization": "Bearer abc"}),
         401, "unauthorized"),
        (client.post("/api/v1/account/", json={"name": "X"}, headers=headers), 403,
         "forbidden"),
        (client.get("/api/v1/contact/999999", headers=headers), 404, "not_found"),
        (client.delete("/api/v1/contact/abc", headers=headers), 404, "not_found"),
    ]
    for resp, status, code in cases:
        assert resp.status_code == status and resp.get_json()["error"] == code, resp.text
        assert isinstance(resp.get_json()["message"], str)


def test_info_describes_columns_without_the_catalog_header(api, acme, globex):
    mine = make_account(acme, "Acme Corp")
    make_account(globex, "Globex Corp")
    client, headers = api("admin", acme)
    info = client.get("/api/v1/contact/_info", headers=headers).get_json()
    assert all("Project-Id-Version" not in column["description"]
               for column in info["add_columns"]), info["add_columns"]
    account = next(c for c in info["add_columns"] if c["name"] == "account")
    assert account["values"] == [{"id": mine.id, "value": str(mine)}]
