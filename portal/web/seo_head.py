"""The `<head>` of a portal page for search engines (themes/default/templates/_seo_head.html):
`noindex`, the meta description, the canonical URL and hreflang alternates, Open Graph and
Twitter card tags and JSON-LD.

A page is indexable only with SEO on (portal.services.seo), on the home, a directory or an
article that anyone may read (portal.services.seo.open_to_anyone), and not an error: every
other page of a workspace says `noindex` (sign-in, code, tickets, search, profile, ...).
The hreflang alternates of a directory or an article name only the locales it has a text
in, and a page that an anonymous visitor may not read names none (nor JSON-LD, nor Open
Graph): a signed-in reader's page must not advertise what the public cannot open.
"""

from flask import g, request, url_for
from flask_babel import gettext as _
from jinja2 import Undefined, pass_context

from portal.services import article_content, portal_settings, seo, seo_markup, workspaces
from portal.web import bp

DESCRIPTION_MAX = 160


def _value(ctx, name):
    found = ctx.get(name)
    return None if isinstance(found, Undefined) else found


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DESCRIPTION_MAX else text[:DESCRIPTION_MAX - 1].rstrip() + "…"


@bp.app_template_global()
@pass_context
def seo_head(ctx) -> dict:
    """What _seo_head.html writes for this page (see the module's docstring)."""
    canonical = _value(ctx, "canonical_url")
    links = _value(ctx, "language_links") or []
    ws, endpoint = g.get("workspace"), request.endpoint
    found = {"noindex": False, "description": None, "canonical": canonical,
             "alternates": links, "x_default": _value(ctx, "default_language_url"),
             "og": [], "twitter": [], "json_ld": [], "markdown_url": None}
    if ws is not None and getattr(request, "helpport_error", None):
        found["noindex"] = True
        return found
    if ws is None or request.blueprint != "portal":
        return found
    article, tr = _value(ctx, "article"), _value(ctx, "tr")
    found["description"] = _description(ctx, ws, endpoint, article, tr)
    if endpoint == "portal.article" and article is not None:
        if not seo.open_to_anyone(ws, article):
            found["alternates"], found["x_default"] = [], None
        else:
            _keep_alternates(found, ws, seo.article_locales(ws, article))
    elif endpoint == "portal.directory" and _value(ctx, "directory") is not None:
        _keep_alternates(found, ws, seo.directory_locales(ws, _value(ctx, "directory")))
    indexable = (seo.enabled(ws) and endpoint in seo.INDEXABLE
                 and (article is None or seo.open_to_anyone(ws, article)))
    if not indexable:
        found["noindex"] = True
        return found
    _social(found, ctx, ws, article, tr)
    return found


def _keep_alternates(found: dict, ws, locales: list[str]) -> None:
    found["alternates"] = [link for link in found["alternates"] if link["code"] in locales]
    if ws.default_locale not in locales:
        found["x_default"] = None
    if g.get("locale") not in locales and locales:  # a fallback text: the original is canonical
        original = next((link for link in found["alternates"]
                         if link["code"] == locales[0]), None)
        if original is not None:
            found["canonical"] = original["url"]


def _description(ctx, ws, endpoint, article, tr) -> str | None:
    if endpoint == "portal.article" and article is not None:
        return _short(_value(ctx, "description") or _body_text(tr))
    if endpoint == "portal.directory":
        return _short(_value(ctx, "description") or _value(ctx, "name"))
    if endpoint == "portal.home":
        return _short(_site_summary(ws))
    return None


def _body_text(tr) -> str:
    """An article's text as a reader sees it (not its Markdown)."""
    if tr is None:
        return ""
    if tr.plain_text is not None:
        return tr.plain_text
    return article_content.html_text(tr.body_html)[1] if tr.body_html else tr.body


def _site_summary(ws) -> str:
    return _("Search the %(name)s knowledge base or ask our team.", name=ws.name)


def _site_name(ws) -> str:
    return portal_settings.published(ws).appearance.company_name or ws.name


def _absolute(ws, url: str | None) -> str | None:
    if not url:
        return None
    return url if url.startswith(("http://", "https://")) else workspaces.public_base(ws) + url


def _social(found: dict, ctx, ws, article, tr) -> None:
    title = _value(ctx, "title") or ""
    url, name = found["canonical"], _site_name(ws)
    logo = _absolute(ws, portal_settings.published(ws).appearance.logo)
    og = [("og:type", "article" if article is not None else "website"), ("og:title", title),
          ("og:description", found["description"] or ""), ("og:url", url),
          ("og:site_name", name), ("og:locale", g.locale.replace("-", "_"))]
    if logo:
        og.append(("og:image", logo))
    found["og"] = og
    found["twitter"] = [("twitter:card", "summary"), ("twitter:title", title),
                        ("twitter:description", found["description"] or "")]
    base = workspaces.public_base(ws)
    trail = [(_("Knowledge base"), base + url_for("portal.home"))]
    for directory in _value(ctx, "trail") or []:
        trail.append((directory.name(g.locale, ws.default_locale),
                      base + url_for("portal.directory", dir_slug=directory.slug)))
    organisation = seo_markup.publisher(name, logo)
    blocks = []
    if article is not None:
        trail.append((title, url))
        blocks.append(seo_markup.article_ld(
            url=url, title=title, description=found["description"] or "",
            locale=tr.locale if tr else g.locale, published=article.published_at,
            modified=seo.changed_at(article, tr.locale if tr else g.locale),
            organisation=organisation))
        pairs = seo_markup.questions_and_answers(tr.body_html if tr else "")
        if pairs and article.kind == "native":
            blocks.append(seo_markup.faq_ld(pairs))
        found["markdown_url"] = base + url_for("portal.article_markdown", slug=article.slug)
    elif request.endpoint == "portal.directory":
        trail.append((title, url))
    else:
        blocks.append(seo_markup.website_ld(url=url, name=name,
                                            description=found["description"] or ""))
    if len(trail) > 1:
        blocks.append(seo_markup.breadcrumbs_ld(trail))
    found["json_ld"] = [seo_markup.script_json(block) for block in blocks]
