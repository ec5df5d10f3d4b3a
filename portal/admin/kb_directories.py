"""Knowledge base > Directories: nested categories with names per language and an order.

The rules (same workspace, no directory inside itself, deleting only leaves) live in
portal.services.articles; this page lists the tree and posts the form.
"""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.admin import kb_common as kc
from portal.admin.views import WorkspaceBaseView
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import Article
from portal.services import articles
from portal.services.errors import Invalid, NotFound, ServiceError


def directory_or_404(pk: int):
    try:
        return articles.get_directory(g.admin_workspace, pk)
    except NotFound:
        abort(404)


def directory_fields(values, locales: list[str]) -> dict:
    """The service's arguments from the directory form."""
    raw_position = (values.get("position") or "0").strip()
    try:
        position = int(raw_position)
    except ValueError:
        raise Invalid(_("The position must be a whole number."), field="position") from None
    return {
        "names": {code: values.get(f"name_{code}", "") for code in locales},
        "descriptions": {code: values.get(f"description_{code}", "") for code in locales},
        "parent_id": kc.int_or_none(values.get("parent_id"), "parent"),
        "position": position,
        "slug": (values.get("slug") or "").strip() or None,
    }


class DirectoriesView(WorkspaceBaseView):
    route_base = "/kb/directories"
    default_view = "items"

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("list")
    def items(self):
        ws = g.admin_workspace
        counts = dict(db.session.execute(
            select(Article.directory_id, func.count()).where(Article.workspace_id == ws.id)
            .group_by(Article.directory_id)).all())
        return self.render_template("appbuilder/kb/directories.html", ws=ws,
                                    tree=articles.directories(ws), counts=counts)

    def _form(self, directory, values, *, error=None, status=200):
        ws = g.admin_workspace
        below = articles.directory_ids_below(ws, directory.id) if directory else set()
        parents = [(d, depth) for d, depth in articles.directories(ws) if d.id not in below]
        return self.render_template(
            "appbuilder/kb/directory_form.html", ws=ws, directory=directory, values=values,
            parents=parents, locales=self._locales(directory), locale_names=SUPPORTED,
            error=error), status

    def _locales(self, directory) -> list[str]:
        ws = g.admin_workspace
        found = kc.workspace_locales(ws)
        for code in (directory.names or {}) if directory else {}:
            if code not in found and code in SUPPORTED:
                found.append(code)
        return found

    @staticmethod
    def _values(directory) -> dict:
        values = {"slug": directory.slug, "position": str(directory.position),
                  "parent_id": directory.parent_id or ""}
        for code, text in (directory.names or {}).items():
            values[f"name_{code}"] = text
        for code, text in (directory.descriptions or {}).items():
            values[f"description_{code}"] = text
        return values

    @expose("/new", methods=["GET"])
    @has_access
    @permission_name("add")
    def new(self):
        return self._form(None, {"position": "0",
                                 "parent_id": request.args.get("parent", "")})

    @expose("/<id:pk>/edit", methods=["GET"])
    @has_access
    @permission_name("edit")
    def edit(self, pk):
        directory = directory_or_404(pk)
        return self._form(directory, self._values(directory))

    def _save(self, directory):
        try:
            fields = directory_fields(request.form, self._locales(directory))
            articles.save_directory(g.admin_workspace, directory_obj=directory, **fields)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            if directory is not None:
                directory = directory_or_404(directory.id)
            return self._form(directory, request.form.to_dict(),
                              error={"field": exc.details.get("field"), "message": exc.message},
                              status=exc.status)
        flash(_("Directory saved."), "success")
        return redirect(url_for(".items"), 303)

    @expose("/new", methods=["POST"])
    @has_access
    @permission_name("add")
    def create(self):
        return self._save(None)

    @expose("/<id:pk>/edit", methods=["POST"])
    @has_access
    @permission_name("edit")
    def update(self, pk):
        return self._save(directory_or_404(pk))

    @expose("/<id:pk>/delete", methods=["POST"])
    @has_access
    @permission_name("delete")
    def delete(self, pk):
        directory = directory_or_404(pk)
        try:
            articles.delete_directory(g.admin_workspace, directory)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for(".items"), 303)
        flash(_("Directory deleted; its articles are in no directory now."), "success")
        return redirect(url_for(".items"), 303)
