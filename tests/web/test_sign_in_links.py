"""Signed sign-in links (`/signin/token`): the JWT hand-off's sign_in_url, invitations and
workspace switches all arrive here (portal.auth.sign_in_tokens). An invitation's GET only
asks for a click (mail scanners follow links); its POST signs in."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from portal.auth import sign_in_tokens
from portal.extensions import db
from portal.models import Account, Contact, CustomerSession
from portal.tenancy import use_workspace
from tests.conftest import csrf_from
from tests.factories import make_contact

EMAIL = "pat@customer.example"
LINK = "/en-US/acme/signin/token"


def _sessions(ws):
    with use_workspace(ws.id):
        return db.session.scalars(select(CustomerSession)).all()


@pytest.fixture(autouse=True)
def hand_off_on(request):
    """The JWT hand-off's links work only while the workspace has it on."""
    if "acme" in request.fixturenames:
        acme = request.getfixturevalue("acme")
        acme.sign_in_jwt = True
        db.session.commit()


def follow_invitation(client, token):
    """What a person does: open the emailed link, then press the button."""
    page = client.get(LINK, query_string={"token": token})
    assert page.status_code == 200 and "Continue to sign in" in page.text, page.text
    return client.post(LINK, data={"csrf_token": csrf_from(page.text), "token": token})


def test_a_link_signs_in_once_and_goes_to_next(client, acme):
    make_contact(acme, EMAIL, name="Pat Doe")
    token = sign_in_tokens.issue(acme, EMAIL, "jwt", 300, next="/en-US/acme/tickets")
    response = client.get(LINK, query_string={"token": token})
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/tickets")
    assert "Pat Doe" in client.get("/en-US/acme/profile").text
    [row] = _sessions(acme)
    assert row.proof == "jwt" and row.kind == "web"
    again = client.get(LINK, query_string={"token": token})
    assert again.status_code == 401 and "already used" in again.text
    assert len(_sessions(acme)) == 1


def test_a_hand_off_link_is_refused_once_the_hand_off_is_off(client, acme):
    make_contact(acme, EMAIL)
    jwt_link = sign_in_tokens.issue(acme, EMAIL, "jwt", 300)
    invitation = sign_in_tokens.issue(acme, EMAIL, "invite", 300)
    acme.sign_in_jwt = False
    db.session.commit()
    refused = client.get(LINK, query_string={"token": jwt_link})
    assert refused.status_code == 401 and "host application is off" in refused.text
    assert follow_invitation(client, invitation).status_code == 302


def test_an_invitation_proves_the_mailbox(client, acme):
    make_contact(acme, EMAIL)
    token = sign_in_tokens.issue(acme, EMAIL, "invite", 300)
    response = follow_invitation(client, token)
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/directories")
    assert _sessions(acme)[0].proof == "email_code"
    again = client.post(LINK, data={"csrf_token": csrf_from(client.get(
        "/en-US/acme/profile").text), "token": token})
    assert again.status_code == 401 and len(_sessions(acme)) == 1


def test_a_mail_scanner_spends_no_invitation(app, client, acme):
    """GETs (a scanner's, any number) sign nobody in and leave the link usable; the POST
    needs the page's CSRF token."""
    make_contact(acme, EMAIL)
    token = sign_in_tokens.issue(acme, EMAIL, "invite", 300)
    scanner = app.test_client()
    for _ in range(3):
        page = scanner.get(LINK, query_string={"token": token})
        assert page.status_code == 200 and f'value="{token}"' in page.text
    assert _sessions(acme) == []
    assert client.post(LINK, data={"token": token}).status_code == 400  # no CSRF token
    assert _sessions(acme) == []
    assert follow_invitation(client, token).status_code == 302
    assert len(_sessions(acme)) == 1
    refused = client.get(LINK, query_string={"token": "x" * 50})
    assert refused.status_code == 401 and "Continue" not in refused.text


def test_a_switch_link_signs_in_on_get(client, acme):
    make_contact(acme, EMAIL)
    token = sign_in_tokens.issue(acme, EMAIL, "switch", 120)
    response = client.get(LINK, query_string={"token": token})
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/directories")
    [row] = _sessions(acme)
    assert row.proof == "email_code"
    assert client.get(LINK, query_string={"token": token}).status_code == 401


@pytest.mark.parametrize("purpose", ["invite", "switch"])
def test_a_mailbox_link_obeys_the_code_settings(client, acme, purpose):
    """A link that proves the mailbox is a code by another road: the domain that must use
    SAML goes to the SAML login, codes off go to the sign-in page; nothing is spent."""
    make_contact(acme, EMAIL)
    make_contact(acme, "ann@corp.example")
    acme.sign_in_saml, acme.saml_required_domains = True, ["corp.example"]
    db.session.commit()
    corp = sign_in_tokens.issue(acme, "ann@corp.example", purpose, 300)
    csrf = csrf_from(client.get("/en-US/acme/signin").text)
    for response in (client.get(LINK, query_string={"token": corp}),
                     client.post(LINK, data={"token": corp, "csrf_token": csrf})):
        assert response.status_code == 303 and response.location == "/sso/acme/saml/login"
    token = sign_in_tokens.issue(acme, EMAIL, purpose, 300)
    acme.sign_in_email_code = False
    db.session.commit()
    response = client.get(LINK, query_string={"token": token})
    assert response.status_code == 303 and response.location.endswith("/en-US/acme/signin")
    assert "emailed code is turned off" in client.get(response.location).text
    assert _sessions(acme) == []
    acme.sign_in_email_code = True
    db.session.commit()
    if purpose == "invite":
        assert follow_invitation(client, token).status_code == 302
    else:
        assert client.get(LINK, query_string={"token": token}).status_code == 302
    assert len(_sessions(acme)) == 1


def test_refused_links_sign_nobody_in(client, acme, globex):
    make_contact(acme, EMAIL)
    other = sign_in_tokens.issue(globex, EMAIL, "jwt", 300)
    good = sign_in_tokens.issue(acme, EMAIL, "jwt", 300)
    head, body, signature = good.split(".")
    tampered = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    claims = jwt.decode(good, options={"verify_signature": False})
    claims["exp"] = datetime.now(UTC) - timedelta(seconds=5)
    expired = jwt.encode(claims, sign_in_tokens._key(acme.id), algorithm="HS256")
    none_alg = jwt.encode({**claims, "exp": datetime.now(UTC) + timedelta(minutes=5)}, None,
                          algorithm="none")
    for token in (other, tampered, expired, none_alg, "", "x" * 5000):
        response = client.get(LINK, query_string={"token": token})
        assert response.status_code == 401, token[:40]
        assert "invalid, expired or already used" in response.text
    assert _sessions(acme) == []


def test_unsafe_next_is_dropped(client, acme):
    make_contact(acme, EMAIL)
    token = sign_in_tokens.issue(acme, EMAIL, "jwt", 300, next="//evil.example/x")
    response = client.get(LINK, query_string={"token": token})
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/directories")


def test_unknown_email_needs_jit(client, acme):
    token = sign_in_tokens.issue(acme, "new@corp.example", "jwt", 300)
    assert client.get(LINK, query_string={"token": token}).status_code == 401
    with use_workspace(acme.id):
        account = Account(workspace_id=acme.id, name="Corp", domains=["corp.example"])
        named = Account(workspace_id=acme.id, name="Named", domains=[])
        db.session.add_all([account, named])
        acme.jit_provisioning = True
        db.session.commit()
    token = sign_in_tokens.issue(acme, "new@corp.example", "jwt", 300, name="New Person")
    assert client.get(LINK, query_string={"token": token}).status_code == 302
    token = sign_in_tokens.issue(acme, "other@corp.example", "jwt", 300, account="Named")
    assert client.get(LINK, query_string={"token": token}).status_code == 302
    with use_workspace(acme.id):
        new = db.session.scalar(select(Contact).where(Contact.email == "new@corp.example"))
        other = db.session.scalar(select(Contact).where(Contact.email == "other@corp.example"))
        assert new.name == "New Person" and new.account.name == "Corp"
        assert other.account.name == "Named"
