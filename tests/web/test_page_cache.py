"""Anonymous knowledge-base pages from the cache (portal.web.page_cache): served again
without the view, changed on the next request by every write that changes them (through
the workspace's content_version), never for signed-in readers, flashed messages or search;
a cached page is the same for every visitor (the feedback form too: no token, no vote);
views are counted on hits; ETag, Last-Modified, 304 and Cache-Control."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from config import TestingConfig
from portal.extensions import db
from portal.models import Article, SearchIndex, Workspace
from portal.services import (
    article_feedback,
    article_import,
    articles,
    directories,
    portal_settings,
)
from portal.tenancy import use_workspace
from tests.factories import login_as, make_contact

HOME = "/en-US/acme/directories"
GUIDES = "/en-US/acme/directories/guides"
PRINTER = "/en-US/acme/articles/printer-setup"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def site(acme, globex, jobs):
    """acme (public knowledge base): a directory `guides` with two public articles."""
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(acme.id):
        guides = directories.save_directory(acme, names={"en-US": "Guides"}, slug="guides")
        made = {name: articles.save(acme, locale="en-US", title=title, body=body,
                                    status="published", audience="public",
                                    directory_id=guides.id)
                for name, title, body in (("printer", "Printer setup", "Add the printer."),
                                          ("wifi", "Office wifi", "Ask at the desk."))}
    jobs()  # the search index (related articles): a new one changes the pages
    return {"guides": guides, **made}


def visitor(app, address="203.0.113.9"):
    """A new anonymous browser: no cookies."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def cached(app, url) -> str:
    """Load `url` twice as new visitors; the second answer must come from the cache."""
    first = visitor(app).get(url)
    again = visitor(app).get(url)
    assert first.status_code == again.status_code == 200
    assert again.headers["X-Page-Cache"] == "hit", url
    return again.get_data(as_text=True)


def fresh_view(app, url):
    response = visitor(app).get(url)
    assert response.headers.get("X-Page-Cache") == "miss", url
    return response


def version(ws) -> int:
    return db.session.scalar(select(Workspace.content_version).where(Workspace.id == ws.id))


def test_a_second_anonymous_visitor_gets_the_cached_page(app, site):
    for url in (HOME, GUIDES, PRINTER):
        first = visitor(app).get(url)
        assert first.headers["X-Page-Cache"] == "miss"
        again = visitor(app, "198.51.100.7").get(url)
        assert again.headers["X-Page-Cache"] == "hit"
        assert again.get_data() == first.get_data()
        assert "Set-Cookie" not in again.headers and "Set-Cookie" not in first.headers


def test_signed_in_readers_flashes_and_search_are_never_cached(app, acme, site):
    pat = make_contact(acme, "pat@customer.example", name="Pat Example")
    cached(app, PRINTER)
    reader = app.test_client()
    login_as(reader, pat)
    for _ in range(2):
        page = reader.get(PRINTER)
        assert "X-Page-Cache" not in page.headers
        assert page.headers["Cache-Control"] == "private, no-store"
        assert "Pat Example" in page.get_data(as_text=True)
    assert "Pat Example" not in visitor(app).get(PRINTER).get_data(as_text=True)

    search = visitor(app).get("/en-US/acme/search?q=printer")
    assert search.status_code == 200 and "X-Page-Cache" not in search.headers
    assert search.headers["Cache-Control"] == "private, no-store"

    voter = visitor(app)
    voter.post(f"{PRINTER}/helpful", data={"helpful": "yes"}, headers=SAME_ORIGIN)
    thanked = voter.get(PRINTER)  # the flashed "Thank you" is this visitor's alone
    assert "X-Page-Cache" not in thanked.headers
    assert 'class="flash' in thanked.get_data(as_text=True)
    other = visitor(app, "198.51.100.7").get(PRINTER)
    assert other.headers["X-Page-Cache"] == "hit"
    assert 'class="flash' not in other.get_data(as_text=True)


def test_not_found_and_redirects_are_not_cached(app, acme, site):
    missing = "/en-US/acme/articles/new-printer"
    assert visitor(app).get(missing).status_code == 404
    assert visitor(app).get(missing).status_code == 404
    with use_workspace(acme.id):
        articles.save(acme, locale="en-US", title="New printer", body="Here.",
                      status="published")
    assert "Here." in cached(app, missing)
    moved = visitor(app).get("/en-US/acme/articles/printer-setup?sq=1")
    assert moved.status_code == 302 and "X-Page-Cache" not in moved.headers


def test_an_anonymous_vote_from_a_cached_page_counts_and_the_page_stays_shared(
        app, acme, site):
    cached(app, PRINTER)
    one = visitor(app, "203.0.113.1")
    page = one.get(PRINTER)
    assert page.headers["X-Page-Cache"] == "hit"
    assert 'name="helpful"' in page.get_data(as_text=True)
    assert "csrf_token" not in page.get_data(as_text=True)
    assert one.post(f"{PRINTER}/helpful", data={"helpful": "yes"},
                    headers=SAME_ORIGIN).status_code == 302
    with use_workspace(acme.id):
        article = db.session.get(Article, site["printer"].id)
        db.session.refresh(article)
        assert (article.helpful_yes, article.helpful_no) == (1, 0)
    thanked = one.get(PRINTER)  # the flash of the vote: this visitor's page, not cached
    assert "X-Page-Cache" not in thanked.headers
    assert "Thank you for your feedback." in thanked.get_data(as_text=True)
    after = one.get(PRINTER)
    assert after.headers["X-Page-Cache"] == "hit" and after.data == page.data


def test_views_are_counted_on_hits_and_counters_leave_the_version(app, acme, site):
    before = version(acme)
    for number in range(1, 5):
        visitor(app, f"203.0.113.{number}").get(PRINTER)
    visitor(app, "203.0.113.1").get(PRINTER)  # counted once per reader and day
    with use_workspace(acme.id):
        article = db.session.get(Article, site["printer"].id)
        db.session.refresh(article)
        assert article.views == 4
        article_feedback.vote(acme, article, None, "203.0.113.1", True)
    assert version(acme) == before
    assert visitor(app, "203.0.113.9").get(PRINTER).headers["X-Page-Cache"] == "hit"


def test_public_pages_carry_etag_last_modified_and_a_public_cache_control(app, site):
    first = visitor(app).get(HOME)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in first.headers["Vary"] and "Set-Cookie" not in first.headers
    hit = visitor(app).get(HOME)
    assert hit.headers["ETag"] == etag and hit.headers["Last-Modified"] == modified
    again = visitor(app).get(HOME, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"].startswith("public")
    since = visitor(app).get(HOME, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = visitor(app).get(HOME, headers={"If-None-Match": '"0123"'})
    assert other.status_code == 200
    site["wifi"].status = "draft"
    db.session.commit()
    changed = visitor(app).get(HOME, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_article_pages_are_public_like_the_other_cached_pages(app, site):
    """The article page differs per visitor in nothing (the vote form carries no token), so
    a CDN or a browser may keep it like the home page."""
    first = visitor(app).get(PRINTER)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Last-Modified" in first.headers and "Set-Cookie" not in first.headers
    etag = first.headers["ETag"]
    stranger = visitor(app).get(PRINTER, headers={"If-None-Match": etag})
    assert stranger.status_code == 304 and stranger.headers["ETag"] == etag


def _edit_body(acme, site):
    articles.save(acme, article=site["printer"], locale="en-US", title="Printer setup",
                  body="Changed: press the blue button.", status="published",
                  directory_id=site["guides"].id)


def _translate(acme, site):
    articles.save(acme, article=site["printer"], locale="de-DE", title="Drucker einrichten",
                  body="Blauen Knopf drücken.", status="published",
                  directory_id=site["guides"].id)


def _unpublish(acme, site):
    articles.set_status(acme, site["printer"], "draft")


def _audience(acme, site):
    site["printer"].audience = "verified"
    db.session.commit()


def _rename_directory(acme, site):
    directories.save_directory(acme, directory_obj=site["guides"],
                               names={"en-US": "Handbooks"}, slug="guides")


def _delete_article(acme, site):
    articles.delete_article(acme, site["printer"])


def _delete_directory(acme, site):
    directories.delete_directory(acme, site["guides"])


def _import(acme, site, tmp_path: Path):
    with use_workspace(acme.id):
        path = tmp_path / "toner.md"
        path.write_text("# Toner refill\n\nImported toner text.\n")
        article_import.import_file(acme, path, status="published", audience="public",
                                   locale="en-US", directory_id=site["guides"].id)


def _settings(acme, site):
    portal_settings.change(acme, {"features.knowledge_base": "private"})
    db.session.commit()


def _rename_workspace(acme, site):
    acme.name = "Acme Helpdesk"
    db.session.commit()


def _domain(acme, site):
    acme.custom_domain = "help.acme.example"
    db.session.commit()


def _locales(acme, site):
    acme.enabled_locales = ["en-US"]
    db.session.commit()


# write -> (url, what the anonymous page shows afterwards: text, or a status code)
WRITES = {
    "article text": (_edit_body, PRINTER, "Changed: press the blue button."),
    "new translation": (_translate, "/de-DE/acme/articles/printer-setup",
                        "Drucker einrichten"),
    "unpublished": (_unpublish, PRINTER, 404),
    "unpublished, home": (_unpublish, HOME, "!Printer setup"),
    "audience": (_audience, GUIDES, "!Printer setup"),
    "directory renamed": (_rename_directory, HOME, "Handbooks"),
    "directory renamed, article": (_rename_directory, PRINTER, "Handbooks"),
    "article deleted": (_delete_article, PRINTER, 404),
    "article deleted, directory": (_delete_article, GUIDES, "!Printer setup"),
    "directory deleted": (_delete_directory, GUIDES, 404),
    "imported": (_import, GUIDES, "Toner refill"),
    "settings": (_settings, PRINTER, 302),
    "workspace name": (_rename_workspace, HOME, "Acme Helpdesk"),
    "custom domain": (_domain, PRINTER, "https://help.acme.example/en-US/acme/articles"),
    "locales": (_locales, "/de-DE/acme/articles/printer-setup", 302),
}


@pytest.mark.parametrize("name", WRITES)
def test_every_write_shows_on_the_next_anonymous_request(app, acme, site, tmp_path, name):
    write, url, expected = WRITES[name]
    before = cached(app, url)
    if isinstance(expected, str):
        assert expected.lstrip("!") not in before if not expected.startswith("!") \
            else expected[1:] in before
    old = version(acme)
    with use_workspace(acme.id):
        if write is _import:
            write(acme, site, tmp_path)
        else:
            write(acme, site)
    assert version(acme) > old
    response = visitor(app).get(url)
    if isinstance(expected, int):
        assert response.status_code == expected
        return
    assert response.status_code == 200 and response.headers["X-Page-Cache"] == "miss"
    body = response.get_data(as_text=True)
    assert (expected[1:] not in body) if expected.startswith("!") else (expected in body)


def test_other_workspaces_keep_their_cached_pages(app, acme, globex, site, jobs):
    with use_workspace(globex.id):
        articles.save(globex, locale="en-US", title="Globex guide", body="Hi.",
                      status="published")
    portal_settings.change(globex, {"features.knowledge_base": "public"})
    db.session.commit()
    jobs()
    cached(app, "/en-US/globex/articles/globex-guide")
    with use_workspace(acme.id):
        _edit_body(acme, site)
    again = visitor(app).get("/en-US/globex/articles/globex-guide")
    assert again.headers["X-Page-Cache"] == "hit"


def test_a_new_search_index_changes_the_version(app, acme, site):
    old = version(acme)
    with use_workspace(acme.id):
        db.session.add(SearchIndex(workspace_id=acme.id, locale="en-US", version=99,
                                   data=b"x"))
        db.session.commit()
    assert version(acme) == old + 1


def test_the_host_is_part_of_the_key(app, acme, site):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    cached(app, PRINTER)
    on_domain = visitor(app).get(PRINTER, headers={"Host": "help.acme.example"})
    assert on_domain.headers["X-Page-Cache"] == "miss"
    assert visitor(app).get("/", headers={"Host": "help.acme.example"}).status_code == 302


def test_two_instances_with_in_process_caches_both_see_an_edit(app, acme, site, make_app):
    """Two processes (here: two apps on one database), each with its own SimpleCache."""
    keep = ("DATABASE_URL", "OUTBOX_DIR", "UPLOAD_DIR", "BASE_URL")
    other = make_app(type("SecondInstance", (TestingConfig,),
                          {name: app.config[name] for name in keep}))
    assert other.config["CACHE_TYPE"] == "SimpleCache"
    for instance in (app, other):
        assert "Add the printer." in cached(instance, PRINTER)
    with use_workspace(acme.id):
        _edit_body(acme, site)
    for instance in (app, other):
        response = visitor(instance).get(PRINTER)
        assert response.headers["X-Page-Cache"] == "miss"
        assert "Changed: press the blue button." in response.get_data(as_text=True)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
