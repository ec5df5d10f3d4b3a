"""Search engines (issue 14, part 1): what a workspace offers to crawlers and assistants.

With `features.seo` off (the default) nothing is offered: every portal page says
`noindex` and the sitemap, robots.txt, llms.txt and Markdown copies are 404. On, only what
an anonymous visitor may read is ever listed (portal.services.article_access with no
reader): drafts, verified-only and admins-only articles never, nor a directory holding
none of the rest. A translation is advertised (sitemap entry, hreflang alternate) only in
the locales it exists in and the workspace offers.

Paths are the web layer's (url_for); this module gives the rows, locales and dates.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Article, Directory, Workspace
from portal.services import article_access, article_lists, portal_settings

INDEXABLE = ("portal.home", "portal.directory", "portal.article")
KEPT_OUT = ("signin", "tickets", "search")  # robots.txt: per workspace and locale


def enabled(ws: Workspace | None) -> bool:
    return ws is not None and bool(portal_settings.published(ws).features.seo)


def open_to_anyone(ws: Workspace, article: Article) -> bool:
    """Whether an anonymous visitor may open `article` (the only ones advertised)."""
    return article.status == "published" and article.audience in article_access.audiences(
        ws, None)


def offered_locales(ws: Workspace) -> list[str]:
    """The workspace's locales, the default first."""
    enabled_ = list(ws.enabled_locales or [])
    first = [ws.default_locale] if ws.default_locale in enabled_ else []
    return first + [code for code in enabled_ if code not in first]


def article_locales(ws: Workspace, article: Article) -> list[str]:
    """The offered locales `article` has a translation in."""
    have = {tr.locale for tr in article.translations}
    return [code for code in offered_locales(ws) if code in have]


def directory_locales(ws: Workspace, directory: Directory) -> list[str]:
    """The offered locales `directory` has a name in (the default one when it has none)."""
    names = directory.names or {}
    found = [code for code in offered_locales(ws) if code in names]
    return found or [ws.default_locale]


def public_articles(ws: Workspace) -> list[Article]:
    """Every article an anonymous visitor may open, with its translations, in order."""
    return list(db.session.scalars(
        article_access.visible_articles(ws, None)
        .options(selectinload(Article.translations))
        .order_by(Article.position, Article.id)))


def public_directories(ws: Workspace) -> list[Directory]:
    """The directories holding something an anonymous visitor may open."""
    nodes = article_lists.tree(ws, None)
    return sorted((n.directory for n in nodes.values() if n.count > 0),
                  key=lambda d: (d.position, d.slug))


def changed_at(article: Article, locale: str) -> datetime:
    """When the `locale` text of `article` (or the article itself) last changed."""
    times = [article.updated_at] + [tr.updated_at for tr in article.translations
                                    if tr.locale == locale and tr.updated_at]
    return max(t for t in times if t is not None)


@dataclass
class Entry:
    kind: str  # home, directory, article
    row: object | None
    locales: list[str]  # where it exists (its alternates)
    lastmod: datetime | None = None


@dataclass
class SiteMap:
    locale: str
    entries: list[Entry] = field(default_factory=list)


def site_map(ws: Workspace, locale: str) -> SiteMap:
    """The pages of `ws` in `locale` that a search engine may list: the home page, the
    directories and the articles anyone may read, each with the locales it exists in and
    when it last changed."""
    found = SiteMap(locale)
    articles = public_articles(ws) if article_access.can_browse(ws, None) else []
    directories = public_directories(ws) if articles else []
    newest_in = _newest_by_directory(directories, articles)
    newest = max((a.updated_at for a in articles), default=None)
    found.entries.append(Entry("home", None, offered_locales(ws), newest))
    for directory in directories:
        locales = directory_locales(ws, directory)
        if locale in locales:
            found.entries.append(Entry("directory", directory, locales,
                                       newest_in.get(directory.id)))
    for article in articles:
        locales = article_locales(ws, article)
        if locale in locales:
            found.entries.append(Entry("article", article, locales,
                                       changed_at(article, locale)))
    return found


def _newest_by_directory(directories, articles) -> dict[int, datetime]:
    """The newest change of a readable article in each directory or one below it."""
    parents = {d.id: d.parent_id for d in directories}
    newest: dict[int, datetime] = {}
    for article in articles:
        current, seen = article.directory_id, set()
        while current is not None and current not in seen:
            seen.add(current)
            if current in parents and (current not in newest
                                       or newest[current] < article.updated_at):
                newest[current] = article.updated_at
            current = parents.get(current)
    return newest


def workspaces_on_host(host_ws: Workspace | None) -> list[Workspace]:
    """The workspaces whose pages are canonical on a host and have SEO on: the custom
    domain's own workspace, or on the portal's host every workspace without a domain."""
    if host_ws is not None:
        return [host_ws] if enabled(host_ws) else []
    rows = db.session.scalars(select(Workspace).where(Workspace.custom_domain.is_(None))
                              .order_by(Workspace.slug))
    return [ws for ws in rows if enabled(ws)]


def llms_articles(ws: Workspace, locale: str) -> list[tuple[Directory | None, list[Article]]]:
    """The articles anyone may read that have a `locale` text, grouped by directory."""
    groups: dict[int | None, list[Article]] = {}
    for article in public_articles(ws) if article_access.can_browse(ws, None) else []:
        if locale in article_locales(ws, article):
            groups.setdefault(article.directory_id, []).append(article)
    directories = {d.id: d for d in public_directories(ws)}
    ordered = [d for d in directories.values() if d.id in groups]
    result = [(d, groups[d.id]) for d in ordered]
    if None in groups:
        result.insert(0, (None, groups[None]))
    return result
