"""Which articles a list shows.

- Staff (admin pages and the staff API): `staff_page`, every article of the workspace,
  drafts included, filtered by directory, status and kind. The one query both surfaces use.
- Readers (portal pages and the customer API): directories with the number of articles the
  reader may open, a directory's articles, popular ones, a page of them (related articles
  add search's similar ones to `same_directory`: portal.search.related).
  Every reader query starts from portal.services.article_access (visible_articles /
  visible_condition), so a count, a list or a "related" box never includes an article the
  reader could not open."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Article, ArticleTranslation, Contact, Directory, Workspace
from portal.models.kb import KINDS, STATUSES
from portal.services import article_access, scoped

POPULAR_LIMIT = 6


@dataclass
class StaffPage:
    total: int  # every article that matches the filters
    rows: list[Article]  # those of the page, most recently updated first


def staff_page(ws: Workspace, *, directory_id: int | None = None, status: str | None = None,
               kind: str | None = None, limit: int = 50, offset: int = 0) -> StaffPage:
    """Articles of `ws` for staff, drafts included. A status or kind that is not one of the
    known ones filters nothing (the admin page's links may carry any text)."""
    stmt = select(Article).where(Article.workspace_id == ws.id)
    if directory_id:
        stmt = stmt.where(Article.directory_id == directory_id)
    if status in STATUSES:
        stmt = stmt.where(Article.status == status)
    if kind in KINDS:
        stmt = stmt.where(Article.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(_with_text(stmt)
                              .order_by(Article.updated_at.desc(), Article.id.desc())
                              .limit(limit).offset(offset))
    return StaffPage(total, list(rows))


@dataclass
class Node:
    directory: Directory
    count: int = 0  # visible articles here and in every directory below
    children: list["Node"] = field(default_factory=list)


def tree(ws: Workspace, reader: Contact | None) -> dict[int, Node]:
    """Every directory of `ws` by id, with its children and its visible-article count."""
    rows = list(db.session.scalars(select(Directory).where(Directory.workspace_id == ws.id)))
    nodes = {d.id: Node(d) for d in rows}
    own = dict(db.session.execute(
        select(Article.directory_id, func.count(Article.id))
        .where(article_access.visible_condition(ws, reader), Article.directory_id.is_not(None))
        .group_by(Article.directory_id)).all())
    for node in nodes.values():
        parent = nodes.get(node.directory.parent_id)
        if parent is not None:
            parent.children.append(node)
    for node_id, count in own.items():
        seen = set()
        current = nodes.get(node_id)
        while current is not None and current.directory.id not in seen:  # cycles: stop
            seen.add(current.directory.id)
            current.count += count
            current = nodes.get(current.directory.parent_id)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.directory.position, n.directory.slug))
    return nodes


def shown(nodes: list[Node]) -> list[Node]:
    """Directories worth showing: those with something the reader may open."""
    return [n for n in nodes if n.count > 0]


def top_level(ws: Workspace, reader: Contact | None) -> list[Node]:
    nodes = tree(ws, reader)
    tops = [n for n in nodes.values() if nodes.get(n.directory.parent_id) is None]
    return shown(sorted(tops, key=lambda n: (n.directory.position, n.directory.slug)))


def directory_by_slug(ws: Workspace, slug: str) -> Directory | None:
    return db.session.scalar(select(Directory).where(Directory.workspace_id == ws.id,
                                                     Directory.slug == slug))


def ancestors(ws: Workspace, directory: Directory | None) -> list[Directory]:
    """`directory` and its parents, the top-level one first (for breadcrumbs)."""
    chain: list[Directory] = []
    seen = set()
    while directory is not None and directory.id not in seen:
        seen.add(directory.id)
        chain.insert(0, directory)
        directory = db.session.get(Directory, directory.parent_id) \
            if directory.parent_id else None
    return chain


def _with_text(query):
    return query.options(selectinload(Article.translations))


def _with_titles(query):
    """For lists that show titles and descriptions only: the bodies (long, and rendered
    HTML besides) stay in the database."""
    return query.options(selectinload(Article.translations).load_only(
        ArticleTranslation.locale, ArticleTranslation.title, ArticleTranslation.description))


def in_directory(ws: Workspace, reader: Contact | None, directory: Directory) -> list[Article]:
    return list(db.session.scalars(_with_titles(
        article_access.visible_articles(ws, reader).where(Article.directory_id == directory.id)
        .order_by(Article.position, Article.slug))))


def popular(ws: Workspace, reader: Contact | None, limit: int = POPULAR_LIMIT) -> list[Article]:
    return list(db.session.scalars(_with_titles(
        article_access.visible_articles(ws, reader)
        .order_by(Article.views.desc(), Article.helpful_yes.desc(), Article.id.desc())
        .limit(limit))))


def same_directory(ws: Workspace, reader: Contact | None, article: Article,
                   limit: int) -> list[Article]:
    """Other readable articles of `article`'s directory, in their order."""
    if article.directory_id is None:
        return []
    return list(db.session.scalars(_with_titles(
        article_access.visible_articles(ws, reader)
        .where(Article.directory_id == article.directory_id, Article.id != article.id)
        .order_by(Article.position, Article.slug).limit(limit))))


def directory_by_key(ws: Workspace, key: str) -> Directory | None:
    """A directory of `ws` by slug, or by id when `key` is a number."""
    return directory_by_slug(ws, key[:100]) or scoped.by_id(Directory, ws, key)


def visible_page(ws: Workspace, reader: Contact | None, directory: Directory | None,
                 page: int, per_page: int) -> tuple[int, list[Article]]:
    """(total, articles of the page) that `reader` may open, optionally in one directory."""
    query = article_access.visible_articles(ws, reader)
    if directory is not None:
        query = query.where(Article.directory_id == directory.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(_with_text(query).options(selectinload(Article.directory))
                              .order_by(Article.position, Article.id)
                              .offset((page - 1) * per_page).limit(per_page))
    return total, list(rows)
