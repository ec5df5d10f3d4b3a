"""Settings > Application tokens: the tokens the host application's server hands its users
over with (the JWT hand-off, portal.auth.jwt_handoff). Admins list them (name, created,
last used, revoked), create one, whose secret this page shows once, right after creating
it (the answer to the POST, never a page that can be loaded again), and revoke one. Every
form carries FAB's CSRF token."""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.admin.views import WorkspaceBaseView, page_route
from portal.auth import app_tokens
from portal.services import staff
from portal.services.errors import Invalid


class AppTokensView(WorkspaceBaseView):
    route_base = "/apptokens"
    default_view = "page"

    def _show(self, *, secret=None, created=None, name="", error=None, status=200):
        ws = g.admin_workspace
        return self.render_template(
            "appbuilder/app_tokens/page.html", ws=ws, tokens=app_tokens.listing(ws),
            secret=secret, created=created, name=name, error=error,
            name_max=app_tokens.NAME_MAX), status

    @page_route("/", "show")
    def page(self):
        return self._show()

    @page_route("/", "edit", methods=["POST"])
    def create(self):
        """A new token; the answer shows its secret, the only time anyone sees it."""
        ws, name = g.admin_workspace, request.form.get("name", "")
        try:
            row, secret = app_tokens.create(ws, name, staff.staff_name(current_user))
        except Invalid as exc:
            return self._show(name=name[:app_tokens.NAME_MAX], error=exc.message, status=422)
        body, status = self._show(secret=secret, created=row)
        return body, status, {"Cache-Control": "no-store"}  # the secret stays in no cache

    @page_route("/revoke/<id:pk>", "edit", methods=["POST"])
    def revoke(self, pk: int):
        ws = g.admin_workspace
        row = app_tokens.by_id(ws, pk)
        if row is None:
            abort(404)
        app_tokens.revoke(ws, row)
        flash(_("Token %(name)s revoked: the host application can no longer sign anyone in "
                "with it.", name=row.name), "success")
        return redirect(url_for(".page"), 303)


def register_app_tokens_page(appbuilder) -> None:
    appbuilder.add_view(AppTokensView, "Application tokens", label=_l("Application tokens"),
                        category="Settings", category_label=_l("Settings"), icon="fa-key")
