"""Knowledge base > Synonyms: a workspace's groups of words that mean the same to its
readers, per language ("bill, invoice, receipt"), which search applies at query time
(portal.search.synonyms holds the rules). Admins only. A group is added here or with one
click from a proposal of the Search analytics page (then the page returns there).
A refusal shows the page again, 422, with the message next to the field and the text kept.
"""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.admin.kb.analytics import period
from portal.admin.views import WorkspaceBaseView, page_route
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.search import synonyms
from portal.search.build import enabled_locales
from portal.services.errors import Invalid, NotFound

TEXT_MAX = synonyms.TERMS_MAX * (synonyms.TERM_MAX + 2) + 1


class SearchSynonymsView(WorkspaceBaseView):
    route_base = "/kb/synonyms"
    default_view = "show"

    def _show(self, errors: dict | None = None, status: int = 200, adding: dict | None = None,
              editing: dict | None = None):
        ws = g.admin_workspace
        return self.render_template(
            "appbuilder/kb/synonyms.html", ws=ws, groups=synonyms.listed(ws),
            locales=enabled_locales(ws), locale_names=SUPPORTED, errors=errors or {},
            editing=editing or {},
            adding=adding or {"locale": ws.default_locale, "terms": ""}), status

    def _form(self) -> dict:
        return {"locale": request.form.get("locale", "")[:10],
                "terms": request.form.get("terms", "")[:TEXT_MAX]}

    def _done(self, message: str):
        flash(message, "success")
        if request.form.get("back") == "analytics":
            return redirect(url_for("SearchAnalyticsView.show",
                                    days=period(request.form.get("days"))), 303)
        return redirect(url_for(".show"), 303)

    @page_route("/", "show")
    def show(self):
        return self._show()

    @page_route("/", "edit", methods=["POST"])
    def add(self):
        form = self._form()
        try:
            row = synonyms.add(g.admin_workspace, form["locale"], form["terms"])
        except Invalid as exc:
            db.session.rollback()
            return self._show({exc.details.get("field") or "terms": exc.message}, 422, form)
        return self._done(_("Synonyms added: %(terms)s.", terms=row.terms))

    @page_route("/<id:pk>", "edit", methods=["POST"])
    def change(self, pk: int):
        form = self._form()
        try:
            row = synonyms.update(g.admin_workspace, pk, form["locale"], form["terms"])
        except NotFound:
            abort(404)
        except Invalid as exc:
            db.session.rollback()
            return self._show({f"{pk}-{exc.details.get('field') or 'terms'}": exc.message},
                              422, editing={"id": pk, **form})
        return self._done(_("Synonyms saved: %(terms)s.", terms=row.terms))

    @page_route("/<id:pk>/delete", "edit", methods=["POST"])
    def delete(self, pk: int):
        try:
            terms = synonyms.remove(g.admin_workspace, pk)
        except NotFound:
            abort(404)
        return self._done(_("Synonyms deleted: %(terms)s.", terms=terms))
