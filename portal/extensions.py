"""Extensions, created unbound; `create_app` binds them."""

from flask import current_app
from flask_appbuilder.models.sqla import Model
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.tenancy import WorkspaceSession

db = SQLAlchemy(model_class=Model, session_options={"class_": WorkspaceSession})
cache = Cache()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

_fake_servers: dict[str, object] = {}


def redis_connection():
    """The app's Redis: the real one when PORTAL_REDIS_URL is set, else an in-process stand-in."""
    app = current_app._get_current_object()
    conn = app.extensions.get("helpport_redis")
    if conn is None:
        url = app.config.get("REDIS_URL")
        if url:
            from redis import Redis

            # fail fast when Redis is down: callers fall back (the outbox sweep recovers)
            conn = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, retry=None)
        else:
            import fakeredis

            key = f"{app.import_name}-{id(app)}"
            server = _fake_servers.setdefault(key, fakeredis.FakeServer())
            conn = fakeredis.FakeStrictRedis(server=server)
        app.extensions["helpport_redis"] = conn
    return conn
