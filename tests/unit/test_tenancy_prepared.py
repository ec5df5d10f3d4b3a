"""Statements built once (`portal.tenancy.prepared`): the guard scopes each once per
workspace and keeps the scoped copy. What it keeps must never answer for another workspace,
nor for no workspace at all."""

import pytest
from sqlalchemy import bindparam, func, select

from portal import tenancy
from portal.extensions import db
from portal.models import Contact, Workspace
from portal.tenancy import NoWorkspace, prepared, use_workspace
from tests.factories import make_contact

EMAILS = prepared(select(Contact.email).where(Contact.email.like(bindparam("pattern")))
                  .order_by(Contact.email))


def kept_for(statement) -> dict:
    """{workspace id: the scoped copy the guard keeps} for `statement`."""
    return {ws: entry[2] for (key, ws), entry in tenancy._prepared.items()
            if entry[0] is statement}


def test_a_kept_statement_answers_only_for_its_own_workspace(acme, globex):
    make_contact(acme, "a@a.example")
    make_contact(globex, "g@g.example")
    everyone = {"pattern": "%"}
    for _round in range(2):  # the second round runs what the first one kept
        with use_workspace(acme.id):
            assert db.session.scalars(EMAILS, everyone).all() == ["a@a.example"]
        with use_workspace(globex.id):
            assert db.session.scalars(EMAILS, everyone).all() == ["g@g.example"]
    kept = kept_for(EMAILS)
    assert set(kept) == {acme.id, globex.id}
    assert kept[acme.id] is not kept[globex.id]
    with use_workspace(acme.id):  # the same copy again, not a new one
        db.session.scalars(EMAILS, everyone).all()
    assert kept_for(EMAILS)[acme.id] is kept[acme.id]


def test_without_a_workspace_a_kept_statement_is_refused(acme):
    make_contact(acme, "a@a.example")
    with use_workspace(acme.id):
        db.session.scalars(EMAILS, {"pattern": "%"}).all()
    with pytest.raises(NoWorkspace):
        db.session.scalars(EMAILS, {"pattern": "%"}).all()
    everywhere = db.session.scalars(EMAILS, {"pattern": "%"},
                                    execution_options={"all_workspaces": True})
    assert everywhere.all() == ["a@a.example"]


def test_bare_tables_and_subqueries_are_scoped_per_workspace_too(acme, globex):
    make_contact(acme, "a@a.example")
    make_contact(acme, "b@a.example")
    make_contact(globex, "g@g.example")
    contact = Contact.__table__
    counted = prepared(select(func.count()).select_from(contact))
    with_contacts = prepared(select(Workspace.slug).where(
        Workspace.id.in_(select(contact.c.workspace_id))))
    for _round in range(2):
        with use_workspace(acme.id):
            assert db.session.scalar(counted) == 2
            assert db.session.scalars(with_contacts).all() == ["acme"]
        with use_workspace(globex.id):
            assert db.session.scalar(counted) == 1
            assert db.session.scalars(with_contacts).all() == ["globex"]


def test_a_full_cache_is_emptied_and_answers_stay_right(acme, globex, monkeypatch):
    monkeypatch.setattr(tenancy, "PREPARED_MAX", 1)
    monkeypatch.setattr(tenancy, "_prepared", {})
    make_contact(acme, "a@a.example")
    make_contact(globex, "g@g.example")
    for _round in range(3):
        for ws, expected in ((acme, "a@a.example"), (globex, "g@g.example")):
            with use_workspace(ws.id):
                assert db.session.scalars(EMAILS, {"pattern": "%"}).all() == [expected]
            assert len(tenancy._prepared) == 1
