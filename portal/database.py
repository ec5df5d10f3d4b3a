"""Schema management: Alembic migrations, then Flask-AppBuilder's roles and permissions."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import current_app

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade() -> None:
    """Migrate to head, then create FAB's roles and permissions (idempotent)."""
    command.upgrade(alembic_config(), "head")
    sync_permissions()


def sync_permissions() -> None:
    from flask_appbuilder.security.manager import BaseSecurityManager

    appbuilder = current_app.appbuilder
    BaseSecurityManager.create_db(appbuilder.sm)
    appbuilder.add_permissions(update_perms=True)
    appbuilder.sm.add_role("Admin")
    appbuilder.sm.add_role("Agent")
