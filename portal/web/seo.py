"""Search engines' and assistants' files (issue 14, part 1): a sitemap per workspace and
locale (`/<locale>/<slug>/sitemap.xml`), a sitemap index and robots.txt per host
(`/sitemap.xml`, `/robots.txt`: the portal's host, or a workspace's custom domain), an
llms.txt per workspace and locale, and each public article as Markdown at its page URL
plus `.md`. All of them 404 unless the workspace has SEO on (portal.services.seo decides
what is listed: only what an anonymous visitor may read).

None is kept in the page cache: each is built from the rows at every request, so an edit
(a new `content_version`) shows at once; HTTP caching is by ETag.
"""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.services import article_access, portal_settings, seo, seo_markup, workspaces
from portal.web import bp, host_workspace, root

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ET.register_namespace("", SITEMAP_NS)
ET.register_namespace("xhtml", XHTML_NS)


def _answer(body: bytes | str, mimetype: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = \
        f"public, max-age={current_app.config['PAGE_MAX_AGE_SECONDS']}"
    response.headers["Vary"] = "Cookie"
    response.add_etag()
    return response.make_conditional(request)


def _xml(element) -> bytes:
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _w3c(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _seo_or_404(ws) -> None:
    if not seo.enabled(ws):
        abort(404)


def _path(entry, locale: str) -> str:
    if entry.kind == "home":
        return url_for("portal.home", locale=locale)
    if entry.kind == "directory":
        return url_for("portal.directory", locale=locale, dir_slug=entry.row.slug)
    return url_for("portal.article", locale=locale, slug=entry.row.slug)


@bp.get("/sitemap.xml")
def sitemap():
    ws = g.workspace
    _seo_or_404(ws)
    base = workspaces.public_base(ws)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for entry in seo.site_map(ws, g.locale).entries:
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = base + _path(entry, g.locale)
        if entry.lastmod is not None:
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(entry.lastmod)
        if len(entry.locales) > 1:
            for code in entry.locales:
                ET.SubElement(url, f"{{{XHTML_NS}}}link", rel="alternate", hreflang=code,
                              href=base + _path(entry, code))
    return _answer(_xml(urlset), "application/xml")


def _sitemaps_of_host(host_ws) -> list[tuple[object, str]]:
    """(workspace, absolute sitemap URL) of every sitemap this host serves."""
    return [(ws, workspaces.public_base(ws)
             + url_for("portal.sitemap", workspace=ws.slug, locale=code))
            for ws in seo.workspaces_on_host(host_ws) for code in seo.offered_locales(ws)]


@root.get("/sitemap.xml")
def sitemap_index():
    found = _sitemaps_of_host(host_workspace())
    if not found:
        abort(404)
    index = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    for _ws, url in found:
        ET.SubElement(ET.SubElement(index, f"{{{SITEMAP_NS}}}sitemap"),
                      f"{{{SITEMAP_NS}}}loc").text = url
    return _answer(_xml(index), "application/xml")


@root.get("/robots.txt")
def robots():
    """Crawlers may read the knowledge base; sign-in, tickets and search stay out (and
    the admin and the APIs). The sitemaps are named."""
    host_ws = host_workspace()
    found = _sitemaps_of_host(host_ws)
    if not found:
        abort(404)
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /api/"]
    for ws in dict.fromkeys(ws for ws, _url in found):
        lines += [f"Disallow: /{code}/{ws.slug}/{part}"
                  for code in seo.offered_locales(ws) for part in seo.KEPT_OUT]
    lines += ["", f"Sitemap: {workspaces.public_base(host_ws)}/sitemap.xml"]
    lines += [f"Sitemap: {url}" for _ws, url in found]
    return _answer("\n".join(lines) + "\n", "text/plain")


def _public_article_or_404(slug: str):
    ws = g.workspace
    _seo_or_404(ws)
    if article_access.access(ws) == "off":
        abort(404)
    found = article_access.get_visible(ws, None, slug)
    if found is None:
        abort(404)
    return found


@bp.get("/articles/<slug>.md")
def article_markdown(slug: str):
    """An article anyone may read, as Markdown (whoever asks: the copy is for crawlers
    and assistants, which read as anonymous visitors)."""
    found = _public_article_or_404(slug)
    if slug != found.slug:
        return redirect(url_for(".article_markdown", slug=found.slug), 301)
    ws = g.workspace
    tr = found.translation(g.locale, ws.default_locale)
    page = workspaces.public_base(ws) + url_for(".article", slug=found.slug)
    text = seo_markup.article_markdown(found, tr, page,
                                       seo.changed_at(found, tr.locale if tr else g.locale))
    response = _answer(text, "text/markdown")
    response.headers["Link"] = f'<{page}>; rel="canonical"'
    return response


@bp.get("/llms.txt")
def llms():
    ws = g.workspace
    _seo_or_404(ws)
    base = workspaces.public_base(ws)
    groups = []
    for directory, rows in seo.llms_articles(ws, g.locale):
        heading = directory.name(g.locale, ws.default_locale) if directory else _("Articles")
        items = []
        for article in rows:
            tr = article.translation(g.locale, ws.default_locale)
            items.append((tr.title, base + url_for(".article_markdown", slug=article.slug),
                          tr.description or ""))
        groups.append((heading, items))
    name = portal_settings.published(ws).appearance.company_name or ws.name
    text = seo_markup.llms_text(
        name=name, groups=groups,
        summary=_("Search the %(name)s knowledge base or ask our team.", name=ws.name))
    return _answer(text, "text/plain")
