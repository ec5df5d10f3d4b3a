"""Settings > Snap-ins: the installable extensions of a workspace (issue 14, part 4). A
workspace admin installs or uninstalls each; the rules are portal.services.snap_ins."""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.admin.views import WorkspaceBaseView, page_route
from portal.services import snap_ins


class SnapInsView(WorkspaceBaseView):
    route_base = "/snapins"
    default_view = "page"

    @page_route("/", "show")
    def page(self):
        return self.render_template("appbuilder/snap_ins/page.html",
                                    snap_ins=snap_ins.listing(g.admin_workspace))

    @page_route("/<key>", "edit", methods=["POST"])
    def change(self, key: str):
        if key not in snap_ins.CATALOG:
            abort(404)
        on = request.form.get("install") == "1"
        snap_ins.set_installed(g.admin_workspace, key, on)
        name = snap_ins.CATALOG[key][0]
        flash(_("%(name)s installed.", name=name) if on
              else _("%(name)s uninstalled.", name=name), "success")
        return redirect(url_for(".page"), 303)


def register_snap_ins_page(appbuilder) -> None:
    appbuilder.add_view(SnapInsView, "Snap-ins", label=_l("Snap-ins"),
                        category="Settings", category_label=_l("Settings"), icon="fa-puzzle-piece")
