"""Nothing of one workspace is reachable from another through the portal or the API."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage
from portal.tenancy import use_workspace
from tests.codes import work_sign_in_jobs
from tests.conftest import csrf_from
from tests.factories import api_token, login_as, make_contact


def test_web_session_of_one_workspace_is_not_signed_in_elsewhere(client, acme, globex):
    login_as(client, make_contact(acme, "same@example.com", name="Acme Person"))
    make_contact(globex, "same@example.com", name="Globex Person")
    assert client.get("/en-US/acme/profile").status_code == 200
    response = client.get("/en-US/globex/profile")
    assert response.status_code == 302 and "/en-US/globex/signin" in response.headers["Location"]


def test_api_token_speaks_for_its_own_workspace_only(client, acme, globex):
    token = api_token(make_contact(acme, "same@example.com", name="Acme Person"))
    make_contact(globex, "same@example.com", name="Globex Person")
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["workspace"]["slug"] == "acme" and body["contact"]["name"] == "Acme Person"


def test_code_sent_for_one_workspace_does_not_sign_in_to_another(client, acme, globex):
    make_contact(acme, "same@example.com")
    make_contact(globex, "same@example.com")
    page = client.get("/en-US/acme/signin").get_data(as_text=True)
    client.post("/en-US/acme/signin", data={"email": "same@example.com",
                                            "csrf_token": csrf_from(page)})
    work_sign_in_jobs()
    with use_workspace(acme.id):
        body = db.session.scalars(select(OutboxMessage)).one().text_body
    code = re.search(r"\b(\d{6})\b", body).group(1)
    response = client.post("/api/v1/workspaces/globex/auth/otp/verify",
                           json={"email": "same@example.com", "code": code})
    assert response.status_code == 422
    response = client.post("/api/v1/workspaces/acme/auth/otp/verify",
                           json={"email": "same@example.com", "code": code})
    assert response.status_code == 200
    assert response.get_json()["contact"]["email"] == "same@example.com"


def test_unknown_workspace_is_a_404_everywhere(client, acme):
    assert client.get("/en-US/nope/directories").status_code == 404
    assert client.get("/nope").status_code == 404
    api = client.post("/api/v1/workspaces/nope/auth/otp", json={"email": "a@example.com"})
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
