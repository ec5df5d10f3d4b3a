"""Engine options from the settings, and what a request does when its database
connection breaks: a read runs again once, anything else is 503 (never 500). The
connection kills themselves are in tests/faults/test_db_faults.py."""

import pytest
from sqlalchemy.exc import OperationalError

from config import TestingConfig
from portal.database import engine_options


def test_server_databases_ping_pooled_connections_and_take_pool_settings():
    cfg = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/helpport",
           "DB_POOL_RECYCLE_SECONDS": 1800, "DB_POOL_SIZE": "8", "DB_MAX_OVERFLOW": 4}
    assert engine_options(cfg) == {"pool_pre_ping": True, "pool_recycle": 1800,
                                   "pool_size": 8, "max_overflow": 4}
    cfg.update(DB_POOL_SIZE=None, DB_MAX_OVERFLOW="", DB_POOL_RECYCLE_SECONDS=0,
               SQLALCHEMY_ENGINE_OPTIONS={"echo": True})
    assert engine_options(cfg) == {"echo": True, "pool_pre_ping": True}


def test_sqlite_gets_no_pool_options(app):
    assert engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "DB_POOL_SIZE": 5}) \
        == {}
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


class Flaky:
    """A view that loses its connection the next `failures` times it is called."""

    def __init__(self, failures: int):
        self.failures, self.calls = failures, 0

    def __call__(self):
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return {"calls": self.calls}


@pytest.fixture
def flaky(make_app, tmp_path):
    """An app with /api/flaky and /flaky (a page) served by a `Flaky` view."""

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path / 'flaky.db'}"
        WTF_CSRF_ENABLED = False
        PROPAGATE_EXCEPTIONS = False

    app = make_app(Config)
    view = Flaky(1)

    def flaky_view():  # a function: Flask-Limiter names views by __qualname__
        return view()

    for rule in ("/api/flaky", "/flaky"):
        app.add_url_rule(rule, rule, flaky_view, methods=["GET", "POST"])
    return app, view


def test_a_read_that_lost_its_connection_runs_again_once(flaky):
    app, view = flaky
    response = app.test_client().get("/api/flaky")
    assert response.status_code == 200 and response.get_json() == {"calls": 2}


def test_a_read_failing_twice_is_503_not_500(flaky):
    app, view = flaky
    view.failures = 2
    response = app.test_client().get("/api/flaky")
    assert response.status_code == 503 and view.calls == 2
    assert response.get_json()["error"] == "service_unavailable"
    assert response.headers["Retry-After"] == "1"


def test_a_write_that_lost_its_connection_is_503_and_not_repeated(flaky):
    app, view = flaky
    response = app.test_client().post("/api/flaky")
    assert response.status_code == 503 and view.calls == 1
    view.failures = 1
    page = app.test_client().post("/flaky")  # the portal answers with a page
    assert page.status_code == 503 and page.mimetype == "text/html" and view.calls == 2
