"""Portal pages drawn with a portal settings document that is not the published one: the
admin's live preview of a draft (Settings > Portal settings, portal.admin.portal_settings_page).

Only an admin view under /admin calls `render`, behind the admin permission; customers'
requests never set `g.settings_override`, so they always get the published settings
(portal.web.look.page_look). Nothing here goes through the page cache: the templates are
rendered directly, no view of the portal runs (so no article view is counted), and the
answer says `no-store`. The page is what an anonymous visitor would see; the ticket list
shows example rows (an admin is no customer).
"""

import base64
import hashlib
from datetime import UTC, datetime
from types import SimpleNamespace

from flask import g, make_response, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article
from portal.models.ticket import PRIORITIES, STAGES
from portal.request_memo import keep
from portal.security import PORTAL_CSP, with_hosts
from portal.services import article_access, article_lists, portal_public, tickets, translations
from portal.tenancy import enter_workspace
from portal.web import plug

PAGES = ("home", "article", "tickets")


def inline_text(text: str) -> Markup:
    """A stylesheet or a script as the text of a <style> or <script> element: nothing in
    it can close the element (`<\\/` is `</` to CSS, and to JavaScript inside a string or
    a regular expression)."""
    return Markup(text.replace("</", "<\\/"))


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def preview_csp(hosts, style_text: str, script_text: str = "") -> str:
    """The portal's own policy (with the document's allowlisted hosts), its inline
    stylesheet (and the Plug's inline script, if shown) allowed by hash, and framing by the
    admin page (same origin) allowed."""
    csp = with_hosts(tuple(hosts)) if hosts else PORTAL_CSP
    csp = csp.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    if script_text:
        csp = csp.replace("script-src 'self'",
                          f"script-src 'self' 'sha256-{_digest(script_text)}'", 1)
    return csp.replace("style-src 'self'", f"style-src 'self' 'sha256-{_digest(style_text)}'", 1)


def preview_article(ws) -> Article | None:
    """The most read published article that all customers may read, if any."""
    return db.session.scalar(
        select(Article).where(article_access.audience_condition(ws, ("public",)))
        .order_by(Article.views.desc(), Article.id.desc()).limit(1))


def render(ws, settings, page: str, locale: str, notice: str | None = None):
    """The portal page `page` (PAGES) of `ws` in `locale`, drawn with `settings` (a
    portal_settings.Settings view), as a response that no cache keeps."""
    from portal.web.kb import list_helpers, title_of

    enter_workspace(ws, locale=locale)
    g.settings_override = settings
    # for this request, every reader of the settings (portal_settings.published: the look,
    # tickets, the knowledge base's access, search) gets the document's
    keep(("portal_settings", ws.id), settings)
    # the Plug as the document sets it up (the served plug.js follows the published one)
    plug_text = inline_text(plug.assembled(ws, settings=settings)) \
        if settings.features.plug else Markup("")
    common = {"workspace": ws, "current_contact": None, "preview_notice": notice,
              "plug_inline": plug_text, **list_helpers()}
    article = preview_article(ws) if page == "article" else None
    if page == "article" and article is None:
        common["preview_notice"] = notice or _(
            "No published article is visible to all customers: this is the home page.")
    if article is not None:
        shown = translations.shown(article, locale, ws.default_locale)
        tr = shown.text if shown else None
        html = render_template(
            "kb/article.html", title=tr.title if tr else article.slug, article=article, tr=tr,
            shown=shown,
            description=(tr.description if tr else "") or "",
            updated=format_date(article.updated_at, "long"),
            trail=article_lists.ancestors(ws, article.directory), related=[], voted=False,
            title_of=title_of, **common)
    elif page == "tickets":
        html = render_template("tickets/list.html", title=_("Tickets"), **_example_tickets(),
                               **common)
    else:
        can_read = article_access.can_browse(ws, None)
        html = render_template(
            "home.html", title=_("How can we help?"),
            kb_access=settings.features.knowledge_base, can_read=can_read, title_of=title_of,
            directories=article_lists.top_level(ws, None) if can_read else [],
            popular=article_lists.popular(ws, None) if can_read else [], open_tickets=None,
            **common)
    look = settings.appearance
    style = str(inline_text(portal_public.stylesheet(look.accent_color, look.dark_accent_color,
                                                    settings.custom_css)[1]))
    response = make_response(html)
    response.headers["Content-Security-Policy"] = preview_csp(settings.domain.allowlist, style,
                                                              str(plug_text))
    response.headers["Cache-Control"] = "no-store"
    return response


def _example_tickets() -> dict:
    now = datetime.now(UTC).isoformat()
    rows = [(f"#{number}", "#", title, stage, priority, now) for number, title, stage, priority
            in ((1042, _("Example: the printer on floor 2 is offline"), "in_progress", "high"),
                (1041, _("Example: invoice address change"), "open", "normal"))
            if stage in STAGES and priority in PRIORITIES]
    return {"page": SimpleNamespace(items=rows, next_cursor=None), "rows": rows,
            "query": tickets.ListQuery(), "stages": STAGES, "priorities": PRIORITIES,
            "is_customer_admin": False}
