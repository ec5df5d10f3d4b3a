"""`flask --app app portal import-articles`: titles, bodies, re-import, directories walked,
and every kind of unreadable file rejected with its reason, leaving nothing behind."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Article, ArticleTranslation, Directory
from portal.tenancy import use_workspace


def run(runner, *args):
    result = runner.invoke(args=["portal", "import-articles", *map(str, args)])
    return result


def by_ref(ws, ref):
    with use_workspace(ws.id):
        return db.session.scalar(select(Article).where(Article.external_ref == ref))


def title_body(ws, ref):
    article = by_ref(ws, ref)
    tr = article.translation("en-US", "en-US")
    return tr.title, tr.body


def article_count(ws):
    with use_workspace(ws.id):
        return db.session.scalar(select(func.count(Article.id))
                                 .where(Article.workspace_id == ws.id))


def test_imports_each_kind_with_its_title(runner, acme, globex, tmp_path):
    (tmp_path / "reset-password.html").write_text(
        "<html><head><title>Reset your password</title><style>p{}</style></head>"
        "<body><h1>Ignored heading</h1><p>Open <b>Settings</b> and choose Reset.</p>"
        "<script>alert(1)</script></body></html>")
    (tmp_path / "vpn.htm").write_text("<h1>Connect to the VPN</h1><p>Start the client.</p>")
    (tmp_path / "billing.md").write_text("Intro line\n\n# Billing questions\n\nPay by card.\n")
    (tmp_path / "notes.txt").write_text("Plain text without a heading.\n")
    result = run(runner, "--workspace", "acme", "--status", "published", "--visibility",
                 "verified", tmp_path)
    assert result.exit_code == 0, result.output
    assert "created 4, updated 0, rejected 0" in result.output
    title, body = title_body(acme, "reset-password")
    assert title == "Reset your password"
    assert "Open Settings and choose Reset." in body
    assert "alert" not in body and "p{}" not in body
    assert title_body(acme, "vpn")[0] == "Connect to the VPN"
    assert title_body(acme, "billing") == ("Billing questions",
                                           "Intro line\n\n# Billing questions\n\nPay by card.")
    assert title_body(acme, "notes") == ("notes.txt", "Plain text without a heading.")
    article = by_ref(acme, "billing")
    assert (article.kind, article.status, article.audience) == ("native", "published",
                                                                 "verified")
    assert "<h1>Billing questions</h1>" in article.translation("en-US", "en-US").body_html
    assert article_count(globex) == 0


def test_defaults_are_draft_and_public_in_the_given_directory(runner, acme, tmp_path):
    (tmp_path / "a.md").write_text("# A\n\ntext")
    result = run(runner, "--workspace", "acme", "--directory", "Getting started",
                 "--locale", "de-DE", tmp_path / "a.md")
    assert result.exit_code == 0, result.output
    article = by_ref(acme, "a")
    assert (article.status, article.audience) == ("draft", "public")
    with use_workspace(acme.id):
        directory = db.session.get(Directory, article.directory_id)
        assert directory.names == {"de-DE": "Getting started"}
        assert [t.locale for t in article.translations] == ["de-DE"]


def test_reimport_updates_the_article_with_the_same_external_ref(runner, acme, tmp_path):
    source = tmp_path / "faq.md"
    source.write_text("# Old title\n\nold text")
    assert "created 1, updated 0" in run(runner, "--workspace", "acme", source).output
    first = by_ref(acme, "faq").id
    source.write_text("# New title\n\nnew text")
    result = run(runner, "--workspace", "acme", "--status", "published", source)
    assert "created 0, updated 1, rejected 0" in result.output
    assert article_count(acme) == 1
    article = by_ref(acme, "faq")
    assert article.id == first and article.status == "published"
    assert title_body(acme, "faq") == ("New title", "# New title\n\nnew text")


def test_directories_are_walked_and_other_files_skipped(runner, acme, tmp_path):
    nested = tmp_path / "docs" / "deeper"
    nested.mkdir(parents=True)
    (tmp_path / "docs" / "one.txt").write_text("one")
    (nested / "two.md").write_text("two")
    (nested / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run(runner, "--workspace", "acme", tmp_path / "docs")
    assert "created 2, updated 0, rejected 0" in result.output, result.output
    assert by_ref(acme, "one") and by_ref(acme, "two") and not by_ref(acme, "image")


def test_cp1252_text_imports(runner, acme, tmp_path):
    (tmp_path / "cafe.txt").write_bytes("Café crème for €5 – naïve".encode("cp1252"))
    result = run(runner, "--workspace", "acme", tmp_path)
    assert "created 1" in result.output
    assert title_body(acme, "cafe")[1] == "Café crème for €5 – naïve"


def test_unreadable_files_are_rejected_with_reasons_and_leave_nothing(runner, acme,
                                                                     tmp_path):
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n ")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "controls.md").write_bytes(b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10"
                                           b"\x11 not text")
    (tmp_path / "broken.html").write_text("<html><head><title>Only a title</title></head>"
                                          "<body><script>x()</script><div></div>")
    (tmp_path / "good.md").write_text("# Good\n\nfine")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    result = run(runner, "--workspace", "acme", tmp_path, tmp_path / "photo.png")
    assert result.exit_code == 0, result.output
    assert "created 1, updated 0, rejected 6" in result.output
    lines = {line.split(": ", 1)[0].rsplit("/", 1)[-1]: line.split(": ", 1)[1]
             for line in result.output.splitlines() if line.startswith("rejected ")}
    assert lines["empty.md"] == "empty file"
    assert lines["blank.txt"] == "empty file"
    assert lines["binary.txt"] == "binary file"
    assert lines["controls.md"] == "binary file"
    assert lines["broken.html"] == "broken HTML: no visible text"
    assert lines["photo.png"].startswith("unsupported file type")
    assert article_count(acme) == 1
    with use_workspace(acme.id):
        assert db.session.scalar(select(func.count(ArticleTranslation.id)).where(
            ArticleTranslation.workspace_id == acme.id)) == 1


def test_a_rejected_file_between_good_ones_does_not_stop_them(runner, acme, tmp_path):
    (tmp_path / "a-first.md").write_text("# First\n\nok")
    (tmp_path / "b-nul.md").write_text("# Has a NUL\n\nbad \x00 byte")
    (tmp_path / "c-last.md").write_text("# Last\n\nok")
    result = run(runner, "--workspace", "acme", tmp_path)
    assert "created 2, updated 0, rejected 1" in result.output, result.output
    assert "b-nul.md: binary file" in result.output
    assert by_ref(acme, "a-first") and by_ref(acme, "c-last") and not by_ref(acme, "b-nul")


def test_unknown_workspace_and_locale_fail(runner, acme, tmp_path):
    (tmp_path / "a.md").write_text("# A")
    result = run(runner, "--workspace", "nope", tmp_path)
    assert result.exit_code != 0 and "no workspace nope" in result.output
    result = run(runner, "--workspace", "acme", "--locale", "xx-XX", tmp_path)
    assert result.exit_code != 0 and "unsupported locale" in result.output
    result = run(runner, "--workspace", "acme", "--status", "archived", tmp_path)
    assert result.exit_code == 2
    assert article_count(acme) == 0
