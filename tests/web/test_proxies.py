"""PORTAL_TRUSTED_PROXIES: with 0 X-Forwarded-For is ignored (a client cannot pick the
address its rate limits count against); with n the address n proxies away is the client's.
Pool settings reach a PostgreSQL engine."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ConfigError, TestingConfig
from portal import _trust_proxies

OTP = "/api/v1/workspaces/acme/auth/otp"


def sends(client, forwarded_for: str, n: int, peer="10.0.0.1") -> int:
    response = client.post(OTP, json={"email": f"u{n}@example.com"},
                           headers={"X-Forwarded-For": forwarded_for},
                           environ_base={"REMOTE_ADDR": peer})
    return response.status_code


def test_without_trusted_proxies_forwarded_for_is_ignored(app, client, acme, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT_PER_ADDRESS", "2 per hour")
    assert not isinstance(app.wsgi_app, ProxyFix)
    answers = [sends(client, f"203.0.113.{n}", n) for n in range(3)]
    assert answers == [202, 202, 429]  # a new forged address each time: still one client


def test_one_trusted_proxy_gives_the_real_client_address(app, client, acme, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT_PER_ADDRESS", "2 per hour")
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    _trust_proxies(app)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 0)
    # many clients behind the same proxy address each get their own allowance
    assert [sends(client, f"203.0.113.{n}", n) for n in range(4)] == [202] * 4
    # one client through several proxy hosts has one allowance
    one = [sends(client, "198.51.100.7", n, peer=f"10.0.0.{n}") for n in range(5, 8)]
    assert one == [202, 202, 429]
    # and cannot escape it by sending its own X-Forwarded-For: the proxy appends the real
    # address, and only that nearest hop is believed
    assert sends(client, "192.0.2.1, 198.51.100.7", 9) == 429

def test_trusted_proxy_host_is_a_separate_choice(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 2)
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_HOST", True)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    _trust_proxies(app)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host,
            app.wsgi_app.x_port) == (2, 2, 2, 2)


@pytest.mark.parametrize("value", [-1, "1", True, 1.5])
def test_trusted_proxies_must_be_a_count(make_app, value):
    config = type("Config", (TestingConfig,), {"TRUSTED_PROXIES": value})
    with pytest.raises(ConfigError, match="PORTAL_TRUSTED_PROXIES"):
        make_app(config)


def test_create_app_wraps_only_when_asked(make_app, tmp_path):
    config = type("Config", (TestingConfig,), {
        "TRUSTED_PROXIES": 1, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    app = make_app(config)
    assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == 1
    assert "pool_size" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]  # SQLite: no pool


@pytest.mark.postgres
def test_postgres_engine_gets_the_configured_pool(make_app):
    from tests.conftest import PG_URL

    config = type("Config", (TestingConfig,), {
        "DATABASE_URL": PG_URL, "DB_POOL_SIZE": 3, "DB_MAX_OVERFLOW": 2, "DB_POOL_TIMEOUT": 4})
    app = make_app(config)
    with app.app_context():
        from portal.extensions import db

        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 2, 4.0)
        db.engine.dispose()
    assert TestingConfig.__dict__.get("SQLALCHEMY_ENGINE_OPTIONS") is None
