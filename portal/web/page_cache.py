"""Anonymous knowledge-base pages from the cache, with HTTP caching.

`@public_page` (on the home, directory and article views) serves a page that every
anonymous visitor of a workspace and locale sees alike from Flask-Caching (in-process, or
Redis with PORTAL_REDIS_URL; portal.extensions.cache). The key names the code and
templates, the workspace, its `content_version` (bumped in the same transaction by every
write that changes these pages: portal.models.content_version), the locale, scheme, host
(custom domains) and path with query: an edit is seen at once on every instance and worker,
and a stale entry is never read again (it expires after PAGE_CACHE_SECONDS).

Never cached: signed-in readers, visitors with flashed messages waiting, answers other than
200 HTML, a render that wrote to the session or set a cookie. Search pages are not wrapped.

Nothing in a cached page differs per visitor: the article page's "Was this helpful?" form
carries no per-visitor token (the vote is guarded by its origin instead:
portal.security.same_origin) and shows no per-visitor state to anonymous readers. An
article hit counts the view (`counts_view`), as the view does on a miss.

HTTP: a strong `ETag` of the body and `If-None-Match` answered with 304, `Last-Modified`,
and `Cache-Control: public, max-age=PAGE_MAX_AGE_SECONDS` with `Vary: Cookie`, so that a
CDN in front may keep them; every other portal answer `private, no-store` unless its view
said otherwise.
"""

import hashlib
from datetime import UTC, datetime
from functools import wraps

from flask import current_app, g, make_response, request, session
from flask_limiter.util import get_remote_address
from werkzeug.http import http_date

from config import ROOT
from portal.auth.sessions import current_contact
from portal.extensions import cache
from portal.services import article_feedback
from portal.web import bp

PRIVATE = "private, no-store"
CODE = ("portal/**/*.py", "themes/**/*.*", "translations/**/*.mo")  # what renders pages


@bp.after_request
def private_by_default(response):
    response.headers.setdefault("Cache-Control", PRIVATE)
    return response


def public_page(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if seconds <= 0 or not _anonymous():
            return view(*args, **kwargs)
        key = _key()
        entry = cache.get(key)
        if entry is None:
            response = make_response(view(*args, **kwargs))
            if not _storable(response):
                return response
            modified = datetime.now(UTC).replace(microsecond=0)
            entry = {"body": response.get_data(), "mimetype": response.mimetype,
                     "etag": _digest(response.get_data()), "views_of": g.get("page_views_of"),
                     "modified": int(modified.timestamp()), "http_date": http_date(modified)}
            cache.set(key, entry, timeout=seconds)
            return _answer(entry, "miss")
        if entry.get("views_of") is not None:  # the miss ran the view, which counted it
            article_feedback.count_view(g.workspace, entry["views_of"], None,
                                        get_remote_address())
        return _answer(entry, "hit")

    wrapper.public_page = True
    return wrapper


def _anonymous() -> bool:
    return (request.method in ("GET", "HEAD") and "_flashes" not in session
            and current_contact() is None)


def _storable(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "text/html"
            and "Set-Cookie" not in response.headers and not session.modified)


def _key() -> str:
    ws = g.workspace
    parts = (_code_version(), ws.id, ws.created_at.isoformat(), ws.content_version, g.locale,
             request.scheme, request.host, request.full_path)
    return "page:" + _digest("|".join(map(str, parts)).encode())


def _code_version() -> str:
    """A digest of the code, templates and catalogs: a deploy never serves old pages."""
    found = current_app.extensions.get("page_cache_code")
    if found is None:
        digest = hashlib.sha256()
        for path in sorted(p for pattern in CODE for p in ROOT.glob(pattern) if p.is_file()):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
        found = current_app.extensions["page_cache_code"] = digest.hexdigest()[:16]
    return found


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _answer(entry: dict, source: str):
    """The cached page, or 304 when the visitor's copy is current. Its headers are set as
    plain strings: they are the same on every hit."""
    etag = entry["etag"]
    modified = datetime.fromtimestamp(entry["modified"], UTC)
    if _not_modified(etag, modified):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(entry["body"], mimetype=entry["mimetype"])
    h = response.headers
    h["ETag"] = f'"{etag}"'
    h["Last-Modified"] = entry.get("http_date") or http_date(modified)
    h["Cache-Control"] = f"public, max-age={current_app.config['PAGE_MAX_AGE_SECONDS']}"
    h["Vary"] = "Cookie"
    h["X-Page-Cache"] = source
    return response


def _not_modified(etag: str, modified: datetime) -> bool:
    headers = request.headers
    if "If-None-Match" in headers and request.if_none_match:
        return request.if_none_match.contains(etag)
    if "If-Modified-Since" not in headers:
        return False
    since = request.if_modified_since
    return since is not None and modified <= since


def counts_view(article_id: int) -> None:
    """Called by a view that counts a view of this article: a hit of its cached page counts
    one too."""
    g.page_views_of = article_id
