"""Health checks for load balancers: `/healthz` (the process answers) and `/readyz` (it can
serve: database reachable, Redis reachable when configured, schema at this code's head).

Both live outside the locale and workspace prefix (no tenancy), are exempt from every rate
limit, set no cookie and are never cached. They are cheap enough to be asked every second:
the head revision is read from portal/migrations once per process, and the database and
Redis are asked through small clients of their own with a short timeout
(HEALTH_TIMEOUT_SECONDS), so a saturated application pool or a hung server turns into a 503
within about a second instead of a probe that hangs.

A database whose revision this code does not know was migrated by a newer release (rolling
upgrades migrate first, then restart the web instances): that counts as ready ("ahead"), or
every old instance would leave the load balancer before a new one is up.
"""

import functools

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from portal import database, shutdown
from portal.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz():
    app = current_app._get_current_object()
    details: list[str] = []  # for the log only: messages may name hosts
    database_check, revision = _database(app, details)
    migrations, current = _migrations(revision) if database_check == "ok" else ("unknown", False)
    checks = {"database": database_check, "redis": _redis(app, details), "migrations": migrations,
              "process": "draining" if shutdown.draining.is_set() else "ok"}
    ready = database_check == "ok" and current and checks["redis"] in ("ok", "skipped") \
        and checks["process"] == "ok"
    status = "ready" if ready else "unavailable"
    _log_change(app, status, checks, details)
    return _answer({"status": status, "checks": checks}, 200 if ready else 503)


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@functools.cache
def _scripts() -> tuple[str, frozenset]:
    """(head revision, every revision id) of portal/migrations: read once per process."""
    scripts = ScriptDirectory.from_config(database.alembic_config())
    return scripts.get_current_head(), frozenset(s.revision for s in scripts.walk_revisions())


def _migrations(revision: str | None) -> tuple[str, bool]:
    head, known = _scripts()
    if revision == head:
        return "ok", True
    if revision is not None and revision not in known:
        return f"ahead: {revision} != {head}", True
    return f"behind: {revision or 'none'} != {head}", False


def _database(app: Flask, details: list) -> tuple[str, str | None]:
    """("ok" or "error: <kind>", the revision the database is at, None if never migrated)."""
    try:
        with _engine(app).connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except SQLAlchemyError:  # no alembic_version table: never migrated
                revision = None
    except Exception as exc:  # noqa: BLE001  (any failure means "not ready")
        details.append(f"database: {exc}")
        return f"error: {type(exc).__name__}", None
    return "ok", revision


def _engine(app: Flask):
    """SQLite: the app's engine (a file, no pool to wait for). PostgreSQL: an engine of one
    connection (application_name helpport-readyz) with short connect, checkout and statement
    timeouts, made once per app."""
    if db.engine.dialect.name != "postgresql":
        return db.engine
    engine = app.extensions.get("helpport_health_engine")
    if engine is None:
        seconds = float(app.config["HEALTH_TIMEOUT_SECONDS"])
        engine = create_engine(db.engine.url, pool_size=1, max_overflow=0, pool_timeout=seconds,
                               pool_pre_ping=True,  # a restarted server: no false alarm
                               connect_args={"connect_timeout": max(1, round(seconds)),
                                             "application_name": "helpport-readyz"})

        @event.listens_for(engine, "connect")
        def _short_statements(dbapi_conn, _record):
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET statement_timeout = {int(seconds * 1000)}")
            dbapi_conn.commit()

        engine = app.extensions.setdefault("helpport_health_engine", engine)
    return engine


def _redis(app: Flask, details: list) -> str:
    url = app.config.get("REDIS_URL")
    if not url:
        return "skipped"
    client = app.extensions.get("helpport_health_redis")
    if client is None:
        from redis import Redis

        seconds = float(app.config["HEALTH_TIMEOUT_SECONDS"])
        client = app.extensions.setdefault("helpport_health_redis", Redis.from_url(
            url, socket_connect_timeout=seconds, socket_timeout=seconds, retry=None))
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        details.append(f"redis: {exc}")
        return f"error: {type(exc).__name__}"
    return "ok"


def _log_change(app: Flask, status: str, checks: dict, details: list) -> None:
    """Log when readiness changes, not at every probe (a load balancer asks every second)."""
    if app.extensions.get("helpport_readiness") == status:
        return
    app.extensions["helpport_readiness"] = status
    if status == "ready":
        app.logger.info("readyz: ready")
    else:
        app.logger.warning("readyz: unavailable %s %s", checks, "; ".join(details)[:500])


def register_health(app: Flask) -> None:
    """Register the routes; exempt them from every limiter bound to the app (ours and the
    one Flask-AppBuilder makes), so no default or application-wide limit applies."""
    app.register_blueprint(bp)
    for limiter in app.extensions.get("limiter", ()):
        limiter.exempt(bp)
