"""`/admin/`: the staff member's current workspace at a glance (portal.services.admin_home)
once signed in; FAB's welcome (with its sign-in link) before."""

from datetime import timedelta

from flask import g, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from portal.models.base import utcnow
from portal.search import analytics
from portal.services import admin_home, workspaces
from portal.services import ticket_text as tt


def searches(ws) -> dict:
    since = utcnow() - timedelta(days=admin_home.DAYS)
    return {"top": analytics.top_queries(ws, since, limit=admin_home.QUERIES),
            "empty": analytics.no_results(ws, since, limit=admin_home.QUERIES)}


class AdminHomeView(IndexView):
    """Every signed-in staff member of the workspace sees it: it shows what the Tickets
    and Search analytics pages, which both roles have, show in full."""

    @expose("/")
    def index(self):
        ws = g.get("admin_workspace")
        if not current_user.is_authenticated or ws is None:
            return super().index()
        days = admin_home.per_day(ws)
        return self.render_template(
            "appbuilder/helpport/home.html", appbuilder=self.appbuilder, ws=ws,
            stages=[(stage, tt.staff_stage_label(stage), count)
                    for stage, count in admin_home.by_stage(ws)],
            days=days, chart=admin_home.chart(days), newest=admin_home.newest(ws),
            searches=searches(ws),
            portal_url=workspaces.public_base(ws) + url_for(
                "portal.home", workspace=ws.slug, locale=ws.default_locale))
