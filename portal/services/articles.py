"""Knowledge-base articles for staff and tools: create and edit (native, uploaded file,
link), translations per locale, revisions (restorable), status and audience.

Every save keeps a revision and, after its commit, asks for the workspace's search index to
be rebuilt (`portal.search.request_reindex`)."""

import uuid
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.aftercommit import after_commit
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.kb import content
from portal.models import Article, ArticleRevision, ArticleTranslation, Directory, Workspace
from portal.models.base import as_id, utcnow
from portal.models.kb import AUDIENCES, KINDS, STATUSES
from portal.services import article_files, filenames
from portal.services.errors import Conflict, Invalid, NotFound
from portal.storage import get_storage

TITLE_MAX = 300
DESCRIPTION_MAX = 500
BODY_MAX = 500_000


def _check(title, description, body, status, audience, locale) -> None:
    if not isinstance(title, str) or not title.strip() or "\x00" in title:
        raise Invalid(_("Enter a title."), field="title")
    if len(title) > TITLE_MAX:
        raise Invalid(_("The title is too long."), field="title")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX \
            or "\x00" in description:
        raise Invalid(_("The description is too long."), field="description")
    if not isinstance(body, str) or len(body) > BODY_MAX or "\x00" in body:
        raise Invalid(_("The text is too long."), field="body")
    if status not in STATUSES:
        raise Invalid(_("Unknown status."), field="status")
    if audience not in AUDIENCES:
        raise Invalid(_("Unknown audience."), field="audience")
    if locale not in SUPPORTED:
        raise Invalid(_("Unsupported language."), field="locale")


def _free_slug(model, ws: Workspace, base: str, own_id: int | None) -> str:
    """`base`, or `base-2`, `base-3`, ...: the first slug no other row of `model` uses."""
    slug, n = base, 1
    while True:
        taken = db.session.scalar(select(model.id).where(
            model.workspace_id == ws.id, model.slug == slug))
        if taken is None or taken == own_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def unique_slug(ws: Workspace, wanted: str, article_id: int | None = None) -> str:
    return _free_slug(Article, ws, content.slugify(wanted), article_id)


def directory(ws: Workspace, directory_id: int | None) -> Directory | None:
    if directory_id is None:
        return None
    found = db.session.scalar(select(Directory).where(
        Directory.workspace_id == ws.id, Directory.id == directory_id))
    if found is None:
        raise Invalid(_("No such directory."), field="directory")
    return found


def directory_by_name(ws: Workspace, name: str, locale: str) -> Directory:
    """The top-level directory called `name` (made if missing): for imports."""
    slug = content.slugify(name, "directory")
    found = db.session.scalar(select(Directory).where(
        Directory.workspace_id == ws.id, Directory.slug == slug))
    if found is None:
        found = Directory(workspace_id=ws.id, slug=slug, names={locale: name.strip()})
        db.session.add(found)
        db.session.flush()
    return found


def save(ws: Workspace, *, article: Article | None = None, kind: str = "native",
         locale: str, title: str, description: str = "", body: str = "",
         status: str = "draft", audience: str = "public", directory_id: int | None = None,
         external_ref: str | None = None, slug: str | None = None,
         link_url: str | None = None, author: str = "") -> Article:
    """Create or update an article and its `locale` translation, keeping a revision."""
    _check(title, description, body, status, audience, locale)
    if kind not in KINDS:
        raise Invalid(_("Unknown kind of article."), field="kind")
    if kind == "link" and not _is_web_url(link_url):
        raise Invalid(_("Enter a web address (http or https)."), field="link_url")
    now = utcnow()
    if article is None:
        article = Article(workspace_id=ws.id, kind=kind, created_at=now,
                          slug=unique_slug(ws, slug or title), external_ref=external_ref)
        db.session.add(article)
    elif slug:
        article.slug = unique_slug(ws, slug, article.id)
    article.status, article.audience = status, audience
    article.directory_id = directory(ws, directory_id).id if directory_id else None
    article.link_url = link_url if kind == "link" else None
    article.updated_at = now
    if status == "published" and article.published_at is None:
        article.published_at = now
    db.session.flush()
    tr = next((t for t in article.translations if t.locale == locale), None)
    if tr is None:
        tr = ArticleTranslation(workspace_id=ws.id, article_id=article.id, locale=locale,
                                title=title, body="")
        article.translations.append(tr)
    tr.title, tr.description, tr.body = title.strip(), description.strip(), body
    tr.body_html = content.render_markdown(body) if kind == "native" else ""
    tr.updated_at = now
    db.session.add(ArticleRevision(workspace_id=ws.id, article_id=article.id, locale=locale,
                                   title=tr.title, description=tr.description, body=body,
                                   status=status, audience=audience, author=author,
                                   created_at=now))
    _reindex_after_commit(ws.id)
    db.session.flush()
    return article


def save_file(ws: Workspace, filename: str, data: bytes, *, article: Article | None = None,
              locale: str, title: str = "", description: str = "", **fields) -> Article:
    """An uploaded file (HTML, Markdown, text or PDF): the original is kept for viewing or
    download, its text is extracted for search and shown as the article's text."""
    if not data or not data.strip():
        raise Invalid(_("The file is empty."), field="file")
    try:
        _kind, found_title, text = content.extract(filename, data)
    except content.Unreadable as exc:
        raise Invalid(_("The file cannot be read: %(reason)s", reason=str(exc)),
                      field="file") from None
    if not text.strip():
        raise Invalid(_("The file has no text to show or search."), field="file")
    name = filenames.clean(filename)
    title = title.strip() or found_title or Path(name).stem
    replaced = article.file_key if article is not None else None
    article = save(ws, article=article, kind="file", locale=locale, title=title,
                   description=description, body=text, **fields)
    key = uuid.uuid4().hex
    article.file_key, article.file_name = key, name
    article.file_type = _file_type(name)
    get_storage().put(article_files.storage_key(ws.id, key), data, article.file_type)
    if replaced:
        article_files.remove_after_commit(ws.id, replaced)
    return article


def _file_type(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".pdf"):
        return "application/pdf"
    if lower.endswith((".html", ".htm")):
        return "text/html"
    if lower.endswith((".md", ".markdown")):
        return "text/markdown"
    return "text/plain"


def _is_web_url(url) -> bool:
    from urllib.parse import urlsplit

    if not isinstance(url, str) or len(url) > 2000:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def revisions(article: Article) -> list[ArticleRevision]:
    return list(db.session.scalars(select(ArticleRevision).where(
        ArticleRevision.article_id == article.id).order_by(ArticleRevision.id.desc())))


def restore(ws: Workspace, article: Article, revision_id: int, author: str) -> Article:
    rev = db.session.scalar(select(ArticleRevision).where(
        ArticleRevision.id == revision_id, ArticleRevision.article_id == article.id))
    if rev is None:
        raise NotFound(_("No such revision."))
    return save(ws, article=article, kind=article.kind, locale=rev.locale, title=rev.title,
                description=rev.description, body=rev.body, status=rev.status,
                audience=rev.audience, directory_id=article.directory_id,
                link_url=article.link_url, author=author)


def get(ws: Workspace, article_id) -> Article:
    """An article of `ws` by id, for staff (drafts included); NotFound otherwise."""
    key = as_id(article_id)
    if key is None:
        raise NotFound(_("No such article."))
    found = db.session.scalar(select(Article).where(
        Article.workspace_id == ws.id, Article.id == key))
    if found is None:
        raise NotFound(_("No such article."))
    return found


def set_status(ws: Workspace, article: Article, status: str, author: str = "") -> Article:
    """Publish or unpublish: saved like an edit of the main translation, so it leaves a
    revision and a reindex request."""
    tr = article.translation(ws.default_locale, ws.default_locale)
    if tr is None:
        raise Invalid(_("The article has no text yet."))
    return save(ws, article=article, kind=article.kind, locale=tr.locale, title=tr.title,
                description=tr.description, body=tr.body, status=status,
                audience=article.audience, directory_id=article.directory_id,
                link_url=article.link_url, author=author)


def delete_article(ws: Workspace, article: Article) -> None:
    """Remove the article with its translations and revisions, and its uploaded file."""
    if article.workspace_id != ws.id:
        raise NotFound(_("No such article."))
    key = article.file_key
    db.session.delete(article)
    _reindex_after_commit(ws.id)
    db.session.flush()
    if key:
        article_files.remove_after_commit(ws.id, key)


NAME_MAX = 200


def directory_ids_below(ws: Workspace, directory_id: int) -> set[int]:
    """`directory_id` and every directory nested under it."""
    children: dict[int | None, list[int]] = {}
    for child_id, parent_id in db.session.execute(select(Directory.id, Directory.parent_id)
                                                  .where(Directory.workspace_id == ws.id)):
        children.setdefault(parent_id, []).append(child_id)
    found, todo = set(), [directory_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def save_directory(ws: Workspace, *, directory_obj: Directory | None = None, names: dict,
                   descriptions: dict | None = None, parent_id: int | None = None,
                   position: int = 0, slug: str | None = None) -> Directory:
    """Create or update a directory: names per locale, a parent in the same workspace that
    is not the directory itself nor one nested under it, an order among its siblings."""
    if not isinstance(names, dict) or not isinstance(descriptions or {}, dict):
        raise Invalid(_("Names are given per language."), field="names")
    names = {code: text.strip() for code, text in names.items()
             if code in SUPPORTED and isinstance(text, str) and text.strip()}
    if not names:
        raise Invalid(_("Enter a name."), field="names")
    if any(len(text) > NAME_MAX or "\x00" in text for text in names.values()):
        raise Invalid(_("The name is too long."), field="names")
    descriptions = {code: text.strip() for code, text in (descriptions or {}).items()
                    if code in SUPPORTED and isinstance(text, str) and text.strip()}
    if any(len(text) > DESCRIPTION_MAX for text in descriptions.values()):
        raise Invalid(_("The description is too long."), field="descriptions")
    if not isinstance(position, int) or isinstance(position, bool) \
            or not -1_000_000 <= position <= 1_000_000:
        raise Invalid(_("The position must be a whole number."), field="position")
    try:
        parent = directory(ws, parent_id) if parent_id else None
    except Invalid:
        raise Invalid(_("No such directory."), field="parent") from None
    if parent is not None and directory_obj is not None and directory_obj.id is not None \
            and parent.id in directory_ids_below(ws, directory_obj.id):
        raise Invalid(_("A directory cannot be placed inside itself or one of its "
                        "subdirectories."), field="parent")
    wanted = content.slugify(slug or names.get(ws.default_locale)
                             or next(iter(names.values())), "directory")
    if directory_obj is None:
        directory_obj = Directory(workspace_id=ws.id, slug="")
        db.session.add(directory_obj)
    if slug or not directory_obj.slug:
        directory_obj.slug = _unique_directory_slug(ws, wanted, directory_obj.id)
    directory_obj.names, directory_obj.descriptions = names, descriptions
    directory_obj.parent_id = parent.id if parent is not None else None
    directory_obj.position = position
    _reindex_after_commit(ws.id)
    db.session.flush()
    return directory_obj


def _unique_directory_slug(ws: Workspace, base: str, directory_id: int | None) -> str:
    return _free_slug(Directory, ws, base, directory_id)


def get_directory(ws: Workspace, directory_id) -> Directory:
    key = as_id(directory_id)
    try:
        if key is None:
            raise Invalid(_("No such directory."))
        return directory(ws, key)
    except Invalid:
        raise NotFound(_("No such directory.")) from None


def delete_directory(ws: Workspace, directory_obj: Directory) -> None:
    """Delete an empty-of-subdirectories directory; its articles move to no directory."""
    if directory_obj.workspace_id != ws.id:
        raise NotFound(_("No such directory."))
    has_children = db.session.scalar(select(Directory.id).where(
        Directory.workspace_id == ws.id, Directory.parent_id == directory_obj.id).limit(1))
    if has_children is not None:
        raise Conflict(_("Move or delete its subdirectories first."))
    db.session.execute(update(Article).where(
        Article.workspace_id == ws.id, Article.directory_id == directory_obj.id)
        .values(directory_id=None))
    db.session.delete(directory_obj)
    _reindex_after_commit(ws.id)
    db.session.flush()


def directories(ws: Workspace) -> list[tuple[Directory, int]]:
    """Every directory of `ws` as (directory, depth), parents before their children, each
    level in order of position then name."""
    rows = list(db.session.scalars(select(Directory).where(Directory.workspace_id == ws.id)))
    children: dict[int | None, list[Directory]] = {}
    known = {d.id for d in rows}
    for d in rows:
        children.setdefault(d.parent_id if d.parent_id in known else None, []).append(d)
    out: list[tuple[Directory, int]] = []

    def walk(parent_id, depth):
        for d in sorted(children.get(parent_id, []),
                        key=lambda d: (d.position, d.name(ws.default_locale).lower())):
            out.append((d, depth))
            walk(d.id, depth + 1)

    walk(None, 0)
    return out


def _reindex_after_commit(workspace_id: int) -> None:
    after_commit(db.session, _request_reindex, workspace_id)


def _request_reindex(workspace_id: int) -> None:
    from portal.search import request_reindex

    request_reindex(workspace_id)
