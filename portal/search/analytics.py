"""Search analytics for admins, over a period: what customers search for most, what finds
nothing, and what finds articles that nobody opens (both are gaps in the knowledge base).
Queries are grouped by their logged form (lowercased, spaces collapsed)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import SearchQuery, Workspace
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
