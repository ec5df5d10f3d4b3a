"""The scoped base views every workspace page builds on.

Scoping is layered: `base_filters` and the relationship queries limit what the pages
offer, and the tenancy guard (portal.tenancy) limits every query FAB makes, including the
by-id loads behind show/edit/delete and bulk actions, to the current workspace. What a row
must satisfy before FAB stores it lives in portal.services.people, which the staff REST
API (portal.admin.api) calls too.
"""

from contextlib import contextmanager

from flask import abort, flash, g, redirect
from flask_appbuilder import BaseView, ModelView, action, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.admin.context import IN_WORKSPACE
from portal.extensions import db
from portal.services import people
from portal.services.errors import ServiceError
from portal.tenancy import current_workspace_id


def require_workspace():
    """Scoped pages need a workspace; a staff member in none gets 403, not a crash."""
    if current_user.is_authenticated and g.get("workspace_id") is None:
        abort(403)


def page_route(path: str, permission: str, methods=("GET",)):
    """A page route behind FAB's `permission`: `expose`, `has_access` and `permission_name`
    in the order FAB needs them, so the pages state their route in one line."""

    def wrap(view):
        return expose(path, methods=methods)(has_access(permission_name(permission)(view)))

    return wrap


@contextmanager
def refused_unchanged():
    """Inside a FAB hook: a service's refusal drops the half-filled row before FAB flashes
    the message and shows the form again, so nothing of it is stored later."""
    try:
        yield
    except ServiceError:
        db.session.rollback()
        raise


class WorkspaceBaseView(BaseView):
    """A custom admin page that acts in the staff member's current workspace."""

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        blueprint.before_request(require_workspace)
        return blueprint


class WorkspaceModelView(ModelView):
    """FAB's CRUD pages for a workspace-owned model; rows pass `people.before_save`."""

    base_filters = IN_WORKSPACE
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "account": IN_WORKSPACE,
        "members": IN_WORKSPACE,
    }
    search_form_query_rel_fields = {"account": IN_WORKSPACE}
    method_permission_name = {"muldelete": "delete"}

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        blueprint.before_request(require_workspace)
        return blueprint

    def pre_add(self, item):
        with refused_unchanged():
            people.before_save(item, current_workspace_id())

    def pre_update(self, item):
        with refused_unchanged():
            people.before_save(item, current_workspace_id(),
                               name_before=g.get("name_before_edit"))

    def pre_delete(self, item):
        with refused_unchanged():
            people.before_delete(item)

    @action("muldelete", _l("Delete"), _l("Delete all selected rows?"), "fa-trash",
            single=False)
    def muldelete(self, items):
        """Bulk delete, all or none; ids of other workspaces load as None and are skipped."""
        try:
            count = people.delete_rows(items)
        except ServiceError as exc:  # the list again, with why nothing was deleted
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(self.get_redirect())
        flash(_("%(count)d rows deleted.", count=count), "success")
        return redirect(self.get_redirect())
