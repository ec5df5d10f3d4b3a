"""An article as PDF at its page URL plus `.pdf` (issue 14, part 3; the service is
portal.services.article_pdf). The same readers as the article page (portal.web.kb's
`kb_page` and portal.services.article_access: sign in first, or 404); 404 too when the workspace's
PDF toggle is off or the article is uploaded or linked.

The page links to `...pdf?v=<version>`: a request for the current version may be kept for
a year (by shared caches only when an anonymous visitor may read it); any other is
revalidated (its ETag is the version)."""

from flask import abort, g, make_response, redirect, request, url_for

from portal.services import article_access, article_pdf
from portal.storage import content_disposition
from portal.web import bp
from portal.web.kb import kb_page, text_of

YEAR = 365 * 24 * 3600


@bp.context_processor
def pdf_context():
    return {"article_pdf_url": _link}


def _link(article) -> str | None:
    """The article page's "Download as PDF" link, or None when there is no PDF."""
    if not article_pdf.offered(g.workspace, article):
        return None
    return article_pdf.pdf_url(article_pdf.export_for(g.workspace, article, text_of(article),
                                                      g.locale))


@bp.get("/articles/<slug>.pdf", endpoint="article_pdf")
@kb_page
def article_pdf_view(slug: str):
    if not article_pdf.enabled(g.workspace):
        abort(404)
    found = article_access.get_visible(g.workspace, g.reader, slug)
    if found is None or not article_pdf.offered(g.workspace, found):
        abort(404)
    if slug != found.slug:
        return redirect(url_for(".article_pdf", slug=found.slug), 301)
    export = article_pdf.export_for(g.workspace, found, text_of(found), g.locale)
    data, version, source = article_pdf.document(export)
    response = make_response(data)
    response.mimetype = "application/pdf"
    headers = response.headers
    headers["Content-Disposition"] = content_disposition(article_pdf.filename(found), True)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-PDF-Cache"] = source
    response.set_etag(version)
    if request.args.get("v") == version:
        scope = "public" if g.reader is None else "private"
        headers["Cache-Control"] = f"{scope}, max-age={YEAR}, immutable"
        headers["Vary"] = "Cookie"
        return response
    headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
