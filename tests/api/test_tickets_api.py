"""The ticket API: contract, errors in the pages' shape, and who sees what (reporter,
customer admin, colleague, another workspace). Internal notes never appear."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Ticket
from portal.services import actors, portal_settings, ticket_forms, timeline
from portal.tenancy import use_workspace
from tests.factories import api_token, make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket

ROOT = Path(__file__).resolve().parents[2]
BASE = "/api/v1/workspaces/acme"
LAPTOP = {"category": "hardware", "subcategory": "laptop", "item": "x1", "serial": "S-1",
          "platforms": ["linux"], "affected_users": 3}


def bearer(contact):
    return {"Authorization": f"Bearer {api_token(contact)}"}


@pytest.fixture
def hardware_form(acme):
    definition = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())
    with use_workspace(acme.id):
        return ticket_forms.save(acme, definition)


@pytest.fixture
def pat(acme):
    return make_contact(acme, "pat@customer.example", name="Pat")


def new_ticket(**custom_fields):
    return {"title": "Laptop broken", "description": "It does not boot.", "priority": "high",
            "custom_fields": custom_fields}


def agent_of(ws):
    return make_staff("agent@example.com", role="agent", workspace=ws)


def reload(ticket):
    with use_workspace(ticket.workspace_id):
        return db.session.get(Ticket, ticket.id)


def test_ticket_form_is_the_compiled_current_version(client, acme, hardware_form):
    german = make_contact(acme, "kim@customer.example", locale="de-DE")
    body = client.get(f"{BASE}/ticket-form", headers=bearer(german)).get_json()
    assert body["version"] == hardware_form.version
    assert body["schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert body["schema"]["additionalProperties"] is False
    fields = {f["key"]: f for f in body["form"]["fields"]}
    assert fields["category"]["label"] == "Kategorie"
    assert fields["order_number"]["show_when"] == {"field": "category", "values": ["billing"]}
    assert fields["subcategory"]["options_by"]["field"] == "category"


def test_create_read_and_list(client, acme, pat, hardware_form):
    response = client.post(f"{BASE}/tickets", json=new_ticket(**LAPTOP), headers=bearer(pat))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"].endswith(f"{BASE}/tickets/{created['number']}")
    assert created["custom_fields"] == LAPTOP and created["form_version"] == hardware_form.version
    assert created["priority"] == "high" and created["stage"] == "open"
    assert {"label": "Item", "text": "ThinkPad X1"} in created["answers"]
    assert created["reported_by"] == [{"name": "Pat"}]
    shown = client.get(f"{BASE}/tickets/{created['number']}", headers=bearer(pat)).get_json()
    assert shown == created
    listed = client.get(f"{BASE}/tickets", headers=bearer(pat)).get_json()
    assert [t["number"] for t in listed["tickets"]] == [created["number"]]
    assert listed["next_cursor"] is None


def test_creation_reads_before_its_write_transaction(client, acme, hardware_form):
    """On SQLite a write transaction holds the file's write lock until its commit, and the
    other creators wait: everything the creation reads is read before its first write
    (the counter's UPDATE), the answer included."""
    from sqlalchemy import event

    acme.support_email = "help@acme.example"  # a notification is queued too
    db.session.commit()
    sam = make_contact(acme, "sam@customer.example", account=make_account(acme, "Sam Corp"))
    first = client.post(f"{BASE}/tickets", json=new_ticket(**LAPTOP), headers=bearer(sam))
    assert first.status_code == 201  # the counter and the notification exist from here
    headers, seen = {**bearer(sam), "Idempotency-Key": "one-ticket"}, []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.post(f"{BASE}/tickets", json=new_ticket(**LAPTOP), headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 201
    assert response.get_json()["account"]["name"] == "Sam Corp"
    writes = [i for i, sql in enumerate(seen) if not sql.startswith("SELECT")]
    assert seen[writes[0]].startswith("UPDATE ticket_counter"), seen
    assert [sql for sql in seen[writes[0]:] if sql.startswith("SELECT")] == []
    assert any(sql.startswith("INSERT INTO ticket_notification") for sql in seen)
    assert any(sql.startswith("INSERT INTO idempotency_key") for sql in seen)


@pytest.mark.parametrize("custom, errors", [
    ({"category": "billing"},  # conditional field required when its condition holds
     {"custom_fields.order_number", "custom_fields.subcategory"}),
    ({"category": "hardware", "subcategory": "invoice"},  # option of another parent
     {"custom_fields.subcategory"}),
    ({**LAPTOP, "item": "laserjet"},  # third level: printer item under laptop
     {"custom_fields.item"}),
    ({**LAPTOP, "affected_users": "many"}, {"custom_fields.affected_users"}),
    ({**LAPTOP, "contact_email": "not-an-email"}, {"custom_fields.contact_email"}),
    ({**LAPTOP, "platforms": ["bsd"]}, {"custom_fields.platforms"}),
    ({"category": "billing", "subcategory": "refund", "order_number": "x" * 41},
     {"custom_fields.order_number"}),
])
def test_invalid_custom_fields_are_named(client, acme, pat, hardware_form, custom, errors):
    response = client.post(f"{BASE}/tickets", json=new_ticket(**custom), headers=bearer(pat))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid" and body["message"]
    assert set(body["details"]["fields"]) == errors, body


def test_conditional_field_valid_when_its_condition_holds(client, acme, pat, hardware_form):
    custom = {"category": "billing", "subcategory": "refund", "order_number": "A-17"}
    response = client.post(f"{BASE}/tickets", json=new_ticket(**custom), headers=bearer(pat))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["custom_fields"] == custom  # the conditional field is kept


def test_wrong_types_and_bodies(client, acme, pat):
    headers = bearer(pat)
    wrong = client.post(f"{BASE}/tickets", headers=headers,
                        json={"title": 5, "description": ["x"], "priority": None,
                              "custom_fields": "problem"})
    assert wrong.status_code == 422
    assert {"title", "description", "priority", "custom_fields"} <= set(
        wrong.get_json()["details"]["fields"])
    assert client.post(f"{BASE}/tickets", headers=headers, data="{nope",
                       content_type="application/json").status_code == 400
    assert client.post(f"{BASE}/tickets", headers=headers, data="title=x").status_code == 415
    assert client.post(f"{BASE}/tickets", headers=headers, json=[1]).status_code == 422
    nul = client.post(f"{BASE}/tickets", headers=headers,
                      json={"title": "a\x00b", "description": "d"})
    assert nul.status_code == 422 and "title" in nul.get_json()["details"]["fields"]
    long_title = client.post(f"{BASE}/tickets", headers=headers,
                             json={"title": " " + "x" * 200, "description": "d",
                                   "custom_fields": {"category": "problem"}})
    assert long_title.get_json()["details"]["fields"] == {"title": "The title is too long."}
    with use_workspace(acme.id):
        assert db.session.query(Ticket).count() == 0


def test_authentication_and_workspace_in_the_path(client, acme, globex, pat):
    ticket = open_ticket(acme, pat)
    assert client.get(f"{BASE}/tickets").status_code == 401
    nope = {"Authorization": "Bearer nope"}
    assert client.get(f"{BASE}/tickets", headers=nope).status_code == 401
    other = make_contact(globex, "pat@customer.example")
    globex_ticket = open_ticket(globex, other)
    assert globex_ticket.number == ticket.number  # same number, other workspace
    for path in ("/tickets", f"/tickets/{ticket.number}", "/ticket-form"):
        response = client.get(f"{BASE}{path}", headers=bearer(other))
        assert response.status_code == 404 and response.is_json, path
    assert client.get("/api/v1/workspaces/nowhere/tickets", headers=bearer(pat)).status_code == 404
    mine = client.get(f"/api/v1/workspaces/globex/tickets/{ticket.number}", headers=bearer(other))
    assert mine.get_json()["title"] == globex_ticket.title


def test_visibility_matrix(client, acme, globex):
    account = make_account(acme, "Customer Inc")
    reporter = make_contact(acme, "rep@customer.example", account=account)
    admin = make_contact(acme, "boss@customer.example", account=account, customer_admin=True)
    colleague = make_contact(acme, "col@customer.example", account=account)
    outsider = make_contact(globex, "rep@customer.example")
    ticket = open_ticket(acme, reporter)
    staff_only = open_ticket(acme, make_contact(acme, "someone@else.example"))  # no account
    number = ticket.number
    paths = [f"/tickets/{number}", f"/tickets/{number}/comments"]
    for path in paths:
        assert client.get(f"{BASE}{path}", headers=bearer(reporter)).status_code == 200
        assert client.get(f"{BASE}{path}", headers=bearer(admin)).status_code == 200
        for who in (colleague, outsider):
            assert client.get(f"{BASE}{path}", headers=bearer(who)).status_code == 404
    for who in (reporter, admin, colleague):
        hidden = client.get(f"{BASE}/tickets/{staff_only.number}", headers=bearer(who))
        assert hidden.status_code == 404 and hidden.get_json()["error"] == "not_found"
    for action in ("comments", "close", "reopen"):
        post = client.post(f"{BASE}/tickets/{number}/{action}", json={"body": "hi"},
                           headers=bearer(colleague))
        assert post.status_code == 404, action
    org = client.get(f"{BASE}/tickets?scope=organization", headers=bearer(admin)).get_json()
    assert [t["number"] for t in org["tickets"]] == [number]
    assert client.get(f"{BASE}/tickets", headers=bearer(admin)).get_json()["tickets"] == []
    assert client.get(f"{BASE}/tickets?scope=organization",
                      headers=bearer(colleague)).status_code == 403
    assert client.get(f"{BASE}/tickets", headers=bearer(colleague)).get_json()["tickets"] == []


def test_comments_hide_internal_notes(client, acme, pat):
    ticket = open_ticket(acme, pat)
    agent = agent_of(acme)
    with use_workspace(acme.id):
        timeline.add_comment(reload(ticket), actors.staff(agent), "SECRET note", public=False)
        timeline.add_comment(reload(ticket), actors.staff(agent), "Have you tried turning it off?")
    added = client.post(f"{BASE}/tickets/{ticket.number}/comments", headers=bearer(pat),
                        json={"body": " Yes. "})
    assert added.status_code == 201
    assert added.get_json()["body"] == "Yes." and added.get_json()["author"]["role"] == "customer"
    listed = client.get(f"{BASE}/tickets/{ticket.number}/comments", headers=bearer(pat))
    comments = listed.get_json()["comments"]
    assert [c["body"] for c in comments] == ["Have you tried turning it off?", "Yes."]
    assert comments[0]["author"]["role"] == "support"
    shown = client.get(f"{BASE}/tickets/{ticket.number}", headers=bearer(pat)).get_json()
    assert shown["comment_count"] == 2
    assert "SECRET" not in listed.get_data(as_text=True) + json.dumps(shown)


def test_comment_errors(client, acme, pat):
    ticket = open_ticket(acme, pat)
    path = f"{BASE}/tickets/{ticket.number}/comments"
    empty = client.post(path, headers=bearer(pat), json={"body": "  "})
    assert empty.status_code == 422 and empty.get_json()["details"]["fields"] == {
        "body": "Write a message."}
    assert client.post(path, headers=bearer(pat), json={"body": 7}).status_code == 422
    assert client.post(path, headers=bearer(pat), json={}).status_code == 422
    assert client.post(path, headers=bearer(pat), data="x",
                       content_type="application/json").status_code == 400
    assert client.post(f"{BASE}/tickets/99/comments", headers=bearer(pat),
                       json={"body": "hi"}).status_code == 404
    assert client.get(f"{BASE}/tickets/{2**40}/comments", headers=bearer(pat)).status_code == 404


def test_close_and_reopen(client, acme, pat):
    ticket = open_ticket(acme, pat)
    path = f"{BASE}/tickets/{ticket.number}"
    refused = client.post(f"{path}/close", headers=bearer(pat))
    assert refused.status_code == 422 and "stage" in refused.get_json()["details"]["fields"]
    with use_workspace(acme.id):
        timeline.set_stage(reload(ticket), actors.staff(agent_of(acme)), "resolved")
    assert client.get(path, headers=bearer(pat)).get_json()["can_close"] is True
    closed = client.post(f"{path}/close", headers=bearer(pat))
    assert closed.status_code == 200 and closed.get_json()["stage"] == "closed"
    reopened = client.post(f"{path}/reopen", headers=bearer(pat))
    assert reopened.status_code == 200 and reopened.get_json()["stage"] == "open"
    with use_workspace(acme.id):
        timeline.set_stage(reload(ticket), actors.staff(agent_of(acme)), "closed")
        found = reload(ticket)
        found.closed_at -= timedelta(days=30)
        db.session.commit()
    late = client.post(f"{path}/reopen", headers=bearer(pat))
    assert late.status_code == 422 and late.get_json()["details"]["fields"]["stage"]


def test_list_filters_search_and_keyset_pages(client, acme, pat):
    made = [open_ticket(acme, pat, title=f"Issue {i}") for i in range(5)]
    with use_workspace(acme.id):
        timeline.set_stage(reload(made[0]), actors.staff(agent_of(acme)), "resolved")
    headers = bearer(pat)

    def numbers(query):
        response = client.get(f"{BASE}/tickets?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [t["number"] for t in response.get_json()["tickets"]]

    assert numbers("stage=resolved") == [made[0].number]
    assert numbers("stage=open&stage=resolved") == [t.number for t in reversed(made)]
    assert numbers("q=Issue 3") == [made[3].number]
    assert numbers(f"q=%23{made[1].number}") == [made[1].number]
    assert numbers("sort=oldest&priority=normal") == [t.number for t in made]
    first = client.get(f"{BASE}/tickets?limit=2", headers=headers).get_json()
    open_ticket(acme, pat, title="Inserted meanwhile")  # keyset pages stay stable
    second = client.get(f"{BASE}/tickets?limit=2&after={first['next_cursor']}",
                        headers=headers).get_json()
    seen = [t["number"] for t in first["tickets"] + second["tickets"]]
    assert seen == [made[4].number, made[3].number, made[2].number, made[1].number]
    for bad in ("limit=0", "limit=101", "limit=x", "sort=best", "stage=", "stage=lost",
                "priority=", "priority=meh", "scope=everyone", "after=%%%", "q=" + "x" * 201):
        response = client.get(f"{BASE}/tickets?{bad}", headers=headers)
        assert response.status_code == 422 and response.is_json, bad


def test_tickets_switched_off_are_not_found(client, acme, pat):
    portal_settings.change(acme, {"features.tickets": "off"})
    db.session.commit()
    for path in ("/tickets", "/ticket-form"):
        assert client.get(f"{BASE}{path}", headers=bearer(pat)).status_code == 404
    response = client.post(f"{BASE}/tickets", json=new_ticket(category="problem"),
                           headers=bearer(pat))
    assert response.status_code == 404


def test_openapi_lists_the_ticket_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/workspaces/{slug}/ticket-form", "/workspaces/{slug}/tickets",
                 "/workspaces/{slug}/tickets/{number}",
                 "/workspaces/{slug}/tickets/{number}/comments",
                 "/workspaces/{slug}/tickets/{number}/events",
                 "/workspaces/{slug}/tickets/{number}/close",
                 "/workspaces/{slug}/tickets/{number}/reopen"):
        assert path in doc["paths"], path
    events = doc["paths"]["/workspaces/{slug}/tickets/{number}/events"]["get"]
    assert "text/event-stream" in events["responses"]["200"]["content"]
    assert "422" in doc["paths"]["/workspaces/{slug}/tickets"]["post"]["responses"]


def staff_api(app, ws):
    """(client, headers) of an agent of `ws` on the staff API (FAB JWT login)."""
    from tests.admin.conftest import PASSWORD, jwt_token, new_client

    make_staff("agent@example.com", PASSWORD, "agent", ws)
    client = new_client(app)
    return client, {"Authorization": f"Bearer {jwt_token(client, 'agent@example.com')}",
                    "X-Workspace": ws.slug}


def test_internal_activity_moves_neither_updated_at_nor_the_updated_sort(app, client, acme,
                                                                         pat):
    """Staff see every change; the customer's `updated_at` and "updated" order only move
    for what the customer can see (here a public reply, at the end)."""
    older, newer = open_ticket(acme, pat, title="Older"), open_ticket(acme, pat, title="Newer")
    headers = bearer(pat)

    def customer_view():
        listed = client.get(f"{BASE}/tickets?sort=updated", headers=headers).get_json()
        one = client.get(f"{BASE}/tickets/{older.number}", headers=headers).get_json()
        paged = client.get(f"{BASE}/tickets?sort=updated&limit=1", headers=headers).get_json()
        return ([(t["number"], t["updated_at"]) for t in listed["tickets"]], one["updated_at"],
                paged["tickets"][0]["number"])

    seen = customer_view()
    assert seen[0] == [(newer.number, seen[0][0][1]), (older.number, seen[1])]
    staff, staff_headers = staff_api(app, acme)
    staff_base = f"/api/v1/ticket/{older.number}"
    staff_before = staff.get(staff_base, headers=staff_headers).get_json()["result"]
    note = staff.post(f"{staff_base}/comments", json={"body": "VIP", "internal": True},
                      headers=staff_headers)
    assert note.status_code == 201
    staff_after = staff.get(staff_base, headers=staff_headers).get_json()["result"]
    assert staff_after["updated_at"] > staff_before["updated_at"]  # staff see the note
    staff_list = staff.get("/api/v1/ticket/?sort=updated", headers=staff_headers).get_json()
    assert [t["number"] for t in staff_list["result"]][:1] == [older.number]
    assert customer_view() == seen

    reply = staff.post(f"{staff_base}/comments", json={"body": "We are on it."},
                       headers=staff_headers)
    assert reply.status_code == 201
    listed, one, first = customer_view()
    assert [n for n, _ in listed] == [older.number, newer.number] and first == older.number
    assert one > seen[1] and listed[0][1] == one


def test_a_new_form_version_applies_to_the_next_creation_at_once(client, acme, pat):
    """The form's definition is kept per process (a saved version never changes), but the
    newest version's id is read at every creation: a version saved since (on any worker)
    checks the very next ticket, and the kept copy's definition is not read again."""
    from sqlalchemy import event, select

    headers, acme_id = bearer(pat), acme.id
    simple = {"title": "Printer", "description": "Jammed.",
              "custom_fields": {"category": "problem"}}
    first = client.post(f"{BASE}/tickets", json=simple, headers=headers)
    assert first.status_code == 201 and first.get_json()["form_version"] == 1
    definition = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())
    with use_workspace(acme.id):
        saved = ticket_forms.save(acme, definition)
        saved_id, saved_version = saved.id, saved.version
    db.session.remove()  # as another worker's request: nothing of the save in this session
    refused = client.post(f"{BASE}/tickets", json=simple, headers=headers)
    assert refused.status_code == 422
    assert "custom_fields.category" in refused.get_json()["details"]["fields"]
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    client.post(f"{BASE}/tickets", json=new_ticket(**LAPTOP), headers=headers)  # kept now
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        created = client.post(f"{BASE}/tickets", json=new_ticket(**LAPTOP), headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["form_version"] == saved_version == 2
    assert {"label": "Item", "text": "ThinkPad X1"} in created.get_json()["answers"]
    assert not [sql for sql in seen if "ticket_form.definition" in sql], seen
    with use_workspace(acme_id):
        ticket = db.session.scalar(select(Ticket).where(
            Ticket.number == created.get_json()["number"]))
        assert ticket.form_id == saved_id
