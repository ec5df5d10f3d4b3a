"""Migration 0021_answers: the table of questions and answers comes with its indexes, keeps
a deleted contact's questions (anonymous then), and goes again on a downgrade."""

import pytest

from portal.extensions import db


@pytest.mark.services  # its own schema on PostgreSQL when PG_URL is set
def test_0021_adds_the_answers_table_and_takes_it_away(unmigrated_app):
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command

    from portal import database

    t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    with unmigrated_app.app_context():
        cfg = database.alembic_config()
        command.upgrade(cfg, "0021_answers")
        inspector = sa.inspect(db.engine)
        assert {"workspace_id", "contact_id", "locale", "question", "answer", "source_ids",
                "helpful", "created_at"} <= {c["name"] for c in inspector.get_columns(
                    "kb_answer")}
        assert "ix_kb_answer_ws_time" in {i["name"] for i in inspector.get_indexes("kb_answer")}
        meta = sa.MetaData()
        meta.reflect(bind=db.engine, only=["workspace", "contact", "kb_answer"])
        tables = meta.tables
        with db.engine.begin() as conn:
            if conn.dialect.name == "sqlite":  # before the driver's first BEGIN: applies
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.execute(tables["workspace"].insert(), [{
                "id": 1, "slug": "acme", "name": "Acme", "default_locale": "en-US",
                "enabled_locales": ["en-US"], "jit_provisioning": False, "settings": {},
                "created_at": t0}])
            conn.execute(tables["contact"].insert(), [{
                "id": 7, "workspace_id": 1, "email": "c@acme.example", "name": "C",
                "verified": True, "active": True, "created_at": t0}])
            conn.execute(tables["kb_answer"].insert(), [{
                "id": 1, "workspace_id": 1, "contact_id": 7, "locale": "en-US",
                "question": "vpn?", "answer": None, "source_ids": [], "generated": False,
                "created_at": t0}])
            conn.execute(tables["contact"].delete())
            assert conn.execute(sa.text("SELECT question, contact_id FROM kb_answer")).all() \
                == [("vpn?", None)]
        command.downgrade(cfg, "-1")
        assert "kb_answer" not in sa.inspect(db.engine).get_table_names()
