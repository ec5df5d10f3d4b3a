"""Admin fixtures: staff users signed in through FAB's real login form or JWT login."""

import hashlib
import os
import re

import pytest

from tests.factories import make_staff
from tests.isolated_client import IsolatedClient

PASSWORD = "staff-password-1"


def new_client(app) -> IsolatedClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


def fab_csrf(html: str) -> str:
    """The CSRF token of a FAB form (WTForms writes `name` before or after `value`)."""
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def form_token(client) -> str:
    """A CSRF token for `client`'s session, made as Flask-WTF's generate_csrf makes the one a
    rendered form carries (a secret in the session, signed): what a GET of the sign-in page
    gives, without rendering it (~60 ms of the ~120 ms of a sign-in)."""
    from itsdangerous import URLSafeTimedSerializer

    app = client.application
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def staff_login(client, email, password=PASSWORD, page=True):
    """Sign `client` in through FAB's login form (POSTed as a browser would; `page=False`
    takes the form's CSRF token from form_token instead of GETting the page)."""
    if page:
        got = client.get("/admin/login/")
        assert got.status_code == 200
        token = fab_csrf(got.text)
    else:
        token = form_token(client)
    resp = client.post("/admin/login/", data={
        "username": email, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.text
    assert "/login" not in resp.headers["Location"], "staff login failed"
    return client


def jwt_token(client, email, password=PASSWORD) -> str:
    resp = client.post("/api/v1/security/login",
                       json={"username": email, "password": password, "provider": "db"})
    assert resp.status_code == 200, resp.text
    return resp.get_json()["access_token"]


@pytest.fixture
def staff(app):
    """`staff("admin", acme)` -> a test client signed in as a new staff member with that role
    in each workspace given; `also={globex: "admin"}` adds other roles elsewhere."""
    made = []

    def sign_in(role="admin", *workspaces, platform=False, also=None):
        email = f"{role}{len(made)}@staff.example"
        if platform:
            user = make_staff(email, PASSWORD, "admin", None)
        else:
            for ws, ws_role in [(ws, role) for ws in workspaces] + list((also or {}).items()):
                user = make_staff(email, PASSWORD, ws_role, ws)
        made.append(user)
        return staff_login(new_client(app), email, page=False)  # the page: test_staff_signin

    return sign_in


@pytest.fixture
def api(app):
    """`api("admin", acme)` -> (client, headers) with a staff JWT for `X-Workspace: acme`;
    the staff member has `role` in every workspace given and the roles of `also` elsewhere."""

    def sign_in(role, ws, *more, platform=False, also=None):
        email = f"api-{role}-{ws.slug}@staff.example"
        make_staff(email, PASSWORD, role, None if platform else ws)
        for other in more:
            make_staff(email, PASSWORD, role, other)
        for other, other_role in (also or {}).items():
            make_staff(email, PASSWORD, other_role, other)
        client = new_client(app)
        token = jwt_token(client, email)
        return client, {"Authorization": f"Bearer {token}", "X-Workspace": ws.slug}

    return sign_in
