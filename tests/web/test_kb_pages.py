"""Knowledge-base pages: home, directories, articles (native, file, link), the vote, the
original file, the search results page and suggestions; access off/private/public; an
admins-only article or a draft never shows to a reader who may not open it."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Directory, SearchQuery
from portal.services import article_uploads, articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import login_as, make_account, make_contact


def text(response) -> str:
    return response.get_data(as_text=True)


def set_access(ws, mode):
    portal_settings.change(ws, {"features.knowledge_base": mode})
    db.session.commit()


@pytest.fixture
def kb_site(acme, globex, jobs):
    """acme (public access): a directory tree with public, verified, admins-only and draft
    articles, a file and a link article; globex has an article of its own."""
    set_access(acme, "public")
    with use_workspace(acme.id):
        guides = Directory(workspace_id=acme.id, slug="guides", names={"en-US": "Guides"},
                           descriptions={"en-US": "How to do things"}, position=1)
        db.session.add(guides)
        db.session.flush()
        network = Directory(workspace_id=acme.id, slug="network", parent_id=guides.id,
                            names={"en-US": "Network"})
        secret = Directory(workspace_id=acme.id, slug="secret", names={"en-US": "Secret"})
        db.session.add_all([network, secret])
        db.session.flush()

        def save(title, body, audience="public", status="published", directory=None, **kw):
            return articles.save(acme, locale="en-US", title=title, body=body, status=status,
                                 audience=audience,
                                 directory_id=directory.id if directory else None, **kw)

        made = {
            "vpn": save("Connect to the VPN", "Install the **VPN client** and sign in.",
                        directory=network, description="Remote access from home"),
            "wifi": save("Office wifi", "The wifi password is on the VPN portal.",
                         directory=network),
            "printer": save("Printer setup", "Add the printer by its address.",
                            directory=guides),
            "verified": save("Verified only payroll", "Payroll dates for staff.",
                             audience="verified", directory=guides),
            "admins": save("Admins only VPN keys", "Rotate the VPN keys monthly.",
                           audience="admins", directory=network),
            "hidden": save("Hidden admins topic", "Only admins.", audience="admins",
                           directory=secret),
            "draft": save("Draft VPN notes", "Unfinished VPN text.", status="draft",
                          directory=network),
            "link": save("Status page", "", kind="link", link_url="https://status.example.com/",
                         description="Outages and maintenance"),
        }
        made["file"] = article_uploads.save_file(
            acme, "manual.html",
            b"<html><head><title>Router manual</title></head><body><h1>Router</h1>"
            b"<p>Reset the router with the pin.</p><script>alert(1)</script></body></html>",
            locale="en-US", status="published", audience="public")
        made["admin_file"] = article_uploads.save_file(
            acme, "keys.txt", b"Admins only file text.", locale="en-US",
            status="published", audience="admins")
    with use_workspace(globex.id):
        made["globex"] = articles.save(globex, locale="en-US", title="Globex VPN guide",
                                       body="VPN at Globex.", status="published")
    jobs()  # the reindex jobs the saves asked for
    return made


@pytest.fixture
def people(acme):
    account = make_account(acme, "Acme Corp")
    return {
        "verified": make_contact(acme, "v@acme.example", account=account),
        "admin": make_contact(acme, "a@acme.example", account=account, customer_admin=True),
    }


def as_reader(app, contact):
    client = app.test_client()
    if contact is not None:
        login_as(client, contact)
    return client


HIDDEN_FROM_VERIFIED = ("Admins only VPN keys", "Hidden admins topic", "Draft VPN notes",
                        "Admins only file", "Globex VPN guide", "Secret")


def test_home_lists_directories_with_visible_counts_and_popular_articles(client, kb_site):
    html = text(client.get("/en-US/acme/directories"))
    assert '<input id="q" name="q" type="search"' in html and 'role="combobox"' in html
    assert 'data-suggest="/en-US/acme/search/suggest"' in html
    assert 'aria-controls="q-suggestions"' in html and 'role="listbox"' in html
    cards = re.findall(r'href="/en-US/acme/directories/([a-z-]+)">([^<]+)</a>\s*'
                       r'<span class="meta">([^<]+)</span>', html)
    # anonymous: Guides holds printer + vpn + wifi (public); Secret holds nothing public
    assert cards == [("guides", "Guides", "3 articles")]
    for title in ("Connect to the VPN", "Printer setup", "Status page", "Router manual"):
        assert title in html
    for title in ("Verified only payroll", *HIDDEN_FROM_VERIFIED):
        assert title not in html
    assert 'src="/assets/kb.js"' in html and "<script>" not in html


def test_popular_articles_follow_views(client, kb_site):
    for _ in range(3):
        client.get("/en-US/acme/articles/printer-setup")
    html = text(client.get("/en-US/acme/directories"))
    popular = html.split('id="popular-title"')[1]
    assert popular.index("Printer setup") < popular.index("Connect to the VPN")


def test_verified_non_admin_never_sees_admins_only_or_drafts(app, kb_site, people):
    reader = as_reader(app, people["verified"])
    pages = [reader.get("/en-US/acme/directories"),
             reader.get("/en-US/acme/directories/guides"),
             reader.get("/en-US/acme/directories/network"),
             reader.get("/en-US/acme/articles/connect-to-the-vpn"),
             reader.get("/en-US/acme/articles/office-wifi"),
             reader.get("/en-US/acme/search?q=vpn+keys"),
             reader.get("/en-US/acme/search?q=vpn&mode=keyword"),
             reader.get("/en-US/acme/search?q=admins&mode=semantic"),
             reader.get("/en-US/acme/search/suggest?q=vpn"),
             reader.get("/en-US/acme/search/suggest?q=admins")]
    for response in pages:
        assert response.status_code == 200, response.request.path
        body = text(response)
        for title in HIDDEN_FROM_VERIFIED:
            assert title not in body, (response.request.path, title)
    assert "Verified only payroll" in text(pages[1])
    # counts: Guides = printer, verified, vpn, wifi; Network = vpn, wifi
    assert "4 articles" in text(pages[0]) and "2 articles" in text(pages[1])
    for slug in ("admins-only-vpn-keys", "draft-vpn-notes", str(kb_site["admins"].id),
                 "keys", "globex-vpn-guide"):
        assert reader.get(f"/en-US/acme/articles/{slug}").status_code == 404, slug
    assert reader.get("/en-US/acme/directories/secret").status_code == 404
    assert reader.get(f"/en-US/acme/articles/{kb_site['admin_file'].slug}/original") \
        .status_code == 404


def test_customer_admin_sees_admins_only_but_never_drafts(app, kb_site, people):
    reader = as_reader(app, people["admin"])
    html = text(reader.get("/en-US/acme/directories/network"))
    assert "Admins only VPN keys" in html and "Draft VPN notes" not in html
    assert reader.get("/en-US/acme/articles/admins-only-vpn-keys").status_code == 200
    assert reader.get("/en-US/acme/articles/draft-vpn-notes").status_code == 404
    found = reader.get("/en-US/acme/search/suggest?q=vpn").get_json()["results"]
    assert "Draft VPN notes" not in [r["title"] for r in found]


def test_access_off_hides_everything(client, app, kb_site, people, acme):
    set_access(acme, "off")
    html = text(client.get("/en-US/acme/directories"))
    assert ">Knowledge base</a>" not in html.split("</header>")[0]
    assert ">Tickets</a>" in html
    assert 'role="search"' not in html and "Connect to the VPN" not in html
    reader = as_reader(app, people["admin"])
    for path in ("directories/guides", "articles/connect-to-the-vpn", "search?q=vpn",
                 "search/suggest?q=vpn", f"articles/{kb_site['file'].slug}/original"):
        assert client.get(f"/en-US/acme/{path}").status_code == 404, path
        assert reader.get(f"/en-US/acme/{path}").status_code == 404, path


def test_private_access_sends_anonymous_readers_to_sign_in(client, app, kb_site, people,
                                                           acme):
    set_access(acme, "private")
    html = text(client.get("/en-US/acme/directories"))
    assert ">Knowledge base</a>" in html and "Sign in to read the knowledge base." in html
    assert "Connect to the VPN" not in html and "Guides" not in html
    response = client.get("/en-US/acme/articles/connect-to-the-vpn")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/en-US/acme/signin?next=")
    assert client.get("/en-US/acme/search?q=vpn").status_code == 302
    suggest = client.get("/en-US/acme/search/suggest?q=vpn")
    assert suggest.status_code == 401 and suggest.get_json() == {"results": []}
    reader = as_reader(app, people["verified"])
    assert reader.get("/en-US/acme/articles/connect-to-the-vpn").status_code == 200


def test_article_page_has_breadcrumbs_date_seo_related_and_no_counts(client, kb_site):
    response = client.get("/en-US/acme/articles/connect-to-the-vpn")
    html = text(response)
    assert "<title>Connect to the VPN · Acme Support</title>" in html
    assert '<meta name="description" content="Remote access from home">' in html
    crumbs = html.split('class="kb-crumbs"')[1].split("</ol>")[0]
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["Knowledge base", "Guides", "Network"]
    assert 'aria-current="page">Connect to the VPN</li>' in crumbs
    assert "Last updated" in html
    assert "<strong>VPN client</strong>" in html
    related = html.split('id="related-title"')[1]
    assert "Office wifi" in related
    assert "Admins only VPN keys" not in related and "Draft VPN notes" not in related
    assert "helpful_yes" not in html and 'name="helpful" value="yes"' in html
    assert "Content-Security-Policy" in response.headers
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_article_by_id_redirects_to_its_slug(client, kb_site):
    response = client.get(f"/en-US/acme/articles/{kb_site['vpn'].id}")
    assert response.status_code == 301
    assert response.headers["Location"] == "/en-US/acme/articles/connect-to-the-vpn"


def test_helpful_vote_needs_our_origin_and_counts_once(client, kb_site):
    url = "/en-US/acme/articles/printer-setup/helpful"
    assert client.post(url, data={"helpful": "yes"}).status_code == 403
    assert client.post(url, data={"helpful": "yes"},
                       headers={"Origin": "https://attacker.example"}).status_code == 403
    for _ in range(2):
        response = client.post(url, data={"helpful": "yes"},
                               headers={"Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 302
    with use_workspace(kb_site["printer"].workspace_id):
        article = db.session.get(Article, kb_site["printer"].id)
        db.session.refresh(article)
        assert (article.helpful_yes, article.helpful_no) == (1, 0)
    html = text(client.get("/en-US/acme/articles/printer-setup"))  # with the flash
    assert "Thank you for your feedback." in html


def test_vote_on_a_hidden_article_is_404(app, kb_site, people):
    reader = as_reader(app, people["verified"])
    response = reader.post("/en-US/acme/articles/admins-only-vpn-keys/helpful",
                           data={"helpful": "yes"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 404
    with use_workspace(kb_site["admins"].workspace_id):
        assert db.session.get(Article, kb_site["admins"].id).helpful_yes == 0


def test_file_article_shows_text_and_serves_the_original_sandboxed(client, kb_site):
    slug = kb_site["file"].slug
    html = text(client.get(f"/en-US/acme/articles/{slug}"))
    assert "Reset the router with the pin." in html and "alert(1)" not in html
    assert f'href="/en-US/acme/articles/{slug}/original"' in html
    assert f'href="/en-US/acme/articles/{slug}/original?download=1"' in html
    view = client.get(f"/en-US/acme/articles/{slug}/original")
    assert view.status_code == 200 and view.mimetype == "text/html"
    assert view.headers["Content-Disposition"].startswith("inline")
    assert view.headers["Content-Security-Policy"].startswith("sandbox")
    assert view.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>alert(1)</script>" in view.data  # as uploaded, but sandboxed
    download = client.get(f"/en-US/acme/articles/{slug}/original?download=1")
    assert download.headers["Content-Disposition"] == "attachment; filename=manual.html"
    assert client.get("/en-US/acme/articles/printer-setup/original").status_code == 404


def test_original_of_an_unpublished_file_is_404(client, kb_site, acme):
    with use_workspace(acme.id):
        articles.set_status(acme, db.session.get(Article, kb_site["file"].id), "draft")
    assert client.get(f"/en-US/acme/articles/{kb_site['file'].slug}/original") \
        .status_code == 404


def test_link_article_shows_title_description_and_the_outbound_link(client, kb_site):
    html = text(client.get("/en-US/acme/articles/status-page"))
    assert "<h1 id=\"article-title\">Status page</h1>" in html
    assert "Outages and maintenance" in html
    assert 'href="https://status.example.com/" rel="noopener noreferrer nofollow external"' \
        in html


def test_search_page_shows_snippets_logs_the_query_and_records_the_open(client, kb_site,
                                                                         acme):
    html = text(client.get("/en-US/acme/search?q=router+pin"))
    assert "Router manual" in html and "<mark>" in html
    assert "Admins only" not in html
    with use_workspace(acme.id):
        logged = db.session.scalars(select(SearchQuery)).all()
    assert [(q.query, q.results > 0) for q in logged] == [("router pin", True)]
    link = re.search(r'href="(/en-US/acme/articles/[^"?]+\?sq=(\d+))"', html)
    assert link and int(link.group(2)) == logged[0].id
    opened = client.get(link.group(1).replace("&amp;", "&"))
    assert opened.status_code == 302 and "?sq" not in opened.headers["Location"]
    with use_workspace(acme.id):
        row = db.session.get(SearchQuery, logged[0].id)
        db.session.refresh(row)
        assert row.opened_article_id == kb_site["file"].id


def test_search_page_without_a_query_and_with_no_results(client, kb_site, acme):
    html = text(client.get("/en-US/acme/search"))
    assert 'role="search"' in html and "articles found" not in html
    html = text(client.get("/en-US/acme/search?q=zebra+xylophone&mode=keyword"))
    assert "0 articles found" in html and "No article answers your search." in html
    assert re.search(r'aria-current="page">\s*Exact words', html)


def test_suggest_answers_titles_and_links(client, kb_site):
    found = client.get("/en-US/acme/search/suggest?q=connect+to+the+v").get_json()["results"]
    assert found and found[0]["title"] == "Connect to the VPN"
    assert found[0]["url"] == "/en-US/acme/articles/connect-to-the-vpn"
    assert client.get("/en-US/acme/search/suggest?q=v").get_json() == {"results": []}


@pytest.mark.parametrize("workspace_slug", ["acme", "0slug0"])
def test_suggest_links_are_built_as_url_for_builds_them(app, acme, workspace_slug):
    """The suggestions' links put each slug into one URL built per request: the same text
    as url_for, odd slugs included (quoted as the route's converter quotes them); a marker
    found elsewhere in the URL falls back to url_for per slug."""
    from flask import g, url_for

    from portal.schemas.converters import slug_urls

    with app.test_request_context(f"/de-DE/{workspace_slug}/search/suggest"):
        g.locale, g.workspace = "de-DE", type("Ws", (), {"slug": workspace_slug})()
        url = slug_urls(lambda slug: url_for("portal.article", slug=slug))
        for slug in ("reset-password", "größe ändern", "a/b", "x?y#z", "100%", "0slug0",
                     "slug0slug0", "a+b@c:d=e&f"):
            assert url(slug) == url_for("portal.article", slug=slug)


def test_new_ticket_form_has_the_title_suggestion_hook(app, kb_site, people, acme):
    reader = as_reader(app, people["verified"])
    html = text(reader.get("/en-US/acme/tickets/new"))
    assert 'data-suggest-for="title"' in html
    assert 'data-suggest="/en-US/acme/search/suggest"' in html
    assert 'src="/assets/kb.js"' in html
    set_access(acme, "off")
    html = text(reader.get("/en-US/acme/tickets/new"))
    assert 'data-suggest-for="title"' not in html and "kb.js" not in html
