"""Saving an article queues a rebuild; after the job ran, search reflects the change.
And `flask --app app portal reindex --workspace SLUG`."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SearchIndex
from portal.search import service, store
from portal.services import articles
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact


def save(ws, article=None, **fields):
    values = {"locale": "en-US", "title": "Configure the VPN client",
              "body": "Install the VPN client and import the profile.", "status": "published",
              "audience": "public", **fields}
    with use_workspace(ws.id):
        article = articles.save(ws, article=article, **values)
        return article


def ids(ws, reader, query="vpn client", mode="hybrid"):
    return [h.article.id for h in service.search(ws, reader, query, mode=mode,
                                                 locale="en-US").results]


@pytest.fixture
def readers(acme):
    account = make_account(acme, "Acme")
    return {"verified": make_contact(acme, "v@a.example", account=account),
            "admin": make_contact(acme, "adm@a.example", account=account,
                                  customer_admin=True)}


def newest_version(ws):
    with use_workspace(ws.id):
        return db.session.scalar(select(func.max(SearchIndex.version)).where(
            SearchIndex.workspace_id == ws.id, SearchIndex.locale == "en-US"))


def test_publish_unpublish_and_audience_change_reach_search(acme, readers, jobs):
    save(acme, title="Welcome", body="Hello there.")
    assert jobs() >= 1
    before = newest_version(acme)
    article = save(acme, status="draft")
    assert jobs() >= 1
    assert ids(acme, readers["verified"]) == []

    save(acme, article, status="published")
    assert jobs() >= 1
    assert newest_version(acme) > before
    for mode in ("keyword", "semantic", "hybrid"):
        assert ids(acme, readers["verified"], mode=mode) == [article.id]

    save(acme, article, audience="admins")
    assert jobs() >= 1
    for mode in ("keyword", "semantic", "hybrid"):
        assert ids(acme, readers["verified"], mode=mode) == []
        assert ids(acme, readers["admin"], mode=mode) == [article.id]
    result = service.search(acme, readers["verified"], "vpn client", locale="en-US")
    assert result.total == 0

    save(acme, article, status="draft", audience="public")
    assert jobs() >= 1
    assert ids(acme, readers["admin"]) == []
    with use_workspace(acme.id):
        assert store.current(acme.id, "en-US").search("vpn client") == []


def test_reindex_command_rebuilds_with_a_progress_bar(acme, globex, runner):
    for n in range(3):
        save(acme, title=f"Article {n}", body=f"text number {n}")
    result = runner.invoke(args=["portal", "reindex", "--workspace", "acme"])
    assert result.exit_code == 0, result.output
    # en-US only: no article has a German translation
    assert "built 1 index(es) for acme: 3 published article(s)" in result.output
    assert "indexing acme" in result.output and "3/3" in result.output  # 3 docs x 1 locale
    assert newest_version(acme) == 1
    again = runner.invoke(args=["portal", "reindex", "--workspace", "acme"])
    assert again.exit_code == 0
    assert newest_version(acme) == 2
    with use_workspace(globex.id):
        assert db.session.scalars(select(SearchIndex.id).where(
            SearchIndex.workspace_id == globex.id)).all() == []


def test_reindex_command_refuses_an_unknown_workspace(runner):
    result = runner.invoke(args=["portal", "reindex", "--workspace", "nope"])
    assert result.exit_code != 0
    assert "no workspace with slug 'nope'" in result.output


def test_saves_while_a_rebuild_waits_queue_it_once(app, acme, jobs, readers):
    """RQ queues a job id again on each enqueue: ten saves made ten rebuilds. A waiting
    rebuild reads the articles when it runs, so it covers every save before it."""
    from portal.jobs import queue, waiting

    jobs()
    for n in range(5):
        save(acme, title=f"Configure the VPN client {n}")
    low = queue("low")
    assert low.get_job_ids().count(f"reindex-{acme.id}") == 1
    assert waiting(f"reindex-{acme.id}") and not waiting("reindex-0")
    assert jobs() == 1
    assert len(ids(acme, readers["verified"])) == 5  # every save is in the one rebuild
    assert not waiting(f"reindex-{acme.id}")  # done: the next save queues again
    save(acme, title="Configure the VPN client 5")
    assert low.get_job_ids().count(f"reindex-{acme.id}") == 1
