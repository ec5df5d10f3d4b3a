"""Configuration: PORTAL_* variables and the production secret-key rule."""

import pytest

from config import BaseConfig, ProductionConfig, TestingConfig
from portal import ConfigError


def test_production_refuses_to_start_without_secret_key(monkeypatch, make_app):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        make_app(ProductionConfig)


def test_environment_variables_override_defaults(monkeypatch, tmp_path, make_app):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://help.example.com")
    monkeypatch.setenv("PORTAL_SMTP_URL", "smtp://mail.example.com:2525")
    app = make_app(TestingConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.db'}"
    assert app.config["BASE_URL"] == "https://help.example.com"
    assert app.config["SMTP_URL"] == "smtp://mail.example.com:2525"


def test_postgres_urls_use_psycopg3(monkeypatch, make_app):
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://u@db.internal/helpport")
    app = make_app(TestingConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal/helpport"


def test_redis_url_moves_rate_limits_to_redis(monkeypatch, make_app):
    monkeypatch.setenv("PORTAL_REDIS_URL", "redis://127.0.0.1:6399/2")
    app = make_app(TestingConfig)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6399/2"


def test_production_cookies_are_secure(monkeypatch, make_app):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-long-random-production-secret")
    app = make_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_search_embedder_settings_come_from_the_environment(monkeypatch, make_app):
    assert BaseConfig.SEARCH_EMBEDDER == "auto" and TestingConfig.SEARCH_EMBEDDER == "lsa"
    monkeypatch.setenv("PORTAL_SEARCH_EMBEDDER", "sentence")
    monkeypatch.setenv("PORTAL_SEARCH_EMBEDDING_LOCALES", '["en", "de"]')
    monkeypatch.setenv("PORTAL_SEARCH_EMBEDDING_MODEL", "models/multilingual-minilm")
    app = make_app(TestingConfig)
    assert app.config["SEARCH_EMBEDDER"] == "sentence"
    assert app.config["SEARCH_EMBEDDING_LOCALES"] == ["en", "de"]
    assert app.config["SEARCH_EMBEDDING_MODEL"] == "models/multilingual-minilm"


@pytest.mark.parametrize("value", ["prod", "Production", "staging", ""])
def test_an_unknown_portal_env_is_an_error_at_start(monkeypatch, make_app, value):
    """Today `prod` silently ran with the development key, with which anyone can sign a
    staff JWT as the platform admin."""
    monkeypatch.setenv("PORTAL_ENV", value)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-long-random-production-secret-0123456789")
    with pytest.raises(ConfigError, match="development, testing, production"):
        make_app()


@pytest.mark.parametrize("key", [BaseConfig.SECRET_KEY, TestingConfig.SECRET_KEY])
def test_production_refuses_a_secret_key_written_in_the_source(monkeypatch, make_app, key):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        make_app()


def test_production_starts_with_its_own_secret_key(monkeypatch, tmp_path, make_app):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-long-random-production-secret-0123456789")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    app = make_app()
    assert app.config["ENV_NAME"] == "production"
    assert app.config["JWT_SECRET_KEY"] == "a-long-random-production-secret-0123456789"
