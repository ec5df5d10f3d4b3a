"""What search keeps between requests never shows a reader an article they may not open:
the visibility mask and the answers are kept per index version and per (audience set,
visible ids), and the hits are checked against the database again. Plain text is stored
on save and read by snippets."""

import pytest
from flask import current_app
from sqlalchemy import event, update

from portal.extensions import db
from portal.models import Article, ArticleTranslation
from portal.search import build, service, store
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact


def publish(ws, title, body, audience="public"):
    with use_workspace(ws.id):
        article = articles.save(ws, locale="en-US", title=title, body=body,
                                status="published", audience=audience)
        db.session.commit()
        return article


@pytest.fixture
def kb(acme):
    # anonymous readers see "public"
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    account = make_account(acme, "Acme")
    admin = make_contact(acme, "adm@a.example", account=account, customer_admin=True)
    verified = make_contact(acme, "v@a.example", account=account)
    made = {
        "reset": publish(acme, "Reset your password", "Use the **reset link** to choose a "
                         "new password."),
        "vault": publish(acme, "Password vault", "Admins keep the password vault key.",
                         audience="admins"),
        "policy": publish(acme, "Password policy", "Passwords need twelve characters."),
    }
    build.rebuild_workspace(acme.id)
    return {"admin": admin, "verified": verified}, made


def ids(result):
    return [hit.article.id for hit in result.results]


def change(ws, article, **values):
    """An article changed behind the index's back (no rebuild yet)."""
    with use_workspace(ws.id):
        db.session.execute(update(Article).where(Article.id == article.id).values(**values))
        db.session.commit()


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
@pytest.mark.parametrize("values", [{"audience": "admins"}, {"status": "draft"}])
def test_an_article_hidden_after_a_cached_search_is_gone_from_the_next(kb, acme, mode,
                                                                        values):
    readers, made = kb
    before = service.search(acme, None, "password", mode=mode, locale="en-US")
    assert made["policy"].id in ids(before)
    again = service.search(acme, None, "password", mode=mode, locale="en-US")
    assert ids(again) == ids(before)  # the kept answer
    change(acme, made["policy"], **values)
    after = service.search(acme, None, "password", mode=mode, locale="en-US")
    assert made["policy"].id not in ids(after)
    assert after.total == before.total - 1
    suggested = service.suggest(acme, None, "password pol", locale="en-US")
    assert made["policy"].id not in [h.article.id for h in suggested]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_an_admins_answer_is_never_a_customers(kb, acme, mode):
    readers, made = kb
    for _twice in range(2):
        admin = service.search(acme, readers["admin"], "password", mode=mode,
                               locale="en-US")
        assert made["vault"].id in ids(admin)
        for reader in (readers["verified"], None):
            seen = service.search(acme, reader, "password", mode=mode, locale="en-US")
            assert made["vault"].id not in ids(seen)
            assert seen.total == admin.total - 1


def test_hits_are_checked_again_even_when_the_digest_misses_a_change(kb, acme,
                                                                      monkeypatch):
    """Belt and braces: were the visible-id digest ever to stay the same across a change,
    the article is still left out of what the reader sees."""
    readers, made = kb
    service.search(acme, None, "password", mode="keyword", locale="en-US")
    monkeypatch.setattr(service, "_visible_digest", lambda ws, allowed: (2, 0))
    change(acme, made["policy"], audience="verified")
    result = service.search(acme, None, "password", mode="keyword", locale="en-US")
    assert made["policy"].id not in ids(result) and made["reset"].id in ids(result)


def test_answers_are_kept_per_index_version(kb, acme, monkeypatch):
    readers, made = kb
    index = store.current(acme.id, "en-US")
    calls = []
    real = type(index).query
    monkeypatch.setattr(type(index), "query",
                        lambda self, *a, **k: calls.append(a[0]) or real(self, *a, **k))
    first = service.search(acme, None, "reset link", mode="hybrid", locale="en-US")
    second = service.search(acme, None, "reset link", mode="hybrid", locale="en-US")
    assert calls == ["reset link"] and ids(first) == ids(second)
    assert [h.snippet for h in first.results] == [h.snippet for h in second.results]
    service.search(acme, None, "reset link", mode="keyword", locale="en-US")
    service.search(acme, readers["admin"], "reset link", mode="hybrid", locale="en-US")
    assert len(calls) == 3  # another mode, another audience set: computed
    # an edit rebuilds the index: the new version answers with the new title
    with use_workspace(acme.id):
        articles.save(acme, article=made["reset"], locale="en-US", title="Renew your password",
                      body="Use the reset link.", status="published", audience="public")
        db.session.commit()
    build.rebuild_workspace(acme.id)
    assert store.current(acme.id, "en-US") is not index
    renewed = service.search(acme, None, "reset link", mode="hybrid", locale="en-US")
    assert "Renew your password" in [h.title for h in renewed.results]
    monkeypatch.setitem(current_app.config, "SEARCH_RESULT_CACHE", 0)
    service.search(acme, None, "reset link", mode="hybrid", locale="en-US")
    service.search(acme, None, "reset link", mode="hybrid", locale="en-US")
    assert len(calls) == 6


def test_plain_text_is_stored_on_save_and_computed_when_missing(kb, acme):
    readers, made = kb
    with use_workspace(acme.id):
        tr = db.session.get(ArticleTranslation, made["reset"].translations[0].id)
        assert tr.plain_text == "Use the reset link to choose a new password."
    hit = service.search(acme, None, "reset link", mode="keyword", locale="en-US").results[0]
    assert str(hit.snippet) == ("Use the <mark>reset</mark> <mark>link</mark> to choose "
                                "a new password.")
    with use_workspace(acme.id):
        db.session.execute(update(ArticleTranslation).values(plain_text=None))
        db.session.commit()
    build.rebuild_workspace(acme.id)  # a new version: nothing kept
    again = service.search(acme, None, "reset link", mode="keyword", locale="en-US")
    assert again.results[0].snippet == hit.snippet


class _Statements:
    """The SQL statements the database receives while the block runs."""

    def __init__(self):
        self.seen: list[str] = []

    def note(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement)

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self.note)
        return self

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self.note)


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_kept_answer_costs_no_statement_while_the_content_version_stands(kb, acme, mode,
                                                                          monkeypatch):
    monkeypatch.setitem(current_app.config, "SEARCH_RELOAD_SECONDS", 60)  # as deployed
    readers, made = kb
    first = service.search(acme, readers["verified"], "password", mode=mode, locale="en-US")
    with _Statements() as sql:
        again = service.search(acme, readers["verified"], "password", mode=mode,
                               locale="en-US")
    assert sql.seen == [] and again.results == first.results and again.total == first.total
    version = acme.content_version
    change(acme, made["reset"], audience="admins")  # bumps the version in its transaction
    assert acme.content_version == version + 1
    with _Statements() as sql:
        after = service.search(acme, readers["verified"], "password", mode=mode,
                               locale="en-US")
    assert any("kb_article" in s for s in sql.seen)  # read again, visibility checked
    assert made["reset"].id not in ids(after) and after.total == first.total - 1


def test_an_edit_is_seen_at_once_and_keeps_the_visibility_masks(kb, acme, monkeypatch):
    """A new title before the index is rebuilt: the next answer carries it (the kept answer
    was of the previous content version), and the masks are kept (nobody's access changed)."""
    readers, made = kb
    before = service.search(acme, None, "reset link", mode="hybrid", locale="en-US")
    assert "Reset your password" in [h.title for h in before.results]
    with use_workspace(acme.id):
        articles.save(acme, article=made["reset"], locale="en-US", title="Renew your password",
                      body="Use the **reset link** to choose a new password.",
                      status="published", audience="public")
        db.session.commit()
    loads = []
    real = service._visible_ids
    monkeypatch.setattr(service, "_visible_ids", lambda *a: loads.append(a) or real(*a))
    after = service.search(acme, None, "reset link", mode="hybrid", locale="en-US")
    assert "Renew your password" in [h.title for h in after.results]
    assert "Reset your password" not in [h.title for h in after.results]
    assert loads == []


def test_kept_answers_are_bounded_per_process_most_recently_used_and_never_another_index():
    class Index:  # weakly referenced, like the engine's
        pass

    kept, one, two = service._Answers(), Index(), Index()
    kept.put(one, "a", "A", 2)
    kept.put(two, "b", "B", 2)
    assert kept.get(one, "a") == "A"  # used: "b" is now the oldest
    kept.put(one, "c", "C", 2)
    assert (kept.get(two, "b"), kept.get(one, "a"), kept.get(one, "c")) == (None, "A", "C")
    assert kept.get(two, "a") is None  # another index's answer to the same key
    kept.put(one, "d", "D", 0)  # 0: keep nothing
    assert kept.get(one, "d") is None
    key = id(one)
    del one  # a replaced index: its answers are never served to one at the same address
    gone = Index()
    kept._entries[(id(gone), "a")] = kept._entries.pop((key, "a"))
    assert kept.get(gone, "a") is None
