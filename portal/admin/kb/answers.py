"""Knowledge base > Answers: the questions customers asked (customer API; the widget uses
it), the answers they got with their sources and ratings, and the questions nothing
answered (knowledge gaps), over the last 7, 30 or 90 days. For admins and for agents, like
Search analytics.

The queries are portal.services.kb_answers'; this page shows them."""

from flask import g

from portal.admin.kb.analytics import PERIODS, window
from portal.admin.views import WorkspaceBaseView, page_route
from portal.i18n import SUPPORTED
from portal.services import kb_answers

LIMIT = 50


class KbAnswersView(WorkspaceBaseView):
    route_base = "/kb/answers"
    default_view = "show"

    @page_route("/", "show")
    def show(self):
        ws, (days, since) = g.admin_workspace, window()
        return self.render_template(
            "appbuilder/kb/answers.html", ws=ws, days=days, periods=PERIODS,
            totals=kb_answers.totals(ws, since),
            recent=kb_answers.recent(ws, since, limit=LIMIT),
            gaps=kb_answers.gaps(ws, since, limit=LIMIT), locale_names=SUPPORTED)
