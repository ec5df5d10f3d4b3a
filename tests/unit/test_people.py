"""Accounts, contacts and groups as staff change them (portal.services.people, groups):
the rules the admin pages and the staff REST API share, each with a neighbour workspace
to leak into."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Contact, CustomerGroup
from portal.services import contacts, groups, people, workspaces
from portal.services.errors import Conflict, Invalid, NotFound
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact


def test_domains_are_parsed_once_for_pages_and_api():
    assert people.parse_domains(" B.org, @a.com,b.org ") == ["a.com", "b.org"]
    assert people.parse_domains(["a.com"]) == ["a.com"] and people.parse_domains(None) == []
    for bad in ("not a domain", 7, ["a.com", 3], ",".join(f"d{n}.com" for n in range(51))):
        with pytest.raises(Invalid) as refused:
            people.parse_domains(bad)
        assert refused.value.details["field"] == "domains"


def test_names_and_emails_are_unique_per_workspace_only(acme, globex):
    make_account(globex, "Initech")
    make_contact(globex, "pat@example.com")
    with use_workspace(acme.id):
        account = Account(name="Initech", domains="initech.example")
        people.before_save(account, acme.id)
        assert account.workspace_id == acme.id and account.domains == ["initech.example"]
        db.session.add(account)
        db.session.commit()
        contact = Contact(email=" PAT@Example.com ", name=None, locale="")
        people.before_save(contact, acme.id)
        assert (contact.email, contact.name, contact.locale) == ("pat@example.com", "", None)
        with pytest.raises(Invalid) as refused:
            people.before_save(Account(name="initech", domains=[]), acme.id)
    assert refused.value.details["field"] == "name"


def test_a_contact_needs_a_valid_email(acme):
    with use_workspace(acme.id), pytest.raises(Invalid) as refused:
        people.before_save(Contact(email="nobody"), acme.id)
    assert refused.value.details["field"] == "email"


def test_no_row_moves_to_or_links_another_workspace(acme, globex):
    theirs = make_account(globex, "Globex account")
    ours = make_account(acme, "Acme account")
    here, elsewhere = acme.id, globex.id
    with use_workspace(here):
        contact = Contact(email="x@acme.example", account=theirs)
        with pytest.raises(Invalid, match="Only rows of the current workspace"):
            people.before_save(contact, here)
        db.session.rollback()
        moved = db.session.get(Account, ours.id)
        moved.workspace_id = elsewhere
        with pytest.raises(Invalid, match="cannot move"):
            people.before_save(moved, here)
        db.session.rollback()


def test_system_group_is_kept(acme):
    with use_workspace(acme.id):
        system = contacts.customer_admins_group(acme)
        before = groups.stored_name(system.id)
        system.name = "Renamed"
        with pytest.raises(Conflict):
            people.before_save(system, acme.id, name_before=before)
        db.session.rollback()
        with pytest.raises(Conflict):
            people.delete_rows([db.session.get(CustomerGroup, system.id)])
        new = CustomerGroup(name="VIP", system=True, description=None)
        people.before_save(new, acme.id)
    assert (new.system, new.description) == (False, "")
    assert before == "Customer Admins"


def test_bulk_delete_is_all_or_none(acme):
    spare = make_account(acme, "Spare")
    with use_workspace(acme.id):
        system = contacts.customer_admins_group(acme)
        vip = CustomerGroup(workspace_id=acme.id, name="VIP")
        db.session.add(vip)
        db.session.commit()
        with pytest.raises(Conflict):
            people.delete_rows([vip, system])
        db.session.rollback()
        assert db.session.get(CustomerGroup, vip.id) is not None
        assert people.delete_rows([db.session.get(Account, spare.id), None]) == 1
        assert db.session.get(Account, spare.id) is None


def test_group_members_stay_in_the_workspace(acme, globex):
    alice = make_contact(acme, "alice@acme.example", name="Alice")
    make_contact(acme, "bob@acme.example", name="Bob")
    neighbour = make_contact(globex, "alice@globex.example", name="Alice")
    with use_workspace(acme.id):
        group = contacts.customer_admins_group(acme)
        assert [c.email for c in groups.candidates(acme, group, "alice")] == [
            "alice@acme.example"]
        groups.add_member(group, groups.contact(acme, alice.id))
        assert groups.candidates(acme, group, "alice") == []
        assert [c.email for c in groups.members(group)] == ["alice@acme.example"]
        with pytest.raises(NotFound):
            groups.contact(acme, neighbour.id)
        with pytest.raises(NotFound):
            groups.add_member(group, neighbour)
        groups.remove_member(group, alice)
        assert groups.members(group) == []
    with use_workspace(globex.id):
        theirs = contacts.customer_admins_group(globex)
        with pytest.raises(NotFound):
            groups.get(acme, theirs.id)


def test_mark_verified_skips_rows_not_found(acme):
    contact = make_contact(acme, "new@acme.example", verified=False)
    with use_workspace(acme.id):
        assert people.mark_verified([db.session.get(Contact, contact.id), None]) == 1
        assert db.session.scalar(select(Contact.verified).where(Contact.id == contact.id))


def test_a_workspace_is_created_whole_in_one_commit(db):
    ws = workspaces.create_workspace("initech", "Initech", custom_domain=" Help.Initech.COM ",
                                     support_email="help@initech.example")
    db.session.expire_all()
    assert (ws.custom_domain, ws.support_email) == ("help.initech.com", "help@initech.example")
    with use_workspace(ws.id):
        assert contacts.customer_admins_group(ws).system
