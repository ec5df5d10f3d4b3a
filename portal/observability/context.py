"""What every log line of a request or a job is about: its request id, and for jobs the
job's id and function. Held in a context variable, so a worker thread, a gunicorn thread
and the job a request queued each see their own.

A request id comes from the client's (or the proxy's) `X-Request-ID` header when it is
sane, else it is made here; it goes back in the response header, into the meta of every
job the request enqueues, and from there into the log lines of those jobs.
"""

import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

_context: ContextVar[dict | None] = ContextVar("helpport_log_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The incoming id when it is 1-128 characters of [A-Za-z0-9._-], else a new one: an id
    ends up in every log line, so nothing else (spaces, quotes, newlines) is taken over."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return new_request_id()


def current() -> dict:
    """The fields of the current context (request_id, job_id, job_func); empty outside."""
    return _context.get() or {}


def current_request_id() -> str | None:
    return current().get("request_id")


def set_fields(**fields) -> None:
    """Start a request's context (the request hooks pair it with `clear`)."""
    _context.set({k: v for k, v in fields.items() if v is not None})


def clear() -> None:
    _context.set(None)


@contextmanager
def log_context(**fields):
    """Run a block (a job, a sweep) with these fields added to its log lines."""
    token = _context.set({**current(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)
