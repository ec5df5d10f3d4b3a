"""The uploaded originals of file articles: where they are stored, when they are removed
and how they are sent. Who may read an article is decided before
(portal.services.article_access for customers, the staff views for staff); writing a file
article is portal.services.article_uploads."""

from flask_babel import gettext as _

from portal.aftercommit import after_commit
from portal.extensions import db
from portal.models import Article
from portal.services.errors import NotFound
from portal.storage import FileMissing, get_storage


def storage_key(workspace_id: int, file_key: str) -> str:
    """Where an uploaded original is stored (portal.storage), e.g. `kb/7/<hex>`."""
    return f"kb/{workspace_id}/{file_key}"


def file_type(name: str) -> str:
    """The content type an original is stored and sent with, from its file name."""
    lower = name.lower()
    if lower.endswith(".pdf"):
        return "application/pdf"
    if lower.endswith((".html", ".htm")):
        return "text/html"
    if lower.endswith((".md", ".markdown")):
        return "text/markdown"
    return "text/plain"


def remove_after_commit(workspace_id: int, file_key: str) -> None:
    """Remove a replaced or deleted original once the change is committed (a rollback
    keeps it, as the row still refers to it)."""
    after_commit(db.session, _remove, storage_key(workspace_id, file_key))


def _remove(key: str) -> None:
    get_storage().delete(key)


def original(article: Article, *, download: bool, render_html: bool = False):
    """The original as a response: shown in the browser or, with `download`, as a download.
    HTML is shown as its source unless `render_html` (the caller's sandbox CSP then keeps
    it inert). NotFound when the article has no stored file."""
    if article.kind != "file" or not article.file_key:
        raise NotFound(_("This article has no uploaded file."))
    content_type = article.file_type or "application/octet-stream"
    if not download and not render_html and content_type == "text/html":
        content_type = "text/plain"
    try:
        return get_storage().download_response(
            storage_key(article.workspace_id, article.file_key),
            filename=article.file_name or "file", content_type=content_type,
            as_attachment=download)
    except FileMissing:
        raise NotFound(_("This article has no uploaded file.")) from None
