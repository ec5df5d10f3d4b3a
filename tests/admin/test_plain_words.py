"""The admin says what it means: "Email" on the sign-in form, "Account added." after a form
(translated), "— none —" for an empty choice (FAB: "Username", "Added Row", "__None")."""

from sqlalchemy import select

from portal.models import Account
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf, new_client


def test_the_sign_in_form_asks_for_an_email(app):
    page = new_client(app).get("/admin/login/").text
    assert '<label class="control-label" for="username">Email</label>' in page
    assert "Username" not in page
    assert 'autocomplete="username"' in page and 'name="password"' in page


def test_flash_messages_name_what_was_added_saved_and_deleted(staff, acme, db):
    client = staff("admin", acme)
    form = fab_csrf(client.get("/admin/accountadmin/add").text)
    added = client.post("/admin/accountadmin/add", data={"name": "Initech", "csrf_token": form},
                        follow_redirects=True).text
    assert "Account added." in added and "Added Row" not in added
    with use_workspace(acme.id):
        account = db.session.scalar(select(Account).where(Account.name == "Initech"))
    saved = client.post(f"/admin/accountadmin/edit/{account.id}", follow_redirects=True,
                        data={"name": "Initech Ltd", "csrf_token": form}).text
    assert "Account saved." in saved and "Changed Row" not in saved

    client.get("/admin/lang/de")
    deleted = client.post(f"/admin/accountadmin/delete/{account.id}",
                          data={"csrf_token": form}, follow_redirects=True).text
    assert "Kundenkonto gelöscht." in deleted


def test_an_empty_account_choice_reads_none_not_the_internal_value(staff, acme):
    client = staff("admin", acme)
    for page in ("/admin/contactadmin/add", "/admin/contactadmin/list/"):
        html = client.get(page).text
        assert ">__None<" not in html and "\\u003e__None\\u003c" not in html, page
    assert '<option selected value="__None">— none —</option>' in \
        client.get("/admin/contactadmin/add").text
