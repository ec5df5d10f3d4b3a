"""New rows written by one INSERT (portal.tenancy_inserts) obey the rules a flush applies:
the current workspace only, references inside it, and the returned object is the stored
row, loaded."""

import pytest
from sqlalchemy import inspect, select

from portal.extensions import db
from portal.models import Ticket, TicketEvent, ticket_reporters
from portal.models.base import utcnow
from portal.tenancy import CrossWorkspaceReference, NoWorkspace, use_workspace
from portal.tenancy_inserts import insert_link, insert_row
from tests.factories import make_account, make_contact
from tests.tickets_helpers import open_ticket
from tests.web.helpers import Statements


def _event(ticket, **values):
    return {"workspace_id": ticket.workspace_id, "ticket_id": ticket.id, "kind": "note",
            "actor": "test", "created_at": utcnow(), **values}


def test_a_row_is_stored_and_returned_loaded_with_its_defaults(acme):
    ticket = open_ticket(acme, make_contact(acme, "a@a.example"))
    with use_workspace(acme.id):
        ticket = db.session.get(Ticket, ticket.id)  # loaded again after open_ticket's commit
        with Statements() as seen:
            ev = insert_row(TicketEvent, _event(ticket), ticket=ticket)
            # every attribute is loaded: reading them runs no statement
            assert (ev.kind, ev.public, ev.data, ev.ticket) == ("note", True, {}, ticket)
        assert seen.count() == 1, seen.report()
        assert seen.seen[0].startswith("INSERT INTO ticket_event")
        assert inspect(ev).persistent and not inspect(ev).expired_attributes
        db.session.commit()
        stored = db.session.execute(select(TicketEvent.kind, TicketEvent.public, TicketEvent.data)
                                    .where(TicketEvent.id == ev.id)).one()
    assert tuple(stored) == ("note", True, {})


def test_a_row_needs_the_current_workspace(acme, globex):
    ticket = open_ticket(acme, make_contact(acme, "a@a.example"))
    with pytest.raises(NoWorkspace):
        insert_row(TicketEvent, _event(ticket))
    with use_workspace(globex.id), pytest.raises(CrossWorkspaceReference):
        insert_row(TicketEvent, _event(ticket))  # a row of acme while globex is current
    db.session.rollback()


def test_a_reference_into_another_workspace_is_refused(acme, globex):
    theirs = open_ticket(globex, make_contact(globex, "g@g.example"))
    their_account = make_account(globex, "Globex Corp")
    mine = open_ticket(acme, make_contact(acme, "a@a.example"))
    acme_id, globex_id = acme.id, globex.id
    their_ticket_id, their_account_id, mine_id = theirs.id, their_account.id, mine.id
    db.session.expunge_all()  # not loaded: the check asks the database
    with use_workspace(acme_id):
        mine = db.session.get(Ticket, mine_id)
        with pytest.raises(CrossWorkspaceReference):
            insert_row(TicketEvent, {**_event(mine), "ticket_id": their_ticket_id})
        db.session.rollback()
        row = {c: getattr(mine, c) for c in ("workspace_id", "title", "form_id", "created_at")}
        with pytest.raises(CrossWorkspaceReference):
            insert_row(Ticket, {**row, "number": 99, "account_id": their_account_id})
        db.session.rollback()
    with use_workspace(globex_id):  # loaded under globex: the session's copy answers
        loaded = db.session.get(Ticket, their_ticket_id)
    with use_workspace(acme_id), pytest.raises(CrossWorkspaceReference):
        insert_row(TicketEvent, {**_event(mine), "ticket_id": loaded.id})
    db.session.rollback()


def test_an_association_row_links_rows_of_the_current_workspace_only(acme, globex):
    mine = open_ticket(acme, make_contact(acme, "a@a.example"))
    other = make_contact(acme, "b@a.example")
    theirs = make_contact(globex, "g@g.example")
    with use_workspace(acme.id):
        insert_link(ticket_reporters, {"ticket_id": mine.id, "contact_id": other.id,
                                       "created_at": mine.created_at})
        with pytest.raises(CrossWorkspaceReference):
            insert_link(ticket_reporters, {"ticket_id": mine.id, "contact_id": theirs.id,
                                           "created_at": mine.created_at})
        with pytest.raises(CrossWorkspaceReference):
            insert_link(Ticket.__table__, {"workspace_id": acme.id})  # not an association
        db.session.commit()
        db.session.expire_all()
        assert {c.email for c in db.session.get(Ticket, mine.id).reporters} == {
            "a@a.example", "b@a.example"}
    with pytest.raises(NoWorkspace):
        insert_link(ticket_reporters, {"ticket_id": mine.id, "contact_id": other.id,
                                       "created_at": mine.created_at})
