"""File articles: an uploaded HTML, Markdown, text or PDF file becomes an article whose
text is extracted for search and shown, while the original is kept for viewing or download
(portal.services.article_files). One upload is one committed action."""

import uuid
from pathlib import Path

from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Article, Workspace
from portal.services import article_content, article_files, articles, filenames
from portal.services.errors import Invalid
from portal.storage import get_storage

MAX_FILE = 20 * 1024 * 1024


def save_file(ws: Workspace, filename: str, data: bytes, *, article: Article | None = None,
              locale: str, title: str = "", description: str = "", **fields) -> Article:
    """Create a file article from `data`, or give `article` a new file; committed. Other
    `fields` are those of portal.services.articles.write."""
    if not data or not data.strip():
        raise Invalid(_("The file is empty."), field="file")
    try:
        _kind, found_title, text = article_content.extract(filename, data)
    except article_content.Unreadable as exc:
        raise Invalid(_("The file cannot be read: %(reason)s", reason=str(exc)),
                      field="file") from None
    if not text.strip():
        raise Invalid(_("The file has no text to show or search."), field="file")
    name = filenames.clean(filename)
    title = title.strip() or found_title or Path(name).stem
    replaced = article.file_key if article is not None else None
    fields.pop("body", None)
    article = articles.write(ws, article=article, kind="file", locale=locale, title=title,
                             description=description, body=text, **fields)
    key = uuid.uuid4().hex
    article.file_key, article.file_name = key, name
    article.file_type = article_files.file_type(name)
    get_storage().put(article_files.storage_key(ws.id, key), data, article.file_type)
    if replaced:
        article_files.remove_after_commit(ws.id, replaced)
    db.session.commit()
    return article


def save_upload(ws: Workspace, filename: str, stream, **fields) -> Article:
    """`save_file` from a readable `stream` (an uploaded file), refused when it is larger
    than MAX_FILE: at most one byte more is read."""
    data = stream.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise Invalid(_("The file is larger than 20 MB."), field="file")
    return save_file(ws, filename, data, **fields)
