"""Rows stay in their workspace: primary-key lookups answered from the identity map,
relationship loads, and references between rows (foreign keys, association tables)."""

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Account, Comment, Contact, CustomerGroup, Ticket
from portal.services import contacts
from portal.tenancy import CrossWorkspaceReference, NoWorkspace, use_workspace
from tests.factories import make_account, make_contact
from tests.tickets_helpers import open_ticket


def test_get_of_a_row_loaded_under_another_workspace_finds_nothing(acme, globex):
    theirs = make_contact(globex, "g@g.example")
    theirs_id = theirs.id
    with use_workspace(globex.id):
        assert db.session.get(Contact, theirs_id) is theirs  # in the identity map now
    with use_workspace(acme.id):
        assert db.session.get(Contact, theirs_id) is None
        everywhere = db.session.get(Contact, theirs_id,
                                    execution_options={"all_workspaces": True})
        assert everywhere is theirs
    with pytest.raises(NoWorkspace):
        db.session.get(Contact, theirs_id)


def _point_across(contact, account):
    """A reference into another workspace, as old data or a bug could leave it (bypassing
    the flush check on purpose)."""
    db.session.execute(update(Contact).where(Contact.id == contact.id)
                       .values(account_id=account.id)
                       .execution_options(all_workspaces=True))
    db.session.commit()
    db.session.expire_all()


def test_relationship_loads_stay_in_the_workspace_of_their_row(acme, globex):
    mine = make_contact(acme, "a@a.example")
    theirs = make_account(globex, "Globex Corp")
    _point_across(mine, theirs)
    with use_workspace(acme.id):
        assert mine.account is None  # many-to-one: the row is not loaded (SQL path)
    db.session.expire(mine)
    with use_workspace(globex.id):
        assert db.session.get(Account, theirs.id) is theirs  # now in the identity map
        assert mine.account is None  # the identity-map path stays in acme's workspace
        assert theirs.contacts == []  # one-to-many: acme's contact is not globex's


def test_pointing_a_row_at_a_row_of_another_workspace_fails_on_flush(acme, globex):
    contact = make_contact(acme, "a@a.example")
    ticket = open_ticket(acme, contact)
    theirs = make_account(globex, "Globex Corp")
    mine = make_account(acme, "Acme Corp")
    their_ticket_id, mine_id, acme_id = _ticket_of(globex).id, mine.id, acme.id
    ticket_id = ticket.id
    with use_workspace(acme_id):
        ticket.account_id = mine.id  # same workspace: fine
        db.session.commit()
        ticket.account_id = theirs.id  # by column
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()
        ticket.account = theirs  # through the relationship
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()
        db.session.expunge_all()
        db.session.add(Comment(workspace_id=acme_id, ticket_id=their_ticket_id,
                               body="into their ticket"))
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(Ticket.account_id).where(Ticket.id == ticket_id)
                             .execution_options(all_workspaces=True)) == mine_id


def _ticket_of(ws):
    return open_ticket(ws, make_contact(ws))


def test_association_rows_cannot_link_two_workspaces(acme, globex):
    ticket = open_ticket(acme, make_contact(acme, "a@a.example"))
    theirs = make_contact(globex, "g@g.example")
    mine = make_contact(acme, "b@a.example")
    with use_workspace(acme.id):
        ticket.reporters.append(mine)
        db.session.commit()
        ticket.reporters.append(theirs)
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()
        group = contacts.customer_admins_group(acme)
        group.members.append(theirs)
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()
        theirs.groups.append(db.session.get(CustomerGroup, group.id))
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()
        mine.account = make_account(globex, "Globex Corp")
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()


def test_a_row_never_moves_to_another_workspace(acme, globex):
    contact = make_contact(acme)
    with use_workspace(acme.id):
        contact.workspace_id = globex.id
        with pytest.raises(CrossWorkspaceReference):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(CrossWorkspaceReference):
            db.session.execute(update(Contact).values(workspace_id=globex.id))


def test_update_statements_cannot_point_across_workspaces(acme, globex):
    contact = make_contact(acme)
    mine, theirs = make_account(acme), make_account(globex)
    with use_workspace(acme.id):
        db.session.execute(update(Contact).values(account_id=mine.id))
        with pytest.raises(CrossWorkspaceReference):
            db.session.execute(update(Contact).values(account_id=theirs.id))
        with pytest.raises(CrossWorkspaceReference):
            db.session.execute(update(Contact.__table__).values(account_id=theirs.id))
        db.session.execute(update(Contact).values(account_id=None))
        db.session.commit()
    assert contact.account_id is None
