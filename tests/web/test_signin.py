"""Portal sign-in pages: email then code, errors next to the field, CSRF, safe `next`, 429."""

import pytest
from sqlalchemy import select

from portal.auth.next_url import safe_next
from portal.extensions import db
from portal.models import Contact, CustomerSession
from portal.tenancy import use_workspace
from tests.codes import code_rows, last_code, outbox_count, web_sign_in
from tests.conftest import csrf_from
from tests.factories import login_as, make_contact

EMAIL = "pat@customer.example"
SIGNIN = "/en-US/acme/signin"


def test_sign_in_with_email_then_code(client, acme):
    make_contact(acme, EMAIL, name="Pat Doe")
    page = client.get(SIGNIN)
    assert page.status_code == 200 and 'name="email"' in page.text
    response = client.post(SIGNIN, data={"email": EMAIL, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and "/en-US/acme/signin/code" in response.location
    page = client.get(response.location)
    assert 'name="code"' in page.text and EMAIL in page.text
    response = client.post("/en-US/acme/signin/code", data={
        "email": EMAIL, "code": last_code(acme, EMAIL), "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/directories")
    home = client.get(response.location)
    assert "Pat Doe" in home.text and "/en-US/acme/profile" in home.text  # the profile menu
    assert "/en-US/acme/signout" in home.text
    profile = client.get("/en-US/acme/profile")
    assert profile.status_code == 200 and EMAIL in profile.text


def test_malformed_email_is_shown_next_to_the_field_and_kept(client, acme):
    page = client.get(SIGNIN)
    response = client.post(SIGNIN, data={"email": "pat@@example",
                                         "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'aria-invalid="true"' in response.text
    assert 'value="pat@@example"' in response.text
    assert outbox_count(acme) == 0


def test_wrong_code_is_shown_next_to_the_field_and_kept(client, acme):
    make_contact(acme, EMAIL)
    web_page = client.get(SIGNIN)
    client.post(SIGNIN, data={"email": EMAIL, "csrf_token": csrf_from(web_page.text)})
    code = last_code(acme, EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page = client.get(f"/en-US/acme/signin/code?email={EMAIL}")
    response = client.post("/en-US/acme/signin/code", data={
        "email": EMAIL, "code": wrong, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert 'id="code-error"' in response.text and f'value="{wrong}"' in response.text
    assert f'value="{EMAIL}"' in response.text
    assert code_rows(acme, EMAIL)[0].attempts == 1
    assert "Set-Cookie" not in response.headers or "helpport_customer" not in str(
        response.headers.getlist("Set-Cookie"))


def test_unknown_email_gets_the_same_page_and_no_email(client, acme):
    make_contact(acme, EMAIL)
    page = client.get(SIGNIN)
    token = csrf_from(page.text)
    known = client.post(SIGNIN, data={"email": EMAIL, "csrf_token": token})
    unknown = client.post(SIGNIN, data={"email": "who@example.com", "csrf_token": token})
    assert known.status_code == unknown.status_code == 302
    assert known.location.replace(EMAIL, "X") == unknown.location.replace("who@example.com", "X")
    code_pages = [client.get(r.location).text for r in (known, unknown)]
    assert code_pages[0].replace(EMAIL, "X") == code_pages[1].replace("who@example.com", "X")
    assert outbox_count(acme) == 1


def test_jit_signs_in_a_new_contact_without_account_on_the_web(client, acme):
    acme.jit_provisioning = True
    db.session.commit()
    response = web_sign_in(client, acme, "new@nowhere.example")
    assert response.status_code == 302
    profile = client.get("/en-US/acme/profile")
    assert profile.status_code == 200 and "new@nowhere.example" in profile.text
    with use_workspace(acme.id):
        assert db.session.scalar(select(Contact.account_id)) is None


@pytest.mark.parametrize("path, data", [
    (SIGNIN, {"email": EMAIL}),
    ("/en-US/acme/signin/code", {"email": EMAIL, "code": "123456"}),
    ("/en-US/acme/signout", {}),
])
def test_forms_refuse_a_post_without_csrf_token(client, acme, path, data):
    contact = make_contact(acme, EMAIL)
    token = login_as(client, contact)
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert outbox_count(acme) == 0
    with use_workspace(acme.id):
        [row] = db.session.scalars(select(CustomerSession)).all()
    assert row.revoked_at is None
    assert client.get_cookie(f"helpport_customer_{acme.id}").value == token


def test_sign_out_revokes_the_session(client, acme):
    login_as(client, make_contact(acme, EMAIL))
    page = client.get("/en-US/acme/profile")
    response = client.post("/en-US/acme/signout", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert client.get("/en-US/acme/profile").status_code == 302
    with use_workspace(acme.id):
        assert db.session.scalar(select(CustomerSession.revoked_at)) is not None


def test_profile_needs_sign_in_and_comes_back(client, acme):
    response = client.get("/en-US/acme/profile")
    assert response.status_code == 302
    assert response.location.endswith("/en-US/acme/signin?next=/en-US/acme/profile")
    make_contact(acme, EMAIL)
    done = web_sign_in(client, acme, EMAIL, next_url="/en-US/acme/profile")
    assert done.location == "/en-US/acme/profile"


@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/en-US/acme", "https://evil.example", "http:evil.example",
    "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "javascript:alert(1)",
    "JavaScript:alert(1)", "/en-US/acme\r\nSet-Cookie: x=1", "/ok\nLocation: //evil",
    "evil.example", "", "data:text/html,x", "/" + "a" * 3000,
])
def test_next_never_leaves_the_site(client, acme, target):
    assert safe_next(target) is None
    make_contact(acme, EMAIL)
    response = web_sign_in(client, acme, EMAIL, next_url=target)
    assert response.status_code == 302
    assert response.location.endswith("/en-US/acme/directories")
    assert "\n" not in response.headers["Location"] and "x=1" not in str(response.headers)


@pytest.mark.parametrize("target", ["/en-US/acme/profile", "/en-US/acme/directories?q=a%20b",
                                    "/de-DE/acme/directories#top"])
def test_next_on_this_site_is_followed(client, acme, target):
    assert safe_next(target) == target
    make_contact(acme, EMAIL)
    assert web_sign_in(client, acme, EMAIL, next_url=target).location == target


def test_signed_in_visitor_skips_the_sign_in_page(client, acme):
    login_as(client, make_contact(acme, EMAIL))
    response = client.get(SIGNIN + "?next=//evil.example")
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/directories")


def test_too_many_sends_show_a_themed_page(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT", "2 per 15 minutes")
    make_contact(acme, EMAIL)
    token = csrf_from(client.get(SIGNIN).text)
    for _ in range(2):
        assert client.post(SIGNIN, data={"email": EMAIL, "csrf_token": token}).status_code == 302
    response = client.post(SIGNIN, data={"email": EMAIL, "csrf_token": token})
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert "Too many attempts" in response.text and "wait a few minutes" in response.text
    assert "Acme Support" in response.text and "Retry-After" in response.headers
    assert outbox_count(acme) == 2


def test_too_many_code_tries_show_a_themed_page(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_VERIFY_LIMIT", "2 per 15 minutes")
    make_contact(acme, EMAIL)
    token = csrf_from(client.get(SIGNIN).text)
    for _ in range(2):
        client.post("/en-US/acme/signin/code",
                    data={"email": EMAIL, "code": "000000", "csrf_token": token})
    response = client.post("/en-US/acme/signin/code",
                           data={"email": EMAIL, "code": "000000", "csrf_token": token})
    assert response.status_code == 429 and "Too many attempts" in response.text


def test_sign_in_pages_are_localised(client, acme):
    page = client.get("/de-DE/acme/signin")
    assert page.status_code == 200 and 'lang="de-DE"' in page.text


# The normalised address (otp.normalise_email) keys the limits: case, spaces and full-width
# letters or dots of the domain spell the same mailbox and draw on the same allowance.
SPELLINGS = ("PAT@Customer.Example", " pat@customer.example ", "pat@ＣＵＳＴＯＭＥＲ.example",
             "pat@customer．example", "pat@customer。example")


def test_send_limit_counts_every_spelling_of_the_address(client, acme, app):
    make_contact(acme, EMAIL)
    allowed = int(app.config["OTP_SEND_LIMIT"].split()[0])
    token = csrf_from(client.get(SIGNIN).text)
    for _ in range(allowed):
        assert client.post(SIGNIN, data={"email": EMAIL, "csrf_token": token}).status_code == 302
    for spelling in SPELLINGS:
        response = client.post(SIGNIN, data={"email": spelling, "csrf_token": token})
        assert response.status_code == 429 and "Too many attempts" in response.text, spelling
    assert outbox_count(acme) == allowed
    other = client.post(SIGNIN, data={"email": "sam@customer.example", "csrf_token": token})
    assert other.status_code == 302


def test_code_tries_count_every_spelling_of_the_address(client, acme, app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_VERIFY_LIMIT", "2 per 15 minutes")
    make_contact(acme, EMAIL)
    token = csrf_from(client.get(SIGNIN).text)
    client.post(SIGNIN, data={"email": EMAIL, "csrf_token": token})
    code = last_code(acme, EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    addresses = (f"10.0.0.{n}" for n in range(1, 100))  # the per-address limit never trips
    for spelling in SPELLINGS[2:4]:
        response = client.post("/en-US/acme/signin/code",
                               data={"email": spelling, "code": wrong, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": next(addresses)})
        assert response.status_code == 422
    for spelling in (EMAIL, *SPELLINGS):
        response = client.post("/en-US/acme/signin/code",
                               data={"email": spelling, "code": code, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": next(addresses)})
        assert response.status_code == 429 and "Too many attempts" in response.text, spelling
    assert code_rows(acme, EMAIL)[0].attempts == 2
    with use_workspace(acme.id):
        assert db.session.scalars(select(CustomerSession)).all() == []
