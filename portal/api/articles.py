"""Knowledge-base articles over the customer API: search, list (by directory, in pages) and
one article. Anonymous readers get what the portal shows to anyone when the knowledge base
is public; a bearer token reads as its contact. Visibility comes only from
portal.services.article_access: an article the reader may not open is 404, and never counted."""

from functools import wraps

from flask import g, jsonify, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.api import bp
from portal.api.common import SIGN_IN, resolve_caller
from portal.i18n import use_locale
from portal.models import Article, Directory
from portal.schemas import customer_articles as s
from portal.schemas.converters import slug_urls
from portal.schemas.openapi import Answer, errors, operation
from portal.services import article_access, article_lists, workspaces
from portal.services.errors import NotFound, Unauthorized

BASE = "/workspaces/<slug>/articles"
DOC = {"security": s.OPTIONAL_BEARER, "tags": ("articles",),
       "errors": errors(s.ERRORS, 401, 404, 422)}


def kb_reader(view):
    """g.workspace and g.reader for this request, before any parameter is read, or the error:
    404 for an unknown workspace or a knowledge base that is off; 401 for a bad token, or
    none when access is private."""

    @wraps(view)
    def wrapper(slug, **kwargs):
        g.reader = resolve_caller(slug, optional=True, check=_kb_on)
        if not article_access.can_browse(g.workspace, g.reader):
            raise Unauthorized(str(SIGN_IN))
        return view(slug=slug, **kwargs)

    return wrapper


def _kb_on(ws) -> None:
    if article_access.access(ws) == "off":
        raise NotFound(_("This workspace has no knowledge base."))


def _use_locale(args) -> None:
    """g.locale: the `locale` parameter, else the reader's language, else the workspace's."""
    ws, wanted = g.workspace, args.get("locale") or (g.reader.locale if g.reader else None)
    use_locale((workspaces.locale_for(ws, wanted) if wanted else None) or ws.default_locale)


def article_url(ws, article: Article) -> str:
    return _slug_url(ws, article.slug)


def _slug_url(ws, slug: str) -> str:
    path = url_for("portal.article", workspace=ws.slug, locale=g.locale, slug=slug)
    return workspaces.public_base(ws) + path


def article_urls(ws):
    """`article_url(ws, article)` for the many hits of one answer (one url_for)."""
    url = slug_urls(lambda slug: _slug_url(ws, slug))
    return lambda article: url(article.slug)


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
@kb_reader
@operation("searchArticles", "Search the knowledge base, best match first",
           description="Anonymous when the knowledge base is public; with a bearer token, "
                       "the articles its contact may read.",
           path=s.WorkspacePath, query=s.SearchArgs,
           answers={200: Answer("The results", s.SearchResult)}, **DOC)
def search_articles(slug: str, args):
    ws, reader = g.workspace, g.reader
    _use_locale(args)
    from portal.search import service

    result = service.search(ws, reader, args["q"], mode=args["mode"], locale=g.locale,
                            limit=args["limit"])
    url = article_urls(ws)
    return jsonify({"mode": result.mode, "total": result.total, "results": [
        {"id": hit.article.id, "slug": hit.article.slug, "title": hit.title,
         "external_ref": hit.article.external_ref, "url": url(hit.article),
         "score": hit.score, "snippet": str(hit.snippet)} for hit in result.results]})


@bp.get(BASE)
@kb_reader
@operation("listArticles", "The articles the reader may open, in pages",
           path=s.WorkspacePath, query=s.ListArgs,
           answers={200: Answer("One page of articles", s.ArticlePage)}, **DOC)
def list_articles(slug: str, args):
    ws, reader = g.workspace, g.reader
    _use_locale(args)
    directory = None
    if "directory" in args:
        directory = article_lists.directory_by_key(ws, args["directory"])
        if directory is None:
            raise NotFound(_("No such directory."))
    page, per_page = args["page"], args["per_page"]
    total, rows = article_lists.visible_page(ws, reader, directory, page, per_page)
    return jsonify({"total": total, "page": page, "per_page": per_page,
                    "results": [summary(ws, a) for a in rows]})


@bp.get(f"{BASE}/<key>")
@kb_reader
@operation("getArticle", "One article with its text", path=s.ArticlePath, query=s.Localized,
           not_found=_l("No such article."), answers={200: Answer("The article", s.Article)},
           **DOC)
def get_article(slug: str, key: str, args):
    ws, reader = g.workspace, g.reader
    _use_locale(args)
    article = article_access.get_visible(ws, reader, key)
    if article is None:
        raise NotFound(_("No such article."))
    tr = article.translation(g.locale, ws.default_locale)
    body = {**summary(ws, article), "locale": tr.locale if tr else g.locale,
            "body": tr.body if tr else "", "body_html": tr.body_html if tr else "",
            "link_url": article.link_url if article.kind == "link" else None,
            "file_name": article.file_name if article.kind == "file" else None}
    return jsonify(body)
