"""The demo accounts from `portal seed-demo` sign in and may do what its table says."""

from portal.services import demo
from tests.admin.conftest import new_client, staff_login


def test_demo_admin_sees_demo_accounts_and_contacts(app, acme):
    demo.seed()
    client = staff_login(new_client(app), *demo.DEMO_ADMIN)
    accounts = client.get("/admin/accountadmin/list/").text
    assert "Acme Corporation" in accounts and "Globex Inc." in accounts
    contacts = client.get("/admin/contactadmin/list/").text
    assert "alice@acme.example" in contacts and "erin@example.org" in contacts
    assert "Helpport Demo" in contacts and "Acme Support" not in contacts  # the switcher

    agent = staff_login(new_client(app), *demo.DEMO_AGENT)
    assert "bob@acme.example" in agent.get("/admin/contactadmin/list/").text


def test_demo_platform_admin_manages_workspaces(app, acme):
    demo.seed()
    client = staff_login(new_client(app), *demo.DEMO_PLATFORM_ADMIN)
    workspaces = client.get("/admin/workspaceadmin/list/")
    assert workspaces.status_code == 200
    assert "Helpport Demo" in workspaces.text and "Acme Support" in workspaces.text
    admin = staff_login(new_client(app), *demo.DEMO_ADMIN)
    assert admin.get("/admin/workspaceadmin/list/").status_code in (302, 403, 404)


def test_demo_summary_lists_every_account_with_role_and_sign_in_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "")
    monkeypatch.setitem(app.config, "PORT", 8080)
    lines = demo.seed()
    text = "\n".join(lines)
    assert "5000" not in text and "portal.test" not in text
    rows = {line.split()[0]: line for line in lines if "@" in line.split(" ")[0]}
    assert set(rows) == {demo.DEMO_PLATFORM_ADMIN[0], demo.DEMO_ADMIN[0], demo.DEMO_AGENT[0],
                         *(email for email, *_rest in demo.CONTACTS)}
    assert "platform admin" in rows[demo.DEMO_PLATFORM_ADMIN[0]]
    assert "http://127.0.0.1:8080/admin/login/" in rows[demo.DEMO_AGENT[0]]
    assert "customer admin" in rows["alice@acme.example"]
    assert "http://127.0.0.1:8080/en-US/demo/signin" in rows["bob@acme.example"]


def test_the_demo_shows_the_plug_and_a_second_seed_keeps_the_admins_choice(app, client):
    from portal.extensions import db
    from portal.services import portal_settings, workspaces

    demo.seed()
    page = client.get("/en-US/demo/directories").text
    assert 'src="/plug/demo/plug.js"' in page
    assert client.get("/plug/demo/plug.js").status_code == 200
    ws = workspaces.by_slug(demo.DEMO_SLUG)
    portal_settings.change(ws, {"features.plug": False})  # an admin turns it off
    db.session.commit()
    demo.seed()
    assert portal_settings.published(workspaces.by_slug(demo.DEMO_SLUG)).features.plug is False
