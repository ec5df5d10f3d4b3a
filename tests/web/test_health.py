"""/healthz and /readyz for load balancers: JSON, 200/503, never rate limited, no cookie,
no tenancy; /readyz fails when the database is unreachable, its schema is behind, a
configured Redis is down, or the process is draining for shutdown."""

import socket
import time

import pytest
from sqlalchemy import text

from config import TestingConfig
from portal import database, health, shutdown
from portal.extensions import db, limiter
from tests.conftest import REDIS_URL


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def build(make_app, tmp_path, migrate=True, **settings):
    """An app of its own on a fresh SQLite file (migrated unless told not to)."""
    config = type("Config", (TestingConfig,), {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'health.db'}",
        "OUTBOX_DIR": str(tmp_path / "outbox"), "UPLOAD_DIR": str(tmp_path / "uploads"),
        **settings})
    app = make_app(config)
    if migrate:
        with app.app_context():
            database.upgrade()
    return app


def test_healthz_answers_ok_without_cookie_or_cache(client, customer_client):
    for who in (client, customer_client):
        response = who.get("/healthz")
        assert response.status_code == 200
        assert response.json == {"status": "ok"}
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready"
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "process": "ok",
                                       "redis": "ok" if REDIS_URL else "skipped"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_no_locale_prefix_and_no_workspace(client, acme):
    assert client.get("/en-US/healthz").status_code == 404
    assert client.get("/en-US/acme/healthz").status_code == 404
    # a workspace named like the route changes nothing
    assert client.get("/healthz", headers={"Host": "healthz.example"}).json == {"status": "ok"}


@pytest.fixture
def limits_put_back():
    """An app made with default and application limits leaves them on the shared limiter
    object (make_app puts back its storage only): put the session app's back."""
    manager = limiter.limit_manager
    saved = (list(manager._default_limits), list(manager._application_limits))
    yield
    manager.set_default_limits(saved[0])
    manager.set_application_limits(saved[1])


def test_never_rate_limited_even_with_default_limits(make_app, tmp_path, limits_put_back):
    app = build(make_app, tmp_path, RATELIMIT_DEFAULT="3 per minute",
                RATELIMIT_APPLICATION="5 per minute")
    client = app.test_client()
    with app.app_context():
        answers = [client.get(path).status_code for _ in range(40)
                   for path in ("/healthz", "/readyz")]
        assert set(answers) == {200}
        # the limits are in force for everything else
        assert 429 in [client.get("/").status_code for _ in range(6)]


def test_database_unreachable(make_app, tmp_path):
    app = build(make_app, tmp_path, migrate=False,
                DATABASE_URL=f"postgresql://127.0.0.1:{closed_port()}/none")
    with app.app_context():
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("error: ")
    assert "127.0.0.1" not in str(body)  # the public answer names no host
    assert app.test_client().get("/healthz").status_code == 200  # the process still answers


def test_migrations_behind_missing_and_ahead(make_app, tmp_path):
    app = build(make_app, tmp_path)
    head, _known = health._scripts()
    previous = database.alembic_config()
    from alembic.script import ScriptDirectory

    older = ScriptDirectory.from_config(previous).get_revision(head).down_revision
    client = app.test_client()
    with app.app_context():
        def at(revision):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
            return client.get("/readyz")

        behind = at(older)
        assert behind.status_code == 503
        assert behind.json["checks"]["migrations"] == f"behind: {older} != {head}"
        assert behind.json["checks"]["database"] == "ok"
        # a newer release migrated first (rolling upgrade): this instance still serves
        ahead = at("9999_from_a_newer_release")
        assert ahead.status_code == 200
        assert ahead.json["checks"]["migrations"] == f"ahead: 9999_from_a_newer_release != {head}"
        assert at(head).status_code == 200
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        never = client.get("/readyz")
        assert never.status_code == 503
        assert never.json["checks"]["migrations"] == f"behind: none != {head}"


def test_configured_redis_down(make_app, tmp_path):
    app = build(make_app, tmp_path, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    with app.app_context():
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "error: ConnectionError"
    assert response.json["checks"]["database"] == "ok"


@pytest.mark.redis
def test_configured_redis_up(client):
    assert client.get("/readyz").json["checks"]["redis"] == "ok"


@pytest.fixture
def draining():
    shutdown.draining.set()
    yield
    shutdown.draining.clear()


def test_readyz_says_unavailable_while_draining(client, draining):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["process"] == "draining"
    assert client.get("/healthz").status_code == 200


@pytest.mark.postgres
def test_readyz_survives_its_connection_being_killed(client, app):
    assert client.get("/readyz").status_code == 200
    engine = app.extensions["helpport_health_engine"]
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        name = conn.execute(text("SELECT current_setting('application_name')")).scalar()
    assert name == "helpport-readyz"  # operators see it in pg_stat_activity
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json


@pytest.mark.postgres
def test_readyz_statements_time_out(client, app):
    from sqlalchemy.exc import OperationalError

    client.get("/readyz")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"):
        with app.extensions["helpport_health_engine"].connect() as conn:
            conn.execute(text("SELECT pg_sleep(5)"))
    assert time.monotonic() - started < 3  # HEALTH_TIMEOUT_SECONDS = 1
