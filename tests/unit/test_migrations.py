"""Schema changes always come with a migration: the migrated database matches the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.services  # its own schema on PostgreSQL when PG_URL is set
def test_0008_gives_existing_tickets_their_last_public_change(unmigrated_app):
    """Backfill of ticket.public_updated_at: the newest public event, else the creation
    time; internal events (notes, assignments) never count. Then down again."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from alembic import command

    from portal import database
    from portal.models.base import UTCDateTime

    other = unmigrated_app
    t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
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


def _staff_role_revision(cfg):
    """The migration that moved staff roles onto memberships, wherever it sits in the chain."""
    from alembic.script import ScriptDirectory

    return next(r for r in ScriptDirectory.from_config(cfg).walk_revisions()
                if r.path.endswith("_staff_membership_role.py"))


@pytest.mark.services  # its own schema on PostgreSQL when PG_URL is set
def test_staff_roles_move_from_global_roles_onto_memberships_and_back(make_app, tmp_path):
    """Global "Admin" makes every membership an admin one, else an agent one; the global
    Admin/Agent links then go, except a platform admin's; a downgrade puts them back."""
    from alembic import command
    from sqlalchemy import text

    from config import TestingConfig
    from portal.database import alembic_config
    from tests.conftest import PG_URL, _drop_schema, _postgres_url

    schema = None

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path / 'old.db'}"

    if PG_URL:
        Config.DATABASE_URL, schema = _postgres_url(PG_URL)
    old = make_app(Config)
    cfg = alembic_config()
    revision = _staff_role_revision(cfg)
    try:
        with old.app_context():
            command.upgrade(cfg, revision.down_revision)
            with db.engine.begin() as conn:
                for sql in (
                    "INSERT INTO ab_role (id, name) VALUES (1, 'Admin'), (2, 'Agent'), "
                    "(3, 'Platform Admin')",
                    "INSERT INTO workspace (id, slug, name, default_locale, enabled_locales, "
                    "jit_provisioning, settings, created_at) VALUES "
                    "(1, 'acme', 'Acme', 'en-US', '[]', false, '{}', CURRENT_TIMESTAMP), "
                    "(2, 'globex', 'Globex', 'en-US', '[]', false, '{}', CURRENT_TIMESTAMP)",
                    "INSERT INTO ab_user (id, first_name, last_name, username, email, active) "
                    "VALUES (1, 'Ann', '-', 'ann', 'ann@x.example', true), "
                    "(2, 'Al', '-', 'al', 'al@x.example', true), "
                    "(3, 'Root', '-', 'root', 'root@x.example', true)",
                    # ann: Admin and Agent (acme, globex); al: Agent; root: platform + Admin
                    "INSERT INTO ab_user_role (user_id, role_id) VALUES (1, 1), (1, 2), (2, 2), "
                    "(3, 3), (3, 1)",
                    "INSERT INTO staff_membership (user_id, workspace_id) VALUES (1, 1), (1, 2), "
                    "(2, 1), (3, 1)",
                ):
                    conn.execute(text(sql))

            def state():
                with db.engine.connect() as conn:
                    links = conn.execute(text(
                        "SELECT u.username, r.name FROM ab_user_role ur JOIN ab_user u "
                        "ON u.id = ur.user_id JOIN ab_role r ON r.id = ur.role_id")).all()
                    members = conn.execute(text(
                        "SELECT * FROM staff_membership")).mappings().all()
                return sorted(map(tuple, links)), sorted(
                    (m["user_id"], m["workspace_id"], m.get("role")) for m in members)

            command.upgrade(cfg, revision.revision)
            links, members = state()
            assert members == [(1, 1, "admin"), (1, 2, "admin"), (2, 1, "agent"),
                               (3, 1, "admin")]
            assert links == [("root", "Admin"), ("root", "Platform Admin")]
            command.downgrade(cfg, revision.down_revision)
            links, members = state()
            assert members == [(1, 1, None), (1, 2, None), (2, 1, None), (3, 1, None)]
            assert links == [("al", "Agent"), ("ann", "Admin"), ("root", "Admin"),
                             ("root", "Platform Admin")]
    finally:
        if schema:
            with old.app_context():
                db.session.remove()
                db.engine.dispose()
            _drop_schema(PG_URL, schema)


@pytest.mark.services  # its own schema on PostgreSQL when PG_URL is set
def test_0014_moves_the_flat_workspace_settings_into_the_document_and_back(unmigrated_app):
    """kb_access -> features.knowledge_base, tickets_enabled false -> features.tickets off
    (true -> private), the ticket limits -> tickets.*, logo_url -> appearance.logo, the
    custom domain column copied to domain.custom_portal_url; a workspace without settings
    stays empty (the reader gives the defaults). Downgrade puts the flat keys back."""
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command

    from portal import database
    from portal.services.portal_settings import repaired

    flat = {
        1: ({"kb_access": "public", "tickets_enabled": False, "reopen_window_days": 3,
             "attachment_max_bytes": 2048, "attachment_extensions": [".pdf"],
             "logo_url": "https://cdn.example/acme.svg"}, "help.acme.example"),
        2: ({"kb_access": "off", "tickets_enabled": True}, None),
        3: ({}, None),
    }
    with unmigrated_app.app_context():
        cfg = database.alembic_config()
        command.upgrade(cfg, "0013")
        old = sa.MetaData()
        old.reflect(bind=db.engine, only=["workspace"])
        with db.engine.begin() as conn:
            conn.execute(old.tables["workspace"].insert(), [{
                "id": n, "slug": f"ws{n}", "name": f"WS {n}", "default_locale": "en-US",
                "enabled_locales": ["en-US"], "jit_provisioning": False, "settings": settings,
                "custom_domain": domain, "created_at": datetime(2026, 1, 1, tzinfo=UTC)}
                for n, (settings, domain) in flat.items()])

        def stored():
            with db.engine.connect() as conn:
                rows = conn.execute(sa.select(old.tables["workspace"].c.id,
                                              old.tables["workspace"].c.settings)).all()
            return {n: settings for n, settings in rows}

        command.upgrade(cfg, "0014")
        assert stored() == {
            1: {"features": {"knowledge_base": "public", "tickets": "off"},
                "tickets": {"reopen_window_days": 3, "attachment_max_bytes": 2048,
                            "attachment_extensions": [".pdf"]},
                "appearance": {"logo": "https://cdn.example/acme.svg"},
                "domain": {"custom_portal_url": "https://help.acme.example"}},
            2: {"features": {"knowledge_base": "off", "tickets": "private"}},
            3: {}}
        live = repaired("ws1", stored()[1])  # what the portal reads from it
        assert live["features"]["tickets"] == "off" and live["tickets"]["reopen_window_days"] == 3
        inspector = sa.inspect(db.engine)
        assert {"portal_settings_draft", "portal_settings_publish"} <= set(
            inspector.get_table_names())
        command.downgrade(cfg, "0013")
        assert stored() == {n: settings for n, (settings, _domain) in flat.items()}
        assert not {"portal_settings_draft", "portal_settings_publish"} & set(
            sa.inspect(db.engine).get_table_names())
