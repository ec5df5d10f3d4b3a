"""Helpport: the application factory, the only place extensions are bound."""

import logging
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BUILT_IN_SECRET_KEYS, ROOT, ConfigError, config_from_env
from portal import limiter_hooks
from portal.database import configure_engines, engine_options
from portal.extensions import cache, csrf, db, limiter
from portal.labels import register_labels
from portal.observability import configure_logging, init_observability
from portal.schemas.converters import register_converters
from portal.tenancy import register_request_scope


def create_app(config=None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), static_folder=None)
    app.config.from_object(config or config_from_env())
    app.config.from_prefixed_env("PORTAL")
    _check_config(app)
    configure_logging(app)
    _quiet_libraries()
    _derive_settings(app)
    register_converters(app)
    init_observability(app)  # before any other request hook: its request id comes first

    db.init_app(app)
    configure_engines(app)  # SQLite: WAL and its pragmas on every connection
    cache.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _use_themes(app)
    register_request_scope(app)
    register_labels(app)

    from portal import models  # noqa: F401  (registers the mappers)
    from portal.services.portal_settings import published

    app.jinja_env.globals["portal_settings"] = published  # templates read the live settings
    from portal.admin import init_admin
    from portal.i18n import init_i18n

    with app.app_context():
        appbuilder = init_admin(app)
        init_i18n(app, appbuilder)

    from portal.api import register_api
    from portal.body_limits import register_body_limits
    from portal.cli import portal_cli
    from portal.db_faults import register_db_faults
    from portal.errors import register_errors
    from portal.health import register_health
    from portal.jobs import init_jobs
    from portal.search import init_search
    from portal.security import register_security
    from portal.storage import init_storage
    from portal.web import register_web

    register_security(app)
    register_errors(app)
    register_web(app)
    register_api(app)
    register_health(app)
    register_body_limits(app)  # after every extension: it must run before the CSRF check
    init_jobs(app)
    init_search(app)
    register_db_faults(app)
    init_storage(app)
    app.cli.add_command(portal_cli)
    _trust_proxies(app)
    limiter_hooks.register(app)  # once every limiter's hooks are there
    _check_hooks_once(app)
    return app


def _check_hooks_once(app: Flask) -> None:
    """Flask asks, for every hook and the view of every request, whether it is a coroutine
    function (~25 checks a request, ~0.4 us each); a function's answer never changes, so a
    function found synchronous is not asked about again (async ones still go to Flask)."""
    known: set = set()
    ask = app.ensure_sync

    def ensure_sync(func):
        try:
            if func in known:
                return func
        except TypeError:  # not hashable: ask every time
            return ask(func)
        answer = ask(func)
        if answer is func:
            if len(known) >= 4096:
                known.clear()
            known.add(func)
        return answer

    app.ensure_sync = ensure_sync


def _trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For and -Proto (and -Host, -Port if TRUSTED_PROXY_HOST) from the
    TRUSTED_PROXIES nearest proxies, so rate limits and logs see the client's address."""
    count = app.config["TRUSTED_PROXIES"]
    if count:
        host = count if app.config["TRUSTED_PROXY_HOST"] else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=host,
                                x_port=host)


def _quiet_libraries() -> None:
    # FAB warns at every start that its user list cannot filter on role ids; not actionable.
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)
    logging.getLogger("flask_appbuilder.security.manager").addFilter(_no_fab_user_advice)


def _no_fab_user_advice(record: logging.LogRecord) -> bool:
    """Drop FAB's "No user yet created, use flask fab command" (init-db runs its role set-up):
    staff are created with `portal create-staff`, which init-db itself suggests."""
    return not str(record.msg).startswith("No user yet created")


def _check_config(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise ConfigError(f"PORTAL_TRUSTED_PROXIES must be a whole number >= 0, not {proxies!r}")
    if app.config["ENV_NAME"] != "production":
        return
    if not app.config.get("SECRET_KEY"):
        raise ConfigError("PORTAL_SECRET_KEY must be set when PORTAL_ENV=production")
    if app.config["SECRET_KEY"] in BUILT_IN_SECRET_KEYS:
        raise ConfigError("PORTAL_SECRET_KEY must be your own secret, not a key written in "
                          "the source code, when PORTAL_ENV=production")


def _derive_settings(app: Flask) -> None:
    cfg = app.config
    cfg["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(cfg["DATABASE_URL"])
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(cfg["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]).parent.mkdir(
            parents=True, exist_ok=True
        )
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(cfg)
    cfg["CACHE_TYPE"] = "SimpleCache"  # per process: fine, as cached pages are keyed by version
    if cfg.get("REDIS_URL"):
        cfg["CACHE_TYPE"] = "portal.cache_backend.TolerantRedisCache"
        cfg["CACHE_REDIS_URL"] = cfg["REDIS_URL"]
        cfg["CACHE_KEY_PREFIX"] = "helpport:cache:"
        cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"]
        timeout = cfg["REDIS_TIMEOUT_SECONDS"]  # fail fast: a miss, or counts in this process
        cfg.setdefault("CACHE_OPTIONS", {"socket_connect_timeout": timeout,
                                         "socket_timeout": timeout})
        cfg.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": timeout,
                                                     "socket_timeout": timeout})
    cfg["SESSION_COOKIE_SECURE"] = cfg["COOKIE_SECURE"]
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["COOKIE_SECURE"]
    cfg["JWT_SECRET_KEY"] = cfg["SECRET_KEY"]
    cfg["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")


def _normalise_db_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _use_themes(app: Flask) -> None:
    theme = app.config["THEME"]
    roots = [ROOT / "themes" / theme / "templates", ROOT / "themes" / "default" / "templates"]
    app.jinja_loader = ChoiceLoader([FileSystemLoader([str(r) for r in roots])])
    app.jinja_env.add_extension("jinja2.ext.i18n")
