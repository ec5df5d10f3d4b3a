"""Each staff role reaches what it may (200) and is turned away from the rest."""

import pytest

from portal.security import ADMIN_CSP
from tests.factories import make_account, make_contact

SECURITY_PAGES = ["/admin/users/list/", "/admin/roles/list/", "/admin/permissions/list/",
                  "/admin/viewmenus/list/", "/admin/permissionviews/list/", "/admin/users/add",
                  "/admin/roles/add"]
WORKSPACE_PAGES = ["/admin/workspaceadmin/list/", "/admin/workspaceadmin/add"]


def _pages(account, contact, group):
    return {
        "read": ["/admin/", "/admin/accountadmin/list/", f"/admin/accountadmin/show/{account.id}",
                 "/admin/contactadmin/list/", f"/admin/contactadmin/show/{contact.id}",
                 "/admin/users/userinfo/", "/admin/userinfoeditview/form",
                 "/admin/resetmypassword/form",
                 "/admin/accountadmin/list/?_flt_0_name=Acme",
                 "/admin/contactadmin/list/?_flt_0_email=pat"],
        "write": ["/admin/accountadmin/add", f"/admin/accountadmin/edit/{account.id}",
                  "/admin/contactadmin/add", f"/admin/contactadmin/edit/{contact.id}"],
        "groups": ["/admin/groupadmin/list/", "/admin/groupadmin/add",
                   f"/admin/groupadmin/show/{group.id}", f"/admin/groupadmin/edit/{group.id}",
                   f"/admin/groupadmin/members/{group.id}",
                   f"/admin/groupadmin/members/{group.id}?q=pat"],
    }


@pytest.fixture
def rows(acme):
    from portal.services.contacts import customer_admins_group

    account = make_account(acme, "Acme Corp", ["acme.example"])
    contact = make_contact(acme, "pat@acme.example", account=account)
    from portal.tenancy import use_workspace

    with use_workspace(acme.id):
        return account, contact, customer_admins_group(acme)


def _ok(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, f"{url}: {resp.status_code} {resp.headers.get('Location')}"
    assert resp.headers["Content-Security-Policy"] == ADMIN_CSP
    return resp


def _refused(client, url):
    resp = client.get(url)
    assert resp.status_code in (302, 403), f"{url} was allowed: {resp.status_code}"
    if resp.status_code == 302:
        assert "/admin/login/" in resp.headers["Location"], url


def test_platform_admin_reaches_everything(staff, acme, rows):
    client = staff(platform=True)
    pages = _pages(*rows)
    for url in pages["read"] + pages["write"] + pages["groups"] + SECURITY_PAGES + WORKSPACE_PAGES:
        _ok(client, url)
    assert "Workspaces" in client.get("/admin/").text


def test_workspace_admin_manages_customers_but_not_security_or_workspaces(staff, acme, rows):
    client = staff("admin", acme)
    pages = _pages(*rows)
    for url in pages["read"] + pages["write"] + pages["groups"]:
        _ok(client, url)
    for url in SECURITY_PAGES + WORKSPACE_PAGES:
        _refused(client, url)
    home = client.get("/admin/").text
    assert "Groups" in home and "List Users" not in home and "workspaceadmin" not in home


def test_agent_reads_customers_only(staff, acme, rows):
    client = staff("agent", acme)
    pages = _pages(*rows)
    for url in pages["read"]:
        _ok(client, url)
    for url in pages["write"] + pages["groups"] + SECURITY_PAGES + WORKSPACE_PAGES:
        _refused(client, url)
    account, contact, _group = rows
    page = client.get("/admin/contactadmin/list/").text
    assert "pat@acme.example" in page


def test_agent_cannot_delete_or_bulk_delete(staff, acme, rows, db):
    from portal.models import Account
    from portal.tenancy import use_workspace

    client = staff("agent", acme)
    account = rows[0]
    page = client.get("/admin/accountadmin/list/")
    from tests.admin.conftest import fab_csrf

    token = fab_csrf(page.text)
    client.post(f"/admin/accountadmin/delete/{account.id}", data={"csrf_token": token})
    client.post("/admin/accountadmin/action_post",
                data={"action": "muldelete", "rowid": [account.id], "csrf_token": token})
    db.session.expire_all()
    with use_workspace(acme.id):
        assert db.session.get(Account, account.id) is not None


def test_roles_hold_exactly_the_code_defined_permissions(app, db):
    from portal import database

    sm = app.appbuilder.sm
    database.sync_permissions()  # idempotent
    held = {role: {(pv.view_menu.name, pv.permission.name) for pv in sm.find_role(role).permissions}
            for role in ("Admin", "Agent")}
    assert ("GroupAdmin", "can_edit") in held["Admin"]
    assert ("ContactApi", "can_put") in held["Admin"]
    assert ("ContactAdmin", "can_list") in held["Agent"]
    assert not any(view.startswith(("UserDBModelView", "RoleModelView", "WorkspaceAdmin"))
                   and perm.startswith("can_") and perm != "can_userinfo"
                   for view, perm in held["Admin"] | held["Agent"])
    assert not any("delete" in perm for _view, perm in held["Agent"])
    assert not any(view.startswith(("GroupAdmin", "CustomerGroupApi"))
                   for view, _perm in held["Agent"])


def test_wrong_password_does_not_sign_in(app, acme):
    from tests.admin.conftest import fab_csrf, new_client
    from tests.factories import make_staff

    make_staff("someone@staff.example", "right-password-1", "admin", acme)
    client = new_client(app)
    page = client.get("/admin/login/")
    resp = client.post("/admin/login/", data={"username": "someone@staff.example",
                                              "password": "wrong-password",
                                              "csrf_token": fab_csrf(page.text)})
    assert resp.status_code == 302 and "/admin/login/" in resp.headers["Location"]
    assert client.get("/admin/accountadmin/list/").status_code == 302


def test_staff_in_no_workspace_gets_403_not_a_crash(app, acme):
    from tests.admin.conftest import new_client, staff_login
    from tests.factories import make_staff

    user = make_staff("lonely@staff.example", "staff-password-1", "admin", acme)
    from sqlalchemy import delete

    from portal.extensions import db
    from portal.models import StaffMembership

    db.session.execute(delete(StaffMembership).where(StaffMembership.user_id == user.id))
    db.session.commit()
    client = staff_login(new_client(app), "lonely@staff.example")
    assert client.get("/admin/accountadmin/list/").status_code == 403
    assert client.get("/admin/").status_code == 200


@pytest.fixture
def acme_work(acme, db):
    """A draft article and a ticket of acme."""
    from portal.services import articles
    from portal.tenancy import use_workspace
    from tests.tickets_helpers import open_ticket

    ticket = open_ticket(acme, make_contact(acme, "pat@acme.example"), "Printer on fire")
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Draft", body="Text.")
        db.session.commit()
        return {"article": article.id, "ticket": ticket.number}


def _acme_state(db, acme, work):
    from sqlalchemy import select

    from portal.models import Article, Contact, Ticket
    from portal.tenancy import use_workspace

    db.session.expire_all()
    with use_workspace(acme.id):
        return (db.session.scalar(select(Article.status).where(Article.id == work["article"])),
                sorted(db.session.scalars(select(Contact.email))),
                db.session.scalar(select(Ticket.id).where(Ticket.number == work["ticket"]))
                is not None)


def test_an_agent_here_who_is_an_admin_elsewhere_is_an_agent_here(api, acme, globex,
                                                                  acme_work, db):
    client, headers = api("agent", acme, also={globex: "admin"})
    before = _acme_state(db, acme, acme_work)
    assert before == ("draft", ["pat@acme.example"], True)
    for method, url, body in (
            ("get", "/api/v1/group/", None),
            ("post", f"/api/v1/article/{acme_work['article']}/publish", None),
            ("post", "/api/v1/contact/", {"email": "new@acme.example"}),
            ("delete", f"/api/v1/ticket/{acme_work['ticket']}", None)):
        resp = getattr(client, method)(url, headers=headers, json=body)
        assert resp.status_code == 403, (method, url, resp.status_code)
    assert _acme_state(db, acme, acme_work) == before
    # the same token acts as an admin where the person is one
    assert client.get("/api/v1/group/", headers={**headers, "X-Workspace": "globex"}
                      ).status_code == 200


def test_pages_and_menu_follow_the_role_in_the_current_workspace(staff, acme, globex):
    from tests.admin.conftest import fab_csrf

    client = staff("agent", acme, also={globex: "admin"})
    token = fab_csrf(client.get("/admin/resetmypassword/form").text)

    def switch(ws):
        resp = client.post("/admin/workspace/switch",
                           data={"workspace_id": ws.id, "csrf_token": token})
        assert resp.status_code == 303

    switch(acme)
    assert client.get("/admin/groupadmin/list/").status_code == 403
    assert client.get("/admin/accountadmin/add").status_code == 403
    assert "/admin/groupadmin/list/" not in client.get("/admin/").text
    switch(globex)
    assert client.get("/admin/groupadmin/list/").status_code == 200
    assert client.get("/admin/accountadmin/add").status_code == 200
    assert "/admin/groupadmin/list/" in client.get("/admin/").text


def test_create_staff_demotes_an_admin_of_the_workspace(app, runner, acme):
    from tests.admin.conftest import PASSWORD, jwt_token, new_client, staff_login
    from tests.factories import make_staff

    make_staff("ann@staff.example", PASSWORD, "admin", acme)
    pages = staff_login(new_client(app), "ann@staff.example")
    api = new_client(app)
    headers = {"Authorization": f"Bearer {jwt_token(api, 'ann@staff.example')}",
               "X-Workspace": "acme"}
    assert pages.get("/admin/groupadmin/list/").status_code == 200
    assert api.get("/api/v1/group/", headers=headers).status_code == 200
    result = runner.invoke(args=["portal", "create-staff", "--email", "ann@staff.example",
                                 "--password", PASSWORD, "--role", "agent",
                                 "--workspace", "acme"])
    assert result.exit_code == 0, result.output
    # the demotion ended the session and the token issued before
    resp = pages.get("/admin/groupadmin/list/")
    assert resp.status_code == 302 and "/admin/login/" in resp.headers["Location"]
    refused = api.get("/api/v1/group/", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "token_revoked"
    # signed in again, they carry an agent's rights
    pages = staff_login(new_client(app), "ann@staff.example")
    assert pages.get("/admin/groupadmin/list/").status_code == 403
    assert pages.get("/admin/accountadmin/list/").status_code == 200
    headers["Authorization"] = f"Bearer {jwt_token(new_client(app), 'ann@staff.example')}"
    assert api.get("/api/v1/group/", headers=headers).status_code == 403
    assert api.get("/api/v1/contact/", headers=headers).status_code == 200
