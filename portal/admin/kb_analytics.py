"""Knowledge base > Search analytics: what customers search for, what finds nothing, and
what finds articles nobody opens, over the last 7, 30 or 90 days.

The grouping rules live in portal.search.analytics (the search service logs each query
in one normalised form); this page adds the period's totals and shows the three lists.
"""

from datetime import timedelta

from flask import g, request
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import case, func, select

from portal.admin.views import WorkspaceBaseView
from portal.extensions import db
from portal.models import SearchQuery, Workspace
from portal.models.base import utcnow

PERIODS = (7, 30, 90)
LIMIT = 50


def totals(ws: Workspace, days: int) -> dict:
    since = utcnow() - timedelta(days=days)
    row = db.session.execute(
        select(func.count(),
               func.sum(case((SearchQuery.results == 0, 1), else_=0)),
               func.sum(case((SearchQuery.opened_article_id.is_not(None), 1), else_=0)))
        .where(SearchQuery.workspace_id == ws.id, SearchQuery.created_at >= since)).one()
    return {"searches": row[0] or 0, "no_results": int(row[1] or 0), "opened": int(row[2] or 0)}


def period(raw) -> int:
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return 30
    return days if days in PERIODS else 30


class SearchAnalyticsView(WorkspaceBaseView):
    route_base = "/kb/search-analytics"
    default_view = "show"

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("show")
    def show(self):
        ws = g.admin_workspace
        from portal.search import analytics

        days = period(request.args.get("days"))
        since = utcnow() - timedelta(days=days)
        return self.render_template(
            "appbuilder/kb/analytics.html", ws=ws, days=days, periods=PERIODS,
            totals=totals(ws, days), top=analytics.top_queries(ws, since, limit=LIMIT),
            empty=analytics.no_results(ws, since, limit=LIMIT),
            unopened=analytics.unopened(ws, since, limit=LIMIT))
