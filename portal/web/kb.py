"""Knowledge-base pages: the home (directories, popular articles, hero search), directory
and article pages, the "Was this helpful?" vote, uploaded originals, the search results
page and the search-as-you-type endpoint used by kb.js.

Who may read what is decided only by portal.services.article_access: with the knowledge
base off these pages are 404; private, an anonymous visitor is sent to sign in; public,
anyone may read the articles visible to all.
"""

from functools import wraps

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from portal.auth.sessions import current_contact
from portal.extensions import csrf, limiter
from portal.models import Article
from portal.schemas.converters import slug_urls
from portal.schemas.pages import QUERY_MAX, ArticleArgs, SearchArgs, page_args
from portal.search.related import related
from portal.security import same_origin
from portal.services import (
    article_access,
    article_feedback,
    article_files,
    article_lists,
    translations,
)
from portal.services.errors import Invalid, NotFound
from portal.web import bp, page_cache, pages, render_portal

SUGGEST_LIMIT = 5
RESULTS_LIMIT = 20
MODES = ("hybrid", "keyword", "semantic")
# An uploaded HTML original is someone else's markup: no scripts, no requests, no forms.
ORIGINAL_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@bp.context_processor
def kb_context():
    ws = g.get("workspace")
    return {"kb_enabled": ws is not None and article_access.access(ws) != "off",
            **list_helpers()}


def list_helpers() -> dict:
    """What the knowledge base's lists (kb/_lists.html) need to name things in their real
    language (also the admin's preview of portal pages)."""
    return {"text_of": text_of, "directory_locale": translations.directory_locale}


def kb_page(view):
    """404 when the knowledge base is off; sign-in first when the reader may read nothing
    (private access, anonymous). Sets g.reader for the view."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if article_access.access(g.workspace) == "off":
            abort(404)
        g.reader = current_contact()
        if not article_access.can_browse(g.workspace, g.reader):
            if request.endpoint == "portal.search_suggest":
                return jsonify({"results": []}), 401
            return redirect(url_for("portal.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def text_of(article: Article):
    return article.translation(g.locale, g.workspace.default_locale)


def title_of(article: Article) -> str:
    tr = text_of(article)
    return tr.title if tr else article.slug


def _article_or_404(key: str) -> Article:
    article = article_access.get_visible(g.workspace, g.reader, key)
    if article is None:
        abort(404)
    return article


@bp.get("/directories")
@page_cache.public_page
def home():
    ws, reader = g.workspace, current_contact()
    can_read = article_access.can_browse(ws, reader)
    return render_portal(
        "home.html", title=_("How can we help?"), kb_access=article_access.access(ws),
        can_read=can_read, title_of=title_of,
        directories=article_lists.top_level(ws, reader) if can_read else [],
        popular=article_lists.popular(ws, reader) if can_read else [],
        open_tickets=pages.open_tickets(ws, reader))


@bp.get("/directories/<dir_slug>")
@page_cache.public_page
@kb_page
def directory(dir_slug: str):
    found = article_lists.directory_by_slug(g.workspace, dir_slug)
    if found is None:
        abort(404)
    nodes = article_lists.tree(g.workspace, g.reader)
    node = nodes[found.id]
    items = article_lists.in_directory(g.workspace, g.reader, found)
    if node.count == 0:  # nothing readable here: as if it did not exist
        abort(404)
    name = found.name(g.locale, g.workspace.default_locale)
    name_locale = translations.directory_locale(found, g.locale, g.workspace.default_locale)
    descriptions = found.descriptions or {}
    description_locale = next((code for code in (g.locale, g.workspace.default_locale)
                               if descriptions.get(code)), None)
    return render_portal("kb/directory.html", title=name, directory=found, name=name,
                         name_locale=name_locale,
                         description=descriptions.get(description_locale, ""),
                         description_locale=description_locale,
                         children=article_lists.shown(node.children),
                         articles=items, title_of=title_of,
                         trail=article_lists.ancestors(g.workspace, found)[:-1])


@bp.get("/articles/<slug>")
@page_cache.public_page
@kb_page
def article(slug: str):
    found = _article_or_404(slug)
    if slug != found.slug or _opened_from_search(found):
        return redirect(url_for(".article", slug=found.slug), 301 if slug != found.slug else 302)
    shown = translations.shown(found, g.locale, g.workspace.default_locale)
    tr = shown.text if shown else None
    title = tr.title if tr else found.slug
    article_feedback.count_view(g.workspace, found.id, g.reader, get_remote_address())
    page_cache.counts_view(found.id)
    return render_portal(
        "kb/article.html", title=title, article=found, tr=tr, shown=shown,
        description=(tr.description if tr else "") or "",
        updated=format_date(found.updated_at, "long"),
        trail=article_lists.ancestors(g.workspace, found.directory),
        related=related(g.workspace, g.reader, found, title, g.locale),
        voted=g.reader is not None and article_feedback.current_vote(
            g.workspace, found.id, g.reader) is not None,
        title_of=title_of)


def _opened_from_search(found) -> bool:
    """Record a click from search results (`?sq=`); then the view redirects to the plain
    URL, so each article has one URL. A link from a search that cannot be opens the article
    all the same."""
    try:
        query_id = page_args(ArticleArgs).get("sq")
    except Invalid:
        return False
    if query_id is None:
        return False
    from portal.search import service

    service.record_open(g.workspace, query_id, found.id)
    return True


def _vote_limit() -> str:
    return current_app.config["KB_VOTE_LIMIT_PER_ADDRESS"]


def _signed_in() -> bool:
    return current_contact() is not None


@bp.post("/articles/<slug>/helpful")
@csrf.exempt  # the form is on a cached page, the same for all: checked by its origin
@limiter.limit(_vote_limit, key_func=lambda: f"kb-vote:{get_remote_address()}",
               exempt_when=_signed_in)
@kb_page
def vote(slug: str):
    """One vote per contact (a new one replaces it), or per address and day for anonymous
    visitors, who are also limited per address (portal.services.article_feedback). Only
    from the portal's own pages (portal.security.same_origin): the form has no token."""
    if not same_origin():
        abort(403)
    found = _article_or_404(slug)
    article_feedback.vote(g.workspace, found, g.reader, get_remote_address(),
                     request.form.get("helpful") == "yes")
    flash(_("Thank you for your feedback."), "success")
    return redirect(url_for(".article", slug=found.slug, _anchor="feedback"))


@bp.get("/articles/<slug>/original")
@kb_page
def original(slug: str):
    found = _article_or_404(slug)
    try:
        response = article_files.original(found, download=request.args.get("download") == "1",
                                          render_html=True)
    except NotFound:
        abort(404)
    response.headers["Content-Security-Policy"] = ORIGINAL_CSP
    return response


def _search_args() -> tuple[str, str, str | None]:
    """(words, mode, refusal): at most QUERY_MAX characters of the words, spaces collapsed;
    an unknown mode is the default one."""
    try:
        args = page_args(SearchArgs)
    except Invalid as exc:
        return "", "hybrid", exc.message
    mode = args["mode"] if args["mode"] in MODES else "hybrid"
    return " ".join(args["q"].split())[:QUERY_MAX], mode, None


@bp.get("/search")
@kb_page
def search():
    from portal.search import analytics, service

    q, mode, error = _search_args()
    result, query_id = None, None
    if q:
        try:
            result = service.search(g.workspace, g.reader, q, mode=mode, locale=g.locale,
                                    limit=RESULTS_LIMIT)
        except Invalid as exc:
            error = exc.message
        else:
            query_id = service.log_query(
                g.workspace, g.locale, q, result.total,
                visitor=analytics.visitor_key(g.workspace, g.reader, get_remote_address()))
    title = _("Search results for “%(q)s”", q=q) if q else _("Search")
    return render_portal("kb/search.html", title=title, q=q, mode=mode, modes=MODES,
                         result=result, error=error, query_id=query_id, title_of=title_of)


@bp.get("/search/suggest")
@kb_page
def search_suggest():
    """Search-as-you-type for the hero box and the + Ticket title: a few titles and links."""
    from portal.search import service

    q, _mode, _error = _search_args()
    hits = service.suggest(g.workspace, g.reader, q, locale=g.locale, limit=SUGGEST_LIMIT)
    url = slug_urls(lambda slug: url_for(".article", slug=slug))
    return jsonify({"results": [
        {"title": hit.title, "url": url(hit.article.slug),
         "snippet": str(hit.snippet)} for hit in hits]})
