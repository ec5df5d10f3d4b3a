"""Settings > Application tokens and /api/v1/app-tokens/: workspace admins list, create
(the secret shown once) and revoke the JWT hand-off's tokens; CSRF-protected; agents and
other workspaces' admins get nothing."""

import re

from sqlalchemy import select

from portal.auth import app_tokens
from portal.extensions import db
from portal.models import AppToken
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf
from tests.factories import make_contact

URL = "/admin/apptokens/"
API = "/api/v1/app-tokens/"
HANDOFF = "/api/v1/workspaces/acme/auth/jwt"


def secret_on(page: str) -> str | None:
    found = re.search(r'id="token-secret"[^>]*value="(hpat_[^"]+)"', page)
    return found.group(1) if found else None


def hands_off(client, secret) -> int:
    return client.post(HANDOFF, json={"email": "pat@customer.example"},
                       headers={"Authorization": f"Bearer {secret}"}).status_code


def test_an_admin_creates_sees_the_secret_once_and_revokes(staff, acme, client):
    make_contact(acme, "pat@customer.example")
    acme.sign_in_jwt = True
    db.session.commit()
    admin = staff("admin", acme)
    page = admin.get(URL)
    assert page.status_code == 200 and "No tokens yet." in page.text
    assert "Application tokens" in admin.get("/admin/").text
    token = fab_csrf(page.text)
    created = admin.post(URL, data={"name": "Main site", "csrf_token": token})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = secret_on(created.text)
    assert secret and "shown only this once" in created.text
    again = admin.get(URL)
    assert "Main site" in again.text and secret_on(again.text) is None
    assert secret not in again.text
    assert hands_off(client, secret) == 200

    duplicate = admin.post(URL, data={"name": "Main site", "csrf_token": token})
    assert duplicate.status_code == 422 and "exists already" in duplicate.text
    assert secret_on(duplicate.text) is None
    with use_workspace(acme.id):
        row = db.session.scalar(select(AppToken))
    revoked = admin.post(f"{URL}revoke/{row.id}", data={"csrf_token": token})
    assert revoked.status_code == 303
    listing = admin.get(URL).text
    assert "revoked" in listing and f"revoke/{row.id}" not in listing
    assert hands_off(client, secret) == 401


def test_forms_need_the_csrf_token(staff, acme):
    admin = staff("admin", acme)
    assert admin.post(URL, data={"name": "No token"}).status_code == 400
    with use_workspace(acme.id):
        row, _secret = app_tokens.create(acme, "Kept")
    assert admin.post(f"{URL}revoke/{row.id}", data={}).status_code == 400
    with use_workspace(acme.id):
        db.session.refresh(row)
        assert row.revoked_at is None and len(app_tokens.listing(acme)) == 1


def test_agents_and_other_workspaces_admins_get_nothing(staff, acme, globex):
    with use_workspace(acme.id):
        row, _secret = app_tokens.create(acme, "Acme token")
    agent = staff("agent", acme)
    assert agent.get(URL).status_code == 403
    assert "Application tokens" not in agent.get("/admin/").text
    theirs = staff("admin", globex)
    page = theirs.get(URL)
    assert page.status_code == 200 and "Acme token" not in page.text
    token = fab_csrf(page.text)
    assert theirs.post(f"{URL}revoke/{row.id}", data={"csrf_token": token}).status_code == 404
    with use_workspace(acme.id):
        db.session.refresh(row)
        assert row.revoked_at is None


def test_the_staff_api_lists_creates_once_and_revokes(api, acme, globex, client):
    make_contact(acme, "pat@customer.example")
    acme.sign_in_jwt = True
    db.session.commit()
    staff_client, headers = api("admin", acme)
    assert staff_client.get(API, headers=headers).get_json() == {"result": []}
    created = staff_client.post(API, json={"name": "Mobile backend"}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.get_json()
    secret, token = body["secret"], body["token"]
    assert secret.startswith("hpat_") and token["name"] == "Mobile backend"
    assert created.headers["Cache-Control"] == "no-store"
    listed = staff_client.get(API, headers=headers)
    assert [t["name"] for t in listed.get_json()["result"]] == ["Mobile backend"]
    assert secret not in listed.text and "token_hash" not in listed.text
    assert hands_off(client, secret) == 200
    duplicate = staff_client.post(API, json={"name": "Mobile backend"}, headers=headers)
    assert duplicate.status_code == 422 and duplicate.get_json()["details"]["field"] == "name"
    assert staff_client.post(API, json={"name": "x", "extra": 1},
                             headers=headers).status_code == 422

    other_client, other_headers = api("admin", globex)
    assert other_client.get(API, headers=other_headers).get_json() == {"result": []}
    assert other_client.delete(f"{API}{token['id']}", headers=other_headers).status_code == 404
    assert hands_off(client, secret) == 200

    revoked = staff_client.delete(f"{API}{token['id']}", headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["token"]["revoked_at"]
    assert hands_off(client, secret) == 401
    assert staff_client.delete(f"{API}{2**40}", headers=headers).status_code == 404

    agent_client, agent_headers = api("agent", acme)
    assert agent_client.get(API, headers=agent_headers).status_code == 403
    assert agent_client.post(API, json={"name": "Agent's"}, headers=agent_headers).status_code \
        == 403
