"""Security baseline: CSP without inline code, secure headers, CSRF on every form, JSON
errors under /api/."""

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxMessage
from tests.conftest import csrf_from
from tests.factories import login_as, make_contact

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.I)


@pytest.fixture
def demo_mode(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "development")
    monkeypatch.setitem(app.config, "SMTP_URL", "")


def portal_pages(client, acme):
    """Every kind of portal page, signed out and signed in, in both languages."""
    pages = {}
    for url in ("/", "/en-US/acme/directories", "/de-DE/acme/directories",
                "/en-US/acme/signin", "/en-US/acme/signin/code?email=a%40example.com",
                "/en-US/nope/directories", "/en-US/acme/missing", "/outbox"):
        pages[url] = client.get(url)
    login_as(client, make_contact(acme, "pat@customer.example", name="Pat Lee"))
    for url in ("/en-US/acme/directories", "/en-US/acme/profile"):
        pages[url + " (signed in)"] = client.get(url)
    return pages


def test_portal_pages_have_no_inline_code_or_styles(client, acme, demo_mode):
    pages = portal_pages(client, acme)
    assert pages["/outbox"].status_code == 200
    for name, response in pages.items():
        assert response.mimetype == "text/html", name
        html = response.get_data(as_text=True)
        assert "<script" in html and "portal.css" in html, name
        assert not INLINE_SCRIPT.search(html), f"inline <script> in {name}"
        assert not EVENT_HANDLER.search(html), f"on*= handler in {name}"
        assert not STYLE_ATTR.search(html), f"style= attribute in {name}"
        assert not STYLE_BLOCK.search(html), f"<style> block in {name}"


def test_portal_pages_send_a_strict_csp_and_secure_headers(client, acme, demo_mode):
    for name, response in portal_pages(client, acme).items():
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'", name
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, name
        assert directives["style-src"] == "'self'", name
        assert directives["frame-ancestors"] == "'none'", name
        assert directives["object-src"] == "'none'", name
        assert directives["form-action"] == "'self'", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", name
        assert response.headers["X-Frame-Options"] == "DENY", name


def test_static_assets_are_served_with_headers(client):
    response = client.get("/assets/portal.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "--color-primary" in response.get_data(as_text=True)
    assert client.get("/assets/portal.js").mimetype in ("text/javascript",
                                                        "application/javascript")


def test_every_post_form_carries_a_csrf_token(app, client, acme):
    login_as(client, make_contact(acme, "pat@customer.example"))
    forms = 0
    for url in ("/en-US/acme/directories", "/en-US/acme/profile",
                "/en-US/acme/signin/code?email=a%40example.com"):
        html = client.get(url).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S | re.I):
            forms += 1
            assert 'name="csrf_token"' in form, f"form without CSRF token on {url}"
    html = app.test_client().get("/en-US/acme/signin").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert forms >= 3


def test_sign_in_post_without_csrf_token_is_refused_and_sends_nothing(client, acme):
    make_contact(acme, "pat@customer.example")
    response = client.post("/en-US/acme/signin", data={"email": "pat@customer.example"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "form expired" in response.get_data(as_text=True)
    count = db.session.scalar(
        select(func.count(OutboxMessage.id)).execution_options(all_workspaces=True))
    assert count == 0


def test_sign_out_post_without_csrf_token_keeps_the_session(client, acme):
    login_as(client, make_contact(acme, "pat@customer.example"))
    assert client.post("/en-US/acme/signout").status_code == 400
    assert client.get("/en-US/acme/profile").status_code == 200
    page = client.get("/en-US/acme/directories").get_data(as_text=True)
    response = client.post("/en-US/acme/signout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert client.get("/en-US/acme/profile").status_code == 302


@pytest.mark.parametrize("method, url, status", [
    ("get", "/api/v1/no-such-thing", 404),
    ("get", "/api/nothing", 404),
    ("get", "/api/v1/workspaces/acme/auth/otp", 405),
    ("delete", "/api/v1/me", 405),
    ("post", "/api/v1/workspaces/nope/auth/otp", 404),
])
def test_api_errors_are_json_never_html(client, acme, method, url, status):
    response = getattr(client, method)(url, json={"email": "a@example.com"})
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] and body["message"]
    assert "<html" not in response.get_data(as_text=True).lower()
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    if status == 405:
        assert response.headers["Allow"]
