"""A customer's "my tickets" list read from ticket_reporter's copy of created_at: the same
tickets in the same order (ties on created_at included), the same keyset pages and filters
as the visibility rule gives, on every path that adds a reporter."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.models import Ticket, ticket_reporters
from portal.models.base import utcnow
from portal.services import ticket_access, tickets, timeline
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket, staff_actor


@pytest.fixture
def desk(acme, monkeypatch):
    """Tickets of `me` among others' newer and older ones, created out of id order and with
    ties on created_at; one of a colleague's tickets gets `me` added by staff."""
    account = make_account(acme, "Acme One")
    me = make_contact(acme, "me@one.example", account=account)
    other = make_contact(acme, "other@one.example", account=account)
    admin = make_contact(acme, "admin@one.example", account=account, customer_admin=True)
    base = utcnow()
    # minutes after `base`, in creation (id) order: ties and moves back in time included
    plan = [(me, 5), (other, 6), (me, 5), (me, 2), (other, 9), (me, 9), (other, 1),
            (me, 7), (me, 7), (other, 3), (me, 0), (other, 8), (me, 4)]
    made = []
    for contact, minutes in plan:
        moment = base + timedelta(minutes=minutes)
        monkeypatch.setattr(tickets, "utcnow", lambda moment=moment: moment)
        priority_title = f"{'Urgent' if len(made) % 3 == 0 else 'Plain'} {len(made)}"
        made.append(open_ticket(acme, contact, priority_title))
    monkeypatch.undo()
    staff = make_staff("agent@staff.example", role="agent", workspace=acme)
    with use_workspace(acme.id):
        shared = db.session.get(Ticket, made[4].id)  # other's, at minute 9
        timeline.add_reporter(shared, staff_actor(staff), db.session.get(type(me), me.id))
        made[3].stage = "resolved"
        db.session.commit()
    return {"me": me, "other": other, "admin": admin}


def _expected(contact, *, newest=True, stage=None, q=None):
    """What the visibility rule selects, ordered by the ticket's own (created_at, id)."""
    stmt = select(Ticket).where(ticket_access.visible_to(contact))
    if stage:
        stmt = stmt.where(Ticket.stage == stage)
    if q:
        stmt = stmt.where(Ticket.title.ilike(f"%{q}%"))
    order = ((Ticket.created_at.desc(), Ticket.id.desc()) if newest
             else (Ticket.created_at.asc(), Ticket.id.asc()))
    return [t.id for t in db.session.scalars(stmt.order_by(*order))]


def _walk(ws, contact, **query):
    """Every page of a list, 3 rows a page, following the cursors."""
    seen, after = [], None
    while True:
        found = tickets.list_for_customer(ws, contact, tickets.ListQuery(
            limit=3, after=after, **query))
        seen += [row.id for row in found.items]
        if found.next_cursor is None:
            return seen
        after = found.next_cursor


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_mine_pages_match_the_visibility_rule(desk, acme, sort):
    with use_workspace(acme.id):
        me = db.session.get(type(desk["me"]), desk["me"].id)
        expected = _expected(me, newest=sort == "newest")
        assert len(expected) == 9  # 8 of their own and the one staff added them to
        assert _walk(acme, me, sort=sort) == expected
        assert _walk(acme, me, sort=sort, stages=("resolved",)) == _expected(
            me, newest=sort == "newest", stage="resolved")
        assert _walk(acme, me, sort=sort, q="Urgent") == _expected(
            me, newest=sort == "newest", q="Urgent")
        # the "updated" sort and the organization scope keep their own reading
        assert _walk(acme, me, sort="updated") != []


def test_organization_scope_and_other_readers_unchanged(desk, acme):
    with use_workspace(acme.id):
        admin = db.session.get(type(desk["admin"]), desk["admin"].id)
        org = _walk(acme, admin, scope="organization")
        assert len(org) == 13
        assert org == _expected(admin)  # an admin sees the account's tickets
        other = db.session.get(type(desk["other"]), desk["other"].id)
        assert _walk(acme, other) == _expected(other)


def test_every_reporter_row_carries_its_tickets_created_at(desk, acme):
    with use_workspace(acme.id):
        rows = db.session.execute(
            select(ticket_reporters.c.created_at, Ticket.created_at)
            .join(Ticket, Ticket.id == ticket_reporters.c.ticket_id)).all()
        assert len(rows) == 14  # 13 tickets, one with two reporters
        assert all(copied == own for copied, own in rows)
        shared = db.session.scalar(select(Ticket).where(Ticket.title == "Plain 4"))
        db.session.expire(shared)
        assert len(shared.reporters) == 2  # the relationship reads its rows back


def test_mine_reads_the_reporters_index_not_the_workspace(desk, acme):
    """On SQLite (no statistics) the plan is checked: the contact's rows from the index,
    in order (no sort), tickets by primary key."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan")
    seen = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if "ticket_reporter" in statement:
            seen.append((statement, parameters))

    with use_workspace(acme.id):
        me = db.session.get(type(desk["me"]), desk["me"].id)
        first = tickets.list_for_customer(acme, me, tickets.ListQuery(limit=3))
        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            tickets.list_for_customer(acme, me, tickets.ListQuery(
                limit=3, after=first.next_cursor, stages=("open",)))
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        (statement, parameters), = seen
        plan = " | ".join(row[-1] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
        assert "ix_ticket_reporter_contact_created (contact_id=? AND created_at<?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        assert db.session.scalar(select(func.count()).select_from(ticket_reporters)) == 14


def test_the_list_read_outside_the_guard_lists_what_the_guard_lets_through(
        desk, acme, globex, monkeypatch):
    """list_for_customer runs its prebuilt statement on the session's connection, outside
    the tenancy guard (portal.tenancy's list of hot paths): for every scope, sort and
    filter it lists what the same statement lists through the guard, and the workspace it
    is given is in the statement itself (another workspace's id lists nothing)."""
    gus = make_contact(globex, "gus@globex.example")
    for n in range(4):
        open_ticket(globex, gus, f"Urgent globex {n}")
    queries = [{}, {"sort": "oldest"}, {"sort": "updated"}, {"stages": ("open",)},
               {"priority": "normal"}, {"q": "Urgent"}, {"q": "3"}, {"limit": 2}]
    with use_workspace(acme.id):
        people = [db.session.get(type(desk[name]), desk[name].id)
                  for name in ("me", "other", "admin")]
        unverified = make_contact(acme, "new@one.example", account=people[0].account,
                                  verified=False)
        listed = set()
        for contact in (*people, unverified):
            for scope in ("mine", "organization") if contact is people[2] else ("mine",):
                for query in queries:
                    ask = tickets.ListQuery(scope=scope, **query)
                    core = tickets.list_for_customer(acme, contact, ask)
                    with monkeypatch.context() as patch:
                        patch.setattr(tickets, "read_connection", lambda: db.session)
                        guarded = tickets.list_for_customer(acme, contact, ask)
                    assert core == guarded, (contact.email, scope, query)
                    listed.update((contact.email, scope) for _row in core.items)
                    assert not tickets.list_for_customer(globex, contact, ask).items
        assert listed == {("me@one.example", "mine"), ("other@one.example", "mine"),
                          ("admin@one.example", "organization")}
