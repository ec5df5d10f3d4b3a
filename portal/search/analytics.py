"""Search analytics for admins, over a period: what customers search for most, what finds
nothing, and what finds articles that nobody opens (both are gaps in the knowledge base),
and the synonyms those searches propose. Queries are grouped by their logged form
(lowercased, spaces collapsed)."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import ArticleTranslation, Contact, SearchQuery, Workspace
from portal.models.base import utcnow
from portal.search import synonyms
from portal.tenancy import use_workspace


@dataclass
class QueryStat:
    query: str
    searches: int        # how often it was searched in the period
    avg_results: float   # mean number of results shown
    opened: int          # searches after which a result was opened


def _stats(ws: Workspace, since: datetime, until: datetime | None, limit: int, *having,
           where=()) -> list[QueryStat]:
    searches = func.count(SearchQuery.id)
    opened = func.count(SearchQuery.opened_article_id)
    stmt = (select(SearchQuery.query, searches, func.avg(SearchQuery.results), opened)
            .where(SearchQuery.workspace_id == ws.id, SearchQuery.created_at >= since,
                   *where)
            .group_by(SearchQuery.query)
            .order_by(searches.desc(), SearchQuery.query).limit(limit))
    if until is not None:
        stmt = stmt.where(SearchQuery.created_at < until)
    for condition in having:
        stmt = stmt.having(condition(searches, opened))
    with use_workspace(ws.id):
        rows = db.session.execute(stmt).all()
    return [QueryStat(q, int(n), round(float(avg or 0), 1), int(o)) for q, n, avg, o in rows]


def top_queries(ws: Workspace, since: datetime, until: datetime | None = None,
                limit: int = 20) -> list[QueryStat]:
    return _stats(ws, since, until, limit)


def no_results(ws: Workspace, since: datetime, until: datetime | None = None,
               limit: int = 20) -> list[QueryStat]:
    """Searches that found nothing: articles to write (or words to add)."""
    return _stats(ws, since, until, limit, where=(SearchQuery.results == 0,))


def unopened(ws: Workspace, since: datetime, until: datetime | None = None,
             limit: int = 20) -> list[QueryStat]:
    """Searches with results of which no customer opened any: the results look wrong."""
    return _stats(ws, since, until, limit, lambda _n, opened: opened == 0,
                  where=(SearchQuery.results > 0,))


def totals(ws: Workspace, since: datetime) -> dict:
    """The period's searches, those that found nothing and those after which a result was
    opened."""
    row = db.session.execute(
        select(func.count(),
               func.sum(case((SearchQuery.results == 0, 1), else_=0)),
               func.sum(case((SearchQuery.opened_article_id.is_not(None), 1), else_=0)))
        .where(SearchQuery.workspace_id == ws.id, SearchQuery.created_at >= since)).one()
    return {"searches": row[0] or 0, "no_results": int(row[1] or 0), "opened": int(row[2] or 0)}


# -- synonym proposals -------------------------------------------------------------------

WINDOW = timedelta(minutes=10)  # a search that found nothing, then one that worked
SCAN_MAX = 5000  # the period's newest searches of each kind read for proposals


def visitor_key(ws: Workspace, reader: Contact | None, address: str | None) -> str:
    """A keyed hash of the searcher (the contact, else the client address) and the UTC day:
    enough to tell which searches one visitor made in a row, useless for anything else."""
    secret = current_app.config["SECRET_KEY"].encode()
    who = f"c{reader.id}" if reader is not None else f"a{address or ''}"
    day = utcnow().date().isoformat()
    message = f"kb-search|{ws.id}|{day}|{who}"  # never the same key in two workspaces
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class Proposal:
    locale: str
    missing: str      # the words of a search that found nothing
    found: str        # the words of the visitor's next search, whose result they opened
    article_id: int   # the article they opened (the most opened one)
    title: str
    visitors: int     # visitors who went this way

    @property
    def terms(self) -> str:
        return f"{self.missing}, {self.found}"


def proposals(ws: Workspace, since: datetime, limit: int = 20) -> list[Proposal]:
    """Synonyms to add: a search that found nothing followed, by the same visitor within
    WINDOW, by a search whose result they opened proposes "<its words> = <the words that
    worked>" (the words both share left out), unless a group holds both already."""
    q = SearchQuery
    base = select(q.visitor, q.locale, q.query, q.opened_article_id, q.created_at).where(
        q.workspace_id == ws.id, q.created_at >= since, q.visitor.is_not(None))
    with use_workspace(ws.id):
        empty = db.session.execute(base.where(q.results == 0)
                                   .order_by(q.created_at.desc()).limit(SCAN_MAX)).all()
        if not empty:
            return []
        opened = db.session.execute(base.where(q.opened_article_id.is_not(None))
                                    .order_by(q.created_at.desc()).limit(SCAN_MAX)).all()
    later: dict[str, list] = {}
    for row in reversed(opened):  # each visitor's in time order
        later.setdefault(row.visitor, []).append(row)
    found: dict[tuple[str, str, str], dict] = {}
    for miss in empty:
        hit = next((row for row in later.get(miss.visitor, ()) if row.locale == miss.locale
                    and miss.created_at < row.created_at <= miss.created_at + WINDOW), None)
        if hit is None:
            continue
        pair = _words_apart(miss.locale, miss.query, hit.query)
        if pair is None:
            continue
        entry = found.setdefault((miss.locale, *pair), {"visitors": set(), "articles": {}})
        entry["visitors"].add(miss.visitor)
        articles = entry["articles"]
        articles[hit.opened_article_id] = articles.get(hit.opened_article_id, 0) + 1
    made = []
    for (locale, missing, worked), entry in found.items():
        if synonyms.covered(ws, locale, missing, worked):
            continue
        article_id = max(entry["articles"], key=lambda a: (entry["articles"][a], -a))
        made.append(Proposal(locale, missing, worked, article_id, "", len(entry["visitors"])))
    made.sort(key=lambda p: (-p.visitors, p.locale, p.missing, p.found))
    made = made[:limit]
    _titles(ws, made)
    return made


def _words_apart(locale: str, missing: str, worked: str) -> tuple[str, str] | None:
    """The content words of each query that the other does not hold (compared by stem),
    or None when either has none left."""
    analyzer = synonyms.analyzer(locale)
    a, b = analyzer.words(missing), analyzer.words(worked)
    a_stems, b_stems = {analyzer.stem(w) for w in a}, {analyzer.stem(w) for w in b}
    left = " ".join(w for w in a if analyzer.stem(w) not in b_stems)
    right = " ".join(w for w in b if analyzer.stem(w) not in a_stems)
    return (left, right) if left and right else None


def _titles(ws: Workspace, made: list[Proposal]) -> None:
    ids = {p.article_id for p in made}
    if not ids:
        return
    with use_workspace(ws.id):
        rows = db.session.execute(select(
            ArticleTranslation.article_id, ArticleTranslation.locale, ArticleTranslation.title)
            .where(ArticleTranslation.workspace_id == ws.id,
                   ArticleTranslation.article_id.in_(ids))).all()
    titles: dict[tuple[int, str], str] = {(a, loc): t for a, loc, t in rows}
    for p in made:
        p.title = (titles.get((p.article_id, p.locale))
                   or titles.get((p.article_id, ws.default_locale))
                   or next((t for (a, _l), t in titles.items() if a == p.article_id), ""))
