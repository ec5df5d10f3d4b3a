"""The fail-closed tenancy guard."""

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Contact, OutboxMessage, Workspace
from portal.tenancy import NoWorkspace, use_workspace
from tests.factories import make_account, make_contact


def test_scoped_query_without_workspace_raises(acme):
    make_contact(acme)
    with pytest.raises(NoWorkspace):
        db.session.scalars(select(Contact)).all()


def test_scoped_update_without_workspace_raises(acme):
    with pytest.raises(NoWorkspace):
        db.session.execute(update(Contact).values(name="x"))


def test_query_sees_only_current_workspace(acme, globex):
    a = make_contact(acme, "a@example.com")
    b = make_contact(globex, "b@example.com")
    acme_id, a_email, b_id = acme.id, a.email, b.id
    db.session.expunge_all()
    with use_workspace(acme_id):
        emails = [c.email for c in db.session.scalars(select(Contact))]
        assert emails == [a_email]
        assert db.session.get(Contact, b_id) is None


def test_opt_out_is_explicit(acme, globex):
    make_contact(acme)
    make_contact(globex)
    stmt = select(Contact).execution_options(all_workspaces=True)
    assert len(db.session.scalars(stmt).all()) == 2


def test_unscoped_models_need_no_workspace(acme, globex):
    assert {w.slug for w in db.session.scalars(select(Workspace))} == {"acme", "globex"}


def test_count_of_scoped_model_is_guarded(acme):
    from sqlalchemy import func

    with pytest.raises(NoWorkspace):
        db.session.scalar(select(func.count(OutboxMessage.id)))


def test_counts_over_bare_tables_are_scoped_too(acme, globex):
    from sqlalchemy import func

    make_contact(acme)
    make_contact(acme)
    make_contact(globex)
    with use_workspace(globex.id):
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
        assert db.session.scalar(select(func.count(Contact.id))) == 1
        joined = select(func.count()).select_from(Contact).join(Contact.account, isouter=True)
        assert db.session.scalar(joined) == 1


def test_count_over_a_bare_table_without_workspace_raises(acme):
    from sqlalchemy import func

    with pytest.raises(NoWorkspace):
        db.session.scalar(select(func.count()).select_from(Contact))


def test_core_joins_are_scoped_and_outer_joins_keep_their_optional_side(acme, globex):
    from sqlalchemy import func, join

    from portal.models import Account

    mine = make_account(acme, "Acme Corp")
    make_contact(acme, "with@a.example", account=mine)
    make_contact(acme, "without@a.example")
    theirs = make_account(globex, "Globex Corp")
    make_contact(globex, "g@g.example", account=theirs)
    contact, account = Contact.__table__, Account.__table__
    with use_workspace(acme.id):
        inner = select(func.count()).select_from(join(contact, account))
        assert db.session.scalar(inner) == 1
        outer = select(func.count()).select_from(join(contact, account, isouter=True))
        assert db.session.scalar(outer) == 2  # the contact without an account stays
        columns_only = select(contact.c.email)  # a bare table implied by the columns
        assert sorted(db.session.scalars(columns_only)) == ["with@a.example",
                                                             "without@a.example"]
        both = select(contact.c.email, account.c.name).join_from(contact, account,
                                                                  isouter=True)
        assert sorted(db.session.execute(both).all()) == [("with@a.example", "Acme Corp"),
                                                          ("without@a.example", None)]
