"""Signed sign-in links (`/signin/token`): the JWT hand-off's sign_in_url, invitations and
workspace switches all arrive here (portal.auth.sign_in_tokens)."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from portal.auth import sign_in_tokens
from portal.extensions import db
from portal.models import Account, Contact, CustomerSession
from portal.tenancy import use_workspace
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
    assert client.get(LINK, query_string={"token": invitation}).status_code == 302


def test_an_invitation_proves_the_mailbox(client, acme):
    make_contact(acme, EMAIL)
    token = sign_in_tokens.issue(acme, EMAIL, "invite", 300)
    response = client.get(LINK, query_string={"token": token})
    assert response.status_code == 302 and response.location.endswith("/en-US/acme/directories")
    assert _sessions(acme)[0].proof == "email_code"


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
