"""Knowledge-base articles over the customer API: search, list (by directory, in pages) and
one article. Anonymous readers get what the portal shows to anyone when the knowledge base
is public; a bearer token reads as its contact. Visibility comes only from
portal.services.kb: an article the reader may not open is 404, and never counted."""

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from portal.api import bp
from portal.api.common import bearer_token
from portal.auth import sessions
from portal.i18n import SUPPORTED
from portal.kb import browse
from portal.models import Article, Directory
from portal.services import kb, workspaces
from portal.services.errors import Invalid, NotFound, Unauthorized
from portal.web import site_base

BASE = "/workspaces/<slug>/articles"
MODES = ("hybrid", "keyword", "semantic")
LIMIT_MAX = 50
PER_PAGE_MAX = 100
QUERY_MAX = 200
PAGE_MAX = 10_000


def _reader(slug: str):
    """(workspace, reader) for this request, or the error: 404 for an unknown workspace or
    a knowledge base that is off; 401 for a bad token, or none when access is private."""
    ws = workspaces.by_slug(slug) if len(slug) <= 63 else None
    if ws is None:
        raise NotFound(_("No such workspace."))
    g.workspace, g.workspace_id = ws, ws.id
    if kb.access(ws) == "off":
        raise NotFound(_("This workspace has no knowledge base."))
    reader = None
    token = bearer_token()
    if token is not None:
        live = sessions.resolve(token, "api") \
            if sessions.workspace_of_token(token, "api") == ws.id else None
        if live is None:
            raise Unauthorized(_("The token is invalid or expired."))
        reader = live.contact
    if not kb.can_browse(ws, reader):
        raise Unauthorized(_("Sign in first: send a bearer token."))
    g.locale = _locale(ws, reader)
    return ws, reader


def _locale(ws, reader) -> str:
    wanted = request.args.get("locale")
    if wanted is not None:
        if wanted not in SUPPORTED:
            raise Invalid(_("Unsupported language."), field="locale")
        return workspaces.locale_for(ws, wanted) or ws.default_locale
    if reader is not None and reader.locale:
        return workspaces.locale_for(ws, reader.locale) or ws.default_locale
    return ws.default_locale


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid(_("%(field)s must be a whole number from %(low)s to %(high)s.",
                        field=name, low=low, high=high), field=name)
    return int(raw)


def article_url(ws, article: Article) -> str:
    path = url_for("portal.article", workspace=ws.slug, locale=g.locale, slug=article.slug)
    return site_base(ws) + path


def _directory(ws, directory: Directory | None):
    if directory is None:
        return None
    return {"id": directory.id, "slug": directory.slug,
            "name": directory.name(g.locale, ws.default_locale)}


def summary(ws, article: Article) -> dict:
    tr = article.translation(g.locale, ws.default_locale)
    return {
        "id": article.id,
        "slug": article.slug,
        "kind": article.kind,
        "title": tr.title if tr else article.slug,
        "description": tr.description if tr else "",
        "external_ref": article.external_ref,
        "directory": _directory(ws, article.directory),
        "url": article_url(ws, article),
        "updated_at": article.updated_at.isoformat(),
    }


@bp.get(f"{BASE}/search")
def search_articles(slug: str):
    ws, reader = _reader(slug)
    q = request.args.get("q")
    if q is None or not q.strip() or len(q) > QUERY_MAX:
        raise Invalid(_("Enter a search text of at most %(n)s characters.", n=QUERY_MAX),
                      field="q")
    mode = request.args.get("mode", "hybrid")
    if mode not in MODES:
        raise Invalid(_("Unknown search mode."), field="mode")
    limit = _int_arg("limit", 10, 1, LIMIT_MAX)
    from portal.search import service

    result = service.search(ws, reader, q, mode=mode, locale=g.locale, limit=limit)
    return jsonify({"mode": result.mode, "total": result.total, "results": [
        {"id": hit.article.id, "slug": hit.article.slug, "title": hit.title,
         "external_ref": hit.article.external_ref, "url": article_url(ws, hit.article),
         "score": hit.score, "snippet": str(hit.snippet)} for hit in result.results]})


@bp.get(BASE)
def list_articles(slug: str):
    ws, reader = _reader(slug)
    page = _int_arg("page", 1, 1, PAGE_MAX)
    per_page = _int_arg("per_page", 20, 1, PER_PAGE_MAX)
    directory = None
    directory_key = request.args.get("directory")
    if directory_key is not None:
        directory = browse.directory_by_key(ws, directory_key)
        if directory is None:
            raise NotFound(_("No such directory."))
    total, rows = browse.visible_page(ws, reader, directory, page, per_page)
    return jsonify({"total": total, "page": page, "per_page": per_page,
                    "results": [summary(ws, a) for a in rows]})


@bp.get(f"{BASE}/<key>")
def get_article(slug: str, key: str):
    ws, reader = _reader(slug)
    article = kb.get_visible(ws, reader, key[:200])
    if article is None:
        raise NotFound(_("No such article."))
    tr = article.translation(g.locale, ws.default_locale)
    body = {**summary(ws, article), "locale": tr.locale if tr else g.locale,
            "body": tr.body if tr else "", "body_html": tr.body_html if tr else "",
            "link_url": article.link_url if article.kind == "link" else None,
            "file_name": article.file_name if article.kind == "file" else None}
    return jsonify(body)
