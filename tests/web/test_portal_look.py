"""The published portal settings on the portal's pages: theme, the workspace's own
stylesheet (colour tokens and custom CSS at a content-named URL), header tabs with an
incident link, hero texts, footer links, the banner on the ticket list, the CSP carrying
exactly that workspace's allowlist; and a draft never shown."""

import re

from portal.extensions import db
from portal.services import portal_settings
from tests.factories import login_as, make_contact


def _publish(ws, **values):
    portal_settings.change(ws, values)
    db.session.commit()


def _stylesheet_url(html: str) -> str:
    found = re.search(r'href="(/look/[^"]+\.css)"', html)
    assert found, "no workspace stylesheet"
    return found.group(1)


def test_theme_tokens_and_custom_css(app, acme, client):
    _publish(acme, **{"features.knowledge_base": "public", "appearance.theme": "dark",
                      "appearance.accent_color": "#ff0000",
                      "custom_css": ".hero { letter-spacing: .01em }"})
    html = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert '<html lang="en-US" dir="ltr" data-theme="dark">' in html
    url = _stylesheet_url(html)
    sheet = client.get(url)
    assert sheet.status_code == 200 and sheet.mimetype == "text/css"
    assert "immutable" in sheet.headers["Cache-Control"]
    text = sheet.get_data(as_text=True)
    assert "--color-primary: #" in text and ':root[data-theme="dark"]' in text
    assert "letter-spacing: .01em" in text or "letter-spacing: 0.01em" in text
    _publish(acme, **{"custom_css": ""})
    stale = client.get(url)  # an old page's URL leads to the current sheet
    assert stale.status_code == 302 and stale.headers["Location"] != url
    assert client.get("/look/nope/0123.css").status_code == 404


def test_tabs_hero_footer(app, acme, client):
    _publish(acme, **{
        "features.knowledge_base": "public",
        "appearance.header_tabs": [
            {"kind": "knowledge_base", "label": {"en-US": "Help center"}},
            {"kind": "link", "label": {"en-US": "Incidents", "de-DE": "Störungen"},
             "url": "https://status.acme.example"},
            {"kind": "tickets", "label": {}}],
        "appearance.hero": {"welcome_text": {"en-US": "Hi from Acme"},
                            "search_placeholder": {"en-US": "Ask Acme"}},
        "appearance.footer": {"social": [{"network": "github",
                                          "url": "https://github.com/acme"}],
                              "links": [{"label": {"en-US": "Privacy"},
                                         "url": "https://acme.example/privacy"}]}})
    html = client.get("/en-US/acme/directories").get_data(as_text=True)
    nav = html.split('class="main-nav"')[1].split("</nav>")[0]
    assert [label for label in re.findall(r">([^<>]+)</a>", nav)] == [
        "Help center", "Incidents", "Tickets"]
    assert 'href="https://status.acme.example"' in nav
    assert ">Hi from Acme</h1>" in html and 'placeholder="Ask Acme"' in html
    assert ">Privacy</a>" in html and ">GitHub</a>" in html
    german = client.get("/de-DE/acme/directories").get_data(as_text=True)
    assert ">Störungen</a>" in german and ">Hi from Acme</h1>" in german  # default locale

    _publish(acme, **{"features.tickets": "off"})
    html = client.get("/en-US/acme/directories").get_data(as_text=True)
    nav = html.split('class="main-nav"')[1].split("</nav>")[0]
    assert "Tickets" not in nav  # the built-in tab goes with its feature


def test_banner_on_the_ticket_list_and_the_draft_never_shown(app, acme, client):
    pat = make_contact(acme, "pat@acme.example")
    _publish(acme, **{"features.banner": {
        "enabled": True, "level": "warning",
        "text": {"en-US": "Maintenance **tonight** <script>alert(1)</script>"}}})
    draft = portal_settings.draft(acme).as_dict()
    draft["appearance"]["company_name"] = "Draft Name"
    portal_settings.save_draft(acme, draft, "test")
    db.session.commit()
    login_as(client, pat)
    html = client.get("/en-US/acme/tickets").get_data(as_text=True)
    banner = html.split('class="portal-banner')[1].split("</div>")[0]
    assert "<strong>tonight</strong>" in banner and "<script" not in banner
    assert 'role="alert"' in banner
    assert "Draft Name" not in html
    _publish(acme, **{"features.banner.ends_at": "2001-01-01T00:00:00Z"})
    assert "portal-banner" not in client.get("/en-US/acme/tickets").get_data(as_text=True)


def test_the_csp_carries_exactly_this_workspaces_allowlist(app, acme, globex, client):
    _publish(acme, **{"features.knowledge_base": "public",
                      "domain.allowlist": ["cdn.acme.example", "*.fonts.example"]})
    _publish(globex, **{"features.knowledge_base": "public"})
    csp = client.get("/en-US/acme/directories").headers["Content-Security-Policy"]
    for directive in ("img-src", "font-src", "style-src", "connect-src"):
        part = next(p for p in csp.split("; ") if p.startswith(directive))
        assert "https://cdn.acme.example" in part and "https://*.fonts.example" in part
    assert "script-src 'self';" in csp  # never scripts
    other = client.get("/en-US/globex/directories").headers["Content-Security-Policy"]
    assert "acme.example" not in other
    hit = client.get("/en-US/acme/directories")  # from the page cache: the same policy
    assert hit.headers["Content-Security-Policy"] == csp


def test_tickets_off_means_no_ticket_pages_or_api(app, acme, client):
    pat = make_contact(acme, "pat@acme.example")
    _publish(acme, **{"features.tickets": "off"})
    login_as(client, pat)
    assert client.get("/en-US/acme/tickets").status_code == 404
    assert client.get("/en-US/acme/tickets/new").status_code == 404


def test_ai_search_off_ranks_by_keywords_only(app, acme, client):
    from portal.search import service

    _publish(acme, **{"features.knowledge_base": "public", "features.ai_search": False})
    result = service.search(acme, None, "printer", mode="hybrid", locale="en-US")
    assert result.mode == "keyword"
    _publish(acme, **{"features.ai_search": True})
    assert service.search(acme, None, "printer", mode="hybrid", locale="en-US").mode == "hybrid"


def test_the_default_look_keeps_the_themes_own_colours(app, acme):
    """Without an accent of its own a workspace looks like the theme, in dark too."""
    from portal.services import portal_public

    found = portal_public.public(acme)["colors"]
    assert found["light"]["--color-primary"] == "#1f4fc4"
    assert found["dark"]["--color-primary"] == "#8cb4ff"
