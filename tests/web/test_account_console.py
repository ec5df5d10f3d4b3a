"""The customer admin's console (/account and /api/v1/me/account/members): a Customer Admin
manages their own account only. Two accounts in acme and one in globex, so that every rule
has a neighbour to leak into; plain members, contacts without an account and staff are out."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, OutboxMessage
from portal.services import contacts
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf, staff  # noqa: F401  (fixture)
from tests.conftest import csrf_from
from tests.factories import api_token, login_as, make_account, make_contact
from tests.tickets_helpers import open_ticket

REFUSED = "This person cannot be invited to your organisation."


@pytest.fixture
def desk(acme, globex):
    a, b = make_account(acme, "Alpha Ltd"), make_account(acme, "Beta Ltd")
    g_account = make_account(globex, "Gamma GmbH")
    people = {
        "ann": make_contact(acme, "ann@alpha.example", account=a, name="Ann Admin",
                            customer_admin=True),
        "al": make_contact(acme, "al@alpha.example", account=a, name="Al Member"),
        "bob": make_contact(acme, "bob@beta.example", account=b, name="Bob Admin",
                            customer_admin=True),
        "bea": make_contact(acme, "bea@beta.example", account=b, name="Bea Member"),
        "solo": make_contact(acme, "solo@nowhere.example", name="Solo NoAccount",
                             customer_admin=True),
        "gus": make_contact(globex, "gus@gamma.example", account=g_account, name="Gus Globex",
                            customer_admin=True),
        "gil": make_contact(globex, "gil@gamma.example", account=g_account, name="Gil Gamma"),
    }
    open_ticket(acme, people["al"], "Alpha printer")
    open_ticket(acme, people["bea"], "Beta scanner")
    open_ticket(globex, people["gil"], "Gamma toaster")
    return people


def _client(app, contact):
    client = app.test_client()
    login_as(client, contact)
    return client


def _bearer(contact):
    return {"Authorization": f"Bearer {api_token(contact)}"}


def _account_of(ws, contact_id):
    db.session.expire_all()
    with use_workspace(ws.id):
        return db.session.scalar(select(Contact.account_id).where(Contact.id == contact_id))


def test_the_console_shows_own_members_and_their_open_tickets(app, acme, desk):
    page = _client(app, desk["ann"]).get("/en-US/acme/account")
    assert page.status_code == 200
    text = page.text
    assert "Ann Admin" in text and "Al Member" in text and "Alpha printer" in text
    assert re.search(r'href="/en-US/acme/tickets/1"', text)
    for other in ("Bob Admin", "Bea Member", "Beta scanner", "Solo", "Gus", "Gil", "Gamma"):
        assert other not in text, other


@pytest.mark.parametrize("who", ["al", "solo", "bea"])
def test_members_and_admins_without_an_account_are_refused(app, acme, desk, who):
    client = _client(app, desk[who])
    assert client.get("/en-US/acme/account").status_code == 403
    token = csrf_from(client.get("/en-US/acme/profile").text)
    assert client.post("/en-US/acme/account/members", data={
        "csrf_token": token, "email": "new@alpha.example", "name": "New"}).status_code == 403
    assert client.post(f"/en-US/acme/account/members/{desk['al'].id}/remove",
                       data={"csrf_token": token}).status_code == 403
    auth = _bearer(desk[who])
    assert app.test_client().get("/api/v1/me/account/members", headers=auth).status_code == 403
    assert app.test_client().delete(f"/api/v1/me/account/members/{desk['al'].id}",
                                    headers=auth).status_code == 403
    assert _account_of(acme, desk["al"].id) is not None


def test_an_admin_reaches_no_other_account_nor_workspace(app, acme, globex, desk):
    client = _client(app, desk["ann"])
    token = csrf_from(client.get("/en-US/acme/account").text)
    for victim in ("bea", "bob", "gil", "solo"):
        response = client.post(f"/en-US/acme/account/members/{desk[victim].id}/remove",
                               data={"csrf_token": token})
        assert response.status_code == 404, victim
    api = app.test_client()
    auth = _bearer(desk["ann"])
    for victim in ("bea", "bob", "gil", "solo"):
        assert api.delete(f"/api/v1/me/account/members/{desk[victim].id}",
                          headers=auth).status_code == 404, victim
    assert _account_of(acme, desk["bea"].id) is not None
    assert _account_of(globex, desk["gil"].id) is not None
    listed = api.get("/api/v1/me/account/members", headers=auth).get_json()
    assert listed["account"]["name"] == "Alpha Ltd"
    assert {m["name"] for m in listed["members"]} == {"Ann Admin", "Al Member"}
    al = next(m for m in listed["members"] if m["name"] == "Al Member")
    assert al["open_tickets"] == 1 and al["latest_open_tickets"][0]["title"] == "Alpha printer"
    # the console of globex is globex's: ann has no contact there
    assert client.get("/en-US/globex/account").status_code == 302  # sign in first
    other = api.get("/api/v1/me/account/members", headers=_bearer(desk["gus"])).get_json()
    assert {m["name"] for m in other["members"]} == {"Gus Globex", "Gil Gamma"}


def test_staff_are_not_customers(app, acme, desk, staff):  # noqa: F811
    client = staff("admin", acme)
    assert client.get("/en-US/acme/account").status_code == 302  # to the customer sign-in
    assert client.get("/api/v1/me/account/members").status_code == 401


def test_invite_creates_a_member_and_emails_a_link_that_signs_in(app, acme, globex, desk):
    client = _client(app, desk["ann"])
    token = csrf_from(client.get("/en-US/acme/account").text)
    response = client.post("/en-US/acme/account/members", data={
        "csrf_token": token, "email": "New.Person@Alpha.example", "name": "Nia New"})
    assert response.status_code == 302
    with use_workspace(acme.id):
        new = db.session.scalar(select(Contact).where(Contact.email == "new.person@alpha.example"))
        [mail] = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "invitation")).all()
    assert new.account_id == desk["ann"].account_id and new.name == "Nia New"
    assert mail.to_address == "new.person@alpha.example" and "Ann Admin" in mail.subject
    link = re.search(r"(http\S+/en-US/acme/signin/token\?token=\S+)", mail.text_body).group(1)
    invited = app.test_client()
    parts = urlsplit(link)
    page = invited.get(f"{parts.path}?{parts.query}")  # a mail scanner's GET spends nothing
    assert page.status_code == 200 and "Continue to sign in" in page.text
    assert invited.post(parts.path, data={"csrf_token": csrf_from(page.text), "token": re.search(
        r'name="token" value="([^"]+)"', page.text).group(1)}).status_code == 302
    page = invited.get("/en-US/acme/tickets?scope=mine")
    assert page.status_code == 200 and "Nia New" in page.text
    # a contact of another account is refused clearly; one of another workspace is not theirs
    refused = client.post("/en-US/acme/account/members", data={
        "csrf_token": token, "email": "bea@beta.example", "name": "Bea"})
    assert refused.status_code == 409 and REFUSED in refused.text
    assert _account_of(acme, desk["bea"].id) == desk["bea"].account_id
    api = app.test_client()
    answer = api.post("/api/v1/me/account/members", headers=_bearer(desk["ann"]),
                      json={"email": "gil@gamma.example", "name": "Gil Here"})
    assert answer.status_code == 201  # a new contact of acme: globex's Gil is untouched
    assert answer.get_json()["member"]["name"] == "Gil Here"
    assert _account_of(globex, desk["gil"].id) == desk["gil"].account_id
    bad = api.post("/api/v1/me/account/members", headers=_bearer(desk["ann"]),
                   json={"email": "not-an-email"})
    assert bad.status_code == 422 and bad.get_json()["details"]["field"] == "email"


def test_every_refusal_is_the_same_and_moves_nobody(app, acme, desk):
    """Another account's contact, a contact without an account (staff link those) and a
    deactivated one: one message, one status, on the portal and the API; nobody moves."""
    loner = make_contact(acme, "loner@nowhere.example", name="Lone Contact")
    gone = make_contact(acme, "gone@alpha.example", account=desk["ann"].account,
                        active=False)
    client = _client(app, desk["ann"])
    token = csrf_from(client.get("/en-US/acme/account").text)
    api = app.test_client()
    for contact in (desk["bea"], loner, gone):
        web = client.post("/en-US/acme/account/members", data={
            "csrf_token": token, "email": contact.email, "name": "X"})
        assert web.status_code == 409 and REFUSED in web.text, contact.email
        answer = api.post("/api/v1/me/account/members", headers=_bearer(desk["ann"]),
                          json={"email": contact.email})
        assert answer.status_code == 409 and answer.get_json()["message"] == REFUSED
    assert _account_of(acme, loner.id) is None
    assert _account_of(acme, desk["bea"].id) == desk["bea"].account_id
    with use_workspace(acme.id):
        assert db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "invitation")).all() == []
    again = client.post("/en-US/acme/account/members", data={  # a member: a new link
        "csrf_token": token, "email": "al@alpha.example", "name": ""})
    assert again.status_code == 302


def test_invitations_are_rate_limited_per_inviter(app, acme, desk, monkeypatch):
    monkeypatch.setitem(app.config, "INVITE_LIMIT", "2 per hour")
    client = _client(app, desk["ann"])
    token = csrf_from(client.get("/en-US/acme/account").text)
    sent = [client.post("/en-US/acme/account/members", data={
        "csrf_token": token, "email": f"n{i}@alpha.example", "name": ""}).status_code
        for i in range(2)]
    assert sent == [302, 302]
    api = app.test_client()
    answer = api.post("/api/v1/me/account/members", headers=_bearer(desk["ann"]),
                      json={"email": "n3@alpha.example"})
    assert answer.status_code == 429  # web and API draw on one allowance
    assert client.post("/en-US/acme/account/members", data={
        "csrf_token": token, "email": "n4@alpha.example", "name": ""}).status_code == 429
    other = api.post("/api/v1/me/account/members", headers=_bearer(desk["bob"]),
                     json={"email": "n5@beta.example"})
    assert other.status_code == 201  # another inviter has their own


def test_the_invitation_is_translated(app, acme, desk):
    client = _client(app, desk["ann"])
    token = csrf_from(client.get("/de-DE/acme/account").text)
    client.post("/de-DE/acme/account/members", data={
        "csrf_token": token, "email": "neu@alpha.example", "name": "Neu"})
    with use_workspace(acme.id):
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "invitation"))
    assert mail.locale == "de-DE" and "eingeladen" in mail.subject
    assert "/de-DE/acme/signin/token" in mail.text_body


def test_remove_a_member_but_not_yourself(app, acme, desk):
    client = _client(app, desk["ann"])
    al = _client(app, desk["al"])
    token = csrf_from(client.get("/en-US/acme/account").text)
    response = client.post(f"/en-US/acme/account/members/{desk['ann'].id}/remove",
                           data={"csrf_token": token})
    assert response.status_code == 409
    response = client.post(f"/en-US/acme/account/members/{desk['al'].id}/remove",
                           data={"csrf_token": token})
    assert response.status_code == 302 and _account_of(acme, desk["al"].id) is None
    assert "Alpha printer" in al.get("/en-US/acme/tickets").text  # still Al's own ticket
    assert "Al Member" not in client.get("/en-US/acme/account").text
    assert al.get("/en-US/acme/profile").status_code == 200  # still a contact, signed in
    api = app.test_client()
    assert api.delete(f"/api/v1/me/account/members/{desk['ann'].id}",
                      headers=_bearer(desk["ann"])).status_code == 409


def test_staff_link_a_contact_and_rights_follow_on_the_next_request(app, acme, desk, staff):  # noqa: F811
    """A contact without an account, linked by staff in the admin's Contacts page, then
    made a Customer Admin: their open session sees the account's tickets at once."""
    sam = make_contact(acme, "sam@alpha.example", name="Sam Solo")
    portal = _client(app, sam)
    auth = _bearer(sam)
    assert "Alpha printer" not in portal.get("/en-US/acme/tickets").text
    assert portal.get("/en-US/acme/account").status_code == 403
    admin = staff("admin", acme)
    edit = admin.get(f"/admin/contactadmin/edit/{sam.id}")
    response = admin.post(f"/admin/contactadmin/edit/{sam.id}", data={
        "email": "sam@alpha.example", "name": "Sam Solo", "locale": "", "active": "y",
        "verified": "y", "account": str(desk["ann"].account_id),
        "csrf_token": fab_csrf(edit.text)})
    assert response.status_code == 302
    assert _account_of(acme, sam.id) == desk["ann"].account_id
    # a plain member now: in the account's member list, still only their own tickets
    listed = app.test_client().get("/api/v1/me/account/members", headers=_bearer(desk["ann"]))
    assert "Sam Solo" in {m["name"] for m in listed.get_json()["members"]}
    assert portal.get("/en-US/acme/account").status_code == 403
    with use_workspace(acme.id):
        group = contacts.customer_admins_group(acme)
        group.members.append(db.session.get(Contact, sam.id))
        db.session.commit()
    page = portal.get("/en-US/acme/tickets?scope=organization")
    assert page.status_code == 200 and "Alpha printer" in page.text
    assert "Beta scanner" not in page.text
    assert portal.get("/en-US/acme/account").status_code == 200
    assert app.test_client().get("/api/v1/me/account/members", headers=auth).status_code == 200
