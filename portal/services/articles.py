"""Knowledge-base articles for staff and tools: create and edit (native Markdown or a
link), one translation per locale at a time, revisions (restorable), status, audience and
delete. Uploaded-file articles are written by portal.services.article_uploads on top of
`write`.

Each action (`save`, `set_status`, `restore`, `delete_article`) commits once: every save
keeps a revision and, after its commit, asks for the workspace's search index to be rebuilt
(portal.services.article_index). `write` is the same save without the commit, for steps
composed into a larger action (a file upload, an import inside its savepoint)."""

from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import Article, ArticleRevision, ArticleTranslation, Workspace
from portal.models.base import utcnow
from portal.models.kb import AUDIENCES, KINDS, STATUSES
from portal.services import article_content, article_files, directories, scoped
from portal.services.article_index import reindex_after_commit
from portal.services.errors import Invalid, NotFound

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


def _check_kind(kind: str, link_url) -> None:
    if kind not in KINDS:
        raise Invalid(_("Unknown kind of article."), field="kind")
    if kind == "link" and not _is_web_url(link_url):
        raise Invalid(_("Enter a web address (http or https)."), field="link_url")


def _is_web_url(url) -> bool:
    if not isinstance(url, str) or len(url) > 2000:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def unique_slug(ws: Workspace, wanted: str, article_id: int | None = None) -> str:
    return scoped.free_slug(Article, ws, article_content.slugify(wanted), article_id)


def editable_locales(ws: Workspace, article: Article | None = None) -> list[str]:
    """The languages an article can have: the workspace's enabled ones (its default first)
    and any other an existing translation already uses."""
    enabled = [c for c in (ws.enabled_locales or []) if c in SUPPORTED]
    ordered = [ws.default_locale] + [c for c in enabled if c != ws.default_locale]
    for tr in (article.translations if article is not None else []):
        if tr.locale not in ordered:
            ordered.append(tr.locale)
    return ordered


def check_locale(ws: Workspace, locale, article: Article | None = None) -> str:
    """The language an edit is for: the workspace's default when none is given."""
    if locale in (None, ""):
        return ws.default_locale
    if locale not in editable_locales(ws, article):
        raise Invalid(_("This workspace does not use that language."), field="locale")
    return locale


def main_title(ws: Workspace, article: Article) -> str:
    """The title staff see: the workspace language's, else the slug."""
    tr = article.translation(ws.default_locale, ws.default_locale)
    return tr.title if tr is not None else article.slug


def get(ws: Workspace, article_id) -> Article:
    """An article of `ws` by id, for staff (drafts included); NotFound otherwise."""
    found = scoped.by_id(Article, ws, article_id)
    if found is None:
        raise NotFound(_("No such article."))
    return found


def revisions(article: Article) -> list[ArticleRevision]:
    return list(db.session.scalars(select(ArticleRevision).where(
        ArticleRevision.article_id == article.id).order_by(ArticleRevision.id.desc())))


def _write_translation(ws: Workspace, article: Article, *, locale: str, title: str,
                       description: str, body: str, author: str, now) -> None:
    """The `locale` translation of `article` (made if missing) and a revision of it."""
    tr = next((t for t in article.translations if t.locale == locale), None)
    if tr is None:
        tr = ArticleTranslation(workspace_id=ws.id, article_id=article.id, locale=locale,
                                title=title, body="")
        article.translations.append(tr)
    tr.title, tr.description, tr.body = title.strip(), description.strip(), body
    tr.body_html = article_content.render_markdown(body) if article.kind == "native" else ""
    tr.plain_text = article_content.plain_text(tr.description, body, tr.body_html)
    tr.updated_at = now
    db.session.add(ArticleRevision(
        workspace_id=ws.id, article_id=article.id, locale=locale, title=tr.title,
        description=tr.description, body=body, status=article.status,
        audience=article.audience, author=author, created_at=now))


def write(ws: Workspace, *, article: Article | None = None, kind: str = "native",
          locale: str, title: str, description: str = "", body: str = "",
          status: str = "draft", audience: str = "public", directory_id: int | None = None,
          external_ref: str | None = None, slug: str | None = None,
          link_url: str | None = None, author: str = "") -> Article:
    """Create or update an article and its `locale` translation, keeping a revision;
    flushed, not committed (see the module's docstring)."""
    _check(title, description, body, status, audience, locale)
    _check_kind(kind, link_url)
    now = utcnow()
    was_published = article is not None and article.status == "published"
    if article is None:
        article = Article(workspace_id=ws.id, kind=kind, created_at=now,
                          slug=unique_slug(ws, slug or title), external_ref=external_ref)
        db.session.add(article)
    elif slug:
        article.slug = unique_slug(ws, slug, article.id)
    article.status, article.audience = status, audience
    article.directory_id = directories.chosen(ws, directory_id).id if directory_id else None
    article.link_url = link_url if kind == "link" else None
    article.updated_at = now
    if status == "published" and article.published_at is None:
        article.published_at = now
    db.session.flush()
    _write_translation(ws, article, locale=locale, title=title, description=description,
                       body=body, author=author, now=now)
    reindex_after_commit(ws.id)
    db.session.flush()
    if status == "published" and not was_published:
        from portal.services import webhook_events

        webhook_events.article_published(ws, article)
    return article


def save(ws: Workspace, **fields) -> Article:
    """`write` (same arguments) as one committed action."""
    article = write(ws, **fields)
    db.session.commit()
    return article


def _save_again(ws: Workspace, article: Article, *, locale: str, title: str,
                description: str, body: str, status: str, audience: str,
                author: str) -> Article:
    """Save `article` with these texts and flags, its other fields kept; committed."""
    return save(ws, article=article, kind=article.kind, locale=locale, title=title,
                description=description, body=body, status=status, audience=audience,
                directory_id=article.directory_id, link_url=article.link_url,
                author=author)


def restore(ws: Workspace, article: Article, revision_id: int, author: str) -> Article:
    """Save a revision's texts, status and audience again as the newest revision."""
    rev = db.session.scalar(select(ArticleRevision).where(
        ArticleRevision.id == revision_id, ArticleRevision.article_id == article.id))
    if rev is None:
        raise NotFound(_("No such revision."))
    return _save_again(ws, article, locale=rev.locale, title=rev.title,
                       description=rev.description, body=rev.body, status=rev.status,
                       audience=rev.audience, author=author)


def set_status(ws: Workspace, article: Article, status: str, author: str = "") -> Article:
    """Publish or unpublish: saved like an edit of the main translation, so it leaves a
    revision and a reindex request."""
    tr = article.translation(ws.default_locale, ws.default_locale)
    if tr is None:
        raise Invalid(_("The article has no text yet."))
    return _save_again(ws, article, locale=tr.locale, title=tr.title,
                       description=tr.description, body=tr.body, status=status,
                       audience=article.audience, author=author)


def delete_article(ws: Workspace, article: Article) -> None:
    """Remove the article with its translations and revisions, and its uploaded file."""
    if article.workspace_id != ws.id:
        raise NotFound(_("No such article."))
    key = article.file_key
    db.session.delete(article)
    reindex_after_commit(ws.id)
    if key:
        article_files.remove_after_commit(ws.id, key)
    db.session.commit()
