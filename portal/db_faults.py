"""Losing the database connection in the middle of a request.

`pool_pre_ping` (portal.database.engine_options) replaces connections that died while
they sat in the pool; this module handles the ones that die while a request uses them:

- a read (GET/HEAD) is run once more from the start, on a fresh connection: it changed
  nothing, and the whole request is repeated, so no half-read state survives;
- anything else answers 503 `service_unavailable` (never 500): the outcome of a write
  whose COMMIT was cut is unknown, and a client that retries with the same
  `Idempotency-Key` gets the first answer if it was committed (portal.services.idempotency).

A streamed response that loses its connection after it started cannot be repeated.
"""

from flask import Flask, current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import ServiceUnavailable

RETRY = "helpport.retry_read"
RETRIED = "helpport.read_retried"
READS = ("GET", "HEAD")


def is_connection_lost(exc: BaseException) -> bool:
    """The database connection broke (or the server refused one for now)."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)


def connection_lost(exc: BaseException) -> bool:
    """For the app's error handler: True when `exc` is a lost connection (then the session
    is rolled back, and a read not yet repeated is marked for `ReadRetry` to run again)."""
    if not is_connection_lost(exc):
        return False
    from portal.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the session is thrown away at teardown anyway
        pass
    environ = request.environ
    again = request.method in READS and not environ.get(RETRIED)
    environ[RETRY] = again
    current_app.logger.warning("database connection lost during %s %s: %s", request.method,
                               request.path, "reading again" if again else "503")
    return True


def unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        _("The service is briefly unavailable. Please try again in a moment."), retry_after=1)


class ReadRetry:
    """WSGI middleware: repeat a read once when its first run lost the database
    connection (`connection_lost` marked it). The first run's answer is dropped."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in READS:
            return self.wsgi_app(environ, start_response)
        started = []

        def hold(status, headers, exc_info=None):
            started[:] = [status, headers, exc_info]
            return lambda data: None  # Flask never uses write()

        body = self.wsgi_app(environ, hold)
        if not environ.pop(RETRY, False):
            start_response(*started)
            return body
        if hasattr(body, "close"):
            body.close()
        environ[RETRIED] = True
        return self.wsgi_app(environ, start_response)


def close_session(exc=None) -> None:
    """Close the session at the end of an app context; a connection found dead while
    rolling back (the request had read after its last commit) is dropped, not raised: the
    answer is already made, and nothing of it was uncommitted."""
    from portal.extensions import db

    try:
        db.session.remove()
    except DBAPIError as error:
        if not is_connection_lost(error):
            raise
        current_app.logger.warning("database connection lost before the session closed")
        db.session.remove()  # the connection is invalidated now: nothing left to roll back


def register_db_faults(app: Flask) -> None:
    """After Flask-SQLAlchemy's own teardown is registered: this one runs first."""
    app.wsgi_app = ReadRetry(app.wsgi_app)
    app.teardown_appcontext(close_session)
