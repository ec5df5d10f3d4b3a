"""The portal shell: layout, home page, themed error pages, languages and the demo outbox."""

import re

import pytest
from werkzeug.exceptions import Forbidden

from tests.conftest import csrf_from
from tests.factories import login_as, make_contact


def text(response) -> str:
    return response.get_data(as_text=True)


def test_layout_signed_out_has_brand_nav_sign_in_and_footer(client, acme, globex):
    html = text(client.get("/en-US/acme/directories"))
    header = html.split("</header>")[0]
    assert 'class="brand" href="/en-US/acme/directories">Acme Support</a>' in header
    assert ">Knowledge base</a>" in header and ">Tickets</a>" in header
    assert 'href="/en-US/acme/signin">Sign in</a>' in header
    assert "profile-menu" not in header
    footer = html.split('<footer class="site-footer">')[1]
    assert "Powered by Helpport" in footer
    assert 'href="/de-DE/acme/directories" hreflang="de-DE"' in footer
    assert "Globex" not in html


def test_layout_signed_in_shows_the_profile_menu(client, acme):
    login_as(client, make_contact(acme, "pat@customer.example", name="Pat Lee"))
    html = text(client.get("/en-US/acme/directories"))
    header = html.split("</header>")[0]
    assert '<details class="profile-menu">' in header
    assert '<span class="profile-name">Pat Lee</span>' in header
    assert 'href="/en-US/acme/profile">Profile</a>' in header
    assert 'action="/en-US/acme/signout"' in header and 'name="csrf_token"' in header
    assert ">Sign in</a>" not in header


def test_home_has_a_hero_and_a_labelled_search_box(client, acme):
    html = text(client.get("/en-US/acme/directories"))
    assert '<section class="hero"' in html and "How can we help?" in html
    assert 'role="search"' in html
    assert re.search(r'<label for="q"[^>]*>Search the knowledge base</label>', html)
    assert '<input id="q" name="q" type="search"' in html
    assert "Search the Acme Support knowledge base or ask our team." in html
    assert "%(" not in html


def test_page_basics_for_assistive_tech(client, acme):
    html = text(client.get("/en-US/acme/directories"))
    assert '<html lang="en-US" dir="ltr">' in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert '<nav class="main-nav" aria-label="Main">' in html


def test_german_page_shows_german_strings(client, acme):
    html = text(client.get("/de-DE/acme/directories"))
    assert '<html lang="de-DE" dir="ltr">' in html
    assert "Wie können wir helfen?" in html
    assert ">Wissensdatenbank</a>" in html and ">Anmelden</a>" in html
    assert "How can we help?" not in html


def test_german_404_page(client, acme):
    response = client.get("/de-DE/acme/no-such-page")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in text(response)


def test_themed_404_inside_a_workspace_links_home(client, acme):
    response = client.get("/en-US/acme/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    html = text(response)
    assert "Page not found" in html
    assert 'href="/en-US/acme/directories">Back to the home page' in html


def test_themed_403_page(app, acme):
    with app.test_request_context("/en-US/acme/directories"):
        app.preprocess_request()
        response, status = app.handle_http_exception(Forbidden())
        body = response.get_data(as_text=True)
    assert status == 403
    assert "Access denied" in body and 'class="site-header"' in body and "Acme Support" in body


def test_themed_500_page_for_an_unhandled_error(app, acme):
    with app.test_request_context("/en-US/acme/directories"):
        app.preprocess_request()
        body, status = app.handle_user_exception(RuntimeError("boom"))
    assert status == 500
    assert "Something went wrong" in body and 'class="site-header"' in body
    assert "boom" not in body


def test_unhandled_error_under_api_is_json(app):
    with app.test_request_context("/api/v1/me"):
        response, status = app.handle_user_exception(RuntimeError("boom"))
    assert status == 500 and response.get_json() == {
        "error": "server_error", "message": "Internal server error."}


def test_method_not_allowed_on_a_portal_page_is_themed(client, acme):
    response = client.delete("/en-US/acme/directories")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "Not allowed here" in text(response)
    assert "GET" in response.headers["Allow"]


def test_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200 and "Helpport support portal" in text(response)


# -- demo outbox --------------------------------------------------------------------------

@pytest.fixture
def demo_mode(app, monkeypatch):
    """The embedded demo's settings: development and no SMTP server."""
    monkeypatch.setitem(app.config, "ENV_NAME", "development")
    monkeypatch.setitem(app.config, "SMTP_URL", "")


def _request_code(client, email="pat@customer.example"):
    page = text(client.get("/en-US/acme/signin"))
    response = client.post("/en-US/acme/signin",
                           data={"email": email, "csrf_token": csrf_from(page)})
    assert response.status_code == 302


def test_demo_outbox_lists_and_shows_the_sign_in_code(client, acme, demo_mode, jobs):
    make_contact(acme, "pat@customer.example")
    _request_code(client)
    jobs()
    listing = client.get("/outbox")
    assert listing.status_code == 200
    html = text(listing)
    assert "pat@customer.example" in html and "sent" in html
    link = re.search(r'href="(/outbox/\d+)"', html).group(1)
    message = text(client.get(link))
    assert "pat@customer.example" in message
    assert re.search(r"\b\d{6}\b", message.split('class="email-body"')[1])
    # the demo footer points at it
    assert 'href="/outbox"' in text(client.get("/en-US/acme/directories"))


def test_demo_outbox_unknown_message_is_a_404(client, demo_mode):
    assert client.get("/outbox/999999").status_code == 404


def test_outbox_is_a_404_outside_the_demo(client, acme, app):
    make_contact(acme, "pat@customer.example")
    _request_code(client)
    assert app.config["ENV_NAME"] == "testing"
    assert client.get("/outbox").status_code == 404
    assert client.get("/outbox/1").status_code == 404
    assert 'href="/outbox"' not in text(client.get("/en-US/acme/directories"))


def test_outbox_is_a_404_when_smtp_is_configured(client, demo_mode, monkeypatch, app):
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:2525")
    assert client.get("/outbox").status_code == 404


def test_outbox_is_a_404_in_production(client, demo_mode, monkeypatch, app):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    assert client.get("/outbox").status_code == 404
