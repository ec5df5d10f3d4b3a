"""A workspace's look on its portal pages (portal settings, issue 12): its own stylesheet
(colour tokens and custom CSS, at a URL that names its content: cached for a year), the
theme on <html>, and its allowlisted hosts in the page's Content-Security-Policy."""

from flask import abort, g, make_response, redirect, url_for

from portal.services import portal_public, portal_settings, workspaces
from portal.web import preview, root

YEAR = 365 * 24 * 3600


@root.get("/look/<slug>/<digest>.css")
def stylesheet(slug: str, digest: str):
    ws = workspaces.by_slug(slug) if len(slug) <= 63 else None
    if ws is None:
        abort(404)
    settings = portal_settings.published(ws)
    look = settings.appearance
    current, text = portal_public.stylesheet(look.accent_color, look.dark_accent_color,
                                             settings.custom_css)
    if digest != current:  # an older page: the current sheet, not a long-cached stale one
        return redirect(url_for("root.stylesheet", slug=slug, digest=current), 302)
    response = make_response(text)
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def page_look() -> dict:
    """The template context of a portal page: `look` (theme, stylesheet URL, tabs, hero,
    footer, banner), and the CSP hosts for portal.security."""
    ws = g.get("workspace")
    if ws is None:
        return {"look": None}
    found = portal_public.look(ws)
    # the admin's preview of a draft (portal.web.preview): no URL serves a draft's sheet
    if g.get("settings_override") is not None:
        return {"look": {**found, "stylesheet_url": None,
                         "inline_stylesheet": preview.inline_text(found["stylesheet_text"])}}
    return {"look": {**found, "stylesheet_url": url_for("root.stylesheet", slug=ws.slug,
                                                        digest=found["stylesheet"])}}


SOCIAL_NAMES = {"facebook": "Facebook", "github": "GitHub", "instagram": "Instagram",
                "linkedin": "LinkedIn", "mastodon": "Mastodon", "x": "X", "youtube": "YouTube"}


@root.app_template_global()
def portal_text(texts) -> str:
    """A per-language setting in the page's language (else the workspace's default)."""
    ws = g.get("workspace")
    return portal_public.localized(texts, g.get("locale") or "",
                                   ws.default_locale if ws is not None else "")


@root.app_template_global()
def portal_banner(banner):
    ws = g.get("workspace")
    if banner is None or ws is None:
        return None
    return portal_public.banner_html(banner, g.get("locale") or "", ws.default_locale)


@root.app_template_global()
def social_name(network: str) -> str:
    return SOCIAL_NAMES.get(network, network)
