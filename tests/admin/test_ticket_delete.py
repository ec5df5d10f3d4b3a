"""Deleting a ticket: everything it owns goes (rows and attachment files), nothing else
does; workspace admins only, in the pages and the staff API; customers get a 404 after."""

import pytest
from sqlalchemy import func, select

from portal.models import Attachment, Comment, Ticket, TicketEvent, TicketNotification
from portal.models.ticket import ticket_reporters
from portal.services import actors, attachments, ticket_removal, timeline
from portal.services.errors import Forbidden
from portal.storage import get_storage
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf
from tests.factories import login_as
from tests.tickets_helpers import make_desk, open_ticket


def _busy_ticket(ws, contact, staff_user, db):
    """A ticket with a public reply, an internal note, a customer comment with a file,
    a second reporter and pending notifications."""
    ticket = open_ticket(ws, contact, "Printer on fire")
    with use_workspace(ws.id):
        timeline.add_comment(ticket, actors.staff(staff_user), "On it.")
        timeline.add_comment(ticket, actors.staff(staff_user), "VIP", public=False)
        files = attachments.check_all(ws, [("log.txt", b"paper jam\n")])
        timeline.add_comment(ticket, actors.customer(contact), "Log attached.", files=files)
        db.session.commit()
    return ticket


def _counts(db, ws, ticket_id):
    with use_workspace(ws.id):
        out = {}
        for model in (Comment, Attachment, TicketEvent, TicketNotification):
            out[model.__name__] = db.session.scalar(
                select(func.count()).select_from(model).where(
                    model.workspace_id == ws.id, model.ticket_id == ticket_id))
        out["reporters"] = db.session.scalar(select(func.count()).select_from(
            ticket_reporters).where(ticket_reporters.c.ticket_id == ticket_id))
        out["ticket"] = db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.workspace_id == ws.id, Ticket.id == ticket_id))
        return out


def _files(db, ws, ticket_id):
    with use_workspace(ws.id):
        return [get_storage().path(attachments.file_key(a)) for a in db.session.scalars(
            select(Attachment).where(Attachment.workspace_id == ws.id,
                                     Attachment.ticket_id == ticket_id))]


def test_the_service_removes_everything_the_ticket_owns_and_nothing_else(acme, globex, db):
    desk = make_desk(acme, globex)
    agent = desk["colleague"]
    doomed = _busy_ticket(acme, desk["pat"], agent, db)
    kept = _busy_ticket(acme, desk["pat"], agent, db)
    doomed_id, doomed_number = doomed.id, doomed.number
    paths, kept_paths = _files(db, acme, doomed_id), _files(db, acme, kept.id)
    before = _counts(db, acme, doomed_id)
    assert before["Comment"] == 3 and before["Attachment"] == 1 and before["TicketEvent"] > 3
    assert all(p.exists() for p in paths + kept_paths)

    ticket_removal.delete_ticket(doomed, actors.staff(agent))

    assert set(_counts(db, acme, doomed_id).values()) == {0}
    assert not any(p.exists() for p in paths)
    assert _counts(db, acme, kept.id)["Comment"] == 3
    assert all(p.exists() for p in kept_paths)
    with use_workspace(globex.id):
        assert db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.workspace_id == globex.id)) == 3
    # the number is not given out again
    assert open_ticket(acme, desk["pat"], "Next one").number == kept.number + 1
    assert doomed_number < kept.number


def test_customers_cannot_delete_and_the_ticket_is_gone_for_them(app, acme, globex, db):
    desk = make_desk(acme, globex)
    ticket = desk["ticket"]
    with pytest.raises(Forbidden):
        ticket_removal.delete_ticket(ticket, actors.customer(desk["pat"]))
    client = app.test_client()
    login_as(client, desk["pat"])
    page = f"/en-US/acme/tickets/{ticket.number}"
    assert client.get(page).status_code == 200
    ticket_removal.delete_ticket(ticket, actors.staff(desk["colleague"]))
    assert client.get(page).status_code == 404
    assert "Printer on fire" not in client.get("/en-US/acme/tickets").text


def test_an_admin_deletes_from_the_ticket_page_after_confirming(staff, acme, globex, db):
    desk = make_desk(acme, globex)
    number = desk["ticket"].number
    client = staff("admin", acme)
    page = client.get(f"/admin/tickets/{number}")
    assert page.status_code == 200 and 'id="delete-form"' in page.text
    token = fab_csrf(page.text)
    url = f"/admin/tickets/{number}/delete"
    refused = client.post(url, data={"csrf_token": token})
    assert refused.status_code == 422 and "Tick the box to confirm." in refused.text
    assert _counts(db, acme, desk["ticket"].id)["ticket"] == 1
    done = client.post(url, data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/tickets/")
    assert f"Ticket #{number} deleted." in client.get(done.headers["Location"]).text
    assert client.get(f"/admin/tickets/{number}").status_code == 404


def test_agents_see_no_delete_and_may_not_delete(staff, acme, globex, db):
    desk = make_desk(acme, globex)
    number = desk["ticket"].number
    client = staff("agent", acme)
    page = client.get(f"/admin/tickets/{number}")
    assert page.status_code == 200 and 'id="delete-form"' not in page.text
    resp = client.post(f"/admin/tickets/{number}/delete",
                       data={"csrf_token": fab_csrf(page.text), "confirm": "yes"})
    assert resp.status_code in (302, 403)  # FAB sends the unauthorised away
    assert _counts(db, acme, desk["ticket"].id)["ticket"] == 1


def test_an_admin_of_another_workspace_cannot_reach_the_ticket(staff, acme, globex, db):
    desk = make_desk(acme, globex)
    acme_id, globex_id = desk["ticket"].id, desk["globex_tickets"][0].id
    client = staff("admin", globex)
    page = client.get("/admin/tickets/")
    resp = client.post("/admin/tickets/1/delete",
                       data={"csrf_token": fab_csrf(page.text), "confirm": "yes"})
    # number 1 in globex is globex's own ticket: the acme ticket with number 1 stays
    assert resp.status_code == 303
    assert _counts(db, acme, acme_id)["ticket"] == 1
    assert _counts(db, globex, globex_id)["ticket"] == 0


def test_the_staff_api_deletes_for_admins_only(api, acme, globex, db):
    desk = make_desk(acme, globex)
    number, ticket_id = desk["ticket"].number, desk["ticket"].id
    agent, agent_headers = api("agent", acme)
    resp = agent.delete(f"/api/v1/ticket/{number}", headers=agent_headers)
    assert resp.status_code == 403
    assert _counts(db, acme, ticket_id)["ticket"] == 1
    admin, headers = api("admin", acme)
    resp = admin.delete(f"/api/v1/ticket/{number}", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.get_json() == {"message": f"ticket {number} deleted"}
    assert _counts(db, acme, ticket_id)["ticket"] == 0
    again = admin.delete(f"/api/v1/ticket/{number}", headers=headers)
    assert again.status_code == 404
    assert admin.delete("/api/v1/ticket/999", headers=headers).status_code == 404
