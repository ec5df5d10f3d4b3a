"""What an admin page reads from its URL or form is checked before it reaches a query:
a value no row can have is a 404, a filter or list argument no list can use is a 4xx page
that names it (the cases tests/web/test_url_probe.py found answering 500)."""

import pytest
from sqlalchemy import select

from portal.models import Account
from portal.services.contacts import customer_admins_group
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf
from tests.factories import make_account
from tests.tickets_helpers import make_desk

BIG = 2**63  # beyond SQLite's integer (PostgreSQL's ends at 2**31)


@pytest.fixture
def desk(acme, globex):
    return make_desk(acme, globex)


@pytest.mark.parametrize("query, message", [
    (f"account={BIG}", "Choose an account from the list."),
    (f"assignee={BIG}", "Choose a staff member from the list."),
    (f"account={2**31}", "Choose an account from the list."),
    ("assignee=-1", "Choose a staff member from the list."),
    ("account=\u00b2", "Choose an account from the list."),
    ("limit=1000", "Choose between 1 and 100 per page."),
])
def test_queue_filters_no_row_can_match_show_the_queue_with_a_message(staff, acme, desk,
                                                                        query, message):
    client = staff("agent", acme)
    for url in ("/admin/tickets/", "/admin/tickets/unassigned"):
        page = client.get(f"{url}?{query}")
        assert page.status_code == 422 and page.mimetype == "text/html", (url, query)
        assert message in page.text and "Printer on fire" in page.text


@pytest.mark.parametrize("assignee", [str(BIG), "\u00b2", "-1"])
def test_assigning_someone_who_cannot_exist_shows_the_ticket_with_a_message(staff, acme, desk,
                                                                           assignee):
    client = staff("agent", acme)
    url = f"/admin/tickets/{desk['ticket'].number}"
    token = fab_csrf(client.get(url).text)
    page = client.post(f"{url}/assignee", data={"assignee": assignee, "csrf_token": token})
    assert page.status_code == 422 and "Choose a staff member from the list." in page.text


def test_an_empty_queue_filter_is_no_filter(staff, acme, desk):
    page = staff("agent", acme).get("/admin/tickets/?account=&assignee=&q=")
    assert page.status_code == 200 and "Printer on fire" in page.text


@pytest.mark.parametrize("query", [f"directory={BIG}", f"page={BIG}", "page=0", "page=\u00b2",
                                   "directory=-1"])
def test_article_list_arguments_out_of_range_are_a_400_page(staff, acme, query):
    page = staff("admin", acme).get(f"/admin/kb/articles/?{query}")
    assert page.status_code == 400 and page.mimetype == "text/html", query


@pytest.mark.parametrize("url", [
    f"/admin/tickets/{BIG}", f"/admin/tickets/{2**31}", f"/admin/kb/articles/{BIG}",
    f"/admin/kb/articles/{BIG}/edit", f"/admin/kb/directories/{BIG}/edit",
    f"/admin/groupadmin/members/{BIG}", f"/admin/accountadmin/show/{BIG}",
    f"/admin/accountadmin/edit/{BIG}", f"/admin/contactadmin/show/{2**31}",
    "/admin/contactadmin/show/x", f"/admin/groupadmin/edit/{BIG}",
    "/admin/accountadmin/download/export.csv",
])
def test_pages_of_rows_that_cannot_exist_are_a_404(staff, acme, url):
    assert staff("admin", acme).get(url).status_code == 404, url


@pytest.mark.parametrize("url", [
    f"/admin/accountadmin/edit/{BIG}", f"/admin/accountadmin/delete/{BIG}",
    f"/admin/groupadmin/action/add_user/{BIG}", "/admin/groupadmin/action/nope/1",
    f"/admin/kb/articles/1/restore/{BIG}", f"/admin/tickets/{BIG}/reply",
])
def test_changes_to_rows_that_cannot_exist_are_a_404(staff, acme, url):
    client = staff("admin", acme)
    token = fab_csrf(client.get("/admin/tickets/").text)
    assert client.post(url, data={"csrf_token": token}).status_code == 404, url


def test_an_action_runs_only_as_declared_and_on_a_row(staff, acme, db):
    client = staff("admin", acme)
    account = make_account(acme, "Initech")
    token = fab_csrf(client.get("/admin/accountadmin/list/").text)
    # a list-only action asked for one row, a missing row, an unknown action: 404
    for url in (f"/admin/accountadmin/action/muldelete/{account.id}",
                f"/admin/groupadmin/action/add_user/{2**31 - 1}", "/admin/accountadmin/action/x/1"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    # bulk actions: row ids must be ids, the action one of the list's
    resp = client.post("/admin/accountadmin/action_post",
                       data={"action": "muldelete", "rowid": [str(BIG)], "csrf_token": token})
    assert resp.status_code == 400
    resp = client.post("/admin/accountadmin/action_post",
                       data={"action": "nope", "rowid": [account.id], "csrf_token": token})
    assert resp.status_code == 404
    with use_workspace(acme.id):
        assert db.session.scalar(select(Account).where(Account.id == account.id)) is not None


def test_an_unknown_action_is_no_server_error_before_sign_in(client, staff, acme):
    """Signed out: the sign-in page (as every admin page); signed in: 404."""
    assert client.post("/admin/accountadmin/action/x/1").status_code in (400, 404)
    resp = client.get("/admin/accountadmin/action/x/1")
    assert resp.status_code == 302 and "/admin/login/" in resp.headers["Location"]
    assert staff("admin", acme).get("/admin/accountadmin/action/x/1").status_code == 404


def test_group_members_of_a_contact_that_cannot_exist_is_a_404(staff, acme):
    with use_workspace(acme.id):
        group = customer_admins_group(acme)
    client = staff("admin", acme)
    page = client.get(f"/admin/groupadmin/members/{group.id}")
    for contact_id in (BIG, "x", ""):
        resp = client.post(f"/admin/groupadmin/members/{group.id}/add",
                           data={"contact_id": contact_id, "csrf_token": fab_csrf(page.text)})
        assert resp.status_code == 404, contact_id


@pytest.mark.parametrize("query, name", [
    ("page_AccountAdmin=x", "page_AccountAdmin"),
    (f"page_AccountAdmin={BIG}", "page_AccountAdmin"),
    ("psize_AccountAdmin=1000", "psize_AccountAdmin"),
    ("psize_AccountAdmin=-1", "psize_AccountAdmin"),
    ("_oc_AccountAdmin=nope&_od_AccountAdmin=asc", "_oc_AccountAdmin"),
    ("_flt_9_created_at=2020-01-01", "_flt_9_created_at"),
    ("_flt_0_name=a%00b", "_flt_0_name"),
])
def test_list_arguments_flask_appbuilder_cannot_use_are_a_400_naming_them(staff, acme, query,
                                                                         name):
    page = staff("admin", acme).get(f"/admin/accountadmin/list/?{query}")
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert name in page.text


@pytest.mark.parametrize("query", [f"_flt_0_account={BIG}", "_flt_0_account=x",
                                   f"_flt_1_account={2**31}", "_flt_0_verified=x",
                                   "_flt_1_active="])
def test_related_row_and_yes_no_filters_need_their_kind_of_value(staff, acme, query):
    page = staff("admin", acme).get(f"/admin/contactadmin/list/?{query}")
    assert page.status_code == 400 and "_flt_" in page.text


def test_list_arguments_in_range_still_work(staff, acme, db):
    account = make_account(acme, "Acme Corp")
    make_account(acme, "Zeta")
    client = staff("admin", acme)
    query = ("_flt_0_name=Acme&psize_AccountAdmin=25&page_AccountAdmin=0"
             "&_oc_AccountAdmin=name&_od_AccountAdmin=desc")
    page = client.get(f"/admin/accountadmin/list/?{query}")
    assert page.status_code == 200 and "Acme Corp" in page.text and "Zeta" not in page.text
    assert client.get(f"/admin/contactadmin/list/?_flt_0_account={account.id}").status_code \
        == 200


def test_platform_pages_check_their_input_too(staff):
    client = staff("admin", platform=True)
    assert client.get(f"/admin/users/show/{BIG}").status_code == 404
    assert client.get("/admin/users/list/?page_UserDBModelView=x").status_code == 400
    assert client.get(f"/admin/users/list/?_flt_0_login_count={BIG}").status_code == 400
    for group_by in ("9", "x", str(BIG)):
        assert client.get(f"/admin/userstatschartview/chart/{group_by}").status_code == 404
    assert client.get("/admin/userstatschartview/chart/0").status_code == 200


def test_who_may_not_open_a_page_is_refused_as_always_whatever_the_url(staff, acme):
    agent = staff("agent", acme)
    refused = agent.get("/admin/users/show/1").status_code
    assert refused in (302, 403)
    for url in ("/admin/users/show/x", "/admin/users/list/?page_UserDBModelView=x"):
        assert agent.get(url).status_code == refused, url
