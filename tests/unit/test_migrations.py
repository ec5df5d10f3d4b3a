"""Schema changes always come with a migration: the migrated database matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_0008_gives_existing_tickets_their_last_public_change(make_app, tmp_path):
    """Backfill of ticket.public_updated_at: the newest public event, else the creation
    time; internal events (notes, assignments) never count. Then down again."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from alembic import command

    from config import TestingConfig
    from portal import database
    from portal.models.base import UTCDateTime
    from tests.conftest import PG_URL, _drop_schema, _postgres_url

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path / 'migrate.db'}"
        OUTBOX_DIR = str(tmp_path / "outbox")
        UPLOAD_DIR = str(tmp_path / "uploads")

    schema = None
    if PG_URL:
        Config.DATABASE_URL, schema = _postgres_url(PG_URL)
    other = make_app(Config)
    t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    try:
        with other.app_context():
            cfg = database.alembic_config()
            command.upgrade(cfg, "0004")
            old = sa.MetaData()
            old.reflect(bind=db.engine, only=["workspace", "ticket", "ticket_event"])
            with db.engine.begin() as conn:
                conn.execute(old.tables["workspace"].insert(), [{
                    "id": 1, "slug": "acme", "name": "Acme", "default_locale": "en-US",
                    "enabled_locales": ["en-US"], "jit_provisioning": False, "settings": {},
                    "created_at": t0}])
                conn.execute(old.tables["ticket"].insert(), [{
                    "id": n, "workspace_id": 1, "number": n, "title": "t", "description": "",
                    "priority": "normal", "stage": "open", "custom_fields": {},
                    "created_at": t0 + n * hour, "updated_at": t0 + 9 * hour} for n in (1, 2)])
                conn.execute(old.tables["ticket_event"].insert(), [
                    {"workspace_id": 1, "ticket_id": 1, "kind": kind, "data": {},
                     "public": public, "actor": "a", "created_at": t0 + n * hour}
                    for kind, public, n in (("created", True, 1), ("comment", True, 3),
                                            ("note", False, 9), ("assignee", False, 8))])
            command.upgrade(cfg, "0008")
            ticket = sa.table("ticket", sa.column("id", sa.Integer()),
                              sa.column("public_updated_at", UTCDateTime()),
                              sa.column("updated_at", UTCDateTime()))
            with db.engine.connect() as conn:
                rows = conn.execute(sa.select(ticket).order_by(ticket.c.id)).all()
            assert rows == [(1, t0 + 3 * hour, t0 + 9 * hour), (2, t0 + 2 * hour, t0 + 9 * hour)]
            command.downgrade(cfg, "0004")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("ticket")}
            assert "public_updated_at" not in columns and "updated_at" in columns
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        if schema:
            _drop_schema(PG_URL, schema)
