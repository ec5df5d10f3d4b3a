"""The Plug widget in chromium on a page of ANOTHER origin (issue 15, section 7): a tiny
http.server on 127.0.0.1 at another port serves a shop page embedding
`<live server>/plug/acme/plug.js`. As http://plug.localhost:<port> (allowlisted; chromium
resolves *.localhost to loopback) the widget opens, keeps the keyboard inside, closes on
Escape, searches, answers with a source link, takes a rating, hands off to a ticket with
the emailed code, has no axe violations while open and fills a phone's screen. As
http://127.0.0.1:<port> (not allowlisted) the browser refuses the API's answers (no CORS
header) and the panel says so. On the portal itself the strict CSP lets it run."""

import html
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from portal.auth import app_tokens
from portal.extensions import db
from portal.models import KbAnswer, Ticket
from portal.services import actors, articles, portal_settings, timeline
from portal.tenancy import use_workspace
from tests.browser.helpers import DESKTOP, PHONE, axe_violations, sign_in_browser
from tests.codes import last_code
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket

pytestmark = pytest.mark.browser

STORED = "Object.keys(sessionStorage).filter(k => k.startsWith('helpport-plug'))"
ACTIVE = """() => { const r = document.querySelector('[data-helpport-plug]').shadowRoot;
  const a = r.activeElement; return a ? (a.closest('[role=dialog]') ? 'dialog' :
  a.className) : null; }"""


@pytest.fixture
def plugged(acme, jobs):
    portal_settings.change(acme, {"features.plug": True, "features.knowledge_base": "public",
                                  "features.tickets": "public",
                                  "appearance.accent_color": "#7b1fa2",
                                  "domain.allowlist": ["plug.localhost"]})
    db.session.commit()
    with use_workspace(acme.id):
        articles.save(acme, locale="en-US", title="Connect to the VPN", status="published",
                      body="Install the VPN client from the downloads page. Sign in to the "
                           "VPN client with your company email.")
    jobs()
    return acme


@pytest.fixture
def shop(live_server):
    """A page of another origin embedding the widget; its port. `?token=...&customer=...`
    put the company's JWT hand-off on the script tag, as its server would."""

    def page(query: dict) -> bytes:
        signed = "".join(f' data-{name}="{html.escape(query[key][0])}"' for key, name in
                         (("token", "sign-in-token"), ("customer", "customer")) if key in query)
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>Shop</title>'
                f'</head><body><main><h1>Our shop</h1><p><a href="/other">A shop link</a></p>'
                f'</main><script src="{live_server}/plug/acme/plug.js"{signed} defer></script>'
                f'</body></html>').encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = page(parse_qs(urlsplit(self.path).query))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def ticket_of(ws, number: int) -> Ticket:
    with use_workspace(ws.id):
        db.session.expire_all()
        return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def reporters(ws, number: int) -> list[str]:
    with use_workspace(ws.id):
        return [r.email for r in ticket_of(ws, number).reporters]


def open_panel(page, url):
    from playwright.sync_api import expect

    page.goto(url)
    page.locator("button.launcher").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_on_an_allowlisted_site(plugged, live_server, shop, new_page, shot):
    from playwright.sync_api import expect

    page = new_page(**DESKTOP)
    dialog = open_panel(page, f"http://plug.localhost:{shop}/")
    assert dialog.get_attribute("aria-modal") == "true"
    expect(dialog).to_have_accessible_name("Help and support · Acme Support")
    assert page.evaluate(ACTIVE) == "dialog"
    for _ in range(12):  # the keyboard stays inside the open dialog, both ways
        page.keyboard.press("Tab")
        assert page.evaluate(ACTIVE) == "dialog"
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(ACTIVE) == "dialog"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate(ACTIVE) == "launcher"
    assert page.locator("button.launcher").get_attribute("aria-expanded") == "false"

    page.locator("button.launcher").click()
    page.get_by_label("Search the help center").fill("vpn client")
    hit = dialog.locator("#hp-search-results a")
    expect(hit).to_have_text("Connect to the VPN")
    article = "/en-US/acme/articles/connect-to-the-vpn"  # the API's absolute article URL
    assert hit.get_attribute("href").endswith(article)

    page.get_by_label("Your question").fill("How do I install the VPN client?")
    dialog.get_by_role("button", name="Ask", exact=True).click()
    answer = dialog.locator("#hp-answer .answer")
    expect(answer).to_contain_text("downloads page")
    source = answer.locator("ul a")
    expect(source).to_have_text("Connect to the VPN")
    assert source.get_attribute("href").endswith(article)
    page.mouse.move(0, 0)  # not hovering the launcher (hover darkens it, in 0.15 s)
    launcher_colour = ("getComputedStyle(document.querySelector('[data-helpport-plug]')"
                       ".shadowRoot.querySelector('.launcher')).backgroundColor")
    page.wait_for_function(f"{launcher_colour} === 'rgb(123, 31, 162)'",
                           timeout=3000)  # the workspace's accent (#7b1fa2)

    assert axe_violations(page) == []
    shot(page, "plug-open-desktop")
    answer.get_by_role("button", name="Yes").click()
    expect(answer).to_contain_text("Thank you for your feedback.")
    with use_workspace(plugged.id):
        db.session.expire_all()
        assert db.session.scalars(select(KbAnswer.helpful)).all() == [True]
    assert page.console_errors == []


def test_hand_off_to_a_ticket(plugged, live_server, shop, new_page):
    from playwright.sync_api import expect

    page = new_page(**DESKTOP)
    dialog = open_panel(page, f"http://plug.localhost:{shop}/")
    page.get_by_label("Your question").fill("Why does the printer smell of smoke?")
    dialog.get_by_role("button", name="Ask", exact=True).click()
    expect(dialog.locator("#hp-answer")).to_contain_text("Contact support")  # no answer
    dialog.locator("#hp-answer").get_by_role("button", name="Talk to support").click()
    page.get_by_label("Your email").fill("visitor@shop.example")
    assert "printer smell of smoke" in page.get_by_label("Your message").input_value()
    dialog.get_by_role("button", name="Send").click()  # the required category is empty
    expect(dialog).not_to_contain_text("We emailed you a code")
    page.get_by_label("Category").select_option(label="Problem")  # the ticket form's question
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_contain_text("We emailed you a code")
    page.get_by_label("Code").fill(last_code(plugged, "visitor@shop.example"))
    dialog.get_by_role("button", name="Confirm").click()
    thread = dialog.locator("#hp-thread")
    expect(thread).to_contain_text("Your ticket #1 is open.")
    expect(thread.get_by_role("heading")).to_have_text("#1 Why does the printer smell of smoke?")
    with use_workspace(plugged.id):
        db.session.expire_all()
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.title == "Why does the printer smell of smoke?"
        assert "You: Why does the printer smell of smoke?" in ticket.description
        assert ticket.custom_fields["category"] == "problem"
    expect(thread).to_contain_text("You: Why does the printer smell of smoke?")

    # the chat goes on in the ticket's thread: an agent's reply arrives live, a note never
    expect(thread).to_have_attribute("data-live", "ready")
    agent = make_staff("agent@acme.example", role="agent", workspace=plugged)
    with use_workspace(plugged.id):
        fresh = db.session.get(Ticket, ticket.id)
        timeline.add_comment(fresh, actors.staff(agent), "internal remark", public=False)
        timeline.add_comment(fresh, actors.staff(agent), "Open the back panel, please.")
    db.session.rollback()
    replies = thread.locator("ol li")
    expect(replies).to_have_count(1, timeout=5000)
    expect(replies.first).to_contain_text("Open the back panel, please.")
    assert "internal remark" not in thread.inner_text()
    page.get_by_label("Your reply").fill("Done: the smoke is gone.")
    thread.get_by_role("button", name="Send reply").click()
    expect(replies).to_have_count(2)
    expect(replies.last).to_contain_text("Done: the smoke is gone.")
    with use_workspace(plugged.id):
        db.session.expire_all()
        bodies = [c.body for c in timeline.comments(fresh, include_internal=False,
                                                    newest_first=False)]
    assert bodies == ["Open the back panel, please.", "Done: the smoke is gone."]
    assert axe_violations(page) == []

    # the page of the shop reloaded: the tab still knows the visitor, and their ticket
    page.reload()
    page.locator("button.launcher").click()
    mine = dialog.locator("#hp-tickets")
    expect(mine.get_by_role("button")).to_have_text("#1 Why does the printer smell of smoke?")
    mine.get_by_role("button").click()
    expect(replies).to_have_count(2)
    assert page.console_errors == []


def test_the_companys_signed_in_user_hands_off_without_a_code(plugged, live_server, shop,
                                                              new_page):
    """The company's server asks the portal for a JWT hand-off token of its signed-in user
    and puts it on the script tag; the widget exchanges it for a bearer token when the panel
    opens, lists that customer's tickets and opens a ticket without an emailed code."""
    from playwright.sync_api import expect

    pat = make_contact(plugged, "pat@customer.example", name="Pat Lee")
    plugged.sign_in_jwt = True
    db.session.commit()
    open_ticket(plugged, pat, title="Printer on fire")
    with use_workspace(plugged.id):
        _row, secret = app_tokens.create(plugged, "shop")
    db.session.rollback()
    asked = urllib.request.Request(
        f"{live_server}/api/v1/workspaces/acme/auth/jwt", method="POST",
        data=json.dumps({"email": "pat@customer.example"}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    with urllib.request.urlopen(asked, timeout=10) as answer:  # noqa: S310 (loopback)
        token = json.loads(answer.read())["token"]

    page = new_page(**DESKTOP)
    query = urlencode({"token": token, "customer": "shop-user-7"})
    dialog = open_panel(page, f"http://plug.localhost:{shop}/?{query}")
    mine = dialog.locator("#hp-tickets")
    expect(mine.get_by_role("button")).to_have_text("#1 Printer on fire")
    dialog.get_by_role("button", name="Talk to support").click()
    expect(dialog.get_by_label("Your email")).to_have_count(0)
    page.get_by_label("Your message").fill("The toner light blinks.")
    page.get_by_label("Category").select_option(label="Question")
    dialog.get_by_role("button", name="Send").click()
    thread = dialog.locator("#hp-thread")
    expect(thread.get_by_role("heading")).to_have_text("#2 The toner light blinks.")
    assert reporters(plugged, 2) == ["pat@customer.example"]
    # another page of the shop for the same user: the tab's token, no second exchange
    page.goto(f"http://plug.localhost:{shop}/other?{query}")
    page.locator("button.launcher").click()
    expect(mine.get_by_role("button")).to_have_count(2)
    # signed out of the shop (its page names nobody): the tab's token is dropped
    page.goto(f"http://plug.localhost:{shop}/other")
    assert page.evaluate(STORED) == []
    page.locator("button.launcher").click()
    expect(mine).to_have_attribute("data-state", "none")
    expect(mine).to_be_empty()
    # someone else signs in on the shop with a spent hand-off token: refused, a visitor
    page.goto(f"http://plug.localhost:{shop}/?{urlencode({'token': token, 'customer': 'x'})}")
    page.locator("button.launcher").click()
    expect(mine).to_have_attribute("data-state", "none")
    dialog.get_by_role("button", name="Talk to support").click()
    expect(dialog.get_by_label("Your email")).to_be_visible()


def test_tickets_not_public_send_the_visitor_to_sign_in(plugged, shop, new_page):
    from playwright.sync_api import expect

    portal_settings.change(plugged, {"features.tickets": "private"})
    db.session.commit()
    page = new_page(**DESKTOP)
    dialog = open_panel(page, f"http://plug.localhost:{shop}/")
    dialog.get_by_role("button", name="Talk to support").first.click()
    link = dialog.get_by_role("link", name="Sign in on the portal to contact support.")
    expect(link).to_be_visible()
    assert link.get_attribute("href").endswith("/en-US/acme/signin")


def test_full_screen_on_a_phone(plugged, shop, new_page, shot):
    page = new_page(**PHONE)
    dialog = open_panel(page, f"http://plug.localhost:{shop}/")
    box = dialog.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "plug-open-phone")


def test_a_site_not_allowlisted_gets_no_answers(plugged, shop, new_page):
    from playwright.sync_api import expect

    page = new_page(**DESKTOP)
    dialog = open_panel(page, f"http://127.0.0.1:{shop}/")  # another port: another origin
    page.get_by_label("Search the help center").fill("vpn client")
    expect(dialog.locator("#hp-search-results [role=alert]")).to_have_text(
        "Something went wrong. Please try again later.")
    page.get_by_label("Your question").fill("How do I install the VPN client?")
    dialog.get_by_role("button", name="Ask", exact=True).click()
    expect(dialog.locator("#hp-answer [role=alert]")).to_be_visible()
    assert any("CORS" in error for error in page.console_errors)


def test_on_the_portal_itself(plugged, live_server, new_page):
    from playwright.sync_api import expect

    page = new_page(**DESKTOP)
    dialog = open_panel(page, f"{live_server}/de-DE/acme/directories")
    expect(dialog).to_have_accessible_name("Hilfe und Support · Acme Support")
    page.get_by_label("Hilfe-Center durchsuchen").fill("vpn client")
    expect(dialog.locator("#hp-search-results a")).to_have_count(1)
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []


def test_a_signed_in_customer_sees_their_open_tickets_on_the_portal(plugged, live_server,
                                                                    new_page):
    from playwright.sync_api import expect

    pat = make_contact(plugged, "pat@customer.example")
    db.session.commit()
    open_ticket(plugged, pat, title="Printer on fire")
    page = new_page(**DESKTOP)
    sign_in_browser(page, live_server, pat)
    dialog = open_panel(page, f"{live_server}/en-US/acme/directories")
    mine = dialog.locator("#hp-tickets")
    expect(mine).to_contain_text("Your open tickets")
    expect(mine.get_by_role("button")).to_have_text("#1 Printer on fire")
    page.get_by_label("Your question").fill("How do I install the VPN client?")
    dialog.get_by_role("button", name="Ask", exact=True).click()
    expect(dialog.locator("#hp-answer .answer")).to_contain_text("downloads page")
    dialog.locator("#hp-support").locator("..").get_by_role(
        "button", name="Talk to support").last.click()
    expect(dialog.get_by_label("Your email")).to_have_count(0)  # signed in: no code to confirm
    assert "You: How do I install the VPN client?" in \
        page.get_by_label("Your message").input_value()
    page.get_by_label("Category").select_option(label="Problem")
    dialog.get_by_role("button", name="Send").click()
    thread = dialog.locator("#hp-thread")
    expect(thread.get_by_role("heading")).to_have_text("#2 How do I install the VPN client?")
    assert reporters(plugged, 2) == ["pat@customer.example"]
    assert "Answer: Install the VPN client" in ticket_of(plugged, 2).description
    assert axe_violations(page) == []
    thread.get_by_role("button", name="Back").click()
    expect(mine.get_by_role("button")).to_have_count(2)

    # signed out: the next page drops the widget's token
    page.keyboard.press("Escape")
    page.locator("details.profile-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/en-US/acme/directories")
    page.locator("button.launcher").click()
    expect(dialog.get_by_role("button", name="Talk to support")).to_be_visible()
    expect(mine).to_have_attribute("data-state", "none")
    assert page.evaluate(STORED) == []
    expect(mine).to_be_empty()


def test_a_thread_taken_out_of_sight_stops_following(plugged, live_server, new_page):
    """Removed from Reported by while the thread is open: the stream says the ticket is
    gone, the panel says so and stops asking (no reconnect loop)."""
    from playwright.sync_api import expect

    pat = make_contact(plugged, "pat@customer.example")
    kim = make_contact(plugged, "kim@customer.example")
    agent = make_staff("agent@acme.example", role="agent", workspace=plugged)
    db.session.commit()
    ticket = open_ticket(plugged, pat, title="Printer on fire")
    page = new_page(**DESKTOP)
    sign_in_browser(page, live_server, pat)
    dialog = open_panel(page, f"{live_server}/en-US/acme/directories")
    dialog.locator("#hp-tickets").get_by_role("button", name="#1 Printer on fire").click()
    thread = dialog.locator("#hp-thread")
    expect(thread).to_have_attribute("data-live", "ready")
    assert page.evaluate(ACTIVE) == "dialog"
    with use_workspace(plugged.id):
        fresh = db.session.get(Ticket, ticket.id)
        fresh.reporters = [kim]
        db.session.commit()
        timeline.add_comment(fresh, actors.staff(agent), "Only for Kim now.")
    db.session.rollback()
    expect(thread).to_contain_text("This ticket can no longer be shown here.")
    assert "Only for Kim now." not in thread.inner_text()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/events" in r.url else None)
    page.wait_for_timeout(2500)  # longer than the stream's retry: nothing asks again
    assert requests == []
