"""Where uploaded files live: ticket attachments and uploaded knowledge-base originals.

The backend is chosen by STORAGE_BACKEND: `local` (files under UPLOAD_DIR, the embedded
default) or `s3` (S3-compatible object storage shared by every web host). Keys are
relative paths such as `7/<hex>` or `kb/7/<hex>`; a backend refuses any other shape.

Views check who may read a file first, then answer with `download_response`: the file
streamed through the app (conditional and Range requests honoured) or, with
STORAGE_S3_REDIRECT, a redirect to a short-lived signed URL that carries the same
Content-Disposition, Content-Type and Cache-Control.
"""

import re
from typing import BinaryIO, Protocol

from flask import Flask, Response, current_app
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ServiceUnavailable

from config import ConfigError

EXTENSION = "portal.storage"
KEY = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*")
PRIVATE = "private, no-store"  # every download, streamed or signed


class FileMissing(LookupError):
    """No stored file under this key."""


class StorageUnavailable(ServiceUnavailable):
    """The object storage did not answer (or refused us): a 503 page or JSON error, with
    the ticket's text kept by the browser's back button, never a 500."""

    description = _l("Files cannot be reached right now. Please try again in a moment.")


class Storage(Protocol):
    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> bool: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def download_response(self, key: str, *, filename: str, content_type: str,
                          as_attachment: bool) -> Response: ...


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def make_storage(config) -> Storage:
    backend = config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        from portal.storage.local import LocalStorage

        return LocalStorage(config["UPLOAD_DIR"])
    if backend == "s3":
        from portal.storage.s3 import S3Storage

        return S3Storage.from_config(config)
    raise ConfigError(f"PORTAL_STORAGE_BACKEND={backend!r} is not one of: local, s3")


def init_storage(app: Flask) -> None:
    app.extensions[EXTENSION] = make_storage(app.config)


def get_storage() -> Storage:
    return current_app.extensions[EXTENSION]



def content_disposition(filename: str, as_attachment: bool) -> str:
    """The header value Flask's send_file writes (ASCII `filename`, RFC 5987 `filename*` for
    other names), for signed URLs, which carry it as a query parameter."""
    import unicodedata
    from urllib.parse import quote

    from werkzeug.datastructures import Headers

    try:
        filename.encode("ascii")
        names = {"filename": filename}
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
        names = {"filename": simple, "filename*": f"UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}"}
    headers = Headers()
    headers.set("Content-Disposition", "attachment" if as_attachment else "inline", **names)
    return headers["Content-Disposition"]
