"""Tickets > Queue and the staff ticket page: agents work tickets through the timeline
services, only in their own workspace."""

import re

import pytest
from sqlalchemy import select

from portal.models import Comment, TicketEvent
from portal.services import timeline
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD, fab_csrf
from tests.factories import make_account, make_contact, make_staff
from tests.tickets_helpers import make_desk, open_ticket
from tests.tickets_helpers import reload_ticket as _reload


@pytest.fixture
def desk(acme, globex):
    return make_desk(acme, globex)


def _post(client, url, data, token):
    return client.post(url, data={**data, "csrf_token": token})


def _thread_ids(html):
    return [int(n) for n in re.findall(r'id="comment-(\d+)"', html)]


def test_agent_works_a_ticket_end_to_end(staff, acme, desk, db):
    client = staff("agent", acme)
    number = desk["ticket"].number
    url = f"/admin/tickets/{number}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Printer on fire" in page.text and "Pat Doe" in page.text
    # the custom field shows with the label and option label of the ticket's form version
    assert re.search(r"<dt>Category</dt><dd[^>]*>Problem</dd>", page.text)
    token = fab_csrf(page.text)

    steps = [("reply", {"body": "We are on it."}), ("note", {"note": "Customer is VIP."}),
             ("stage", {"stage": "in_progress"}), ("priority", {"priority": "high"}),
             ("assignee", {"assignee": str(desk["colleague"].id)}),
             ("reporters", {"email": "kim@acme.example"})]
    for action, data in steps:
        resp = _post(client, f"{url}/{action}", data, token)
        assert resp.status_code == 303, (action, resp.status_code, resp.text[:300])
        assert resp.headers["Location"].endswith(url)

    ticket = _reload(db, acme, number)
    assert (ticket.stage, ticket.priority) == ("in_progress", "high")
    assert ticket.assignee_id == desk["colleague"].id
    assert {c.email for c in ticket.reporters} == {"pat@acme.example", "kim@acme.example"}
    with use_workspace(acme.id):
        kinds = [e.kind for e in timeline.events(ticket, include_internal=True)]
        thread = timeline.comments(ticket, include_internal=True)
    assert kinds == ["created", "comment", "note", "stage", "priority", "assignee", "reporter"]
    assert [(c.body, c.public) for c in thread] == [("Customer is VIP.", False),
                                                    ("We are on it.", True)]
    assert all(c.author_staff_id is not None for c in thread)

    page = client.get(url).text
    # newest first, note and reply marked differently, history in words
    assert _thread_ids(page) == [c.id for c in thread]
    assert re.search(rf'class="[^"]*comment-internal[^"]*" id="comment-{thread[0].id}"', page)
    assert re.search(rf'class="[^"]*comment-public[^"]*" id="comment-{thread[1].id}"', page)
    assert "Stage changed from Open to In progress" in page
    assert "Priority changed from Normal to High" in page
    assert "Kim Roe added to Reported by" in page


def test_a_reply_records_an_event_and_a_note_stays_internal(staff, acme, desk, db):
    client = staff("agent", acme)
    url = f"/admin/tickets/{desk['ticket'].number}"
    token = fab_csrf(client.get(url).text)
    _post(client, f"{url}/reply", {"body": "Public answer"}, token)
    _post(client, f"{url}/note", {"note": "Secret note"}, token)
    ticket = _reload(db, acme, desk["ticket"].number)
    with use_workspace(acme.id):
        reply = db.session.scalar(select(Comment).where(Comment.body == "Public answer"))
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "comment"))
        assert event is not None and event.public and event.data == {"comment_id": reply.id}
        customer_view = timeline.comments(ticket, include_internal=False)
        customer_events = timeline.events(ticket, include_internal=False)
    assert [c.body for c in customer_view] == ["Public answer"]
    assert "note" not in {e.kind for e in customer_events}


def test_refusals_are_shown_and_nothing_typed_is_lost(staff, acme, desk, db):
    client = staff("agent", acme)
    url = f"/admin/tickets/{desk['ticket'].number}"
    token = fab_csrf(client.get(url).text)

    resp = _post(client, f"{url}/reply", {"body": "   "}, token)
    assert resp.status_code == 422 and 'id="error-reply"' in resp.text
    assert "Write a message." in resp.text

    long_note = "Remember this. " + "x" * 20000
    resp = _post(client, f"{url}/note", {"note": long_note}, token)
    assert resp.status_code == 422 and "The message is too long." in resp.text
    assert long_note in resp.text  # kept in the textarea

    resp = _post(client, f"{url}/stage", {"stage": "bogus"}, token)
    assert resp.status_code == 422 and "Unknown stage." in resp.text

    resp = _post(client, f"{url}/reporters", {"email": "nobody@acme.example"}, token)
    assert resp.status_code == 422 and 'id="error-reporter"' in resp.text
    assert 'value="nobody@acme.example"' in resp.text

    with use_workspace(acme.id):
        ticket = _reload(db, acme, desk["ticket"].number)
        assert timeline.comments(ticket, include_internal=True) == []
        assert ticket.stage == "open"


def test_every_form_needs_its_csrf_token(staff, acme, desk, db):
    client = staff("agent", acme)
    url = f"/admin/tickets/{desk['ticket'].number}"
    for action, data in (("reply", {"body": "hi"}), ("note", {"note": "hi"}),
                         ("stage", {"stage": "resolved"}), ("priority", {"priority": "low"}),
                         ("assignee", {"assignee": ""}),
                         ("reporters", {"email": "kim@acme.example"})):
        resp = client.post(f"{url}/{action}", data=data)
        assert resp.status_code == 400, action
    ticket = _reload(db, acme, desk["ticket"].number)
    assert ticket.stage == "open" and ticket.priority == "normal"
    assert len(ticket.reporters) == 1


def test_agent_cannot_reach_another_workspaces_ticket(staff, acme, desk, db):
    client = staff("agent", acme)
    token = fab_csrf(client.get(f"/admin/tickets/{desk['ticket'].number}").text)
    for number in (2, 3, 999):
        assert client.get(f"/admin/tickets/{number}").status_code == 404
        for action, data in (("reply", {"body": "leak?"}), ("stage", {"stage": "closed"})):
            assert _post(client, f"/admin/tickets/{number}/{action}", data,
                         token).status_code == 404
    # number 1 exists in both workspaces: the agent gets acme's
    page = client.get("/admin/tickets/1").text
    assert "Printer on fire" in page and "Globex secret" not in page
    queue = client.get("/admin/tickets/").text
    assert "Printer on fire" in queue and "Globex secret" not in queue
    globex_ticket = desk["globex_tickets"][2]
    with use_workspace(globex_ticket.workspace_id):
        db.session.expire_all()
        assert timeline.comments(globex_ticket, include_internal=True) == []
        assert globex_ticket.stage == "open"


def test_agent_cannot_assign_or_add_people_of_another_workspace(staff, acme, desk, db):
    client = staff("agent", acme)
    url = f"/admin/tickets/{desk['ticket'].number}"
    page = client.get(url).text
    assert "colleague" in page and "outsider" not in page  # not offered
    token = fab_csrf(page)
    resp = _post(client, f"{url}/assignee", {"assignee": str(desk["outsider"].id)}, token)
    assert resp.status_code == 422 and "Choose a staff member of this workspace." in resp.text
    resp = _post(client, f"{url}/reporters", {"email": "gus@globex.example"}, token)
    assert resp.status_code == 422
    ticket = _reload(db, acme, desk["ticket"].number)
    assert ticket.assignee_id is None
    assert [c.email for c in ticket.reporters] == ["pat@acme.example"]


def test_platform_admins_may_be_assigned(staff, acme, desk, db):
    boss = make_staff("boss@staff.example", PASSWORD, "admin", None)
    client = staff("admin", acme)
    url = f"/admin/tickets/{desk['ticket'].number}"
    token = fab_csrf(client.get(url).text)
    assert _post(client, f"{url}/assignee", {"assignee": str(boss.id)}, token).status_code == 303
    assert _reload(db, acme, desk["ticket"].number).assignee_id == boss.id
    assert _post(client, f"{url}/assignee", {"assignee": ""}, token).status_code == 303
    assert _reload(db, acme, desk["ticket"].number).assignee_id is None


def _queue_titles(html):
    table = html.split('id="ticket-queue"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'/admin/tickets/\d+">([^<#][^<]*)</a>', table))


def test_queue_filters_search_sort_and_pages(staff, acme, desk, db):
    pat, colleague = desk["pat"], desk["colleague"]
    other = make_account(acme, "Other Co")
    sam = make_contact(acme, "sam@other.example", account=other)
    urgent = open_ticket(acme, sam, "Server down")
    waiting = open_ticket(acme, pat, "Invoice question")
    with use_workspace(acme.id):
        from portal.services import actors
        actor = actors.staff(colleague)
        timeline.set_priority(urgent, actor, "urgent")
        timeline.assign(urgent, actor, colleague)
        timeline.set_stage(waiting, actor, "awaiting_customer")
    client = staff("agent", acme)
    every = {"Printer on fire", "Server down", "Invoice question"}
    assert _queue_titles(client.get("/admin/tickets/").text) == every
    cases = {
        "?stage=awaiting_customer": {"Invoice question"},
        "?priority=urgent": {"Server down"},
        f"?assignee={colleague.id}": {"Server down"},
        "?unassigned=1": {"Printer on fire", "Invoice question"},
        f"?account={other.id}": {"Server down"},
        "?q=invoice": {"Invoice question"},
        f"?q=%23{urgent.number}": {"Server down"},
        "?stage=open&priority=normal": {"Printer on fire"},
    }
    for query, expected in cases.items():
        resp = client.get("/admin/tickets/" + query)
        assert resp.status_code == 200, query
        assert _queue_titles(resp.text) == expected, query
    unassigned = client.get("/admin/tickets/unassigned")
    assert _queue_titles(unassigned.text) == {"Printer on fire", "Invoice question"}
    assert "Awaiting customer" in client.get("/admin/tickets/?stage=awaiting_customer").text

    first = client.get("/admin/tickets/?sort=oldest&limit=2").text
    assert _queue_titles(first) == {"Printer on fire", "Server down"}
    next_url = re.search(r'id="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).text
    assert _queue_titles(second) == {"Invoice question"} and 'id="next-page"' not in second

    bad = client.get("/admin/tickets/?stage=nonsense")
    assert bad.status_code == 422 and 'id="queue-error"' in bad.text


def test_agent_and_admin_work_tickets_and_only_admins_delete(app, staff, acme, desk, db):
    from portal import database

    database.sync_permissions()
    sm = app.appbuilder.sm
    for role in ("Admin", "Agent"):
        held = {(pv.view_menu.name, pv.permission.name) for pv in sm.find_role(role).permissions}
        assert {("TicketsView", "can_list"), ("TicketsView", "can_show"),
                ("TicketsView", "can_work"), ("TicketApi", "can_get"), ("TicketApi", "can_post"),
                ("TicketApi", "can_put"), ("Queue", "menu_access"),
                ("Unassigned", "menu_access")} <= held, role
        deletes = {(view, perm) for view, perm in held
                   if view in ("TicketsView", "TicketApi") and "delete" in perm}
        expected = {("TicketsView", "can_delete"), ("TicketApi", "can_delete")}
        assert deletes == (expected if role == "Admin" else set()), role
    for role in ("admin", "agent"):
        client = staff(role, acme)
        home = client.get("/admin/").text
        assert "/admin/tickets/" in home and "Unassigned" in home
        url = f"/admin/tickets/{desk['ticket'].number}"
        token = fab_csrf(client.get(url).text)
        assert _post(client, f"{url}/note", {"note": f"by {role}"}, token).status_code == 303
        # unconfirmed (admin: 422, the form asks again) or not allowed (agent)
        expected = {"admin": (422,), "agent": (302, 403)}[role]
        assert _post(client, f"{url}/delete", {}, token).status_code in expected, role
        assert _post(client, f"/admin/tickets/delete/{desk['ticket'].id}", {},
                     token).status_code in (403, 404, 405)
    assert _reload(db, acme, desk["ticket"].number) is not None


def test_signed_out_and_customers_get_no_ticket_pages(app, client, acme, desk):
    from tests.admin.conftest import new_client
    from tests.factories import login_as

    anonymous = new_client(app)
    resp = anonymous.get(f"/admin/tickets/{desk['ticket'].number}")
    assert resp.status_code == 302 and "/admin/login/" in resp.headers["Location"]
    login_as(client, desk["pat"])
    resp = client.get("/admin/tickets/")
    assert resp.status_code == 302 and "/admin/login/" in resp.headers["Location"]
