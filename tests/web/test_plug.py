"""The Plug widget's script and the customer API's CORS (issue 15, sections 1 and 6):
`/plug/<slug>/plug.js` only while the toggle is on, with the workspace's configuration
baked in; cross-origin calls allowed only from the allowlisted domains (exact or `*.`)
and the portal's own origin; preflights of other origins refused; the portal shows the
widget when the toggle is on; the admin shows the embedding snippet."""

import gzip
import json
import re

import pytest

from portal.extensions import db
from portal.models import CustomerSession
from portal.services import portal_settings
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD, staff_login
from tests.conftest import csrf_from
from tests.factories import api_token, login_as, make_contact, make_staff
from tests.tickets_helpers import open_ticket

SEARCH = "/api/v1/workspaces/acme/articles/search?q=vpn"
ANSWERS = "/api/v1/workspaces/acme/answers"


def _publish(ws, **values):
    portal_settings.change(ws, values)
    db.session.commit()


@pytest.fixture
def plugged(acme):
    _publish(acme, **{"features.plug": True, "features.knowledge_base": "public",
                      "features.tickets": "public", "appearance.accent_color": "#7b1fa2",
                      "domain.allowlist": ["shop.example.com", "*.acme.example"]})
    return acme


def _config(body: str) -> dict:
    found = re.search(r"\}\)\((\{.*\})\);\s*$", body, re.S)
    assert found, "no configuration baked in"
    return json.loads(found.group(1))


def test_the_script_is_404_while_the_toggle_is_off(acme, client):
    assert client.get("/plug/acme/plug.js").status_code == 404
    assert client.get("/plug/nope/plug.js").status_code == 404


def test_the_script_carries_the_workspace_configuration(plugged, client):
    answer = client.get("/plug/acme/plug.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert "max-age" in answer.headers["Cache-Control"]
    body = answer.get_data(as_text=True)
    assert "/*HELPPORT_PLUG_CONFIG*/null" not in body
    config = _config(body)
    assert config["slug"] == "acme" and config["accent"] == "#7b1fa2"
    assert config["knowledge_base"] == "public" and config["tickets"] == "public"
    assert set(config["locales"]) == set(plugged.enabled_locales) >= {"en-US", "de-DE"}
    assert config["locales"]["en-US"]["texts"]["support"] == "Talk to support"
    assert config["locales"]["de-DE"]["texts"]["support"] == "Mit dem Support sprechen"
    assert config["locales"]["de-DE"]["signin"].endswith("/de-DE/acme/signin")
    assert "shop.example.com" not in body  # the allowlist stays private
    size = len(gzip.compress(body.encode(), 9))
    print(f"plug.js: {len(body.encode())} bytes, {size} gzipped")
    assert size < 14_000  # the budget: one script (~9 KB of code) and six languages' texts


@pytest.mark.parametrize("origin", ["https://shop.example.com", "http://shop.example.com:8080",
                                    "https://help.acme.example", "http://localhost"])
def test_an_allowlisted_origin_gets_cors_headers(plugged, client, origin):
    answer = client.get(SEARCH, headers={"Origin": origin})
    assert answer.status_code == 200
    if origin == "http://localhost":  # the test client's own host: the portal itself
        assert answer.headers["Access-Control-Allow-Origin"] == origin
        return
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in answer.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in answer.headers
    pre = client.options(ANSWERS, headers={"Origin": origin,
                                           "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://shop.example.com.evil.example",
                                    "https://acme.example", "null", "ftp://shop.example.com"])
def test_another_origin_gets_none(plugged, client, origin):
    answer = client.get(SEARCH, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in answer.headers
    refused = client.post(ANSWERS, json={"question": "vpn?"}, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in refused.headers
    pre = client.options(ANSWERS, headers={"Origin": origin,
                                           "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 403
    assert "Access-Control-Allow-Origin" not in pre.headers


def test_allowlisted_origins_count_only_while_the_toggle_is_on(plugged, client):
    _publish(plugged, **{"features.plug": False})
    answer = client.get(SEARCH, headers={"Origin": "https://shop.example.com"})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_another_workspace_does_not_inherit_the_allowlist(plugged, globex, client):
    _publish(globex, **{"features.knowledge_base": "public"})
    answer = client.get("/api/v1/workspaces/globex/articles/search?q=vpn",
                        headers={"Origin": "https://shop.example.com"})
    assert answer.status_code == 200
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_the_portal_includes_the_widget_only_when_on(acme, client):
    _publish(acme, **{"features.knowledge_base": "public"})
    assert "/plug/acme/plug.js" not in client.get("/en-US/acme/directories").get_data(
        as_text=True)
    _publish(acme, **{"features.plug": True})
    answer = client.get("/en-US/acme/directories")
    html = answer.get_data(as_text=True)
    assert '<script src="/plug/acme/plug.js" data-locale="en-US" defer></script>' in html
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


def test_the_admin_shows_the_snippet(acme, client):
    make_staff("plug@staff.example", PASSWORD, "admin", acme)
    db.session.commit()
    staff_login(client, "plug@staff.example")
    html = client.get("/admin/portalsettings/").get_data(as_text=True)
    assert ("&lt;script src=&#34;http://localhost/plug/acme/plug.js&#34; defer&gt;"
            "&lt;/script&gt;") in html


SESSION = "/en-US/acme/plug/session"
SAME = {"Origin": "http://localhost"}


def test_the_widget_gets_a_token_of_the_signed_in_customer(plugged, globex, client, app):
    assert client.post(SESSION, headers=SAME).get_json() == {"signed_in": False}
    pat = make_contact(plugged, "pat@customer.example")
    other = make_contact(plugged, "other@customer.example")
    db.session.commit()
    open_ticket(plugged, pat, title="Printer on fire")
    done = open_ticket(plugged, pat, title="Old question")
    open_ticket(plugged, other, title="Not theirs")
    with use_workspace(plugged.id):
        done.stage = "resolved"
        db.session.commit()
    login_as(client, pat)
    answer = client.post(SESSION, headers=SAME)
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert "Access-Control-Allow-Origin" not in answer.headers
    data = answer.get_json()
    assert data["signed_in"] is True and data["token_type"] == "Bearer"
    assert data["expires_in"] == app.config["PLUG_TOKEN_SECONDS"]
    bearer = {"Authorization": f"Bearer {data['access_token']}"}
    # the widget lists the open tickets through the customer API, as an app does
    config = _config(client.get("/plug/acme/plug.js").get_data(as_text=True))
    stages = "".join(f"&stage={s}" for s in config["open_stages"])
    found = client.get(f"/api/v1/workspaces/acme/tickets?limit=10{stages}", headers=bearer)
    assert [t["title"] for t in found.get_json()["tickets"]] == ["Printer on fire"]
    assert client.get("/api/v1/workspaces/globex/tickets", headers=bearer).status_code == 404


@pytest.mark.parametrize("headers", [{"Origin": "https://shop.example.com"},
                                     {"Sec-Fetch-Site": "cross-site"}, {}])
def test_only_the_portals_own_pages_get_a_token(plugged, client, headers):
    pat = make_contact(plugged, "pat@customer.example")
    db.session.commit()
    login_as(client, pat)
    answer = client.post(SESSION, headers=headers)
    assert answer.status_code == 403
    assert "access_token" not in answer.get_data(as_text=True)


def _web_session_moved(client, ws, **values):
    """A signed-in contact whose web session row gets `values` (offsets in seconds from
    now: expires_at, last_seen_at); the contact and the row."""
    from datetime import timedelta

    from portal.models.base import utcnow

    pat = make_contact(ws, "pat@customer.example")
    db.session.commit()
    login_as(client, pat)
    with use_workspace(ws.id):
        web = db.session.query(CustomerSession).filter_by(kind="web").one()
        for name, seconds in values.items():
            setattr(web, name, utcnow() + timedelta(seconds=seconds))
        db.session.commit()
    return pat, web


def test_the_token_ends_with_the_web_session(plugged, client):
    from portal.auth import sessions

    pat, web = _web_session_moved(client, plugged, expires_at=600)
    data = client.post(SESSION, headers=SAME).get_json()
    assert 590 <= data["expires_in"] <= 600
    with use_workspace(plugged.id):
        row = sessions.find(data["access_token"], "api").row
        assert row.expires_at <= web.expires_at and row.contact_id == pat.id


def test_the_portal_page_names_the_signed_in_customer_to_the_widget(plugged, client):
    pat = make_contact(plugged, "pat@customer.example")
    db.session.commit()
    page = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert "data-customer" not in page
    login_as(client, pat)
    page = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert f'data-customer="{pat.id}"' in page


def _widget_token(client, ws, email="pat@customer.example"):
    pat = make_contact(ws, email)
    db.session.commit()
    login_as(client, pat)
    return pat, client.post(SESSION, headers=SAME).get_json()["access_token"]


ME = "/api/v1/me"


def test_signing_out_of_the_portal_revokes_the_widgets_token(plugged, client):
    _pat, token = _widget_token(client, plugged)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(ME, headers=bearer).status_code == 200
    page = client.get("/en-US/acme/profile")
    client.post("/en-US/acme/signout", data={"csrf_token": csrf_from(page.text)})
    assert client.get(ME, headers=bearer).status_code == 401


def test_the_session_list_shows_the_web_session_not_its_widget_tokens(plugged, client):
    pat, token = _widget_token(client, plugged)
    other = api_token(pat)  # an app of the same customer
    page = client.get("/en-US/acme/profile/sessions")
    with use_workspace(plugged.id):
        rows = db.session.query(CustomerSession).filter_by(contact_id=pat.id).all()
        child = next(r for r in rows if r.parent_id is not None)
    assert f"/profile/sessions/{child.id}/sign-out" not in page.text
    # "sign out everywhere else" ends the app's token, not the page's own widget
    done = client.post("/en-US/acme/profile/sessions/sign-out-others",
                       data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "Signed out of 1 other session." in done.text  # the app's; widget tokens uncounted
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(ME, headers={"Authorization": f"Bearer {other}"}).status_code == 401


def test_ending_a_web_session_from_another_device_ends_its_widget_token(plugged, app):
    laptop, phone = app.test_client(), app.test_client()
    pat, token = _widget_token(laptop, plugged)
    login_as(phone, pat)
    with use_workspace(plugged.id):
        web = db.session.query(CustomerSession).filter(
            CustomerSession.kind == "web").order_by(CustomerSession.id).first()
    page = phone.get("/en-US/acme/profile/sessions")
    phone.post(f"/en-US/acme/profile/sessions/{web.id}/sign-out",
               data={"csrf_token": csrf_from(page.text)})
    assert laptop.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_widget_token_lists_its_web_session_as_the_current_one(plugged, client):
    _pat, token = _widget_token(client, plugged)
    listed = client.get("/api/v1/me/sessions",
                        headers={"Authorization": f"Bearer {token}"}).get_json()["sessions"]
    assert [(item["kind"], item["current"]) for item in listed] == [("web", True)]


def test_a_widget_token_switches_no_workspace(plugged, client):
    _pat, token = _widget_token(client, plugged)
    answer = client.post("/api/v1/me/workspaces/globex/switch",
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert "access_token" not in answer.get_data(as_text=True)


def test_asking_for_a_token_is_not_activity_of_the_web_session(plugged, client, app):
    idle = app.config["SESSION_IDLE_SECONDS"]
    pat, web = _web_session_moved(client, plugged, last_seen_at=100 - idle)
    seen = web.last_seen_at
    data = client.post(SESSION, headers=SAME).get_json()
    assert data["customer"] == str(pat.id)
    assert data["expires_in"] <= 100  # it ends when the web session would idle out
    with use_workspace(plugged.id):
        db.session.expire_all()
        assert db.session.get(CustomerSession, web.id).last_seen_at == seen


def test_tokens_a_web_page_gets_are_short(plugged, client, app):
    """A bearer token asked for by a page (its browser sends Origin: the widget on another
    site) lives PLUG_TOKEN_SECONDS, since the page's scripts can read it; an app's a day."""
    from portal.auth import app_tokens

    make_contact(plugged, "pat@customer.example")
    plugged.sign_in_jwt = True
    db.session.commit()
    with use_workspace(plugged.id):
        _row, secret = app_tokens.create(plugged, "shop")
    seconds = {}
    for name, headers in (("page", {"Origin": "https://shop.example.com"}), ("app", {})):
        handed = client.post("/api/v1/workspaces/acme/auth/jwt",
                             json={"email": "pat@customer.example"},
                             headers={"Authorization": f"Bearer {secret}"}).get_json()
        answer = client.post("/api/v1/workspaces/acme/auth/jwt/exchange",
                             json={"token": handed["token"]}, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        seconds[name] = answer.get_json()["expires_in"]
    assert seconds == {"page": app.config["PLUG_TOKEN_SECONDS"],
                       "app": app.config["API_TOKEN_SECONDS"]}


def test_the_script_is_built_once_per_version_and_revalidates(plugged, client):
    first = client.get("/plug/acme/plug.js")
    etag = first.headers["ETag"]
    assert client.get("/plug/acme/plug.js", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/plug/acme/plug.js").get_data() == first.get_data()
    _publish(plugged, **{"appearance.accent_color": "#005a9c"})  # a new version: rebuilt
    again = client.get("/plug/acme/plug.js", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert _config(again.get_data(as_text=True))["accent"] == "#005a9c"
