"""The load benchmark's seeder and target picker on a small count, so bench/ cannot rot.
No timing here: measurements live in bench/tickets_load.py and docs/PERFORMANCE.md."""

from sqlalchemy import func, select

from bench import seed_tickets, targets
from portal.models import Comment, Ticket, TicketCounter, TicketEvent, Workspace, ticket_reporters
from portal.services import contacts, tickets
from portal.tenancy import use_workspace


def _count(db, stmt):
    return db.session.scalar(stmt.execution_options(all_workspaces=True))


def test_seed_creates_people_tickets_threads_and_is_idempotent(db):
    first = seed_tickets.seed(50, progress=False)
    assert (first.tickets, first.added) == (50, 50)
    again = seed_tickets.seed(50, progress=False)
    assert (again.tickets, again.added) == (50, 0)
    ws_id = first.workspace_id

    assert _count(db, select(func.count()).select_from(Ticket)
                  .where(Ticket.workspace_id == ws_id)) == 50
    numbers = db.session.scalars(select(Ticket.number).where(Ticket.workspace_id == ws_id)
                                 .execution_options(all_workspaces=True)).all()
    assert sorted(numbers) == list(range(1, 51))
    assert _count(db, select(TicketCounter.last_number)
                  .where(TicketCounter.workspace_id == ws_id)) == 50
    n_comments = _count(db, select(func.count()).select_from(Comment)
                        .where(Comment.workspace_id == ws_id))
    n_notes = _count(db, select(func.count()).select_from(Comment)
                     .where(Comment.workspace_id == ws_id, Comment.public.is_(False)))
    assert 50 <= n_comments <= 300 and 0 < n_notes < n_comments
    # one "created" event per ticket and one event per comment or note
    assert _count(db, select(func.count()).select_from(TicketEvent)
                  .where(TicketEvent.workspace_id == ws_id)) >= 50 + n_comments

    newest_public = (select(func.max(TicketEvent.created_at))
                     .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.public.is_(True))
                     .scalar_subquery())
    stamps = db.session.execute(
        select(Ticket.public_updated_at, newest_public, Ticket.updated_at)
        .where(Ticket.workspace_id == ws_id).execution_options(all_workspaces=True)).all()
    assert all(public == newest and public <= updated for public, newest, updated in stamps)
    assert any(public < updated for public, _newest, updated in stamps)  # a note came last

    with use_workspace(ws_id):
        ws = db.session.get(Workspace, ws_id)
        regular = contacts.by_email(ws, seed_tickets.CONTACT_EMAIL)
        admin = contacts.by_email(ws, seed_tickets.ADMIN_EMAIL)
        assert contacts.is_customer_admin(admin) and not contacts.is_customer_admin(regular)
        mine = db.session.scalar(select(func.count()).select_from(ticket_reporters)
                                 .where(ticket_reporters.c.contact_id == regular.id))
        assert 10 <= mine <= 40  # about half of the tickets
        org = tickets.list_for_customer(ws, admin, tickets.ListQuery(scope="organization",
                                                                     limit=100))
        assert len(org.items) > mine  # the organization list is the larger one


def test_targets_give_pages_the_customer_can_open(db, client):
    seed_tickets.seed(120, progress=False)  # the contact's list needs a second page
    plan = targets.build(deep_pages=1)
    by_name = {t["name"]: t for t in plan["targets"]}
    assert set(by_name) == {"list_first", "list_deep", "ticket", "org_list"}
    for target in plan["targets"]:
        name, value = target["cookie"].split("=", 1)
        client.set_cookie(name, value)
        response = client.get(target["path"])
        assert response.status_code == 200, target["name"]
        assert b"ticket" in response.data
    assert "after=" in by_name["list_deep"]["path"]
