"""Tickets > Satisfaction: the CSAT report for workspace admins (average score per agent and
per week, as server-rendered SVG bar charts with their data tables); the numbers come from
portal.services.satisfaction_report. Each answer is also on its ticket's staff page."""

from flask import g, request

from portal.admin.views import WorkspaceBaseView, page_route
from portal.services import satisfaction_report as report

PERIODS = (4, 12, 26, 52)


def period(raw) -> int:
    """The `weeks` query parameter: one of PERIODS, else the default."""
    return int(raw) if raw in tuple(map(str, PERIODS)) else report.WEEKS


class SatisfactionReportView(WorkspaceBaseView):
    route_base = "/tickets/satisfaction"
    default_view = "show"

    @page_route("/", "show")
    def show(self):
        weeks = period(request.args.get("weeks"))
        found = report.report(g.admin_workspace, weeks)
        return self.render_template(
            "appbuilder/tickets/satisfaction.html", weeks=weeks, periods=PERIODS,
            report=found, week_chart=report.week_chart(found["weeks"]),
            agent_chart=report.agent_chart(found["agents"]))


def register_satisfaction_page(appbuilder) -> None:
    from flask_babel import lazy_gettext as _l

    appbuilder.add_view(SatisfactionReportView, "Satisfaction", label=_l("Satisfaction"),
                        category="Tickets", icon="fa-smile-o")
