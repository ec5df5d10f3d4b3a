"""Who may read which knowledge-base article (customers and anonymous readers; staff read
every article of their workspace). Decided here once and applied everywhere:
pages, search results and counts, related articles, suggestions, API, sitemap and PDF.

- The workspace's knowledge base access: `off` (nobody), `private` (signed-in customers),
  `public` (anyone may browse, search and read articles visible to all).
- An article's audience: `public` (all customers; anonymous readers too when access is
  public), `verified` (signed-in, verified customers), `admins` (Customer Admins).
- Drafts are never visible in the portal.
"""

from sqlalchemy import and_, false, or_, select
from sqlalchemy.sql import ColumnElement

from portal.extensions import db
from portal.models import Article, Contact, Workspace
from portal.models.base import as_id
from portal.request_memo import memo
from portal.services import contacts, portal_settings


def access(ws: Workspace) -> str:
    return memo(("kb_access", ws.id),
                lambda: portal_settings.published(ws).features.knowledge_base)


def audiences(ws: Workspace, reader: Contact | None) -> tuple[str, ...]:
    """The audiences `reader` (None: an anonymous visitor) may read in `ws` (worked out
    once per request: a page asks four or five times)."""
    if reader is None:
        return memo(("kb_audiences", ws.id, None), lambda: _audiences(ws, None))
    return memo(("kb_audiences", ws.id, reader.id, reader.active, reader.verified),
                lambda: _audiences(ws, reader))


def _audiences(ws: Workspace, reader: Contact | None) -> tuple[str, ...]:
    mode = access(ws)
    if mode == "off":
        return ()
    if reader is None or not reader.active:
        return ("public",) if mode == "public" else ()
    allowed = ["public"]
    if reader.verified:
        allowed.append("verified")
        if contacts.is_customer_admin(reader):
            allowed.append("admins")
    return tuple(allowed)


def can_browse(ws: Workspace, reader: Contact | None) -> bool:
    return bool(audiences(ws, reader))


def visible_condition(ws: Workspace, reader: Contact | None) -> ColumnElement:
    return audience_condition(ws, audiences(ws, reader))


def audience_condition(ws: Workspace, allowed: tuple[str, ...]) -> ColumnElement:
    """The articles readers of the `allowed` audiences (from `audiences`) may open."""
    if not allowed:
        return false()
    return and_(Article.workspace_id == ws.id, Article.status == "published",
                Article.audience.in_(allowed))


def visible_articles(ws: Workspace, reader: Contact | None):
    """A select of the articles `reader` may open (add ordering, filters, limits)."""
    return select(Article).where(visible_condition(ws, reader))


def get_visible(ws: Workspace, reader: Contact | None, id_or_slug) -> Article | None:
    key = str(id_or_slug)
    match = Article.slug == key
    article_id = as_id(key)
    if article_id is not None:
        match = or_(match, Article.id == article_id)
    return db.session.scalar(visible_articles(ws, reader).where(match))


def visible_ids(ws: Workspace, reader: Contact | None) -> set[int]:
    """Ids of every readable article: search filters candidates with this before ranking."""
    return set(db.session.scalars(select(Article.id).where(visible_condition(ws, reader))))
