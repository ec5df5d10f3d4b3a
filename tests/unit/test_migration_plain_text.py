"""Migration 0011 fills kb_article_translation.plain_text for the translations that exist
(the text search snippets read), and goes down again."""

import pytest

from portal.extensions import db


@pytest.mark.services  # its own schema on PostgreSQL when PG_URL is set
def test_0011_stores_the_plain_text_of_existing_translations(unmigrated_app):
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command

    from portal import database
    from portal.services.article_content import render_markdown

    other = unmigrated_app
    t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    with other.app_context():
        cfg = database.alembic_config()
        command.upgrade(cfg, "0009")
        old = sa.MetaData()
        old.reflect(bind=db.engine, only=["workspace", "kb_article",
                                          "kb_article_translation"])
        with db.engine.begin() as conn:
            conn.execute(old.tables["workspace"].insert(), [{
                "id": 1, "slug": "acme", "name": "Acme", "default_locale": "en-US",
                "enabled_locales": ["en-US"], "jit_provisioning": False, "settings": {},
                "created_at": t0}])
            conn.execute(old.tables["kb_article"].insert(), [{
                "id": n, "workspace_id": 1, "kind": kind, "status": "published",
                "audience": "public", "slug": f"a{n}", "position": 0, "helpful_yes": 0,
                "helpful_no": 0, "views": 0, "created_at": t0, "updated_at": t0}
                for n, kind in ((1, "native"), (2, "file"))])
            conn.execute(old.tables["kb_article_translation"].insert(), [
                {"workspace_id": 1, "article_id": 1, "locale": "en-US", "title": "Reset",
                 "description": "How to reset.", "body": "Use the **reset** link.",
                 "body_html": render_markdown("Use the **reset** link."),
                 "updated_at": t0},
                {"workspace_id": 1, "article_id": 2, "locale": "en-US", "title": "Manual",
                 "description": "", "body": "Extracted text of the file.",
                 "body_html": "", "updated_at": t0}])
        command.upgrade(cfg, "0011")
        table = sa.table("kb_article_translation", sa.column("article_id"),
                         sa.column("plain_text"))
        with db.engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.article_id)).all()
        assert rows == [(1, "How to reset.\nUse the reset link."),
                        (2, "Extracted text of the file.")]
        command.downgrade(cfg, "0009")
        columns = {c["name"] for c in
                   sa.inspect(db.engine).get_columns("kb_article_translation")}
        assert "plain_text" not in columns and "body_html" in columns
