"""Search engines (issue 14, part 1): SEO off means `noindex` everywhere and no sitemap,
robots.txt, llms.txt or Markdown copy; on, sitemaps (checked against the sitemaps.org
schemas), robots.txt per host, canonical and hreflang, Open Graph, JSON-LD; only what an
anonymous visitor may read is ever listed."""

import re
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from portal.extensions import db
from portal.models import Directory, Workspace
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import login_as, make_account, make_contact

# the sitemaps.org schemas (sitemap.xsd, siteindex.xsd), kept with the tests
VALIDATORS = Path(__file__).resolve().parents[1] / "data" / "sitemaps"
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
NS = {"sm": SM, "xhtml": XHTML}
FAQ_BODY = ("## How do I reset my password?\n\nOpen the sign-in page and choose *Forgot*.\n\n"
            "## Can I change my email?\n\nYes, on your profile page.\n")


def text(response) -> str:
    return response.get_data(as_text=True)


def settings(ws, **values):
    portal_settings.change(ws, values)
    db.session.commit()


@pytest.fixture
def site(acme, globex, jobs):
    """acme (public knowledge base): a directory with a public article in English and
    German, a FAQ article, verified-only, admins-only and draft ones; globex its own."""
    settings(acme, **{"features.knowledge_base": "public"})
    settings(globex, **{"features.knowledge_base": "public"})
    with use_workspace(acme.id):
        guides = Directory(workspace_id=acme.id, slug="guides",
                           names={"en-US": "Guides", "de-DE": "Anleitungen"})
        db.session.add(guides)
        db.session.flush()

        def save(title, body, **kw):
            kw.setdefault("status", "published")
            return articles.save(acme, locale=kw.pop("locale", "en-US"), title=title,
                                 body=body, directory_id=guides.id, **kw)

        made = {
            "vpn": save("Connect to the VPN", "Install the client. </script><b>x</b>",
                        description="Remote access from home"),
            "faq": save("Account questions", FAQ_BODY),
            "verified": save("Verified payroll", "Dates.", audience="verified"),
            "admins": save("Admins keys", "Rotate.", audience="admins"),
            "draft": save("Draft notes", "Unfinished.", status="draft"),
        }
        articles.save(acme, article=made["vpn"], locale="de-DE", title="VPN verbinden",
                      body="Den Client installieren.", status="published",
                      directory_id=guides.id)
    with use_workspace(globex.id):
        made["globex"] = articles.save(globex, locale="en-US", title="Globex guide",
                                       body="Globex.", status="published")
    jobs()
    return made


HIDDEN = ("verified-payroll", "admins-keys", "draft-notes", "globex-guide")


def _seo_on(*workspaces):
    for ws in workspaces:
        settings(ws, **{"features.seo": True})


def test_seo_is_off_by_default_and_every_page_says_noindex(client, acme, site):
    assert portal_settings.published(acme).features.seo is False
    for path in ("directories", "directories/guides", "articles/connect-to-the-vpn",
                 "signin", "search?q=vpn", "tickets/guest"):
        html = text(client.get(f"/en-US/acme/{path}"))
        assert '<meta name="robots" content="noindex">' in html, path
        assert "application/ld+json" not in html and "og:title" not in html, path
    for path in ("/en-US/acme/sitemap.xml", "/sitemap.xml", "/robots.txt",
                 "/en-US/acme/llms.txt", "/en-US/acme/articles/connect-to-the-vpn.md"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "text/html"


def test_seo_on_indexes_knowledge_base_pages_only(client, acme, site):
    _seo_on(acme)
    for path in ("directories", "directories/guides", "articles/connect-to-the-vpn"):
        assert 'name="robots"' not in text(client.get(f"/en-US/acme/{path}")), path
    for path in ("signin", "search?q=vpn", "tickets/guest", "directories/nope"):
        html = text(client.get(f"/en-US/acme/{path}"))
        assert '<meta name="robots" content="noindex">' in html, path


def test_turning_seo_off_changes_cached_pages(client, acme, site):
    _seo_on(acme)
    first = client.get("/en-US/acme/articles/connect-to-the-vpn")
    again = client.get("/en-US/acme/articles/connect-to-the-vpn")
    assert again.headers.get("X-Page-Cache") == "hit" and 'name="robots"' not in text(again)
    settings(acme, **{"features.seo": False})
    html = text(client.get("/en-US/acme/articles/connect-to-the-vpn"))
    assert '<meta name="robots" content="noindex">' in html and first.status_code == 200


def _parse(response):
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return etree.fromstring(response.get_data())


def _valid(doc, xsd: str) -> None:
    """Against the sitemaps.org schema: xhtml:link alternates are left out for it (their
    namespace's schema is not loaded; they are checked one by one instead)."""
    path = VALIDATORS / xsd
    schema = etree.XMLSchema(etree.parse(str(path)))
    copy = etree.fromstring(etree.tostring(doc))
    for link in copy.findall(".//xhtml:link", NS):
        link.getparent().remove(link)
    assert schema.validate(copy), schema.error_log
    for loc in doc.iterfind(".//sm:loc", NS):
        assert re.match(r"^https?://[^/]+/", loc.text), loc.text


def test_sitemap_lists_what_anyone_may_read_with_alternates(client, acme, site):
    _seo_on(acme)
    doc = _parse(client.get("/en-US/acme/sitemap.xml"))
    _valid(doc, "sitemap.xsd")
    urls = {u.findtext("sm:loc", namespaces=NS): u for u in doc.iterfind("sm:url", NS)}
    base = "http://portal.test/en-US/acme"
    assert set(urls) == {f"{base}/directories", f"{base}/directories/guides",
                         f"{base}/articles/connect-to-the-vpn",
                         f"{base}/articles/account-questions"}
    for url in urls.values():
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$",
                        url.findtext("sm:lastmod", namespaces=NS))
    vpn = urls[f"{base}/articles/connect-to-the-vpn"]
    alternates = {link.get("hreflang"): link.get("href")
                  for link in vpn.iterfind("xhtml:link", NS)}
    assert alternates == {"en-US": f"{base}/articles/connect-to-the-vpn",
                          "de-DE": "http://portal.test/de-DE/acme/articles/connect-to-the-vpn"}
    # a translation that does not exist is never advertised
    assert urls[f"{base}/articles/account-questions"].find("xhtml:link", NS) is None
    german = _parse(client.get("/de-DE/acme/sitemap.xml"))
    _valid(german, "sitemap.xsd")
    locs = [loc.text for loc in german.iterfind(".//sm:loc", NS)]
    assert "http://portal.test/de-DE/acme/articles/connect-to-the-vpn" in locs
    assert not any("account-questions" in loc for loc in locs)


@pytest.mark.parametrize("who", [None, "verified", "admin"])
def test_sitemap_never_lists_restricted_articles_whoever_asks(app, acme, site, who):
    _seo_on(acme)
    client = app.test_client()
    if who:
        account = make_account(acme, "Acme Corp")
        login_as(client, make_contact(acme, f"{who}@acme.example", account=account,
                                      customer_admin=who == "admin"))
    for path in ("sitemap.xml", "llms.txt"):
        body = text(client.get(f"/en-US/acme/{path}"))
        for slug in HIDDEN:
            assert slug not in body, (path, slug)
    for slug in HIDDEN:
        assert client.get(f"/en-US/acme/articles/{slug}.md").status_code == 404, slug


def test_a_private_knowledge_base_lists_only_its_home(client, acme, site):
    _seo_on(acme)
    settings(acme, **{"features.knowledge_base": "private"})
    locs = [loc.text for loc in _parse(client.get("/en-US/acme/sitemap.xml"))
            .iterfind(".//sm:loc", NS)]
    assert locs == ["http://portal.test/en-US/acme/directories"]


def test_sitemap_follows_content_changes(client, acme, site):
    _seo_on(acme)
    assert "account-questions" in text(client.get("/en-US/acme/sitemap.xml"))
    with use_workspace(acme.id):
        articles.set_status(acme, site["faq"], "draft")
    assert "account-questions" not in text(client.get("/en-US/acme/sitemap.xml"))


def test_sitemap_index_and_robots_per_host(client, acme, globex, site):
    _seo_on(acme, globex)
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    index = _parse(client.get("/sitemap.xml"))
    _valid(index, "siteindex.xsd")
    locs = [loc.text for loc in index.iterfind(".//sm:loc", NS)]
    assert "http://portal.test/en-US/globex/sitemap.xml" in locs
    assert not any("acme" in loc for loc in locs)  # its pages are canonical on its domain
    on_domain = {"Host": "help.acme.example"}
    index = _parse(client.get("/sitemap.xml", headers=on_domain))
    _valid(index, "siteindex.xsd")
    locs = [loc.text for loc in index.iterfind(".//sm:loc", NS)]
    assert "https://help.acme.example/en-US/acme/sitemap.xml" in locs
    assert not any("globex" in loc for loc in locs)
    robots = client.get("/robots.txt", headers=on_domain)
    assert robots.mimetype == "text/plain"
    lines = text(robots).splitlines()
    assert "Sitemap: https://help.acme.example/sitemap.xml" in lines
    assert "Sitemap: https://help.acme.example/de-DE/acme/sitemap.xml" in lines
    for part in ("signin", "tickets", "search"):
        assert f"Disallow: /en-US/acme/{part}" in lines
    assert not any("globex" in line for line in lines)
    main = text(client.get("/robots.txt")).splitlines()
    assert "Sitemap: http://portal.test/sitemap.xml" in main
    assert "Disallow: /en-US/globex/search" in main
    assert not any("acme" in line for line in main)
    # a sitemap on the domain names the domain
    doc = _parse(client.get("/en-US/acme/sitemap.xml", headers=on_domain))
    assert all(loc.text.startswith("https://help.acme.example/")
               for loc in doc.iterfind(".//sm:loc", NS))


def test_robots_of_a_domain_with_seo_off_is_404(client, acme, globex, site):
    _seo_on(globex)
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    assert client.get("/robots.txt", headers={"Host": "help.acme.example"}).status_code == 404
    assert client.get("/robots.txt").status_code == 200


def _json_ld(html: str) -> list[dict]:
    import json

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_article_head_canonical_social_and_json_ld(client, acme, site, db):
    _seo_on(acme)
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    html = text(client.get("/en-US/acme/articles/connect-to-the-vpn"))
    url = "https://help.acme.example/en-US/acme/articles/connect-to-the-vpn"
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta name="description" content="Remote access from home">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="Connect to the VPN">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    hreflangs = re.findall(r'<link rel="alternate" hreflang="([^"]+)"', html)
    assert sorted(hreflangs) == ["de-DE", "en-US", "x-default"]
    assert f'<link rel="alternate" type="text/markdown" href="{url}.md">' in html
    assert "</script><b>" not in html.split("</head>")[0]
    found = {block["@type"]: block for block in _json_ld(html)}
    assert set(found) == {"Article", "BreadcrumbList"}
    article = found["Article"]
    assert article["headline"] == "Connect to the VPN" and article["url"] == url
    assert article["publisher"] == {"@type": "Organization", "name": "Acme Support"}
    assert article["datePublished"] and article["dateModified"]
    crumbs = [(i["position"], i["name"], i["item"])
              for i in found["BreadcrumbList"]["itemListElement"]]
    assert crumbs == [(1, "Knowledge base", "https://help.acme.example/en-US/acme/directories"),
                      (2, "Guides", "https://help.acme.example/en-US/acme/directories/guides"),
                      (3, "Connect to the VPN", url)]


def test_json_ld_cannot_be_broken_out_of(client, acme, site):
    _seo_on(acme)
    with use_workspace(acme.id):
        articles.save(acme, article=site["faq"], locale="en-US",
                      title="Q </script><script>alert(1)</script> & more", body=FAQ_BODY,
                      status="published")
    html = text(client.get("/en-US/acme/articles/account-questions"))
    head = html.split("</head>")[0]
    assert "<script>alert(1)" not in head and "\\u003c/script\\u003e" in head
    article = next(b for b in _json_ld(html) if b["@type"] == "Article")
    assert article["name"] == "Q </script><script>alert(1)</script> & more"
    # data blocks only: the CSP needs no inline script
    assert "'unsafe-inline'" not in client.get("/en-US/acme/articles/account-questions") \
        .headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_faq_page_for_questions_and_answers(client, acme, site):
    _seo_on(acme)
    faq = next(b for b in _json_ld(text(client.get("/en-US/acme/articles/account-questions")))
               if b["@type"] == "FAQPage")
    assert '<meta name="description" content="How do I reset my password? Open the' in \
        text(client.get("/en-US/acme/articles/account-questions"))  # text, not Markdown
    assert [(q["name"], q["acceptedAnswer"]["text"]) for q in faq["mainEntity"]] == [
        ("How do I reset my password?", "Open the sign-in page and choose Forgot."),
        ("Can I change my email?", "Yes, on your profile page.")]
    types = [b["@type"] for b in _json_ld(text(client.get(
        "/en-US/acme/articles/connect-to-the-vpn")))]
    assert "FAQPage" not in types


def test_restricted_article_page_advertises_nothing(app, acme, site):
    _seo_on(acme)
    client = app.test_client()
    login_as(client, make_contact(acme, "v@acme.example"))
    html = text(client.get("/en-US/acme/articles/verified-payroll"))
    assert "Verified payroll" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "hreflang" not in html.split("</head>")[0]
    assert "application/ld+json" not in html and "og:title" not in html


def test_home_and_directory_heads(client, acme, site):
    _seo_on(acme)
    home = text(client.get("/en-US/acme/directories"))
    assert '<meta name="description" content="Search the Acme Support knowledge base' in home
    assert [b["@type"] for b in _json_ld(home)] == ["WebSite"]
    directory = text(client.get("/de-DE/acme/directories/guides"))
    assert '<meta property="og:title" content="Anleitungen">' in directory
    crumbs = next(b for b in _json_ld(directory) if b["@type"] == "BreadcrumbList")
    assert crumbs["itemListElement"][-1]["name"] == "Anleitungen"


def test_markdown_copy_and_llms_txt(client, acme, site):
    _seo_on(acme)
    md = client.get("/en-US/acme/articles/connect-to-the-vpn.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    body = text(md)
    assert body.startswith("# Connect to the VPN\n\n> Remote access from home\n")
    assert "Source: <http://portal.test/en-US/acme/articles/connect-to-the-vpn>" in body
    assert "Install the client." in body
    assert md.headers["Link"] == \
        '<http://portal.test/en-US/acme/articles/connect-to-the-vpn>; rel="canonical"'
    german = text(client.get("/de-DE/acme/articles/connect-to-the-vpn.md"))
    assert german.startswith("# VPN verbinden")
    by_id = client.get(f"/en-US/acme/articles/{site['vpn'].id}.md")
    assert by_id.status_code == 301
    assert by_id.headers["Location"].endswith("/en-US/acme/articles/connect-to-the-vpn.md")
    llms = text(client.get("/en-US/acme/llms.txt"))
    assert llms.startswith("# Acme Support\n")
    assert "## Guides" in llms
    assert ("- [Connect to the VPN](http://portal.test/en-US/acme/articles/"
            "connect-to-the-vpn.md): Remote access from home") in llms
    assert "account-questions.md" in llms
    german_llms = text(client.get("/de-DE/acme/llms.txt"))
    assert "VPN verbinden" in german_llms and "account-questions" not in german_llms


def test_public_document_and_api_show_the_flag(client, acme, site):
    assert client.get("/api/v1/workspaces/acme/portal").get_json()["features"]["seo"] is False
    _seo_on(acme)
    assert client.get("/api/v1/workspaces/acme/portal").get_json()["features"]["seo"] is True


def test_the_flag_is_strict(acme):
    from portal.services.errors import Invalid

    with pytest.raises(Invalid):
        portal_settings.change(acme, {"features.seo": "yes"})
    db.session.rollback()
    assert db.session.scalar(select(Workspace.slug).where(Workspace.id == acme.id)) == "acme"


def test_sitemap_answers_304_to_a_current_copy(client, acme, site):
    _seo_on(acme)
    first = client.get("/en-US/acme/sitemap.xml")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    current = {"If-None-Match": first.headers["ETag"]}
    again = client.get("/en-US/acme/sitemap.xml", headers=current)
    assert again.status_code == 304
    with use_workspace(acme.id):
        articles.set_status(acme, site["draft"], "published")
    changed = client.get("/en-US/acme/sitemap.xml", headers=current)
    assert changed.status_code == 200 and "draft-notes" in text(changed)
