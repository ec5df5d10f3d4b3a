"""The demo admin from `portal seed-demo` signs in and sees the demo workspace's customers."""

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
