"""The page benchmark (bench/pages_load.py --quick) end to end on tiny data, so bench/
cannot rot: the knowledge base seeded through the importer (idempotently), two gunicorns,
wrk over every target and its reference, tickets counted back through the API, the table.
No timing asserted: the numbers of a 1-second run on a shared machine mean nothing; the
measured ones live in docs/PERFORMANCE.md. django-helpdesk (the creation peer) joins the
run only where it is set up already (bench/peer_helpdesk.py; --quick installs nothing).

The seed runs on both databases (`make bench` may seed PostgreSQL); the gunicorn and wrk
run is a `bench` smoke run, on the embedded default only (scripts/run-tests.sh)."""

import pytest
from sqlalchemy import select

from bench import pages_load, seed_kb, seed_tickets
from portal.models import Article, SearchIndex
from portal.services import portal_settings, workspaces
from portal.tenancy import use_workspace

TARGETS = ("article", "home", "directory", "list_page", "ticket_page", "list_json", "create")


def test_kb_seed_imports_published_articles_once_and_indexes_them(db):
    first = seed_kb.seed(8, progress=False)
    again = seed_kb.seed(8, progress=False)
    assert (first["articles"], first["added"], again["added"]) == (8, 8, 0)
    ws = workspaces.by_slug(seed_tickets.SLUG)
    assert portal_settings.published(ws).features.knowledge_base == "public"
    with use_workspace(ws.id):
        imported = db.session.scalars(select(Article)).all()
        assert {a.external_ref for a in imported} == {f"bench-kb-{n:04d}" for n in range(1, 9)}
        assert all(a.status == "published" and a.directory_id for a in imported)
        assert db.session.scalar(select(SearchIndex.documents).where(
            SearchIndex.locale == ws.default_locale).order_by(SearchIndex.version.desc())) == 8


@pytest.mark.bench
def test_quick_run_measures_every_target_against_its_reference(app, db, tmp_path, capsys):
    seed_tickets.seed(150, progress=False)
    assert seed_kb.seed(8, progress=False)["added"] == 8
    db.session.commit()

    summary = pages_load.main(["--quick", "--url", app.config["DATABASE_URL"], "--no-seed",
                               "--no-migrate", "--work", str(tmp_path)])

    rows = {r["name"]: r for r in summary["results"]}
    assert tuple(rows) == TARGETS
    for row in rows.values():
        assert row["rps"] > 0 and row["ref_rps"] > 0 and row["ratio"] > 0, row
        assert row["bytes"] > 0 and abs(row["ref_bytes"] - row["bytes"]) < row["bytes"] * 0.2
    assert rows["article"]["goal"] == 0.6
    created = summary["created"]
    assert created["ok"] and created["tickets"] >= created["answered_2xx"] >= 2
    table = capsys.readouterr().out
    for row in rows.values():
        assert f"| {row['label']}" in table
    # --quick never installs django-helpdesk (no network): it is measured only where
    # `python -m bench.peer_helpdesk` set it up before (instance/bench)
    peer = summary["peer_created"]
    if peer is None:
        assert rows["create"]["goal"] == 0.15 and rows["create"]["peer"] is None
        assert "django-helpdesk was not set up for this run" in table
    else:
        assert rows["create"]["goal"] == 2.0 and rows["create"]["peer"]["rps"] > 0
        assert peer["ok"] and peer["tickets"] >= peer["answered_2xx"] >= 2, peer
        assert "≥ 2× django-helpdesk" in table
