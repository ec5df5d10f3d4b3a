"""Knowledge base > Articles in the admin: the three kinds created and edited through the
pages, Markdown sanitized, uploads of each type (and refusals with the reason), one
translation at a time, revisions restored, votes shown, workspace isolation and roles."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, ArticleRevision
from portal.services import article_feedback, article_files, articles, directories
from portal.storage import get_storage
from portal.tenancy import use_workspace
from tests.admin.kb_helpers import ARTICLES, article_id, load, make_pdf, post_article, token
from tests.factories import make_contact

NATIVE = {"kind": "native", "locale": "en-US", "title": "Reset your password",
          "description": "How to get back in", "body": "# Reset\n\nClick **Forgot**.",
          "status": "draft", "audience": "public", "directory_id": "", "slug": ""}


def test_menu_lists_the_knowledge_base_pages(staff, acme):
    client = staff("admin", acme)
    page = client.get(ARTICLES + "/")
    assert page.status_code == 200
    for label in ("Knowledge base", "Articles", "Directories", "Search analytics"):
        assert label in page.text
    kinds = client.get(ARTICLES + "/new")
    assert kinds.status_code == 200
    assert all(f"kind={kind}" in kinds.text for kind in ("native", "file", "link"))


def test_native_article_created_edited_and_published(staff, acme):
    client = staff("admin", acme)
    resp = post_article(client, NATIVE)
    pk = article_id(resp)
    article = load(acme, pk)
    assert (article.kind, article.status, article.slug) == ("native", "draft",
                                                           "reset-your-password")
    tr = article.translations[0]
    assert tr.body_html == "<h1>Reset</h1>\n<p>Click <strong>Forgot</strong>.</p>\n"
    assert tr.description == "How to get back in"

    page = client.get(f"{ARTICLES}/{pk}")
    assert page.status_code == 200 and "Reset your password" in page.text
    assert "<strong>Forgot</strong>" in page.text

    post_article(client, {**NATIVE, "title": "Reset a password", "slug": "reset",
                          "audience": "verified", "status": "published"},
                 url=f"{ARTICLES}/{pk}/edit")
    article = load(acme, pk)
    assert (article.slug, article.audience, article.status) == ("reset", "verified",
                                                               "published")
    assert article.published_at is not None
    assert article.translations[0].title == "Reset a password"

    resp = client.post(f"{ARTICLES}/{pk}/unpublish", data={"csrf_token": token(client)})
    assert resp.status_code == 303
    assert load(acme, pk).status == "draft"
    resp = client.post(f"{ARTICLES}/{pk}/publish", data={"csrf_token": token(client)})
    assert load(acme, pk).status == "published"


def test_markdown_never_keeps_scripts_or_javascript_links(staff, acme):
    client = staff("admin", acme)
    evil = ('<script>alert(1)</script>\n\n[click](javascript:alert(2)) '
            '<img src=x onerror=alert(3)>\n\n[ok](https://example.com)')
    pk = article_id(post_article(client, {**NATIVE, "body": evil}))
    html = load(acme, pk).translations[0].body_html
    assert "<script" not in html and "<img" not in html
    assert "href=\"javascript:" not in html and "&lt;script&gt;" in html  # shown as text
    assert '<a href="https://example.com" rel="noopener noreferrer">ok</a>' in html
    shown = client.get(f"{ARTICLES}/{pk}").text
    assert "<script>alert(1)" not in shown and 'href="javascript:' not in shown

    preview = client.post(f"{ARTICLES}/preview",
                          data={"csrf_token": token(client), "body": evil + "\n\n**b**"})
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert "<strong>b</strong>" in preview.text
    assert "<script" not in preview.text and 'href="javascript:' not in preview.text


def test_preview_button_renders_without_saving(staff, acme):
    client = staff("admin", acme)
    resp = post_article(client, {**NATIVE, "op": "preview", "body": "*hello* <script>x</script>"},
                        status=200)
    preview = re.search(r'<div id="article-preview"[^>]*>(.*?)</div>', resp.text, re.S).group(1)
    assert "<em>hello</em>" in preview and "<script" not in preview
    assert 'name="title"' in resp.text and "Reset your password" in resp.text
    with use_workspace(acme.id):
        assert db.session.scalar(select(Article.id)) is None


def test_link_article_created_and_edited(staff, acme):
    client = staff("admin", acme)
    data = {"kind": "link", "locale": "en-US", "title": "Status page",
            "description": "Is it down?", "link_url": "https://status.example.com",
            "status": "published", "audience": "public"}
    pk = article_id(post_article(client, data))
    article = load(acme, pk)
    assert (article.kind, article.link_url) == ("link", "https://status.example.com")
    assert article.translations[0].description == "Is it down?"

    refused = post_article(client, {**data, "link_url": "javascript:alert(1)"},
                           url=f"{ARTICLES}/{pk}/edit", status=422)
    assert 'id="error-link_url"' in refused.text
    post_article(client, {**data, "link_url": "https://status.example.org/now"},
                 url=f"{ARTICLES}/{pk}/edit")
    assert load(acme, pk).link_url == "https://status.example.org/now"


@pytest.mark.parametrize("filename, data, title, text, shown_type", [
    ("guide.html", b"<html><head><title>Printer guide</title><script>bad()</script></head>"
                   b"<body><h1>Printers</h1><p>Load paper first.</p></body></html>",
     "Printer guide", "Load paper first.", "text/plain"),
    ("setup.md", b"# Setup steps\n\nInstall the *agent*.", "Setup steps", "Install the",
     "text/markdown"),
    ("notes.txt", "Caf\xe9 opening hours".encode("cp1252"), "notes", "Caf\xe9 opening hours",
     "text/plain"),
    ("manual.pdf", make_pdf("Hello PDF manual"), "manual", "Hello PDF manual",
     "application/pdf"),
])
def test_uploaded_file_of_each_type(staff, acme, filename, data, title, text, shown_type):
    client = staff("admin", acme)
    resp = post_article(client, {"kind": "file", "locale": "en-US", "title": "",
                                 "status": "published", "audience": "public"},
                        files={"file": (filename, data)})
    pk = article_id(resp)
    article = load(acme, pk)
    assert article.kind == "file" and article.file_name == filename
    tr = article.translations[0]
    assert tr.title == title and text in tr.body
    assert "bad()" not in tr.body

    download = client.get(f"{ARTICLES}/{pk}/file?download=1")
    assert download.status_code == 200 and download.data == data
    assert "attachment" in download.headers["Content-Disposition"]
    shown = client.get(f"{ARTICLES}/{pk}/file")
    assert shown.status_code == 200 and shown.mimetype == shown_type
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    page = client.get(f"{ARTICLES}/{pk}").text
    assert filename in page and f"{ARTICLES}/{pk}/file?download=1" in page


@pytest.mark.parametrize("filename, data, reason", [
    ("blob.txt", b"\x00\x01\x02binary\x00", "binary file"),
    ("empty.md", b"", "The file is empty."),
    ("blank.txt", b"   \n\n", "The file is empty."),
    ("photo.png", b"\x89PNG\r\n\x1a\nxxxx", "unsupported file type"),
    ("doc.docx", b"PK\x03\x04 some zip", "unsupported file type"),
    ("fake.pdf", b"not a pdf at all", "not a PDF file"),
])
def test_rejected_files_show_the_reason_and_store_nothing(staff, acme, filename, data,
                                                          reason):
    client = staff("admin", acme)
    resp = post_article(client, {"kind": "file", "locale": "en-US", "title": "",
                                 "status": "draft", "audience": "public"},
                        files={"file": (filename, data)}, status=422)
    message = re.search(r'id="error-file">([^<]*)<', resp.text).group(1)
    assert reason in message
    with use_workspace(acme.id):
        assert db.session.scalar(select(Article.id)) is None


def test_file_article_replaced_and_retitled(staff, acme):
    client = staff("admin", acme)
    base = {"kind": "file", "locale": "en-US", "title": "", "status": "draft",
            "audience": "public"}
    pk = article_id(post_article(client, base, files={"file": ("a.txt", b"first text")}))
    post_article(client, {**base, "title": "Renamed"}, url=f"{ARTICLES}/{pk}/edit")
    article = load(acme, pk)
    assert article.translations[0].title == "Renamed"
    assert article.translations[0].body == "first text"
    post_article(client, {**base, "title": "Renamed"}, url=f"{ARTICLES}/{pk}/edit",
                 files={"file": ("b.md", b"# B\n\nsecond text")})
    article = load(acme, pk)
    assert article.file_name == "b.md" and "second text" in article.translations[0].body
    assert client.get(f"{ARTICLES}/{pk}/file?download=1").data == b"# B\n\nsecond text"


def test_translations_are_edited_one_locale_at_a_time(staff, acme):
    client = staff("admin", acme)
    pk = article_id(post_article(client, NATIVE))
    form = client.get(f"{ARTICLES}/{pk}/edit?locale=de-DE")
    assert form.status_code == 200
    assert 'name="locale" value="de-DE"' in form.text and "(missing)" in form.text
    post_article(client, {**NATIVE, "locale": "de-DE", "title": "Passwort zurücksetzen",
                          "body": "Klicken Sie auf **Vergessen**."},
                 url=f"{ARTICLES}/{pk}/edit")
    article = load(acme, pk)
    by_locale = {t.locale: t for t in article.translations}
    assert by_locale["de-DE"].title == "Passwort zurücksetzen"
    assert by_locale["en-US"].title == "Reset your password"  # untouched
    assert "<strong>Vergessen</strong>" in by_locale["de-DE"].body_html
    assert article.translation("pt-BR", "en-US").title == "Reset your password"
    assert client.get(f"{ARTICLES}/{pk}/edit?locale=pt-BR").status_code == 404
    page = client.get(f"{ARTICLES}/{pk}").text
    assert 'id="translation-de-DE"' in page and 'id="translation-en-US"' in page


def test_revisions_listed_with_author_and_restored(staff, acme):
    client = staff("admin", acme)
    pk = article_id(post_article(client, NATIVE))
    post_article(client, {**NATIVE, "title": "Second title", "body": "changed"},
                 url=f"{ARTICLES}/{pk}/edit")
    with use_workspace(acme.id):
        revs = list(db.session.scalars(select(ArticleRevision).where(
            ArticleRevision.article_id == pk).order_by(ArticleRevision.id)))
    assert [r.title for r in revs] == ["Reset your password", "Second title"]
    assert all(r.author == "admin0" for r in revs)
    page = client.get(f"{ARTICLES}/{pk}").text
    assert f'id="revision-{revs[0].id}"' in page and "admin0" in page
    assert f"/restore/{revs[0].id}" in page and f"/restore/{revs[1].id}" not in page

    resp = client.post(f"{ARTICLES}/{pk}/restore/{revs[0].id}",
                       data={"csrf_token": token(client)})
    assert resp.status_code == 303
    article = load(acme, pk)
    assert article.translations[0].title == "Reset your password"
    assert article.translations[0].body == NATIVE["body"]
    with use_workspace(acme.id):
        assert len(articles.revisions(article)) == 3


def test_votes_are_shown_to_admins(staff, acme):
    client = staff("admin", acme)
    pk = article_id(post_article(client, {**NATIVE, "status": "published"}))
    with use_workspace(acme.id):
        article = db.session.get(Article, pk)
        for n, helpful in enumerate((True, True, False)):
            reader = make_contact(acme, f"reader{n}@customer.example")
            article_feedback.vote(acme, article, reader, "192.0.2.1", helpful)
    listing = client.get(ARTICLES + "/").text
    row = re.search(rf'<tr id="article-{pk}">(.*?)</tr>', listing, re.S).group(1)
    assert '<td class="votes-yes">2</td>' in row and '<td class="votes-no">1</td>' in row
    assert "Yes: 2, No: 1" in client.get(f"{ARTICLES}/{pk}").text


def test_list_filters_by_status_and_directory(staff, acme):
    client = staff("admin", acme)
    with use_workspace(acme.id):
        folder = directories.save_directory(acme, names={"en-US": "Billing"})
        folder_id = folder.id
    post_article(client, {**NATIVE, "title": "Draft one"})
    post_article(client, {**NATIVE, "title": "Invoices", "status": "published",
                          "directory_id": str(folder_id)})
    published = client.get(ARTICLES + "/?status=published").text
    assert "Invoices" in published and "Draft one" not in published
    in_folder = client.get(f"{ARTICLES}/?directory={folder_id}").text
    assert "Invoices" in in_folder and "Draft one" not in in_folder


def test_delete_removes_the_article_and_its_file(staff, acme, app):
    client = staff("admin", acme)
    pk = article_id(post_article(client, {"kind": "file", "locale": "en-US", "title": "",
                                          "status": "draft", "audience": "public"},
                                 files={"file": ("x.txt", b"some text")}))
    path = get_storage().path(article_files.storage_key(acme.id, load(acme, pk).file_key))
    assert path.is_file()
    resp = client.post(f"{ARTICLES}/{pk}/delete", data={"csrf_token": token(client)})
    assert resp.status_code == 303
    assert load(acme, pk) is None and not path.exists()


def test_acme_staff_cannot_reach_globex_articles(staff, acme, globex):
    with use_workspace(globex.id):
        theirs = articles.save(globex, kind="native", locale="en-US", title="Globex secret",
                               body="hidden", status="published")
        theirs_id = theirs.id
    client = staff("admin", acme)
    assert "Globex secret" not in client.get(ARTICLES + "/").text
    for path in ("", "/edit", "/file", "/file?download=1"):
        assert client.get(f"{ARTICLES}/{theirs_id}{path}").status_code == 404, path
    csrf = token(client)
    for path in ("/publish", "/unpublish", "/delete", "/edit", "/restore/1"):
        resp = client.post(f"{ARTICLES}/{theirs_id}{path}",
                           data={"csrf_token": csrf, **NATIVE})
        assert resp.status_code == 404, path
    theirs = load(globex, theirs_id)
    assert theirs is not None and theirs.status == "published"
    assert theirs.translations[0].title == "Globex secret"


def test_acme_article_cannot_point_at_a_globex_directory(staff, acme, globex):
    with use_workspace(globex.id):
        folder = directories.save_directory(globex, names={"en-US": "Globex folder"})
        folder_id = folder.id
    client = staff("admin", acme)
    assert "Globex folder" not in client.get(ARTICLES + "/new?kind=native").text
    resp = post_article(client, {**NATIVE, "directory_id": str(folder_id)}, status=422)
    assert 'id="error-directory"' in resp.text


def refused(resp) -> bool:
    """FAB's answer to a signed-in user without the permission."""
    return resp.status_code == 403 or (
        resp.status_code == 302 and "/login" in resp.headers["Location"])


def test_agent_reads_articles_but_changes_nothing(staff, acme):
    admin = staff("admin", acme)
    pk = article_id(post_article(admin, NATIVE))
    agent = staff("agent", acme)
    assert agent.get(ARTICLES + "/").status_code == 200
    page = agent.get(f"{ARTICLES}/{pk}")
    assert page.status_code == 200 and "Reset your password" in page.text
    assert f"{ARTICLES}/{pk}/edit" not in page.text and 'id="add-article"' not in page.text
    csrf = token(agent)
    for method, path in (("get", "/new?kind=native"), ("get", f"/{pk}/edit"),
                         ("post", "/new"), ("post", f"/{pk}/edit"),
                         ("post", f"/{pk}/publish"), ("post", f"/{pk}/delete"),
                         ("post", "/preview")):
        resp = getattr(agent, method)(ARTICLES + path, data={"csrf_token": csrf, **NATIVE})
        assert refused(resp), path
    article = load(acme, pk)
    assert article is not None and article.status == "draft"
