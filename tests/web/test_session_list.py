"""The contact's sessions (profile page and API): the devices named from their User-Agent,
"this device", and signing one or all the others out, which really ends them."""

import pytest
from sqlalchemy import select

from portal.auth import devices, sessions
from portal.extensions import db
from portal.models import CustomerSession
from portal.tenancy import use_workspace
from tests.conftest import csrf_from
from tests.factories import api_token, login_as, make_contact

FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
                   "Firefox/133.0")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36")
EDGE_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")


@pytest.mark.parametrize(("agent", "shown"), [
    (FIREFOX_WINDOWS, "Firefox on Windows"), (SAFARI_IPHONE, "Safari on iOS"),
    (CHROME_ANDROID, "Chrome on Android"), (EDGE_MAC, "Edge on macOS"),
    ("curl/8.5.0", "curl"), ("HelpportApp/2.1 (Android 14)", "HelpportApp on Android"),
    ("", "Unknown device"), (None, "Unknown device"), ("???", "Unknown device"),
])
def test_devices_are_named_from_the_user_agent(app, agent, shown):
    assert devices.describe(agent) == shown


def _start(contact, agent, kind="web"):
    with app_request(agent), use_workspace(contact.workspace_id):
        return sessions.start(contact, kind=kind)


def app_request(agent):
    from flask import current_app

    return current_app.test_request_context(headers={"User-Agent": agent} if agent else {})


def _revoked(row_id, ws) -> bool:
    db.session.expire_all()
    with use_workspace(ws.id):
        return db.session.get(CustomerSession, row_id).revoked_at is not None


def test_the_sessions_page_lists_and_signs_out(app, acme, globex):
    pat = make_contact(acme, "pat@customer.example")
    kim = make_contact(acme, "kim@customer.example")
    elsewhere = make_contact(globex, "pat@customer.example")
    phone_token, phone = _start(pat, SAFARI_IPHONE)
    _laptop_token, laptop = _start(pat, FIREFOX_WINDOWS)
    _app_token, app_row = _start(pat, "HelpportApp/2.1 (Android 14)", kind="api")
    _kim_token, kim_row = _start(kim, EDGE_MAC)
    _other_token, other_ws = _start(elsewhere, CHROME_ANDROID)
    client = app.test_client()
    client.set_cookie(f"{sessions.COOKIE}_{acme.id}", phone_token)
    page = client.get("/en-US/acme/profile/sessions").text
    assert "Safari on iOS" in page and "Firefox on Windows" in page and "HelpportApp" in page
    assert "This device" in page and page.index("Safari on iOS") < page.index("This device")
    assert "Edge on macOS" not in page  # another contact's
    assert "Chrome on Android" not in page  # the same email in another workspace
    token = csrf_from(page)
    assert client.post(f"/en-US/acme/profile/sessions/{kim_row.id}/sign-out",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/en-US/acme/profile/sessions/{laptop.id}/sign-out").status_code == 400
    response = client.post(f"/en-US/acme/profile/sessions/{laptop.id}/sign-out",
                           data={"csrf_token": token})
    assert response.status_code == 302 and _revoked(laptop.id, acme)
    assert not _revoked(app_row.id, acme)
    response = client.post("/en-US/acme/profile/sessions/sign-out-others",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "Signed out of 1 other session." in response.text
    assert _revoked(app_row.id, acme) and not _revoked(phone.id, acme)
    assert not _revoked(kim_row.id, acme) and not _revoked(other_ws.id, globex)
    assert client.get("/en-US/acme/profile/sessions").status_code == 200  # still signed in


def test_signed_out_sessions_stop_working(app, client, acme):
    pat = make_contact(acme, "pat@customer.example")
    other = app.test_client()
    login_as(other, pat)
    assert other.get("/en-US/acme/profile").status_code == 200
    api = api_token(pat)
    login_as(client, pat)
    token = csrf_from(client.get("/en-US/acme/profile/sessions").text)
    client.post("/en-US/acme/profile/sessions/sign-out-others", data={"csrf_token": token})
    assert other.get("/en-US/acme/profile").status_code == 302  # to sign-in
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {api}"}).status_code == 401
    assert client.get("/en-US/acme/profile").status_code == 200


def test_the_api_lists_and_signs_out(client, acme, globex):
    pat = make_contact(acme, "pat@customer.example")
    web = app_client_session(pat)
    first, second = api_token(pat), api_token(pat)
    auth = {"Authorization": f"Bearer {first}"}
    listed = client.get("/api/v1/me/sessions", headers=auth).get_json()["sessions"]
    assert len(listed) == 3 and listed[0]["current"] and not any(s["current"] for s in listed[1:])
    assert {s["kind"] for s in listed} == {"web", "api"}
    own_id = listed[0]["id"]
    assert client.delete(f"/api/v1/me/sessions/{own_id}", headers=auth).status_code == 409
    kim = make_contact(acme, "kim@customer.example")
    _t, kim_row = _start(kim, EDGE_MAC)
    assert client.delete(f"/api/v1/me/sessions/{kim_row.id}", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/me/sessions/{web.id}", headers=auth).status_code == 204
    assert client.delete(f"/api/v1/me/sessions/{web.id}", headers=auth).status_code == 404
    answer = client.post("/api/v1/me/sessions/sign-out-others", headers=auth)
    assert answer.get_json() == {"signed_out": 1}
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}
                      ).status_code == 401
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert not _revoked(kim_row.id, acme)
    assert client.get("/api/v1/me/sessions").status_code == 401
    with use_workspace(acme.id):
        live = db.session.scalars(select(CustomerSession).where(
            CustomerSession.contact_id == pat.id, CustomerSession.revoked_at.is_(None))).all()
    assert [row.id for row in live] == [own_id]


def app_client_session(contact):
    _token, row = _start(contact, FIREFOX_WINDOWS)
    return row
