"""Schema management: Alembic migrations, then Flask-AppBuilder's roles and permissions."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app

from portal import sqlite_changes, sqlite_setup

MIGRATIONS = Path(__file__).parent / "migrations"


def engine_options(cfg) -> dict:
    """SQLAlchemy engine options from the settings (SQLALCHEMY_ENGINE_OPTIONS).

    A server database gets its pooled connections checked before each use
    (`pool_pre_ping`: a connection the server or a proxy dropped is replaced instead of
    failing the request), recycled after DB_POOL_RECYCLE_SECONDS, and DB_POOL_SIZE /
    DB_MAX_OVERFLOW / DB_POOL_TIMEOUT when they are set. SQLite has no server connection to lose.
    """
    options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return options
    options.setdefault("pool_pre_ping", cfg.get("DB_POOL_PRE_PING", True))
    recycle = cfg.get("DB_POOL_RECYCLE_SECONDS")
    if recycle:
        options.setdefault("pool_recycle", int(recycle))
    pool = {"pool_size": (cfg.get("DB_POOL_SIZE"), int),
            "max_overflow": (cfg.get("DB_MAX_OVERFLOW"), int),
            "pool_timeout": (cfg.get("DB_POOL_TIMEOUT"), float)}
    for option, (value, kind) in pool.items():
        if value not in (None, ""):
            options.setdefault(option, kind(value))
    return options


def configure_engines(app: Flask) -> None:
    """Connection set-up the engine options cannot express: SQLite's pragmas
    (portal/sqlite_setup.py) on each new connection to a SQLite file; and the watch on
    its commits that lets rows read on every request be remembered (portal/sqlite_changes.py)."""
    from portal.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            sqlite_setup.install(engine, app.config)
        app.extensions["sqlite_changes"] = sqlite_changes.for_engine(db.engine)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade() -> None:
    """Migrate to head, then create FAB's roles and permissions (idempotent)."""
    command.upgrade(alembic_config(), "head")
    sync_permissions()


def sync_permissions() -> None:
    """Create FAB's permissions for every view, then give "Admin" and "Agent" exactly the
    ones `portal.admin.roles` grants them (the platform admin role holds all of them)."""
    from flask_appbuilder.security.manager import BaseSecurityManager

    from portal.admin.roles import ROLE_PATTERNS, grants

    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    BaseSecurityManager.create_db(sm)
    appbuilder.add_permissions(update_perms=True)
    every = sm.session.query(sm.permissionview_model).all()
    for role_name in ROLE_PATTERNS:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        role.permissions = [
            pv for pv in every
            if pv.view_menu and pv.permission
            and grants(role_name, pv.view_menu.name, pv.permission.name)
        ]
    sm.session.commit()
