"""Nothing of globex is reachable from an acme admin: lists, id guessing, forms, actions,
the workspace switch; and staff and customer sign-ins never stand in for each other."""

import pytest

from portal.models import Account, Contact, CustomerGroup
from portal.services.contacts import customer_admins_group
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf
from tests.factories import make_account, make_contact


@pytest.fixture
def neighbours(acme, globex):
    """One account, contact and group in each workspace, with distinguishable names."""
    rows = {}
    for ws, tag in ((acme, "acme"), (globex, "globex")):
        account = make_account(ws, f"{tag}-account", [f"{tag}.example"])
        contact = make_contact(ws, f"someone@{tag}.example", account=account,
                               name=f"{tag}-person")
        with use_workspace(ws.id):
            group = customer_admins_group(ws)
        rows[tag] = {"account": account, "contact": contact, "group": group}
    return rows


def _still_there(db, ws, model, row_id):
    db.session.expire_all()
    with use_workspace(ws.id):
        return db.session.get(model, row_id)


def test_lists_show_only_the_current_workspace(staff, acme, neighbours):
    client = staff("admin", acme)
    for url, mine, theirs in (("/admin/accountadmin/list/", "acme-account", "globex-account"),
                              ("/admin/contactadmin/list/", "someone@acme.example",
                               "someone@globex.example"),
                              ("/admin/contactadmin/list/?_flt_0_email=someone", "acme-person",
                               "globex-person")):
        page = client.get(url).text
        assert mine in page and theirs not in page, url
    groups = client.get("/admin/groupadmin/list/").text
    assert groups.count("Customer Admins") == 1


@pytest.mark.parametrize("view,kind", [("accountadmin", "account"), ("contactadmin", "contact"),
                                       ("groupadmin", "group")])
def test_id_guessing_finds_nothing(staff, acme, globex, neighbours, db, view, kind):
    client = staff("admin", acme)
    theirs = neighbours["globex"][kind]
    token = fab_csrf(client.get(f"/admin/{view}/add").text)
    for url in (f"/admin/{view}/show/{theirs.id}", f"/admin/{view}/edit/{theirs.id}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/{view}/edit/{theirs.id}",
                       data={"name": "hijacked", "email": "x@y.example",
                             "csrf_token": token}).status_code == 404
    assert client.post(f"/admin/{view}/delete/{theirs.id}",
                       data={"csrf_token": token}).status_code == 404
    model = {"account": Account, "contact": Contact, "group": CustomerGroup}[kind]
    row = _still_there(db, globex, model, theirs.id)
    assert row is not None and getattr(row, "name", "") != "hijacked"


def test_bulk_actions_skip_other_workspaces(staff, acme, globex, neighbours, db):
    client = staff("admin", acme)
    extra_id = make_account(acme, "acme-spare").id
    token = fab_csrf(client.get("/admin/accountadmin/list/").text)
    account_id, contact_id, group_id = (neighbours["globex"][k].id
                                        for k in ("account", "contact", "group"))
    resp = client.post("/admin/accountadmin/action_post", data={
        "action": "muldelete", "rowid": [account_id, extra_id], "csrf_token": token})
    assert resp.status_code == 302
    assert _still_there(db, globex, Account, account_id) is not None
    assert _still_there(db, acme, Account, extra_id) is None

    with use_workspace(globex.id):
        db.session.get(Contact, contact_id).verified = False
        db.session.commit()
    client.post("/admin/contactadmin/action_post", data={
        "action": "verify", "rowid": [contact_id], "csrf_token": token})
    assert _still_there(db, globex, Contact, contact_id).verified is False

    client.post("/admin/groupadmin/action_post", data={
        "action": "muldelete", "rowid": [group_id], "csrf_token": token})
    assert _still_there(db, globex, CustomerGroup, group_id) is not None
    resp = client.post(f"/admin/groupadmin/action/add_user/{group_id}",
                       data={"csrf_token": token})
    assert resp.status_code == 404


def test_relationship_choices_offer_only_current_workspace(staff, acme, globex, neighbours, db):
    client = staff("admin", acme)
    form = client.get("/admin/contactadmin/add").text
    assert "acme-account" in form and "globex-account" not in form
    group_form = client.get(f"/admin/groupadmin/edit/{neighbours['acme']['group'].id}").text
    assert "someone@acme.example" in group_form and "someone@globex.example" not in group_form

    resp = client.post("/admin/contactadmin/add", data={
        "email": "new@acme.example", "name": "New", "locale": "",
        "account": str(neighbours["globex"]["account"].id), "active": "y",
        "csrf_token": fab_csrf(form)})
    assert resp.status_code == 200  # the form again, with an error
    with use_workspace(acme.id):
        from sqlalchemy import select

        assert db.session.scalar(select(Contact).where(Contact.email == "new@acme.example")) is None


def test_member_page_refuses_other_workspaces(staff, acme, globex, neighbours, db):
    client = staff("admin", acme)
    mine, theirs = neighbours["acme"], neighbours["globex"]
    assert client.get(f"/admin/groupadmin/members/{theirs['group'].id}").status_code == 404
    page = client.get(f"/admin/groupadmin/members/{mine['group'].id}?q=someone").text
    assert "someone@acme.example" in page and "someone@globex.example" not in page
    token = fab_csrf(page)
    resp = client.post(f"/admin/groupadmin/members/{mine['group'].id}/add",
                       data={"contact_id": theirs["contact"].id, "csrf_token": token})
    assert resp.status_code == 404
    resp = client.post(f"/admin/groupadmin/members/{theirs['group'].id}/add",
                       data={"contact_id": mine["contact"].id, "csrf_token": token})
    assert resp.status_code == 404
    db.session.expire_all()
    with use_workspace(globex.id):
        assert customer_admins_group(globex).members == []


def test_admin_cannot_switch_into_a_workspace_of_which_they_are_not_staff(
        staff, acme, globex, neighbours):
    client = staff("admin", acme)
    token = fab_csrf(client.get("/admin/accountadmin/list/").text)
    resp = client.post("/admin/workspace/switch",
                       data={"workspace_id": globex.id, "csrf_token": token})
    assert resp.status_code == 303
    with client.session_transaction() as sess:
        assert sess["admin_workspace_id"] == acme.id
    page = client.get("/admin/accountadmin/list/").text
    assert "acme-account" in page and "globex-account" not in page
    assert "Globex Help" not in page  # not offered in the switcher either


def test_staff_of_two_workspaces_switches_between_them(staff, acme, globex, neighbours):
    client = staff("admin", acme, globex)
    page = client.get("/admin/accountadmin/list/").text
    assert "Acme Support" in page and "Globex Help" in page  # the switcher
    resp = client.post("/admin/workspace/switch",
                       data={"workspace_id": globex.id, "csrf_token": fab_csrf(page)})
    assert resp.status_code == 303
    page = client.get("/admin/accountadmin/list/").text
    assert "globex-account" in page and "acme-account" not in page
    resp = client.post("/admin/workspace/switch",
                       data={"workspace_id": acme.id, "csrf_token": fab_csrf(page)})
    assert "acme-account" in client.get("/admin/accountadmin/list/").text


def test_switch_needs_csrf(staff, acme, globex):
    client = staff("admin", acme, globex)
    client.get("/admin/")
    resp = client.post("/admin/workspace/switch", data={"workspace_id": globex.id})
    assert resp.status_code == 400
    with client.session_transaction() as sess:
        assert sess["admin_workspace_id"] == acme.id


def test_platform_admin_acts_in_every_workspace(staff, acme, globex, neighbours):
    client = staff(platform=True)
    page = client.get("/admin/accountadmin/list/").text
    assert "Acme Support" in page and "Globex Help" in page
    client.post("/admin/workspace/switch",
                data={"workspace_id": globex.id, "csrf_token": fab_csrf(page)})
    assert "globex-account" in client.get("/admin/accountadmin/list/").text


def test_customer_session_never_opens_admin(customer_client):
    for url in ("/admin/accountadmin/list/", "/admin/contactadmin/list/", "/admin/users/list/"):
        resp = customer_client.get(url)
        assert resp.status_code == 302 and "/admin/login/" in resp.headers["Location"]
    assert customer_client.get("/en-US/acme/profile").status_code == 200


def test_staff_sign_in_is_not_a_customer_sign_in(staff, acme, neighbours):
    client = staff("admin", acme)
    resp = client.get("/en-US/acme/profile")
    assert resp.status_code == 302 and "/signin" in resp.headers["Location"]
    assert client.get("/api/v1/me").status_code == 401
