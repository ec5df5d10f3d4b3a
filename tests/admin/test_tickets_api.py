"""Staff REST API for tickets (/api/v1/ticket/): the ticket page's actions behind FAB's
JWT login, scoped by X-Workspace."""

import pytest
from sqlalchemy import select

from portal.models import Ticket
from portal.services import timeline
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact
from tests.tickets_helpers import make_desk, open_ticket
from tests.tickets_helpers import reload_ticket as _reload


@pytest.fixture
def desk(acme, globex):
    return make_desk(acme, globex)


def test_agent_works_a_ticket_through_the_api(api, acme, desk, db):
    client, headers = api("agent", acme)
    base = f"/api/v1/ticket/{desk['ticket'].number}"

    resp = client.post(f"{base}/comments", json={"body": "We are on it."}, headers=headers)
    assert resp.status_code == 201, resp.text
    assert resp.get_json()["result"]["public"] is True
    resp = client.post(f"{base}/comments", json={"body": "VIP", "internal": True},
                       headers=headers)
    assert resp.status_code == 201 and resp.get_json()["result"]["public"] is False

    resp = client.patch(base, json={"stage": "in_progress", "priority": "high",
                                    "assignee_id": desk["colleague"].id}, headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.get_json()["result"]
    assert (body["stage"], body["priority"]) == ("in_progress", "high")
    assert body["assignee"] == {"id": desk["colleague"].id, "name": "colleague"}
    resp = client.put(base, json={"stage": "resolved"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["result"]["stage"] == "resolved"

    resp = client.post(f"{base}/reporters", json={"contact_id": desk["kim"].id}, headers=headers)
    assert resp.status_code == 200, resp.text
    resp = client.post(f"{base}/reporters", json={"email": "kim@acme.example"}, headers=headers)
    assert resp.status_code == 200  # already listed: nothing changes

    detail = client.get(base, headers=headers).get_json()["result"]
    assert {r["email"] for r in detail["reporters"]} == {"pat@acme.example", "kim@acme.example"}
    assert [(c["body"], c["public"], c["author_kind"]) for c in detail["comments"]] == [
        ("VIP", False, "staff"), ("We are on it.", True, "staff")]
    assert [e["kind"] for e in detail["events"]] == [
        "created", "comment", "note", "stage", "priority", "assignee", "stage", "reporter"]
    assert detail["custom_fields"] == [{"key": "category", "label": "Category",
                                        "value": "Problem"}]
    assert detail["form_version"] == 1

    ticket = _reload(db, acme, desk["ticket"].number)
    assert ticket.stage == "resolved" and ticket.assignee_id == desk["colleague"].id
    with use_workspace(acme.id):
        assert [c.body for c in timeline.comments(ticket, include_internal=False)] == [
            "We are on it."]

    resp = client.patch(base, json={"assignee_id": None}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["result"]["assignee"] is None


def test_list_filters_and_pages(api, acme, desk, db):
    other = make_account(acme, "Other Co")
    sam = make_contact(acme, "sam@other.example", account=other)
    urgent = open_ticket(acme, sam, "Server down")
    open_ticket(acme, desk["pat"], "Invoice question")
    client, headers = api("agent", acme)
    resp = client.patch(f"/api/v1/ticket/{urgent.number}",
                        json={"priority": "urgent", "assignee_id": desk["colleague"].id},
                        headers=headers)
    assert resp.status_code == 200

    def titles(query=""):
        resp = client.get(f"/api/v1/ticket/{query}", headers=headers)
        assert resp.status_code == 200, (query, resp.text)
        return {t["title"] for t in resp.get_json()["result"]}

    assert titles() == {"Printer on fire", "Server down", "Invoice question"}
    assert titles("?priority=urgent") == {"Server down"}
    assert titles(f"?assignee={desk['colleague'].id}") == {"Server down"}
    assert titles("?unassigned=true") == {"Printer on fire", "Invoice question"}
    assert titles(f"?account={other.id}") == {"Server down"}
    assert titles("?q=invoice") == {"Invoice question"}
    assert titles("?stage=open&stage=resolved") == {"Printer on fire", "Server down",
                                                   "Invoice question"}
    page = client.get("/api/v1/ticket/?sort=oldest&limit=2", headers=headers).get_json()
    assert [t["number"] for t in page["result"]] == [1, 2] and page["next"]
    rest = client.get(f"/api/v1/ticket/?sort=oldest&limit=2&after={page['next']}",
                      headers=headers).get_json()
    assert [t["number"] for t in rest["result"]] == [3] and rest["next"] is None
    for bad in ("?stage=nonsense", "?sort=sideways", "?limit=0", "?assignee=x", "?after=%%%"):
        resp = client.get(f"/api/v1/ticket/{bad}", headers=headers)
        assert resp.status_code == 422 and resp.is_json, bad


def test_refusals_are_json_and_change_nothing(api, acme, desk, db):
    client, headers = api("agent", acme)
    base = f"/api/v1/ticket/{desk['ticket'].number}"
    cases = [
        ("post", f"{base}/comments", {"body": "  "}),
        ("post", f"{base}/comments", {"body": "x", "internal": "yes"}),
        ("post", f"{base}/comments", ["not", "an", "object"]),
        ("patch", base, {}),
        ("patch", base, {"stage": "closed", "title": "renamed"}),
        ("patch", base, {"stage": "closed", "priority": "extreme"}),
        ("patch", base, {"stage": "closed", "assignee_id": "1"}),
        ("post", f"{base}/reporters", {}),
        ("post", f"{base}/reporters", {"contact_id": True}),
    ]
    for method, url, payload in cases:
        resp = getattr(client, method)(url, json=payload, headers=headers)
        assert resp.status_code == 422 and resp.get_json()["message"], (url, payload, resp.text)
    ticket = _reload(db, acme, desk["ticket"].number)
    assert ticket.stage == "open" and ticket.priority == "normal"
    with use_workspace(acme.id):
        assert timeline.comments(ticket, include_internal=True) == []


def test_acme_agent_cannot_reach_globex_tickets_or_people(api, acme, globex, desk, db):
    client, headers = api("agent", acme)
    for number in (2, 3, 999):
        for method, url, payload in (("get", f"/api/v1/ticket/{number}", None),
                                     ("post", f"/api/v1/ticket/{number}/comments",
                                      {"body": "leak?"}),
                                     ("patch", f"/api/v1/ticket/{number}", {"stage": "closed"}),
                                     ("post", f"/api/v1/ticket/{number}/reporters",
                                      {"contact_id": desk["pat"].id})):
            resp = getattr(client, method)(url, json=payload, headers=headers)
            assert resp.status_code == 404 and resp.is_json, (method, url)
    one = client.get("/api/v1/ticket/1", headers=headers).get_json()["result"]
    assert one["title"] == "Printer on fire"
    assert all("Globex" not in t["title"]
               for t in client.get("/api/v1/ticket/", headers=headers).get_json()["result"])
    resp = client.get("/api/v1/ticket/2", headers={**headers, "X-Workspace": "globex"})
    assert resp.status_code == 403

    base = f"/api/v1/ticket/{desk['ticket'].number}"
    resp = client.patch(base, json={"assignee_id": desk["outsider"].id}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "assignee_id"
    for payload in ({"contact_id": desk["neighbour"].id}, {"email": "gus@globex.example"}):
        resp = client.post(f"{base}/reporters", json=payload, headers=headers)
        assert resp.status_code == 422, payload
    ticket = _reload(db, acme, desk["ticket"].number)
    assert ticket.assignee_id is None and [c.email for c in ticket.reporters] == [
        "pat@acme.example"]
    with use_workspace(globex.id):
        db.session.expire_all()
        globex_three = db.session.scalar(select(Ticket).where(Ticket.number == 3))
        assert timeline.comments(globex_three, include_internal=True) == []
        assert globex_three.stage == "open"


def test_agents_do_not_delete_tickets_and_tokens_are_required(api, app, acme, desk, db):
    client, headers = api("agent", acme)
    resp = client.delete(f"/api/v1/ticket/{desk['ticket'].number}", headers=headers)
    assert resp.status_code == 403  # admins may: tests/admin/test_ticket_delete.py
    assert client.get("/api/v1/ticket/", headers=headers).status_code == 200
    assert _reload(db, acme, desk["ticket"].number) is not None
    resp = client.get("/api/v1/ticket/", headers={"X-Workspace": "acme"})
    assert resp.status_code == 401 and resp.is_json


def test_ticket_resource_is_in_the_openapi_document(api, acme):
    client, headers = api("agent", acme)
    resp = client.get("/api/v1/_openapi", headers=headers)
    assert resp.status_code == 200, resp.text
    paths = resp.get_json()["paths"]
    assert set(paths["/api/v1/ticket/"]) == {"get"}
    assert set(paths["/api/v1/ticket/{number}"]) == {"get", "patch", "put", "delete"}
    assert set(paths["/api/v1/ticket/{number}/comments"]) == {"post"}
    assert set(paths["/api/v1/ticket/{number}/reporters"]) == {"post"}
    post = paths["/api/v1/ticket/{number}/comments"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schemas = resp.get_json()["components"]["schemas"]
    assert schemas[ref.rsplit("/", 1)[-1]]["required"] == ["body"]
    assert "TicketChange" in schemas
