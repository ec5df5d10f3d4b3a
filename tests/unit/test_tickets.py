"""Tickets: numbering, the visibility matrix, lists, thread rules and notifications."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, OutboxMessage, Ticket, TicketNotification
from portal.models.base import utcnow
from portal.services import actors, notifications, ticket_access, tickets, timeline
from portal.services.errors import Forbidden, Invalid, NotFound
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket


@pytest.fixture
def world(acme, globex):
    """Two accounts in acme, a neighbour workspace, and one ticket per relation."""
    a1 = make_account(acme, "Acme One")
    a2 = make_account(acme, "Acme Two")
    people = {
        "reporter": make_contact(acme, "rep@one.example", account=a1),
        "colleague": make_contact(acme, "col@one.example", account=a1),
        "admin": make_contact(acme, "adm@one.example", account=a1, customer_admin=True),
        "other_admin": make_contact(acme, "adm@two.example", account=a2, customer_admin=True),
        "no_account": make_contact(acme, "solo@example.org"),
        "unverified": make_contact(acme, "new@one.example", account=a1, verified=False),
        "neighbour": make_contact(globex, "rep@one.example"),
    }
    t_own = open_ticket(acme, people["reporter"], "Own ticket")
    t_solo = open_ticket(acme, people["no_account"], "Solo ticket")
    t_agent = open_ticket(acme, people["colleague"], "Agent ticket")  # then drop the reporter
    with use_workspace(acme.id):
        t_agent.reporters.clear()
        db.session.commit()
    t_globex = open_ticket(globex, people["neighbour"], "Globex ticket")
    return people, {"own": t_own, "solo": t_solo, "agent_made": t_agent, "globex": t_globex}


MATRIX = {
    # who            own    solo   agent_made
    "reporter":    (True, False, False),
    "colleague":   (False, False, False),
    "admin":       (True, False, True),
    "other_admin": (False, False, False),
    "no_account":  (False, True, False),
    "unverified":  (False, False, False),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_visibility_matrix(world, acme, who):
    people, ts = world
    contact = people[who]
    with use_workspace(acme.id):
        for relation, expected in zip(("own", "solo", "agent_made"), MATRIX[who], strict=True):
            ticket = ts[relation]
            assert ticket_access.can_see(contact, ticket) is expected, (who, relation)
            if expected:
                assert ticket_access.get_for_customer(acme, contact, ticket.number).id == ticket.id
            else:
                with pytest.raises(NotFound):
                    ticket_access.get_for_customer(acme, contact, ticket.number)


def test_no_one_sees_another_workspaces_ticket(world, acme, globex):
    people, ts = world
    acme_people = [c for c in people.values() if c.workspace_id == acme.id]
    with use_workspace(globex.id):
        for contact in acme_people:
            assert not ticket_access.can_see(contact, ts["globex"])
            with pytest.raises(NotFound):
                ticket_access.get_for_customer(globex, contact, ts["globex"].number)
    with use_workspace(acme.id):
        for contact in acme_people:
            assert not ticket_access.can_see(contact, ts["globex"])
    with use_workspace(globex.id):
        found = ticket_access.get_for_customer(globex, people["neighbour"], 1)
        assert found.title == "Globex ticket"


def test_numbers_are_per_workspace_and_gap_free(acme, globex):
    a = make_contact(acme)
    g = make_contact(globex)
    numbers = [open_ticket(acme, a).number for _ in range(3)] + [open_ticket(globex, g).number]
    assert numbers == [1, 2, 3, 1]


def test_rolled_back_ticket_gives_its_number_back(acme):
    contact = make_contact(acme)
    open_ticket(acme, contact)
    with use_workspace(acme.id):
        assert tickets.next_number(acme) == 2
        db.session.rollback()
    assert open_ticket(acme, contact).number == 2


def test_lists_mine_and_organization_with_keyset_pages(world, acme):
    people, ts = world
    with use_workspace(acme.id):
        for i in range(5):
            open_ticket(acme, people["colleague"], f"Colleague {i}")
        mine = tickets.list_for_customer(acme, people["colleague"], tickets.ListQuery())
        assert [t.title for t in mine.items] == [f"Colleague {i}" for i in range(4, -1, -1)]
        org = tickets.ListQuery(scope="organization", limit=3)
        first = tickets.list_for_customer(acme, people["admin"], org)
        assert len(first.items) == 3 and first.next_cursor
        open_ticket(acme, people["colleague"], "Inserted meanwhile")
        org.after = first.next_cursor
        second = tickets.list_for_customer(acme, people["admin"], org)
        titles = [t.title for t in first.items + second.items]
        assert "Inserted meanwhile" not in titles  # newer than the cursor: not on later pages
        assert len(titles) == len(set(titles))
        with pytest.raises(Forbidden):
            tickets.list_for_customer(acme, people["colleague"],
                                      tickets.ListQuery(scope="organization"))


def test_list_filters_and_search(world, acme):
    people, ts = world
    with use_workspace(acme.id):
        rep = people["reporter"]
        open_ticket(acme, rep, "Invoice 100% wrong")
        found = tickets.list_for_customer(acme, rep, tickets.ListQuery(q="100%"))
        assert [t.title for t in found.items] == ["Invoice 100% wrong"]
        query = tickets.ListQuery(q=f"#{ts['own'].number}")
        by_number = tickets.list_for_customer(acme, rep, query)
        assert [t.id for t in by_number.items] == [ts["own"].id]
        none = tickets.list_for_customer(acme, rep, tickets.ListQuery(stages=("resolved",)))
        assert none.items == []
        with pytest.raises(Invalid):
            tickets.list_for_customer(acme, rep, tickets.ListQuery(after="garbage!"))
        with pytest.raises(Invalid):
            tickets.list_for_customer(acme, rep, tickets.ListQuery(stages=("nope",)))


def test_internal_notes_never_reach_the_customer(world, acme):
    people, ts = world
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    ticket = ts["own"]
    with use_workspace(acme.id):
        timeline.add_comment(ticket, actors.staff(agent), "Customer is difficult", public=False)
        timeline.add_comment(ticket, actors.staff(agent), "We are on it", public=True)
        seen = [c.body for c in timeline.comments(ticket, include_internal=False)]
        assert seen == ["We are on it"]
        kinds = [e.kind for e in timeline.events(ticket, include_internal=False)]
        assert "note" not in kinds and kinds.count("comment") == 1
        with pytest.raises(Forbidden):
            timeline.add_comment(ticket, actors.customer(people["reporter"]), "x", public=False)


def test_notifications_are_coalesced_and_skip_internal_notes(world, acme):
    people, ts = world
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    ticket = ts["own"]
    with use_workspace(acme.id):
        staff = actors.staff(agent)
        timeline.add_comment(ticket, staff, "First reply", public=True)
        timeline.add_comment(ticket, staff, "Secret note", public=False)
        timeline.set_stage(ticket, staff, "awaiting_customer")
        timeline.add_comment(ticket, staff, "Second reply", public=True)
        rows = db.session.scalars(select(TicketNotification).where(
            TicketNotification.audience == "customer")).all()
        assert len(rows) == 1 and len(rows[0].event_ids) == 3
    assert notifications.send_due() == 0  # not due yet
    assert notifications.send_due(utcnow() + timedelta(minutes=5)) == 1
    with use_workspace(acme.id):
        mails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == "rep@one.example")).all()
    assert len(mails) == 1
    body = mails[0].text_body
    assert "First reply" in body and "Second reply" in body and "Secret note" not in body
    assert f"/en-US/acme/tickets/{ticket.number}" in body


def test_new_ticket_and_customer_comment_notify_support_address(acme):
    acme.support_email = "support@acme.example"
    db.session.commit()
    contact = make_contact(acme, "c@x.example")
    ticket = open_ticket(acme, contact, "Help")
    with use_workspace(acme.id):
        timeline.add_comment(ticket, actors.customer(contact), "More info")
    assert notifications.send_due(utcnow() + timedelta(minutes=5)) == 1
    with use_workspace(acme.id):
        mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to_address == "support@acme.example" and "More info" in mail.text_body


def test_customer_close_and_reopen_window(world, acme):
    people, ts = world
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    ticket = ts["own"]
    customer = actors.customer(people["reporter"])
    with use_workspace(acme.id):
        with pytest.raises(Invalid):
            timeline.customer_close(ticket, customer)
        timeline.set_stage(ticket, actors.staff(agent), "resolved")
        timeline.customer_close(ticket, customer)
        assert ticket.stage == "closed"
        timeline.customer_reopen(ticket, customer)
        assert ticket.stage == "open"
        timeline.set_stage(ticket, actors.staff(agent), "closed")
        ticket.closed_at = utcnow() - timedelta(days=8)
        db.session.commit()
        with pytest.raises(Invalid):
            timeline.customer_reopen(ticket, customer)


def test_comment_validation(world, acme):
    people, ts = world
    with use_workspace(acme.id):
        customer = actors.customer(people["reporter"])
        for body in ("", "   ", None, 5, "x" * 20001):
            with pytest.raises(Invalid):
                timeline.add_comment(ts["own"], customer, body)
        assert db.session.scalars(select(Comment)).all() == []
        assert db.session.get(Ticket, ts["own"].id).stage == "open"


def test_nul_characters_and_forged_cursors_are_refused(world, acme):
    people, ts = world
    with use_workspace(acme.id):
        data, _form = tickets.parse_input(acme, {"title": "a\x00b", "description": "x\x00"})
        assert {"title", "description"} <= set(data.errors)
        with pytest.raises(Invalid):
            timeline.add_comment(ts["own"], actors.customer(people["reporter"]), "hi\x00")
        import base64
        import json

        forged = base64.urlsafe_b64encode(
            json.dumps(["2026-01-01T00:00:00+00:00", 2**40]).encode()).decode()
        with pytest.raises(Invalid):
            tickets.list_for_customer(acme, people["reporter"], tickets.ListQuery(after=forged))


def test_a_kept_form_copy_is_used_only_for_the_same_saved_row(app, acme):
    """`for_new_ticket` keeps saved versions by workspace and id; an entry whose version or
    save time differs from the newest row's (a reused id after a workspace was deleted) is
    not used: the row is loaded again."""
    from portal.services import ticket_forms

    with use_workspace(acme.id):
        form = ticket_forms.current(acme)
        db.session.commit()
        key = (acme.id, form.id)
        ticket_forms._kept[key] = (form.version, form.created_at, {"fields": ["stale"]}, None)
        db.session.remove()
        assert ticket_forms.for_new_ticket(acme).definition == {"fields": ["stale"]}
        db.session.remove()
        ticket_forms._kept[key] = (form.version, form.created_at - timedelta(seconds=1),
                                   {"fields": ["stale"]}, None)
        fresh = ticket_forms.for_new_ticket(acme)
        assert fresh.definition == form.definition != {"fields": ["stale"]}
        assert ticket_forms._kept[key][1] == form.created_at


def test_the_newest_form_is_read_past_the_guard_but_only_in_its_own_workspace(
        app, acme, globex):
    """`for_new_ticket` reads the newest version's id as a Core statement (no guard): it
    names its workspace itself, and refuses to run for any but the current one."""
    from portal.services import ticket_forms
    from portal.tenancy import NoWorkspace

    with use_workspace(globex.id):
        theirs = ticket_forms.ensure_current(globex)
    with use_workspace(acme.id):
        ours = ticket_forms.ensure_current(acme)
        assert ticket_forms.for_new_ticket(acme).id == ours.id != theirs.id
        with pytest.raises(NoWorkspace):
            ticket_forms.for_new_ticket(globex)
    with pytest.raises(NoWorkspace):
        ticket_forms.for_new_ticket(acme)


def test_opening_a_ticket_announces_nothing_live_later_changes_do(app, acme, monkeypatch):
    """A new ticket's "created" event is written in the ticket's flush and not published:
    no stream can be subscribed to a ticket before its commit. Its first comment is."""
    from portal.services import live

    published = []
    monkeypatch.setattr(live, "_publish", lambda *args: published.append(args))
    pat = make_contact(acme, "pat@acme.example")
    ticket = open_ticket(acme, pat)
    assert published == []
    with use_workspace(acme.id):
        (created,) = timeline.events(ticket, include_internal=True)
        assert (created.kind, created.ticket_id, created.public) == ("created", ticket.id, True)
        assert created.created_at == ticket.created_at == ticket.public_updated_at
        timeline.add_comment(ticket, actors.customer(pat), "Any news?")
    assert published == [(acme.id, ticket.id)]


def test_the_counter_bump_runs_past_the_guard_but_stays_in_its_workspace(app, acme, globex):
    """The counter's UPDATE runs on the session's connection, not through the tenancy
    guard: it names the workspace itself, and another workspace's counter never moves."""
    from sqlalchemy import event

    from portal.models import TicketCounter

    open_ticket(globex, make_contact(globex, "gil@globex.example"))
    pat = make_contact(acme, "pat@acme.example")
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        numbers = [open_ticket(acme, pat).number for _ in range(3)]
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert numbers == [1, 2, 3]
    bumps = [sql for sql in seen if sql.startswith("UPDATE ticket_counter")]
    assert bumps and all("WHERE ticket_counter.workspace_id = " in sql for sql in bumps)
    counters = dict(db.session.execute(
        select(TicketCounter.workspace_id, TicketCounter.last_number)
        .execution_options(all_workspaces=True)).all())
    assert counters == {globex.id: 1, acme.id: 3}
