"""What a customer-facing surface (the portal's pages, a mobile app through
`GET /api/v1/workspaces/<slug>/portal`) needs of the published portal settings to draw
itself: name, images, theme and colour tokens, tabs, hero, footer, the banner showing now
and which features are on. Nothing private: no draft, no allowlist, no ticket limits.
"""

import hashlib
from datetime import UTC, datetime
from functools import lru_cache

from markupsafe import Markup

from portal.appearance import colors
from portal.models import Workspace
from portal.services import article_content, portal_settings
from portal.services.portal_settings_schema import DEFAULT_ACCENT, DEFAULT_DARK_ACCENT

FEATURES = ("knowledge_base", "tickets", "ai_search", "pdf_export", "article_subscriptions",
            "plug", "seo")


@lru_cache(maxsize=256)
def color_tokens(accent: str, dark_accent: str) -> dict:
    """The colour tokens of both schemes (portal.appearance.colors), worked out once per
    pair of accents. The theme's own accent keeps the theme's own dark one."""
    if accent == DEFAULT_ACCENT and not dark_accent:
        dark_accent = DEFAULT_DARK_ACCENT
    found = colors.tokens(accent, dark_accent=dark_accent or None)
    return {"light": found["light"], "dark": found["dark"]}


def active_banner(settings, now: datetime | None = None) -> dict | None:
    """The communication banner when it is on and `now` is within its times, else None."""
    banner = settings.features.banner
    if not banner.enabled or not banner.text:
        return None
    now = now or datetime.now(UTC)
    if banner.starts_at and now < _moment(banner.starts_at):
        return None
    if banner.ends_at and now >= _moment(banner.ends_at):
        return None
    return {"level": banner.level, "text": banner.text.as_dict(),
            "starts_at": banner.starts_at, "ends_at": banner.ends_at}


def localized(texts, locale: str, default_locale: str) -> str:
    """The text of {locale: text} in `locale`, else the default locale's, else any."""
    texts = texts.as_dict() if hasattr(texts, "as_dict") else (texts or {})
    return texts.get(locale) or texts.get(default_locale) or next(iter(texts.values()), "")


def banner_html(banner: dict | None, locale: str, default_locale: str) -> Markup | None:
    """The active banner's text as safe HTML (limited Markdown, sanitized), or None."""
    if banner is None:
        return None
    text = localized(banner["text"], locale, default_locale)
    return Markup(article_content.render_limited_markdown(text)) if text else None


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def header_tabs(settings) -> list[dict]:
    """The tabs in their order; a built-in tab only while its feature is on."""
    features = settings.features
    shown = []
    for tab in settings.appearance.header_tabs:
        if tab.kind in ("knowledge_base", "tickets") and features[tab.kind] == "off":
            continue
        shown.append({"kind": tab.kind, "label": tab.label.as_dict(), "url": tab.url or None})
    return shown


def public(ws: Workspace) -> dict:
    settings = portal_settings.published(ws)
    look = settings.appearance
    return {
        "name": look.company_name or ws.name,
        "logo": look.logo or None,
        "logo_dark": look.logo_dark or None,
        "favicon": look.favicon or None,
        "theme": look.theme,
        "colors": color_tokens(look.accent_color, look.dark_accent_color),
        "header_tabs": header_tabs(settings),
        "hero": look.hero.as_dict(),
        "footer": look.footer.as_dict(),
        "banner": active_banner(settings),
        "features": {name: settings.features[name] for name in FEATURES},
        "locales": {"default": ws.default_locale, "enabled": list(ws.enabled_locales or [])},
    }


@lru_cache(maxsize=256)
def stylesheet(accent: str, dark_accent: str, css: str) -> tuple[str, str]:
    """(digest, text) of a workspace's own stylesheet: its colour tokens for light and dark
    (the dark ones also when the theme forces dark: data-theme on <html>), then its custom
    CSS as the checker wrote it out. The digest names it in its URL."""
    found = color_tokens(accent, dark_accent)
    text = (f":root {{\n{colors.css_block(found['light'])}\n}}\n"
            "@media (prefers-color-scheme: dark) {\n"
            f":root:not([data-theme=\"light\"]) {{\n{colors.css_block(found['dark'])}\n}}\n}}\n"
            f":root[data-theme=\"dark\"] {{\n{colors.css_block(found['dark'])}\n}}\n")
    if css:
        text += f"/* the workspace's custom CSS */\n{css}\n"
    return hashlib.sha256(text.encode()).hexdigest()[:16], text


def look(ws: Workspace) -> dict:
    """What every portal page of `ws` needs of its settings: theme, stylesheet digest and
    text, tabs, hero, footer, banner (in the admin's preview of a draft, the draft's: that
    request's `published` is the draft, portal.web.preview)."""
    settings = portal_settings.published(ws)
    appearance = settings.appearance
    digest, text = stylesheet(appearance.accent_color, appearance.dark_accent_color,
                              settings.custom_css)
    return {"theme": appearance.theme, "stylesheet": digest, "stylesheet_text": text,
            "settings": settings, "banner": active_banner(settings),
            "tabs": header_tabs(settings)}
