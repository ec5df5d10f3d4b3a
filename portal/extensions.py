"""Extensions, created unbound; `create_app` binds them."""

import threading
import time

from flask import current_app
from flask_appbuilder.models.sqla import Model
from flask_caching import Cache
from flask_limiter import Limiter as FlaskLimiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.redis_outage import Outage
from portal.tenancy import WorkspaceSession


class Limiter(FlaskLimiter):
    """Flask-Limiter, saying in the log when its storage is lost and when it is back.
    Meanwhile (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) every limit counts in this process;
    Flask-Limiter asks the storage again after 1, 2, 4, ... 32 seconds."""

    def __init__(self, *args, **kwargs):
        self._outage = Outage("rate limits", "limits count in this process")
        super().__init__(*args, **kwargs)

    @property
    def _storage_dead(self) -> bool:
        return self._outage.down

    @_storage_dead.setter
    def _storage_dead(self, dead: bool) -> None:
        if dead:
            self._outage.lost()
        else:
            self._outage.reached()


db = SQLAlchemy(model_class=Model, session_options={"class_": WorkspaceSession})
csrf = CSRFProtect()
# in-process (SimpleCache) by default, Redis with REDIS_URL (portal._derive_settings)
cache = Cache()
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
            conn = _in_process_redis(fakeredis.FakeStrictRedis)(server=server)
        app.extensions["helpport_redis"] = conn
    return conn


class ExpiringMarks:
    """Keys set only if absent, each for some seconds: Redis's `SET key 1 NX EX seconds`
    in this process, without the stand-in's emulated protocol (about 0.2 ms a call on
    every cached article page: portal.services.article_feedback.count_view). Expired keys
    are dropped when the set has grown to twice what was left at the last sweep."""

    def __init__(self):
        self._expiry: dict[str, float] = {}
        self._sweep_at = 1024
        self._lock = threading.Lock()

    def add(self, key: str, seconds: float) -> bool:
        """True when `key` was absent (or expired) and is now set for `seconds`."""
        now = time.monotonic()
        with self._lock:
            expiry = self._expiry.get(key)
            if expiry is not None and expiry > now:
                return False
            if len(self._expiry) >= self._sweep_at:
                self._expiry = {k: e for k, e in self._expiry.items() if e > now}
                self._sweep_at = max(1024, 2 * len(self._expiry))
            self._expiry[key] = now + seconds
            return True

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()

    def __len__(self) -> int:
        return len(self._expiry)


def _in_process_redis(base):
    """The in-process stand-in with `marks` (ExpiringMarks), emptied with its database."""

    class InProcessRedis(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.marks = ExpiringMarks()

        def flushdb(self, *args, **kwargs):
            self.marks.clear()
            return super().flushdb(*args, **kwargs)

        def flushall(self, *args, **kwargs):
            self.marks.clear()
            return super().flushall(*args, **kwargs)

    return InProcessRedis
