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


# Core UPDATE and DELETE, raw SQL


def test_core_update_and_delete_of_a_scoped_table_stay_in_the_workspace(acme, globex):
    from sqlalchemy import delete

    make_contact(acme, "a@a.example")
    make_contact(globex, "g@g.example")
    contact = Contact.__table__
    with use_workspace(acme.id):
        db.session.execute(update(contact).values(name="Renamed"))
        db.session.execute(delete(contact).where(contact.c.email.like("%@g.example")))
        db.session.commit()
    every = select(Contact.email, Contact.name).execution_options(all_workspaces=True)
    assert sorted(db.session.execute(every).all()) == [("a@a.example", "Renamed"),
                                                        ("g@g.example", "Test Person")]
    with pytest.raises(NoWorkspace):
        db.session.execute(update(contact).values(name="x"))
    with pytest.raises(NoWorkspace):
        db.session.execute(delete(contact))


def test_core_delete_of_an_association_table_touches_only_the_workspaces_links(acme, globex):
    from sqlalchemy import delete, func

    from portal.models import ticket_reporters
    from tests.tickets_helpers import open_ticket

    open_ticket(acme, make_contact(acme))
    open_ticket(globex, make_contact(globex))
    with use_workspace(acme.id):
        db.session.execute(delete(ticket_reporters))
        db.session.commit()
    every = select(func.count()).select_from(ticket_reporters)
    assert db.session.scalar(every.execution_options(all_workspaces=True)) == 1
    with pytest.raises(NoWorkspace):
        db.session.execute(delete(ticket_reporters))


def test_raw_sql_is_refused_unless_the_caller_opts_out(acme, globex):
    from sqlalchemy import literal_column, text

    from portal.tenancy import UnscopedStatement

    make_contact(acme)
    make_contact(globex)
    for workspace_id in (acme.id, None):
        with use_workspace(workspace_id):
            with pytest.raises(UnscopedStatement):
                db.session.execute(text("SELECT count(*) FROM contact"))
            with pytest.raises(UnscopedStatement):
                db.session.execute(text("UPDATE contact SET name = 'x'"))
            with pytest.raises(UnscopedStatement):  # raw SQL inside a statement
                db.session.scalars(select(Contact.email).where(text("1 = 1"))).all()
            with pytest.raises(UnscopedStatement):
                db.session.scalar(select(literal_column("(SELECT count(*) FROM contact)")))
    everywhere = text("SELECT count(*) FROM contact").execution_options(all_workspaces=True)
    assert db.session.scalar(everywhere) == 2


def test_insert_statements_into_scoped_tables_are_refused(acme):
    from sqlalchemy import insert

    from portal.models import ticket_reporters
    from portal.tenancy import UnscopedStatement

    with use_workspace(acme.id):
        with pytest.raises(UnscopedStatement):
            db.session.execute(insert(Contact.__table__).values(
                workspace_id=acme.id, email="x@example.com", name="", verified=True,
                active=True, created_at=None))
        with pytest.raises(UnscopedStatement):
            db.session.execute(insert(ticket_reporters).values(ticket_id=1, contact_id=1))


# subqueries


def test_subqueries_in_unscoped_selects_are_scoped(acme, globex):
    from sqlalchemy import exists, func

    make_contact(acme, "a@a.example")
    make_contact(globex, "g@g.example")
    with_contacts = select(Workspace.slug).where(Workspace.id.in_(select(Contact.workspace_id)))
    counted = select(Workspace.slug, select(func.count(Contact.id))
                     .where(Contact.workspace_id == Workspace.id).scalar_subquery())
    any_contact = select(Workspace.slug).where(exists().where(Contact.workspace_id == Workspace.id))
    with use_workspace(acme.id):
        assert db.session.scalars(with_contacts).all() == ["acme"]
        assert sorted(db.session.execute(counted).all()) == [("acme", 1), ("globex", 0)]
        assert db.session.scalars(any_contact).all() == ["acme"]
        assert db.session.query(Contact).count() == 1  # a count over a subquery (FAB's way)
    for statement in (with_contacts, counted, any_contact):
        with pytest.raises(NoWorkspace):
            db.session.execute(statement)


def test_a_bare_table_in_a_subquery_is_scoped_and_a_bare_alias_refused(acme, globex):
    from sqlalchemy import exists, func
    from sqlalchemy.orm import aliased

    from portal.tenancy import UnscopedStatement

    make_contact(acme, "a@a.example")
    make_contact(globex, "g@g.example")
    contact = Contact.__table__
    bare = select(Workspace.slug).where(Workspace.id.in_(select(contact.c.workspace_id)))
    counted = select(func.count()).select_from(select(contact.c.id).subquery())
    correlated = select(Workspace.slug).where(
        exists().where(contact.c.workspace_id == Workspace.id))
    alias = contact.alias()
    with use_workspace(acme.id):
        assert db.session.scalars(bare).all() == ["acme"]
        assert db.session.scalar(counted) == 1
        assert db.session.scalars(correlated).all() == ["acme"]
        with pytest.raises(UnscopedStatement):
            db.session.execute(select(alias.c.email))
        other = aliased(Contact)  # an ORM alias gets the condition
        assert db.session.scalars(select(other.email)).all() == ["a@a.example"]
    with pytest.raises(NoWorkspace):
        db.session.execute(bare)


def test_a_table_named_only_in_the_where_clause_is_scoped(acme, globex):
    from sqlalchemy import func

    make_contact(acme)
    make_contact(globex)
    contact = Contact.__table__
    with use_workspace(acme.id):
        assert db.session.scalar(select(func.count()).where(contact.c.id > 0)) == 1
    with pytest.raises(NoWorkspace):
        db.session.scalar(select(func.count()).where(contact.c.id > 0))
