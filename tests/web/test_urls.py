"""The URL scheme: short links, locales in the path, unknown workspaces, custom domains."""

import re

from tests.factories import make_workspace


def location(response) -> str:
    return response.headers["Location"]


def test_slug_redirects_to_the_default_locale_home(client, acme, globex):
    response = client.get("/acme")
    assert response.status_code == 302
    assert location(response) == "/en-US/acme/directories"
    assert location(client.get("/acme/")) == "/en-US/acme/directories"


def test_slug_uses_the_workspace_default_locale(client, acme):
    german = make_workspace(slug="kunden", name="Kunden", default_locale="de-DE")
    assert location(client.get("/kunden")) == "/de-DE/kunden/directories"
    assert german.default_locale == "de-DE"


def test_locale_and_slug_redirect_to_home_in_that_locale(client, acme):
    assert location(client.get("/de-DE/acme")) == "/de-DE/acme/directories"
    assert location(client.get("/en-US/acme/")) == "/en-US/acme/directories"


def test_home_page_answers(client, acme):
    response = client.get("/en-US/acme/directories")
    assert response.status_code == 200
    assert "Acme Support" in response.get_data(as_text=True)


def test_unknown_workspace_is_a_themed_html_404(client, acme):
    for url in ("/nope", "/en-US/nope", "/en-US/nope/directories", "/en-US/nope/signin"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert "Page not found" in html and 'class="site-header"' in html
        assert "portal.css" in html


def test_unknown_locale_redirects_to_default_keeping_the_path(client, acme):
    response = client.get("/pt-BR/acme/signin?next=/en-US/acme/profile")
    assert response.status_code == 302
    assert location(response) == "/en-US/acme/signin?next=/en-US/acme/profile"
    assert location(client.get("/xx/acme/directories")) == "/en-US/acme/directories"
    assert location(client.get("/pt-BR/acme")) == "/en-US/acme/directories"


def test_locale_spelling_is_normalised(client, acme):
    assert location(client.get("/de-de/acme/directories")) == "/de-DE/acme/directories"


def test_disabled_locale_redirects_to_default(client, db, acme):
    acme.enabled_locales = ["en-US"]
    db.session.commit()
    response = client.get("/de-DE/acme/signin")
    assert response.status_code == 302 and location(response) == "/en-US/acme/signin"
    assert location(client.get("/de-DE/acme")) == "/en-US/acme/directories"


def test_custom_domain_resolves_to_its_workspace(client, acme, globex, db):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    host = {"Host": "help.acme.example"}
    assert location(client.get("/", headers=host)) == "/en-US/acme/directories"
    assert location(client.get("/de-DE", headers=host)) == "/de-DE/acme/directories"
    assert location(client.get("/de", headers=host)) == "/de-DE/acme/directories"
    assert location(client.get("/acme", headers=host)) == "/en-US/acme/directories"
    page = client.get("/en-US/acme/directories", headers=host)
    assert page.status_code == 200 and "Acme Support" in page.get_data(as_text=True)


def test_custom_domain_with_a_port_still_resolves(client, acme, db):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    response = client.get("/", headers={"Host": "help.acme.example:8443"})
    assert location(response) == "/en-US/acme/directories"


def test_other_workspace_on_a_custom_domain_is_a_404(client, acme, globex, db):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    host = {"Host": "help.acme.example"}
    for url in ("/globex", "/en-US/globex", "/en-US/globex/directories", "/en-US/globex/signin"):
        response = client.get(url, headers=host)
        assert response.status_code == 404, url
        assert "Globex Help" not in response.get_data(as_text=True)
    # the same workspace stays reachable on the main host
    assert client.get("/en-US/globex/directories").status_code == 200


def test_main_host_root_is_the_landing_page(client, acme):
    response = client.get("/")
    assert response.status_code == 200
    assert "Helpport support portal" in response.get_data(as_text=True)


def _links(html: str) -> dict:
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">',
                                 html))
    return {"canonical": canonical, **alternates}


def test_canonical_links_use_the_base_url(client, acme):
    html = client.get("/de-DE/acme/directories").get_data(as_text=True)
    links = _links(html)
    assert links["canonical"] == "http://portal.test/de-DE/acme/directories"
    assert links["en-US"] == "http://portal.test/en-US/acme/directories"
    assert links["de-DE"] == "http://portal.test/de-DE/acme/directories"
    assert links["x-default"] == "http://portal.test/en-US/acme/directories"


def test_canonical_links_use_the_custom_domain(client, acme, db):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    # on the main host too: the custom domain is the canonical address
    for headers in ({}, {"Host": "help.acme.example"}):
        html = client.get("/en-US/acme/signin", headers=headers).get_data(as_text=True)
        links = _links(html)
        assert links["canonical"] == "https://help.acme.example/en-US/acme/signin"
        assert links["de-DE"] == "https://help.acme.example/de-DE/acme/signin"


def test_canonical_leaves_out_the_query(client, acme):
    html = client.get("/en-US/acme/directories?q=printer").get_data(as_text=True)
    assert _links(html)["canonical"] == "http://portal.test/en-US/acme/directories"


def test_error_pages_carry_no_canonical_link(client, acme):
    html = client.get("/en-US/nope/directories").get_data(as_text=True)
    assert 'rel="canonical"' not in html


def test_kept_page_paths_are_what_url_for_builds(app, acme, globex):
    """portal.web.page_urls keeps a path per workspace, locale, blueprint and mount point:
    whichever of them asks first, each gets what url_for builds for it."""
    from flask import url_for

    from portal.tenancy import enter_workspace
    from portal.web import page_urls

    calls = [("portal.home", {}), ("portal.tickets", {"scope": "mine"}), (".tickets", {}),
             ("root.static", {"filename": "portal.css"}), ("portal.home", {"locale": "de-DE"}),
             ("portal.home", {"_external": True}), ("portal.tickets", {"stage": ["open"]}),
             ("portal.ticket", {"number": 7}), ("portal.tickets", {"scope": "mine", "q": "x"})]
    seen = set()
    for _pass in range(2):  # the second one from what the first kept
        for ws in (acme, globex):
            for locale in ("en-US", "de-DE"):
                for mount in ("", "/help"):
                    with app.test_request_context(f"/{locale}/{ws.slug}/tickets",
                                                  base_url=f"http://portal.test{mount}"):
                        enter_workspace(ws, locale=locale)
                        build = page_urls.builder()
                        for endpoint, values in calls:
                            path = build(endpoint, **values)
                            assert path == url_for(endpoint, **values), (endpoint, values)
                            seen.add(path)
    assert "/help/de-DE/globex/tickets?scope=mine" in seen
    assert "/en-US/acme/tickets/7" in seen
    assert "http://portal.test/help/de-DE/acme/directories" in seen
