"""How large a request body may be: MAX_CONTENT_LENGTH (1 MiB) everywhere, except a
multipart request to a view marked with `takes_uploads(limit)`, which may carry `limit()`.

Flask-WTF checks CSRF in a before_request function that reads the form, so the limit is
set by a before_request function that runs ahead of it, and the form is read there. Over
the limit:
- a view marked `keep_text=True` (the portal's ticket and comment forms) still runs, with
  the text fields that precede the files in the body (the CSRF token, title, description,
  custom fields, comment body) and no files; `cut_short()` tells it to show the form again
  with a message and status 413;
- any other view is not run: 413, in JSON under /api like every error there.
Any other request whose Content-Length is over MAX_CONTENT_LENGTH is refused (413) before
its view runs, whether or not the view would read the body.
"""

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.wsgi import LimitedStream

from portal.services.attachments import size_text

CHUNK = 64 * 1024
DRAIN_FACTOR = 2  # read and drop a too-large body up to this many times the limit


def takes_uploads(limit: Callable[[], int], *, keep_text: bool = False):
    """Mark a view that receives files: `limit()` (called before the view, after the URL's
    workspace is set in `g`) is the largest multipart body it accepts, in bytes."""

    def mark(view):
        view.upload_limit = limit
        view.upload_keeps_text = keep_text
        return view

    return mark


def cut_short() -> bool:
    """True when this request's body was over its limit and only its text was read."""
    return bool(getattr(request, "upload_cut_short", False))


def register_body_limits(app: Flask) -> None:
    """Put the limit ahead of every other before_request function (CSRF reads the form)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _apply_body_limit)


def _too_large() -> RequestEntityTooLarge:
    return RequestEntityTooLarge(_("The request is larger than %(size)s MB.",
                                   size=size_text(request.max_content_length)))


def _apply_body_limit() -> None:
    if request.routing_exception is not None:
        return  # 404 or 405 whatever the body
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "upload_limit", None)
    if limit is not None and request.mimetype == "multipart/form-data":
        request.max_content_length = limit()  # JSON and plain forms keep MAX_CONTENT_LENGTH
        try:
            request.files  # noqa: B018  (parse now: over the limit fails here, not in the view)
        except RequestEntityTooLarge:
            if not getattr(view, "upload_keeps_text", False):
                raise _too_large() from None
            request.upload_cut_short = True
            request.form = ImmutableMultiDict(_leading_fields())
            request.files = ImmutableMultiDict()
    elif (request.content_length or 0) > (request.max_content_length or float("inf")):
        # refused before any view: none can turn it into something else (FAB's API, a 500)
        raise _too_large()


def _leading_fields() -> list[tuple[str, str]]:
    """The text fields at the start of a body that was too large to parse, up to the first
    file and within MAX_CONTENT_LENGTH; then the rest of a body of a sane size is read and
    dropped, so that a browser gets the page rather than a reset connection.

    Werkzeug refuses a body by its Content-Length before reading any of it; a body without
    one (chunked), or one refused while it was read, gives no fields."""
    length = request.content_length
    boundary = request.mimetype_params.get("boundary", "")
    if length is None or length <= request.max_content_length or not boundary:
        return []
    stream = request.environ["wsgi.input"]
    head = LimitedStream(stream, min(length, current_app.config["MAX_CONTENT_LENGTH"]))
    fields: list[tuple[str, str]] = []
    try:
        for field in _fields_before_files(head, boundary.encode("latin-1", "replace")):
            fields.append(field)
        if length <= DRAIN_FACTOR * request.max_content_length:
            LimitedStream(stream, length - head.tell()).exhaust()
    except (ValueError, HTTPException):  # malformed, cut or gone: keep what was read
        pass
    return fields


def _fields_before_files(stream, boundary: bytes):
    """(name, text) of each form field until the first file part (werkzeug's decoder)."""
    decoder = MultipartDecoder(boundary, max_form_memory_size=stream.limit)
    name, parts = None, []
    while True:
        chunk = stream.read(CHUNK)
        decoder.receive_data(chunk or None)
        event = decoder.next_event()
        while not isinstance(event, NeedData):
            if isinstance(event, File | Epilogue):
                return
            if isinstance(event, Field):
                name, parts = event.name, []
            elif isinstance(event, Data) and name is not None:
                parts.append(event.data)
                if not event.more_data:
                    yield name, b"".join(parts).decode("utf-8", "replace")
                    name = None
            event = decoder.next_event()
        if not chunk:
            return
