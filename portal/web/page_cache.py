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

What differs per visitor is a hole: `page_hole(name, *args)` in a template renders a
marker while a page is rendered for the cache, and the hole's current content is put in on
every answer. The article page's "Was this helpful?" form is one (the reader's vote, and
their own CSRF token, so no visitor gets another's). An article hit counts the view too.

HTTP: a strong `ETag` (of the body, or with holes of the body and the visitor's hole
states) and `If-None-Match` answered with 304; pages without holes also carry
`Last-Modified` and `Cache-Control: public, max-age=PAGE_MAX_AGE_SECONDS` with
`Vary: Cookie`; pages with holes `private, no-cache`; every other portal answer
`private, no-store` unless its view said otherwise.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from functools import wraps

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from config import ROOT
from portal.auth.sessions import current_contact
from portal.extensions import cache
from portal.services import article_feedback
from portal.web import bp

PRIVATE = "private, no-store"
PER_VISITOR = "private, no-cache"  # a browser may keep it but asks again (ETag)
CODE = ("portal/**/*.py", "themes/**/*.*", "translations/**/*.mo")  # what renders pages


@bp.after_request
def private_by_default(response):
    response.headers.setdefault("Cache-Control", PRIVATE)
    return response


def register(app) -> None:
    """Every Flask-Limiter bound to the app (ours and Flask-AppBuilder's) skips cached pages
    that carry no limit of it, instead of resolving an empty list of limits per answer: its
    before-request check is not called for them, nor its after-request hook that adds the
    headers of the limit checked (there is none) and deducts conditional limits (none), nor
    its teardown that empties the request's limiter state (it made none)."""
    limiters = app.extensions.get("limiter", ())

    def theirs(hook, name: str) -> bool:
        owner = hook.args[0] if getattr(hook, "args", ()) else getattr(hook, "__self__", None)
        func = getattr(hook, "func", hook)
        return owner in limiters and getattr(func, "__name__", "") == name

    for hooks, name, kind in (
            (app.before_request_funcs.get(None, []), "_check_request_limit", "before"),
            (app.after_request_funcs.get(None, []), "__inject_headers", "after"),
            (app.teardown_request_funcs.get(None, []), "__release_context", "teardown")):
        for index, hook in enumerate(hooks):
            if theirs(hook, name):
                hooks[index] = _unless_unlimited_page(hook, kind)


def _unless_unlimited_page(hook, kind: str):
    if kind == "after":
        def limited(response):
            return response if _unlimited_page() else hook(response)
    elif kind == "teardown":
        def limited(exc=None):
            return None if _unlimited_page() else hook(exc)
    else:
        def limited():
            return None if _unlimited_page() else hook()

    limited.__name__ = getattr(getattr(hook, "func", hook), "__name__", "limited")
    limited.skips_public_pages = True
    limited.__wrapped__ = hook
    return limited


def _unlimited_page() -> bool:
    """A public page no limiter of this app limits (decided once per endpoint): then
    skipping the limiters changes nothing but the time they take."""
    app = current_app._get_current_object()
    known = app.extensions.setdefault("page_cache_unlimited", {})
    endpoint = request.endpoint
    if endpoint not in known:
        view = app.view_functions.get(endpoint or "")
        known[endpoint] = getattr(view, "public_page", False) and not any(
            _limits(limiter, app, view) for limiter in app.extensions.get("limiter", ()))
    return known[endpoint]


def _limits(limiter, app, view) -> bool:
    """Whether `limiter` has any limit that could apply to `view` (a portal page)."""
    manager = limiter.limit_manager
    name = get_qualified_name(view)
    return bool(manager.application_limits or manager.default_limits
                or limiter._in_memory_fallback or manager.blueprint_limits(app, bp.name)
                or manager.decorated_limits(name) or manager.has_hints(request.endpoint))


def public_page(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if seconds <= 0 or not _anonymous():
            return view(*args, **kwargs)
        key = _key()
        entry = cache.get(key)
        if entry is None:
            g.page_holes = []  # holes render as markers, filled per answer
            try:
                response = make_response(view(*args, **kwargs))
            finally:
                holes = g.pop("page_holes")
            if not _storable(response):
                if holes:
                    response.set_data(_fill(response.get_data(as_text=True), holes))
                return response
            entry = {"body": response.get_data(as_text=True), "holes": holes,
                     "mimetype": response.mimetype, "etag": _digest(response.get_data()),
                     "modified": int(datetime.now(UTC).timestamp())}
            cache.set(key, entry, timeout=seconds)
            return _answer(entry, "miss")
        for _name, article_id, *_rest in _holes_named(entry, "feedback"):
            _count_view(article_id)  # the miss ran the view, which counted it
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
    holes = entry["holes"]
    states = [HOLES[name][0](*args) for name, *args in holes]
    if holes:
        etag = _digest(f"{entry['etag']}|{states!r}".encode())
        modified, control = None, PER_VISITOR
    else:
        etag = entry["etag"]
        modified = datetime.fromtimestamp(entry["modified"], UTC)
        control = f"public, max-age={current_app.config['PAGE_MAX_AGE_SECONDS']}"
    if _not_modified(etag, modified):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(_fill(entry["body"], holes, states),
                                              mimetype=entry["mimetype"])
    response.set_etag(etag)
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = control
    response.vary.add("Cookie")
    response.headers["X-Page-Cache"] = source
    return response


def _not_modified(etag: str, modified: datetime | None) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    return modified is not None and since is not None and modified <= since


# --- holes ---------------------------------------------------------------------------

def _marker_re() -> re.Pattern:
    """Markers carry a key derived from SECRET_KEY: page content cannot fake one."""
    found = current_app.extensions.get("page_cache_marker")
    if found is None:
        tag = hmac.new(current_app.config["SECRET_KEY"].encode(), b"page-hole",
                       hashlib.sha256).hexdigest()[:16]
        found = current_app.extensions["page_cache_marker"] = (
            tag, re.compile(rf"<!--hole-{tag}-(\d+)-->"))
    return found


@bp.app_template_global()
def page_hole(name: str, *args) -> Markup:
    """A part of a page that differs per visitor: a marker when the page is rendered for
    the cache, else its content."""
    holes = g.get("page_holes")
    if holes is None:
        state, render = HOLES[name]
        return render(*args, state(*args))
    holes.append([name, *args])
    return Markup(f"<!--hole-{_marker_re()[0]}-{len(holes) - 1}-->")


def _fill(body: str, holes: list, states: list | None = None) -> str:
    if not holes:
        return body
    if states is None:
        states = [HOLES[name][0](*args) for name, *args in holes]

    def content(match) -> str:
        name, *args = holes[int(match.group(1))]
        return HOLES[name][1](*args, states[int(match.group(1))])

    return _marker_re()[1].sub(content, body)


def _holes_named(entry: dict, name: str) -> list:
    return [hole for hole in entry["holes"] if hole[0] == name]


def _count_view(article_id: int) -> None:
    """The one call of count_view for a cached article page (readers are anonymous)."""
    article_feedback.count_view(g.workspace, article_id, None, get_remote_address())


def _feedback_state(article_id: int, _slug: str) -> tuple:
    """The reader's vote, and which CSRF secret their session holds (Flask-WTF keeps it
    under "csrf_token", made here if missing; a token is valid as long as that secret:
    WTF_CSRF_TIME_LIMIT)."""
    generate_csrf()  # the form's token; the template's csrf_token() answers the same
    voted = article_feedback.current_vote(
        g.workspace, article_id, current_contact(), get_remote_address()) is not None
    secret = session.get("csrf_token")
    return voted, _digest(str(secret).encode())


FRAGMENTS_KEPT = 1024  # rendered feedback forms per process (a few hundred bytes each)
TOKEN_SLOT = secrets.token_hex(16)  # stands for the visitor's CSRF token in a kept form


def _feedback(_article_id: int, slug: str, state: tuple) -> Markup:
    """The form (or the thanks) as rendered once per template, language, URL and vote,
    with the visitor's own CSRF token put in: rendering it was a tenth of a cached article
    page's answer. The template alone: the page's context processors ran (or run) for the
    page; it reads nothing else but its translations and the vote URL."""
    voted = state[0]
    template = current_app.jinja_env.get_template("kb/_feedback.html")  # new when reloaded
    key = (template, str(get_locale()), g.locale, g.workspace.slug, request.script_root,
           slug, voted)
    kept = current_app.extensions.setdefault("page_cache_fragments", {})
    html = kept.get(key)
    if html is None:
        if len(kept) >= FRAGMENTS_KEPT:
            kept.clear()
        html = kept[key] = template.render(slug=slug, voted=voted,
                                           csrf_token=lambda: TOKEN_SLOT)
    return Markup(html.replace(TOKEN_SLOT, generate_csrf()) if TOKEN_SLOT in html else html)


HOLES = {"feedback": (_feedback_state, _feedback)}  # name -> (state, render)
