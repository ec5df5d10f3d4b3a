"""Right to left (issue 14, part 2): an `ar` page says `dir="rtl"` on its <html> (portal
pages, error pages, the custom domain), an email written for an `ar` recipient carries it
on its <html> and <body> with its text aligned to the start (the right), and the
stylesheets mirror by themselves: logical properties, never a physical side."""

import re

import pytest
from sqlalchemy import select

from config import ROOT
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import OutboxMessage
from portal.services import emails, portal_settings
from portal.tenancy import use_workspace
from tests.codes import work_sign_in_jobs
from tests.conftest import csrf_from
from tests.factories import login_as, make_contact

HTML = re.compile(r"<html\b[^>]*>")
BODY = re.compile(r"<body\b[^>]*>")


def html_tag(text: str) -> str:
    return HTML.search(text).group(0)


@pytest.fixture
def arabic(db, acme):
    acme.enabled_locales = list(SUPPORTED)
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    return acme


@pytest.mark.parametrize("path", ["", "/directories", "/search?q=printer", "/signin",
                                  "/no-such-page"])
def test_arabic_pages_are_right_to_left_and_others_left_to_right(client, arabic, path):
    page = client.get(f"/ar/acme{path}", follow_redirects=True)
    assert page.status_code == (404 if "no-such" in path else 200)
    tag = html_tag(page.text)
    assert 'lang="ar"' in tag and 'dir="rtl"' in tag
    tag = html_tag(client.get(f"/en-US/acme{path}", follow_redirects=True).text)
    assert 'lang="en-US"' in tag and 'dir="ltr"' in tag
    tag = html_tag(client.get(f"/ja-JP/acme{path}", follow_redirects=True).text)
    assert 'dir="ltr"' in tag


def test_the_ticket_form_of_a_signed_in_customer_is_right_to_left(client, arabic):
    login_as(client, make_contact(arabic, "pat@customer.example"))
    page = client.get("/ar/acme/tickets/new")
    assert page.status_code == 200 and 'dir="rtl"' in html_tag(page.text)


def test_the_custom_domain_in_arabic_is_right_to_left(client, arabic):
    arabic.custom_domain = "help.acme.example"
    db.session.commit()
    on_domain = {"Host": "help.acme.example"}
    page = client.get("/ar", headers=on_domain, follow_redirects=True)
    assert page.status_code == 200
    assert 'dir="rtl"' in html_tag(page.text) and 'lang="ar"' in html_tag(page.text)
    assert 'dir="ltr"' in html_tag(client.get("/en-US", headers=on_domain,
                                              follow_redirects=True).text)


def test_an_email_for_an_arabic_recipient_is_right_to_left(arabic):
    with use_workspace(arabic.id):
        ar = emails.sign_in_code(arabic, "pat@customer.example", "123456", minutes=10,
                                 locale="ar")
        en = emails.invitation(arabic, "lee@customer.example", "https://x.example/i",
                               inviter="Pat", days=7, locale="en-US")
        ar_invite = emails.invitation(arabic, "ali@customer.example", "https://x.example/i",
                                      inviter="Pat", days=7, locale="ar")
        db.session.commit()
    for row in (ar, ar_invite):
        assert row.locale == "ar"
        assert html_tag(row.html_body) == '<html lang="ar" dir="rtl">'
        body = BODY.search(row.html_body).group(0)
        assert 'dir="rtl"' in body and "text-align: right" in body
    assert html_tag(en.html_body) == '<html lang="en-US" dir="ltr">'
    body = BODY.search(en.html_body).group(0)
    assert 'dir="ltr"' in body and "text-align: left" in body


def test_signing_in_on_an_arabic_page_sends_a_right_to_left_email(client, arabic):
    make_contact(arabic, "pat@customer.example")
    token = csrf_from(client.get("/ar/acme/signin").text)
    assert client.post("/ar/acme/signin", data={"email": "pat@customer.example",
                                                "csrf_token": token}).status_code == 302
    work_sign_in_jobs()
    with use_workspace(arabic.id):
        row = db.session.scalars(select(OutboxMessage)).one()
    assert row.locale == "ar"
    assert 'dir="rtl"' in html_tag(row.html_body)
    assert 'dir="rtl"' in BODY.search(row.html_body).group(0)


PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right)(?:-\w+)?|left|right|float|clear)"
    r"\s*:|text-align\s*:\s*(?:left|right)")


@pytest.mark.parametrize("name", ["portal.css", "kb.css"])
def test_the_portal_stylesheets_use_logical_properties_only(name):
    """A physical side (`margin-left`, `right: 0`, `text-align: left`) would not mirror
    under dir=rtl: the portal's stylesheets name the start and the end instead."""
    css = (ROOT / "themes" / "default" / "static" / name).read_text()
    assert PHYSICAL.findall(css) == []
    assert "inline-start" in css  # what they use instead (and the pattern can match)
    assert PHYSICAL.findall(".x { margin-left: 0; right: 0; text-align: left }") == [
        "margin-left:", "right:", "text-align: left"]
