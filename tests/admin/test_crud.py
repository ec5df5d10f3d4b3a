"""Generated CRUD pages: accounts with email domains, contacts, groups and their members,
workspaces (platform admins only)."""

from sqlalchemy import select

from portal.models import Account, Contact, CustomerGroup, Workspace
from portal.services.contacts import customer_admins_group
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf
from tests.factories import make_account, make_contact


def _one(db, ws, stmt):
    db.session.expire_all()
    with use_workspace(ws.id):
        return db.session.scalar(stmt)


def test_account_domains_are_a_validated_comma_separated_field(staff, acme, db):
    client = staff("admin", acme)
    form = client.get("/admin/accountadmin/add").text
    resp = client.post("/admin/accountadmin/add", data={
        "name": "Initech", "email_domains": "Initech.com, @initech.org, initech.com",
        "csrf_token": fab_csrf(form)})
    assert resp.status_code == 302
    account = _one(db, acme, select(Account).where(Account.name == "Initech"))
    assert account.domains == ["initech.com", "initech.org"]
    assert account.workspace_id == acme.id
    edit = client.get(f"/admin/accountadmin/edit/{account.id}").text
    assert 'value="initech.com, initech.org"' in edit

    resp = client.post("/admin/accountadmin/add", data={
        "name": "Broken", "email_domains": "not a domain, ok.com", "csrf_token": fab_csrf(form)})
    assert resp.status_code == 200 and "not a domain is not a valid email domain" in resp.text
    assert _one(db, acme, select(Account).where(Account.name == "Broken")) is None


def test_account_names_are_unique_per_workspace_only(staff, acme, globex, db):
    make_account(acme, "Umbrella")
    make_account(globex, "Soylent")
    client = staff("admin", acme)
    form = client.get("/admin/accountadmin/add").text
    resp = client.post("/admin/accountadmin/add", data={"name": "Umbrella",
                                                         "csrf_token": fab_csrf(form)})
    assert resp.status_code == 200 and "An account with this name exists." in resp.text
    resp = client.post("/admin/accountadmin/add", data={"name": "Soylent",
                                                         "csrf_token": fab_csrf(form)})
    assert resp.status_code == 302


def test_contact_email_unique_per_workspace_and_linked_to_an_account(staff, acme, globex, db):
    account = make_account(acme, "Acme Corp")
    make_contact(acme, "taken@acme.example")
    make_contact(globex, "shared@example.com")
    client = staff("admin", acme)
    form = client.get("/admin/contactadmin/add").text
    base = {"name": "Sam", "locale": "de-DE", "active": "y", "verified": "y",
            "csrf_token": fab_csrf(form)}
    resp = client.post("/admin/contactadmin/add", data={**base, "email": "TAKEN@acme.example"})
    assert resp.status_code == 200 and "exists in this workspace" in resp.text
    resp = client.post("/admin/contactadmin/add", data={**base, "email": "not-an-email"})
    assert resp.status_code == 200 and "Enter a valid email address." in resp.text
    resp = client.post("/admin/contactadmin/add", data={**base, "email": "Shared@Example.com",
                                                         "account": str(account.id)})
    assert resp.status_code == 302
    contact = _one(db, acme, select(Contact).where(Contact.email == "shared@example.com"))
    assert (contact.workspace_id, contact.account_id, contact.locale, contact.verified) == (
        acme.id, account.id, "de-DE", True)
    edit = client.get(f"/admin/contactadmin/edit/{contact.id}")
    assert edit.status_code == 200
    resp = client.post(f"/admin/contactadmin/edit/{contact.id}", data={
        **base, "email": "shared@example.com", "name": "Sam Renamed", "locale": "",
        "csrf_token": fab_csrf(edit.text)})
    assert resp.status_code == 302
    contact = _one(db, acme, select(Contact).where(Contact.id == contact.id))
    assert contact.name == "Sam Renamed" and contact.locale is None and contact.account is None


def test_contact_search_filters(staff, acme):
    make_contact(acme, "findme@acme.example", verified=False)
    make_contact(acme, "other@acme.example", verified=True)
    client = staff("agent", acme)
    page = client.get("/admin/contactadmin/list/?_flt_2_email=findme").text
    assert "findme@acme.example" in page and "other@acme.example" not in page
    page = client.get("/admin/contactadmin/list/?_flt_0_verified=y").text
    assert "other@acme.example" in page and "findme@acme.example" not in page


def test_customer_admins_add_user_by_search(staff, acme, db):
    alice = make_contact(acme, "alice@acme.example", name="Alice")
    make_contact(acme, "bob@acme.example", name="Bob")
    with use_workspace(acme.id):
        group = customer_admins_group(acme)
    client = staff("admin", acme)
    assert "Customer Admins" in client.get("/admin/groupadmin/list/").text
    show = client.get(f"/admin/groupadmin/show/{group.id}").text
    assert f"/admin/groupadmin/action/add_user/{group.id}" in show and "Add user" in show
    resp = client.post(f"/admin/groupadmin/action/add_user/{group.id}",
                       data={"csrf_token": fab_csrf(show)})
    assert resp.status_code == 302 and f"/admin/groupadmin/members/{group.id}" in resp.headers[
        "Location"]
    page = client.get(f"/admin/groupadmin/members/{group.id}?q=ali").text
    assert "alice@acme.example" in page and "bob@acme.example" not in page
    resp = client.post(f"/admin/groupadmin/members/{group.id}/add",
                       data={"contact_id": alice.id, "q": "ali", "csrf_token": fab_csrf(page)})
    assert resp.status_code == 302
    db.session.expire_all()
    with use_workspace(acme.id):
        assert [c.email for c in customer_admins_group(acme).members] == ["alice@acme.example"]
    page = client.get(f"/admin/groupadmin/members/{group.id}").text
    assert "alice@acme.example" in page
    client.post(f"/admin/groupadmin/members/{group.id}/remove",
                data={"contact_id": alice.id, "csrf_token": fab_csrf(page)})
    db.session.expire_all()
    with use_workspace(acme.id):
        assert customer_admins_group(acme).members == []


def test_system_group_cannot_be_renamed_or_deleted(staff, acme, db):
    with use_workspace(acme.id):
        group = customer_admins_group(acme)
    client = staff("admin", acme)
    edit = client.get(f"/admin/groupadmin/edit/{group.id}").text
    token = fab_csrf(edit)
    client.post(f"/admin/groupadmin/edit/{group.id}",
                data={"name": "Renamed", "description": "x", "csrf_token": token})
    client.post(f"/admin/groupadmin/delete/{group.id}", data={"csrf_token": token})
    client.post("/admin/groupadmin/action_post",
                data={"action": "muldelete", "rowid": [group.id], "csrf_token": token})
    page = client.get("/admin/groupadmin/list/").text
    assert "A system group cannot be" in page
    row = _one(db, acme, select(CustomerGroup).where(CustomerGroup.id == group.id))
    assert row is not None and row.name == "Customer Admins" and row.system


def test_admin_creates_and_deletes_an_ordinary_group(staff, acme, db):
    member = make_contact(acme, "member@acme.example")
    client = staff("admin", acme)
    form = client.get("/admin/groupadmin/add").text
    resp = client.post("/admin/groupadmin/add", data={
        "name": "VIP", "description": "", "members": [str(member.id)],
        "csrf_token": fab_csrf(form)})
    assert resp.status_code == 302
    group = _one(db, acme, select(CustomerGroup).where(CustomerGroup.name == "VIP"))
    assert not group.system and [m.email for m in group.members] == ["member@acme.example"]
    client.post(f"/admin/groupadmin/delete/{group.id}", data={"csrf_token": fab_csrf(form)})
    assert _one(db, acme, select(CustomerGroup).where(CustomerGroup.name == "VIP")) is None


def test_platform_admin_creates_a_workspace_with_its_system_group(staff, db):
    client = staff(platform=True)
    form = client.get("/admin/workspaceadmin/add").text
    resp = client.post("/admin/workspaceadmin/add", data={
        "slug": "initech", "name": "Initech Help", "default_locale": "de-DE",
        "custom_domain": "", "support_email": "help@initech.example",
        "csrf_token": fab_csrf(form)})
    assert resp.status_code == 302
    db.session.expire_all()
    ws = db.session.scalar(select(Workspace).where(Workspace.slug == "initech"))
    assert ws.default_locale == "de-DE" and ws.support_email == "help@initech.example"
    with use_workspace(ws.id):
        assert customer_admins_group(ws).system
    resp = client.post("/admin/workspaceadmin/add", data={
        "slug": "Not A Slug!", "name": "Bad", "default_locale": "en-US",
        "csrf_token": fab_csrf(form)}, follow_redirects=True)
    assert "slug must be" in resp.text
    assert db.session.scalar(select(Workspace).where(Workspace.name == "Bad")) is None
    page = client.get("/admin/accountadmin/list/").text
    assert "Initech Help" in page  # offered in the switcher at once
