"""Log lines: readable text (LOG_FORMAT = "text", development) or JSON lines (LOG_FORMAT =
"json", production), one handler on the root logger for the portal's lines and the
libraries' alike (RQ's worker writes through it too).

Every record gets the context it was logged in when it is made (a log record factory, so
any handler sees the fields, and a line logged by a job carries the request id of the
request that queued it):
- request_id, job_id, job_func: from `portal.observability.context`;
- workspace: the slug of the request's (or job's) workspace, else its id;
- route and method: the URL rule (`/<locale>/<workspace>/tickets/<int:number>`), never
  the path, so that ids and email addresses in URLs stay out of the logs.
"""

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_app_context, has_request_context, request
from flask.logging import default_handler

from portal.observability import context

CONTEXT_FIELDS = ("request_id", "workspace", "route", "method")  # in every JSON line
OPTIONAL_FIELDS = ("status", "duration_ms", "job_id", "job_func", "outcome")
TEXT_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"  # Flask's own
FORMATS = ("text", "json")

_installed_factory = False


def _workspace() -> str | int | None:
    if not has_app_context():
        return None
    ws = g.get("workspace")
    # the instance dict only: reading an expired attribute would query the database
    slug = vars(ws).get("slug") if ws is not None else None
    return slug or g.get("workspace_id")


def _add_context(record: logging.LogRecord) -> None:
    fields = context.current()
    record.request_id = fields.get("request_id")
    record.job_id = fields.get("job_id")
    record.job_func = fields.get("job_func")
    record.workspace = _workspace()
    if has_request_context():
        rule = request.url_rule
        record.route = rule.rule if rule is not None else None
        record.method = request.method
    else:
        record.route = record.method = None


def install_record_factory() -> None:
    """Once per process: wrap the current factory with one that adds the context."""
    global _installed_factory
    if _installed_factory:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            _add_context(record)
        except Exception:  # a log line must never fail for its context
            pass
        return record

    logging.setLogRecordFactory(factory)
    _installed_factory = True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, the context
    fields (null when there is none), the access line's status and duration_ms, a job's
    id and function, and exc_info as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            entry[name] = getattr(record, name, None)
        for name in OPTIONAL_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Flask's readable line, with the request id at the end when there is one."""

    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id else line


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (test runners swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        from config import ConfigError

        raise ConfigError(f"LOG_FORMAT={log_format!r} is not one of: {', '.join(FORMATS)}")
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(app: Flask) -> None:
    """One root handler in the configured format (replacing the one an earlier app of this
    process installed), and LOG_LEVEL for the portal's loggers. Libraries keep the root's
    level (WARNING): INFO on the root would make SQLAlchemy log every statement."""
    install_record_factory()
    handler = StderrHandler()
    handler.setFormatter(formatter_for(app.config["LOG_FORMAT"]))
    handler.helpport = True
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "helpport", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    portal_logger = logging.getLogger(app.name)  # app.logger: "portal"
    portal_logger.removeHandler(default_handler)  # the root handler writes its lines
    level = app.config["LOG_LEVEL"]
    portal_logger.setLevel(level.upper() if isinstance(level, str) else level)
