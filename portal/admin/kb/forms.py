"""What the knowledge-base admin pages and the staff REST API share: labels, reading an
article's or a directory's fields from a form or a JSON body, and saving a submitted
article (with its uploaded file when it is a file article)."""

from contextlib import contextmanager

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models import Article, Workspace
from portal.models.base import ID_MAX
from portal.services import article_uploads, articles
from portal.services.errors import Invalid

KIND_LABELS = {"native": _l("Article"), "file": _l("Uploaded file"), "link": _l("Link")}
STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}
AUDIENCE_LABELS = {"public": _l("All customers"), "verified": _l("Verified customers"),
                   "admins": _l("Customer admins")}
JSON_FIELDS = {"directory": "directory_id", "parent": "parent_id"}


def upload_limit() -> int:
    """The largest body of an article upload: the file and the form's text."""
    from portal.services.attachments import FORM_BYTES

    return article_uploads.MAX_FILE + FORM_BYTES


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


def article_values(article: Article, locale: str) -> dict:
    """The edit form's values: the `locale` translation's texts and the article's flags."""
    tr = next((t for t in article.translations if t.locale == locale), None)
    return {"title": tr.title if tr else "", "description": tr.description if tr else "",
            "body": tr.body if tr and article.kind == "native" else "",
            "slug": article.slug, "status": article.status, "audience": article.audience,
            "link_url": article.link_url or "", "directory_id": article.directory_id or ""}


def save_article(ws: Workspace, article: Article | None, kind: str, fields: dict, upload,
                 author: str, *, no_file: str) -> Article:
    """Save a submitted article (committed). A file article takes `upload` (a file from
    the request) as its new file; creating one without a file is refused with `no_file`."""
    if kind == "file" and upload is not None and upload.filename:
        return article_uploads.save_upload(ws, upload.filename, upload, article=article,
                                           author=author, **fields)
    if kind == "file" and article is None:
        raise Invalid(no_file, field="file")
    return articles.save(ws, article=article, kind=kind, author=author, **fields)


@contextmanager
def json_field_names():
    """The services name the directory fields as the admin form does; the staff API's
    errors name its JSON keys."""
    try:
        yield
    except Invalid as exc:
        if exc.details.get("field") not in JSON_FIELDS:
            raise
        raise Invalid(exc.message, field=JSON_FIELDS[exc.details["field"]]) from None


def directory_fields(values, locales: list[str]) -> dict:
    """The directory service's arguments from the directory form."""
    raw_position = (values.get("position") or "0").strip()
    try:
        position = int(raw_position)
    except ValueError:
        raise Invalid(_("The position must be a whole number."), field="position") from None
    return {
        "names": {code: values.get(f"name_{code}", "") for code in locales},
        "descriptions": {code: values.get(f"description_{code}", "") for code in locales},
        "parent_id": int_or_none(values.get("parent_id"), "parent"),
        "position": position,
        "slug": (values.get("slug") or "").strip() or None,
    }


def directory_values(directory) -> dict:
    """The directory form's values for an existing directory."""
    values = {"slug": directory.slug, "position": str(directory.position),
              "parent_id": directory.parent_id or ""}
    for code, text in (directory.names or {}).items():
        values[f"name_{code}"] = text
    for code, text in (directory.descriptions or {}).items():
        values[f"description_{code}"] = text
    return values
