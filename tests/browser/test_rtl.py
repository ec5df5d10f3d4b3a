"""Right to left in chromium (issue 14, part 2): the demo workspace in Arabic on a 390 px
phone. Each page says <html dir="rtl" lang="ar">, its layout is mirrored (the header's
first item, the brand, is on the right; the sign-in or profile control on the left; the
first nav tab right of the second), nothing overflows sideways, and axe finds nothing. The
same page in en-US is left to right, with the brand on the left. The ar catalogue may be
incomplete: English text in an Arabic page still lays out right to left."""

import pytest

from portal.i18n import SUPPORTED
from portal.services import contacts, demo, workspaces
from portal.tenancy import use_workspace
from tests.browser.helpers import PHONE, axe_violations, sign_in_browser

pytestmark = pytest.mark.browser

WIDTH = PHONE["viewport"]["width"]  # 390
PAGES = {  # name: (path below /<locale>/demo, signed in)
    "home": ("", False),
    "article": ("/articles/reset-your-password", False),
    "search": ("/search?q=password", False),
    "ticket-form": ("/tickets/new", True),
}


@pytest.fixture
def demo_ws(db, jobs):
    """The demo workspace (`portal seed-demo`), with every portal language enabled and its
    articles indexed for search."""
    demo.seed()
    ws = workspaces.by_slug(demo.DEMO_SLUG)
    ws.enabled_locales = list(SUPPORTED)
    db.session.commit()
    jobs()
    with use_workspace(ws.id):
        alice = contacts.by_email(ws, "alice@acme.example")
    db.session.rollback()  # end the test's transaction so the server thread may write
    return ws, alice


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, f"{selector} is not drawn"
    return found


def layout(page) -> dict:
    """Where the header's parts are, the page's direction and whether it overflows."""
    brand, control = box(page, ".brand"), box(page, ".profile-area > *")
    tabs = [box(page, f".main-nav a >> nth={i}") for i in range(2)]
    html = page.evaluate("""() => ({dir: document.documentElement.dir,
        lang: document.documentElement.lang,
        computed: getComputedStyle(document.body).direction,
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth})""")
    return {"brand": brand, "control": control, "tabs": tabs, **html}


def open_page(new_page, live_server, contact, locale: str, name: str):
    path, signed_in = PAGES[name]
    page = new_page(**PHONE)
    if signed_in:
        sign_in_browser(page, live_server, contact)
    response = page.goto(f"{live_server}/{locale}/demo{path}")
    assert response.status == 200, (name, response.status)
    return page


@pytest.mark.parametrize("name", list(PAGES))
def test_an_arabic_page_is_mirrored_and_fits_a_phone(live_server, new_page, shot, demo_ws,
                                                      name):
    _ws, alice = demo_ws
    page = open_page(new_page, live_server, alice, "ar", name)
    shot(page, f"rtl-{name}")
    found = layout(page)
    assert (found["dir"], found["lang"], found["computed"]) == ("rtl", "ar", "rtl")
    assert found["scroll"] <= found["client"] + 1, "the page overflows sideways"
    brand, control = found["brand"], found["control"]
    # the header's first item starts at the right edge (the container's 1rem padding) ...
    assert abs(brand["x"] + brand["width"] - (WIDTH - 16)) <= 2, brand
    # ... and the sign-in button / profile menu, its last, is on the left
    assert control["x"] + control["width"] <= brand["x"] + 1, (control, brand)
    assert abs(control["x"] - 16) <= 2, control
    first_tab, second_tab = found["tabs"]
    assert first_tab["x"] > second_tab["x"], found["tabs"]
    # the tabs' row is pulled out by its links' padding (0.5rem) on the start side, so the
    # first tab's text lines up under the brand: on the right here
    assert abs(first_tab["x"] + first_tab["width"] - (WIDTH - 8)) <= 2, first_tab
    assert axe_violations(page) == []
    assert page.console_errors == []
    if PAGES[name][1]:  # the profile menu opens towards the page, inside the screen
        page.locator(".profile-menu summary").click()
        menu = box(page, ".profile-items")
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= WIDTH, menu
        assert abs(menu["x"] - control["x"]) <= 2, (menu, control)  # under its left edge
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH + 1

    page = open_page(new_page, live_server, alice, "en-US", name)
    found = layout(page)
    assert (found["dir"], found["lang"], found["computed"]) == ("ltr", "en-US", "ltr")
    assert abs(found["brand"]["x"] - 16) <= 2, found["brand"]
    assert found["control"]["x"] >= found["brand"]["x"] + found["brand"]["width"] - 1
    assert found["tabs"][0]["x"] < found["tabs"][1]["x"]
    assert abs(found["tabs"][0]["x"] - 8) <= 2, found["tabs"]
    assert found["scroll"] <= found["client"] + 1


def test_arabic_lists_and_notices_start_on_the_right(live_server, new_page, demo_ws):
    """Logical properties at work: the numbered results are indented from the right (their
    numbers' side), the breadcrumbs run from the right."""
    _ws, alice = demo_ws
    page = open_page(new_page, live_server, alice, "ar", "search")
    style = page.locator(".kb-results").evaluate(
        "e => [getComputedStyle(e).paddingRight, getComputedStyle(e).paddingLeft]")
    assert style[0] != "0px" and style[1] == "0px", style
    first = box(page, ".kb-results li")
    assert abs(first["x"] + first["width"] - (WIDTH - 16 - 20)) <= 2, first  # 1.25rem in
    page = open_page(new_page, live_server, alice, "ar", "article")
    crumbs = page.locator(".kb-crumbs li")
    assert crumbs.count() >= 2
    first, second = crumbs.nth(0).bounding_box(), crumbs.nth(1).bounding_box()
    assert first["x"] > second["x"], (first, second)


@pytest.mark.parametrize("locale", ["ar", "fr-FR"])
def test_a_fallback_article_page_shows_the_original_and_says_so(live_server, new_page, shot,
                                                                 demo_ws, locale):
    """The demo's articles are in English (and German): in Arabic or French the page shows
    the English text, marked as English (left to right inside an Arabic page), says that
    no translation exists and links to the original, which the keyboard reaches."""
    _ws, alice = demo_ws
    page = open_page(new_page, live_server, alice, locale, "article")
    shot(page, f"fallback-{locale}")
    note = page.locator(".kb-language-note")
    assert note.is_visible()
    title = page.locator("#article-title").evaluate(
        "e => [e.lang, getComputedStyle(e).direction]")
    body = page.locator(".kb-body").evaluate("e => [e.lang, getComputedStyle(e).direction]")
    assert title == ["en-US", "ltr"] and body == ["en-US", "ltr"], (title, body)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH + 1
    assert axe_violations(page) == []
    link = note.locator("a")
    for _ in range(40):  # Tab until the note's link has the focus
        page.keyboard.press("Tab")
        if link.evaluate("e => e === document.activeElement"):
            break
    else:
        raise AssertionError("the link to the original is not reachable by keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/en-US/demo/articles/reset-your-password")
    assert page.locator(".kb-language-note").count() == 0
