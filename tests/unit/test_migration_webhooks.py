"""Migration 0020_webhooks: the endpoint and delivery tables and the workspaces' webhook
events come (existing workspaces want none), and a downgrade takes them away again."""

import pytest

from portal.extensions import db


@pytest.mark.services  # its own schema on PostgreSQL when PG_URL is set
def test_0020_adds_the_webhook_tables_and_takes_them_away(unmigrated_app):
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command

    from portal import database

    t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    with unmigrated_app.app_context():
        cfg = database.alembic_config()
        command.upgrade(cfg, "0018_search_synonyms")
        old = sa.MetaData()
        old.reflect(bind=db.engine, only=["workspace"])
        with db.engine.begin() as conn:
            conn.execute(old.tables["workspace"].insert(), [{
                "id": 1, "slug": "acme", "name": "Acme", "default_locale": "en-US",
                "enabled_locales": ["en-US"], "jit_provisioning": False, "settings": {},
                "created_at": t0}])

        def tables():
            return set(sa.inspect(db.engine).get_table_names())

        command.upgrade(cfg, "0020_webhooks")
        assert {"webhook_endpoint", "webhook_delivery"} <= tables()
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT webhook_events FROM workspace")).scalar() in (
                "[]", [])
        command.downgrade(cfg, "0018_search_synonyms")
        assert not {"webhook_endpoint", "webhook_delivery"} & tables()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("workspace")}
        assert "webhook_events" not in columns
