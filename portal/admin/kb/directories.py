"""Knowledge base > Directories: nested categories with names per language and an order.

The rules (same workspace, no directory inside itself, deleting only leaves) and the
queries live in portal.services.directories; this page lists the tree and posts the form.
"""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.admin.kb import forms
from portal.admin.views import WorkspaceBaseView, page_route
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import Directory
from portal.services import articles, directories, scoped
from portal.services.errors import ServiceError


def directory_or_404(pk: int) -> Directory:
    return scoped.by_id(Directory, g.admin_workspace, pk) or abort(404)


def form_locales(directory) -> list[str]:
    """The workspace's languages, and any other the directory already has a name in."""
    found = articles.editable_locales(g.admin_workspace)
    for code in (directory.names or {}) if directory else {}:
        if code not in found and code in SUPPORTED:
            found.append(code)
    return found


class DirectoriesView(WorkspaceBaseView):
    route_base = "/kb/directories"
    default_view = "items"

    @page_route("/", "list")
    def items(self):
        ws = g.admin_workspace
        return self.render_template("appbuilder/kb/directories.html", ws=ws,
                                    tree=directories.directories(ws),
                                    counts=directories.article_counts(ws))

    def _form(self, directory, values, *, error=None, status=200):
        ws = g.admin_workspace
        return self.render_template(
            "appbuilder/kb/directory_form.html", ws=ws, directory=directory, values=values,
            parents=directories.possible_parents(ws, directory),
            locales=form_locales(directory), locale_names=SUPPORTED, error=error), status

    @page_route("/new", "add")
    def new(self):
        return self._form(None, {"position": "0",
                                 "parent_id": request.args.get("parent", "")})

    @page_route("/<id:pk>/edit", "edit")
    def edit(self, pk):
        directory = directory_or_404(pk)
        return self._form(directory, forms.directory_values(directory))

    def _save(self, directory):
        try:
            fields = forms.directory_fields(request.form, form_locales(directory))
            directories.save_directory(g.admin_workspace, directory_obj=directory, **fields)
        except ServiceError as exc:  # the form again, with what was typed and the message
            db.session.rollback()
            directory = directory_or_404(directory.id) if directory is not None else None
            return self._form(directory, request.form.to_dict(),
                              error={"field": exc.details.get("field"), "message": exc.message},
                              status=exc.status)
        flash(_("Directory saved."), "success")
        return redirect(url_for(".items"), 303)

    @page_route("/new", "add", methods=["POST"])
    def create(self):
        return self._save(None)

    @page_route("/<id:pk>/edit", "edit", methods=["POST"])
    def update(self, pk):
        return self._save(directory_or_404(pk))

    @page_route("/<id:pk>/delete", "delete", methods=["POST"])
    def delete(self, pk):
        directories.delete_directory(g.admin_workspace, directory_or_404(pk))
        flash(_("Directory deleted; its articles are in no directory now."), "success")
        return redirect(url_for(".items"), 303)
