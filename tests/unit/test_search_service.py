"""The search service on the database: visibility before ranking in every mode, workspace
isolation, stored versions reloaded by another app instance, fallbacks, analytics."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from config import TestingConfig
from portal.extensions import db
from portal.models import SearchIndex, SearchQuery
from portal.models.base import utcnow
from portal.search import analytics, build, service, store
from portal.search.engine import MODES
from portal.services import articles
from portal.services.errors import Invalid
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact


def publish(ws, title, body, audience="public", **kw):
    with use_workspace(ws.id):
        article = articles.save(ws, locale="en-US", title=title, body=body,
                                status="published", audience=audience, **kw)
        db.session.commit()
        return article


@pytest.fixture
def world(acme, globex):
    account = make_account(acme, "Acme")
    readers = {
        "verified": make_contact(acme, "v@a.example", account=account),
        "admin": make_contact(acme, "adm@a.example", account=account, customer_admin=True),
    }
    made = {
        "public": publish(acme, "Reset your password", "Use the reset link to choose a new "
                          "password for the portal."),
        "secret": publish(acme, "Password vault for admins", "Admins keep the shared password "
                          "vault key here.", audience="admins"),
        "billing": publish(acme, "Invoices", "Download invoices from the billing page."),
        "globex": publish(globex, "Globex password policy", "Passwords at Globex expire."),
    }
    build.rebuild_workspace(acme.id)
    build.rebuild_workspace(globex.id)
    return readers, made


def stored(ws):
    """(locale, version) of the workspace's stored indexes."""
    with use_workspace(ws.id):
        return sorted(tuple(r) for r in db.session.execute(
            select(SearchIndex.locale, SearchIndex.version)
            .where(SearchIndex.workspace_id == ws.id)))


def found(result):
    return [hit.article.id for hit in result.results]


@pytest.mark.parametrize("mode", MODES)
def test_admin_only_article_never_reaches_a_verified_customer(world, acme, mode):
    readers, made = world
    seen = service.search(acme, readers["verified"], "password vault", mode=mode,
                          locale="en-US")
    assert made["secret"].id not in found(seen)
    admin = service.search(acme, readers["admin"], "password vault", mode=mode,
                           locale="en-US")
    assert made["secret"].id in found(admin)
    seen = service.search(acme, readers["verified"], "password", mode=mode, locale="en-US")
    admin = service.search(acme, readers["admin"], "password", mode=mode, locale="en-US")
    assert made["secret"].id in found(admin) and made["secret"].id not in found(seen)
    assert seen.total == admin.total - 1
    for text in ("passw", "password vault admins"):
        assert made["secret"].id not in [
            h.article.id for h in service.suggest(acme, readers["verified"], text,
                                                  locale="en-US")]


@pytest.mark.parametrize("mode", MODES)
def test_other_workspaces_articles_are_never_found(world, acme, globex, mode):
    readers, made = world
    result = service.search(acme, readers["admin"], "globex password policy", mode=mode,
                            locale="en-US")
    assert made["globex"].id not in found(result)
    theirs = service.search(globex, None, "password", mode=mode, locale="en-US")
    assert found(theirs) == []  # private knowledge base: anonymous readers see nothing
    globex_reader = make_contact(globex, "g@globex.example")
    theirs = service.search(globex, globex_reader, "password", mode=mode, locale="en-US")
    assert found(theirs) == [made["globex"].id]


def test_the_hits_statement_names_its_workspace(world, acme, globex):
    """The hits are read with the driver's SQL on the session's connection (no guard): the
    statement itself keeps another workspace's articles and translations out, and what an
    audience may not read."""
    _readers, made = world
    with use_workspace(acme.id):
        index = store.current(acme.id, "en-US")
        connection = db.session.connection()
        ids = [made["public"].id, made["secret"].id, made["globex"].id]
        for allowed, expected in ((("public",), {made["public"].id}),
                                  (("public", "verified", "admins"),
                                   {made["public"].id, made["secret"].id})):
            hits = service._hits_sql(acme, allowed, ("en-US", "en-US"), index, len(ids),
                                     connection.dialect)
            rows = connection.exec_driver_sql(hits.sql, hits.parameters(ids)).all()
            assert {row[0] for row in rows} == expected
            assert all(row[4] for row in rows)  # each with its translation's title


def test_hits_carry_title_score_and_marked_snippet(world, acme):
    readers, made = world
    result = service.search(acme, readers["verified"], "pasword reset", locale="en-US")
    assert result.mode == "hybrid"
    top = result.results[0]
    assert top.article.id == made["public"].id
    assert top.title == "Reset your password"
    assert top.score > 0
    assert "<mark>reset</mark>" in top.snippet and "<mark>password</mark>" in top.snippet


def test_german_locale_falls_back_to_the_default_translation(world, acme):
    readers, made = world
    result = service.search(acme, readers["verified"], "invoices", locale="de-DE")
    assert found(result)[:1] == [made["billing"].id]
    unknown = service.search(acme, readers["verified"], "invoices", locale="xx-XX")
    assert found(unknown)[:1] == [made["billing"].id]


def test_has_locale_agrees_with_locales(world, acme):
    """The per-search check (no scan of every translation) answers as `locales` does."""
    _readers, made = world
    acme.enabled_locales = ["en-US", "de-DE", "fr-FR"]
    db.session.commit()
    assert build.locales(acme) == ["en-US"]
    with use_workspace(acme.id):
        articles.save(acme, article=made["billing"], locale="de-DE", title="Rechnungen",
                      body="Rechnungen auf der Abrechnungsseite.", status="published")
    assert build.locales(acme) == ["en-US", "de-DE"]
    for locale in ("en-US", "de-DE", "fr-FR", "xx-XX", None):
        assert build.has_locale(acme, locale) is (locale in build.locales(acme)), locale
    with use_workspace(acme.id):
        articles.save(acme, article=made["billing"], locale="de-DE", title="Rechnungen",
                      body="Rechnungen.", status="draft")
    assert not build.has_locale(acme, "de-DE")


@pytest.mark.parametrize("query", ["", "   ", "x" * 1000, "the and of", "😀", "' OR 1=1 --",
                                   "%", "_", "<mark>"])
def test_odd_queries_answer_without_error(world, acme, query):
    readers, _made = world
    for mode in MODES:
        result = service.search(acme, readers["verified"], query, mode=mode, locale="en-US")
        assert result.total >= len(result.results)
    assert isinstance(service.suggest(acme, readers["verified"], query, locale="en-US"), list)


def test_bad_mode_or_query_is_invalid(world, acme):
    with pytest.raises(Invalid):
        service.search(acme, None, "password", mode="magic", locale="en-US")
    with pytest.raises(Invalid):
        service.search(acme, None, "x" * 1001, locale="en-US")
    with pytest.raises(Invalid):
        service.search(acme, None, "a\x00b", locale="en-US")


def test_missing_index_is_built_on_first_search(acme):
    article = publish(acme, "Change your email", "Profile settings hold the email address.")
    reader = make_contact(acme, "r@a.example")
    assert stored(acme) == []
    assert found(service.search(acme, reader, "email", locale="en-US")) == [article.id]
    assert stored(acme) == [("en-US", 1)]  # no German translation: no German index


def test_large_workspace_without_index_uses_like_search(acme, monkeypatch):
    article = publish(acme, "100% refund guarantee", "Money back within 30 days.")
    publish(acme, "Shipping", "Parcels ship daily.")
    reader = make_contact(acme, "r@a.example")
    monkeypatch.setattr(service, "SYNC_BUILD_MAX", 0)
    result = service.search(acme, reader, "100% refund", locale="en-US")
    assert (result.total, found(result)) == (1, [article.id])
    snippet = service.search(acme, reader, "money back", locale="en-US").results[0].snippet
    assert "<mark>Money</mark> <mark>back</mark>" in snippet
    assert service.search(acme, reader, "_", locale="en-US").total == 0


def test_versions_keep_only_the_newest_two(acme):
    publish(acme, "One", "first article")
    for _ in range(3):
        build.rebuild_workspace(acme.id)
    assert stored(acme) == [("en-US", 2), ("en-US", 3)]


def test_another_app_instance_reloads_when_the_version_changes(app, make_app, acme):
    first = publish(acme, "Printer setup", "Connect the printer over wifi.")
    build.rebuild_workspace(acme.id)

    class Config(TestingConfig):
        DATABASE_URL = app.config["DATABASE_URL"]
        REDIS_URL = app.config.get("REDIS_URL", "")
        OUTBOX_DIR = app.config["OUTBOX_DIR"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        SEARCH_RELOAD_SECONDS = 3600

    other = make_app(Config)
    try:
        with other.app_context():
            index = store.current(acme.id, "en-US")
            assert index.search("printer", "keyword")[0][0] == first.id
            v1 = store.cached_version(acme.id, "en-US")
        second = publish(acme, "Scanner setup", "Connect the scanner over wifi.")
        build.rebuild_workspace(acme.id)  # a new version, written by "instance A"
        with other.app_context():
            # within its check interval instance B keeps serving what it has
            stale = store.current(acme.id, "en-US")
            assert [d for d, _s in stale.search("scanner", "keyword")] == []
            other.config["SEARCH_RELOAD_SECONDS"] = 0
            fresh = store.current(acme.id, "en-US")
            assert fresh.search("scanner", "keyword")[0][0] == second.id
            assert store.cached_version(acme.id, "en-US") == v1 + 1
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_log_query_record_open_and_analytics(world, acme, globex):
    readers, made = world
    since = utcnow() - timedelta(days=1)
    q1 = service.log_query(acme, "en-US", "  Reset   PASSWORD ", 2)
    service.log_query(acme, "en-US", "reset password", 2)
    service.log_query(acme, "en-US", "reset password", 2)
    service.log_query(acme, "en-US", "invoice", 1)
    service.log_query(acme, "en-US", "warp drive", 0)
    service.log_query(acme, "en-US", "warp drive", 0)
    service.log_query(globex, "en-US", "globex only", 0)
    assert service.record_open(acme, q1, made["public"].id) is True
    assert service.record_open(acme, q1, made["billing"].id) is False  # first open counts
    assert service.record_open(acme, q1, made["globex"].id) is False  # not acme's article
    top = analytics.top_queries(acme, since)
    assert [(s.query, s.searches, s.opened) for s in top] == [
        ("reset password", 3, 1), ("warp drive", 2, 0), ("invoice", 1, 0)]
    assert [s.query for s in analytics.no_results(acme, since)] == ["warp drive"]
    assert [s.query for s in analytics.unopened(acme, since)] == ["invoice"]
    assert analytics.top_queries(acme, utcnow() + timedelta(minutes=1)) == []
    assert analytics.top_queries(acme, since, until=since) == []
    with use_workspace(acme.id):
        assert db.session.get(SearchQuery, q1).opened_article_id == made["public"].id
