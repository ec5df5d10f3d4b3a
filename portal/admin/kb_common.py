"""What the knowledge-base admin pages and the staff REST API share: labels, the languages
an article is edited in, and reading an article's fields from a form or a JSON body."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import SUPPORTED
from portal.models import Article, Workspace
from portal.models.base import ID_MAX
from portal.services.errors import Invalid

KIND_LABELS = {"native": _l("Article"), "file": _l("Uploaded file"), "link": _l("Link")}
STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}
AUDIENCE_LABELS = {"public": _l("All customers"), "verified": _l("Verified customers"),
                   "admins": _l("Customer admins")}
MAX_FILE = 20 * 1024 * 1024


def upload_limit() -> int:
    """The largest body of an article upload: the file and the form's text."""
    from portal.services.attachments import FORM_BYTES

    return MAX_FILE + FORM_BYTES


def workspace_locales(ws: Workspace, article: Article | None = None) -> list[str]:
    """The languages an article can have: the workspace's enabled ones (its default first)
    and any other an existing translation already uses."""
    enabled = [c for c in (ws.enabled_locales or []) if c in SUPPORTED]
    ordered = [ws.default_locale] + [c for c in enabled if c != ws.default_locale]
    for tr in (article.translations if article is not None else []):
        if tr.locale not in ordered:
            ordered.append(tr.locale)
    return ordered


def title_of(article: Article, ws: Workspace) -> str:
    tr = article.translation(ws.default_locale, ws.default_locale)
    return tr.title if tr is not None else article.slug


def int_or_none(raw, field: str) -> int | None:
    """A form or JSON id: empty means none; anything else must be a whole number."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise Invalid(_("Choose one from the list."), field=field)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Invalid(_("Choose one from the list."), field=field) from None
    if not -ID_MAX <= value <= ID_MAX:  # would overflow the database's integer
        raise Invalid(_("The number is out of range."), field=field)
    return value


def article_fields(values, article: Article | None, ws: Workspace, locale: str) -> dict:
    """The service's keyword arguments from submitted `values` (a form or a JSON object);
    a field left out keeps the article's (or this translation's) current value."""
    tr = next((t for t in article.translations if t.locale == locale), None) \
        if article is not None else None
    fallback = article.translation(ws.default_locale, ws.default_locale) \
        if article is not None else None

    def pick(name, current, default=""):
        value = values.get(name)
        if value is None:
            return current if current is not None else default
        if not isinstance(value, str):
            raise Invalid(_("This must be text."), field=name)
        return value

    fields = {
        "locale": locale,
        "title": pick("title", tr.title if tr else None),
        "description": pick("description", tr.description if tr else None),
        "status": pick("status", article.status if article else None, "draft"),
        "audience": pick("audience", article.audience if article else None, "public"),
        "slug": (pick("slug", None) or "").strip() or None,
        "directory_id": (int_or_none(values.get("directory_id"), "directory")
                         if "directory_id" in values else
                         (article.directory_id if article else None)),
    }
    kind = article.kind if article is not None else values.get("kind", "native")
    if kind == "native":
        fields["body"] = pick("body", tr.body if tr else None)
    elif kind == "file":
        fields["body"] = (tr or fallback).body if (tr or fallback) else ""
    else:
        fields["body"] = ""
        fields["link_url"] = pick("link_url", article.link_url if article else None).strip()
    return fields


def check_locale(ws: Workspace, locale, article: Article | None = None) -> str:
    if locale in (None, ""):
        return ws.default_locale
    if locale not in workspace_locales(ws, article):
        raise Invalid(_("This workspace does not use that language."), field="locale")
    return locale
