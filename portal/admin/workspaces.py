"""Platform > Workspaces (platform admins) and the navigation's workspace switcher."""

from flask import flash, redirect, request, session
from flask_appbuilder import BaseView, ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.admin import forms
from portal.admin.context import SESSION_KEY, may_act_in
from portal.admin.views import page_route, refused_unchanged
from portal.models import Workspace
from portal.services import portal_settings, workspaces


class WorkspaceInterface(SQLAInterface):
    """Adds go through `workspaces.create_workspace`, so every workspace gets its system
    group and the slug rules hold however it is created."""

    def add(self, item, commit: bool = True) -> None:
        with refused_unchanged():
            workspaces.create_workspace(
                item.slug, item.name, default_locale=item.default_locale or "en-US",
                jit_provisioning=bool(item.jit_provisioning),
                custom_domain=item.custom_domain, support_email=item.support_email)


class WorkspaceAdmin(ModelView):
    datamodel = WorkspaceInterface(Workspace)
    list_title = _l("Workspaces")
    show_title = _l("Workspace")
    list_columns = ["slug", "name", "custom_domain", "default_locale", "jit_provisioning"]
    show_columns = ["slug", "name", "custom_domain", "default_locale", "jit_provisioning",
                    "support_email", "created_at"]
    add_columns = ["slug", "name", "custom_domain", "default_locale", "jit_provisioning",
                   "support_email"]
    edit_columns = ["name", "custom_domain", "default_locale", "jit_provisioning",
                    "support_email"]
    search_columns = ["slug", "name", "custom_domain"]
    label_columns = {
        "slug": _l("Slug"),
        "name": _l("Name"),
        "custom_domain": _l("Custom domain"),
        "default_locale": _l("Default language"),
        "jit_provisioning": _l("Just-in-time provisioning"),
        "support_email": _l("Support email"),
        "created_at": _l("Created"),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "default_locale": SelectField(_l("Default language"),
                                      choices=forms.WORKSPACE_LOCALE_CHOICES, default="en-US"),
        "jit_provisioning": BooleanField(_l("Just-in-time provisioning"), default=False),
        "custom_domain": StringField(_l("Custom domain"), validators=[Optional(), Length(max=253)]),
        "support_email": StringField(_l("Support email"),
                                     validators=[Optional(), Length(max=320), forms.valid_email]),
    }

    def pre_update(self, item):
        """The custom domain is the portal settings' `domain.custom_portal_url` (publishing
        the settings copies its host into the column): change it there, checked as a
        publish is, so the document and the column never disagree."""
        wanted = workspaces.clean_domain(item.custom_domain)
        was = inspect(item).attrs.custom_domain.history
        item.custom_domain = (was.deleted or was.unchanged or (None,))[0]
        if wanted != item.custom_domain:
            with refused_unchanged():
                portal_settings.change(item, {"domain.custom_portal_url":
                                              f"https://{wanted}" if wanted else ""})


class WorkspaceSwitchView(BaseView):
    """The navigation's workspace menu posts here."""

    route_base = "/workspace"
    default_view = "switch"

    @page_route("/switch", "switch", methods=["POST"])
    def switch(self):
        ws = may_act_in(current_user, request.form.get("workspace_id", type=int))
        if ws is None:
            flash(_("You cannot act in that workspace."), "danger")
            return redirect(self.appbuilder.get_url_for_index, 303)
        session[SESSION_KEY] = ws.id
        flash(_("Now working in %(name)s.", name=ws.name), "success")
        return redirect(self.appbuilder.get_url_for_index, 303)
