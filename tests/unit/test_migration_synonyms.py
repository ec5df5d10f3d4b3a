"""Migration 0018_search_synonyms: the synonym table and the searches' visitor key come, the
searches logged before keep their rows (without a key); a downgrade takes both away again."""

import pytest

from portal.extensions import db


@pytest.mark.services  # its own schema on PostgreSQL when PG_URL is set
def test_0018_adds_synonyms_and_the_visitor_key_and_takes_them_away(unmigrated_app):
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command

    from portal import database

    t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    with unmigrated_app.app_context():
        cfg = database.alembic_config()
        command.upgrade(cfg, "0017")
        old = sa.MetaData()
        old.reflect(bind=db.engine, only=["workspace", "kb_search_query"])
        with db.engine.begin() as conn:
            conn.execute(old.tables["workspace"].insert(), [{
                "id": 1, "slug": "acme", "name": "Acme", "default_locale": "en-US",
                "enabled_locales": ["en-US"], "jit_provisioning": False, "settings": {},
                "created_at": t0}])
            conn.execute(old.tables["kb_search_query"].insert(), [{
                "id": 1, "workspace_id": 1, "locale": "en-US", "query": "bill", "results": 0,
                "created_at": t0}])

        def columns(table):
            return {c["name"] for c in sa.inspect(db.engine).get_columns(table)}

        command.upgrade(cfg, "0018_search_synonyms")
        assert "visitor" in columns("kb_search_query")
        assert {"workspace_id", "locale", "terms", "created_at"} <= columns("kb_search_synonym")
        with db.engine.begin() as conn:
            assert conn.execute(sa.text(
                "SELECT query, visitor FROM kb_search_query")).all() == [("bill", None)]
            conn.execute(sa.text(
                "INSERT INTO kb_search_synonym (workspace_id, locale, terms, created_at) "
                "VALUES (1, 'en-US', 'bill, invoice', CURRENT_TIMESTAMP)"))
        command.downgrade(cfg, "0017")
        assert "visitor" not in columns("kb_search_query")
        assert "kb_search_synonym" not in sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT query FROM kb_search_query")).all() == [
                ("bill",)]
