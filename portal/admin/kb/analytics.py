"""Knowledge base > Search analytics: what customers search for, what finds nothing, what
finds articles nobody opens, and the synonyms such searches propose (added with one click
by an admin), over the last 7, 30 or 90 days.

The grouping rules and the period's totals live in portal.search.analytics (the search
service logs each query in one normalised form); this page shows them.
"""

from datetime import datetime, timedelta

from flask import g, request

from portal.admin.views import WorkspaceBaseView, page_route
from portal.i18n import SUPPORTED
from portal.models.base import utcnow
from portal.search import analytics

PERIODS = (7, 30, 90)
LIMIT = 50


def period(raw) -> int:
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return 30
    return days if days in PERIODS else 30


def window() -> tuple[int, datetime]:
    """The period the page's `days` parameter asks for, and when it began."""
    days = period(request.args.get("days"))
    return days, utcnow() - timedelta(days=days)


class SearchAnalyticsView(WorkspaceBaseView):
    route_base = "/kb/search-analytics"
    default_view = "show"

    @page_route("/", "show")
    def show(self):
        ws, (days, since) = g.admin_workspace, window()
        return self.render_template(
            "appbuilder/kb/analytics.html", ws=ws, days=days, periods=PERIODS,
            totals=analytics.totals(ws, since),
            top=analytics.top_queries(ws, since, limit=LIMIT),
            empty=analytics.no_results(ws, since, limit=LIMIT),
            unopened=analytics.unopened(ws, since, limit=LIMIT),
            proposals=analytics.proposals(ws, since, limit=LIMIT),
            may_add_synonyms=self.appbuilder.sm.has_access("can_edit", "SearchSynonymsView"),
            locale_names=SUPPORTED)
