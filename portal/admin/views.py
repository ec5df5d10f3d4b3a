"""Generated admin pages; all `add_view` calls live in `register_admin`.

Scoping is layered: `base_filters` and the relationship queries limit what the pages
offer, and the tenancy guard (portal.tenancy) limits every query FAB makes, including the
by-id loads behind show/edit/delete and bulk actions, to the current workspace.
"""

from flask import abort, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, ModelView, action, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, or_, select
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.admin import forms
from portal.admin.context import SESSION_KEY, may_act_in
from portal.extensions import db
from portal.models import Account, Contact, CustomerGroup, Workspace
from portal.schemas.pages import MemberForm, page_args
from portal.services import workspaces
from portal.services.errors import Invalid, ServiceError
from portal.tenancy import current_workspace_id

IN_WORKSPACE = [["workspace_id", FilterEqualFunction, current_workspace_id]]


class Refused(Exception):
    """A change the admin refuses; FAB flashes the message and changes nothing."""


def _refuse(message) -> None:
    db.session.rollback()
    raise Refused(str(message))


def require_workspace():
    """Scoped pages need a workspace; a staff member in none gets 403, not a crash."""
    if current_user.is_authenticated and g.get("workspace_id") is None:
        abort(403)


def check_scoped_change(item) -> None:
    """Refuse moving a row to another workspace or linking rows of another one."""
    workspace_id = current_workspace_id()
    history = inspect(item).attrs.workspace_id.history
    if item.workspace_id != workspace_id or history.deleted:
        _refuse(_l("A row cannot move to another workspace."))
    if forms.foreign_rows(item, workspace_id):
        _refuse(_l("Only rows of the current workspace can be linked."))


def remember_group_name(pk) -> None:
    """Note a group's stored name before an edit touches it: filling in the form loads the
    members collection, which autoflushes the new name, so it cannot be read back later."""
    try:
        group_id = int(pk)
    except (TypeError, ValueError):
        return
    g.group_name_before = db.session.scalar(
        select(CustomerGroup.name).where(CustomerGroup.id == group_id))


def renames_system_group(item) -> bool:
    return item.system and g.get("group_name_before", item.name) != item.name


class WorkspaceBaseView(BaseView):
    """A custom admin page that acts in the staff member's current workspace."""

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        blueprint.before_request(require_workspace)
        return blueprint


class WorkspaceModelView(ModelView):
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
        item.workspace_id = current_workspace_id()
        check_scoped_change(item)

    def pre_update(self, item):
        check_scoped_change(item)

    @action("muldelete", _l("Delete"), _l("Delete all selected rows?"), "fa-trash",
            single=False)
    def muldelete(self, items):
        """Bulk delete; ids of other workspaces load as None and are skipped."""
        found = [item for item in items if item is not None]
        for item in found:
            try:
                self.pre_delete(item)
            except Refused as exc:
                flash(str(exc), "danger")
                return redirect(self.get_redirect())
        for item in found:
            db.session.delete(item)
        db.session.commit()
        flash(_("%(count)d rows deleted.", count=len(found)), "success")
        return redirect(self.get_redirect())


class AccountAdmin(WorkspaceModelView):
    datamodel = SQLAInterface(Account)
    list_title = _l("Accounts")
    show_title = _l("Account")
    add_title = _l("Add account")
    edit_title = _l("Edit account")
    list_columns = ["name", "domains", "created_at"]
    show_columns = ["name", "domains", "created_at"]
    add_columns = edit_columns = ["name", "email_domains"]
    search_columns = ["name"]
    order_columns = ["name", "created_at"]
    formatters_columns = {"domains": forms.domains_text}
    label_columns = {
        "name": _l("Name"),
        "domains": _l("Email domains"),
        "email_domains": _l("Email domains"),
        "created_at": _l("Created"),
    }
    description_columns = {
        "email_domains": _l("Comma-separated, e.g. example.com, example.org. New contacts "
                            "with these email domains join this account."),
    }
    validators_columns = {
        "name": [DataRequired(), Length(max=200),
                 forms.unique_in_workspace(Account, "name",
                                           _l("An account with this name exists."))],
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "email_domains": StringField(_l("Email domains"),
                                     validators=[Optional(), forms.valid_domains]),
    }

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None:
            form.email_domains.data = forms.domains_text(item.domains)

    def _take_domains(self, item):
        item.domains = forms.parse_domains(getattr(item, "email_domains", "") or "")

    def pre_add(self, item):
        self._take_domains(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._take_domains(item)
        super().pre_update(item)


class ContactAdmin(WorkspaceModelView):
    datamodel = SQLAInterface(Contact)
    list_title = _l("Contacts")
    show_title = _l("Contact")
    add_title = _l("Add contact")
    edit_title = _l("Edit contact")
    list_columns = ["email", "name", "account", "locale", "verified", "active"]
    show_columns = ["email", "name", "account", "locale", "verified", "active", "groups",
                    "created_at"]
    add_columns = edit_columns = ["email", "name", "locale", "account", "verified", "active"]
    search_columns = ["email", "name", "account", "locale", "verified", "active"]
    order_columns = ["email", "name", "verified", "active"]
    formatters_columns = {"locale": lambda value: value or ""}
    label_columns = {
        "email": _l("Email"),
        "name": _l("Name"),
        "account": _l("Account"),
        "verified": _l("Verified"),
        "active": _l("Active"),
        "locale": _l("Language"),
        "groups": _l("Groups"),
        "created_at": _l("Created"),
    }
    validators_columns = {
        "email": [DataRequired(), Length(max=320), forms.valid_email,
                  forms.unique_in_workspace(
                      Contact, "email", _l("A contact with this email exists in this "
                                           "workspace."))],
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "name": StringField(_l("Name"), validators=[Optional(), Length(max=200)]),
        "locale": SelectField(_l("Language"), choices=forms.LOCALE_CHOICES, default=""),
        "verified": BooleanField(_l("Verified"), default=False),
        "active": BooleanField(_l("Active"), default=True),
    }
    method_permission_name = {"muldelete": "delete", "verify": "edit"}

    def _normalise(self, item):
        item.email = (item.email or "").strip().lower()
        item.locale = item.locale or None
        item.name = item.name or ""

    def pre_add(self, item):
        self._normalise(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._normalise(item)
        super().pre_update(item)

    @action("verify", _l("Mark verified"), None, "fa-check", single=False)
    def verify(self, items):
        found = [item for item in items if item is not None]
        for item in found:
            item.verified = True
        db.session.commit()
        flash(_("%(count)d contacts marked verified.", count=len(found)), "success")
        return redirect(self.get_redirect())


class GroupAdmin(WorkspaceModelView):
    """Settings > Groups; "Add user" opens the member page with a contact search."""

    datamodel = SQLAInterface(CustomerGroup)
    list_title = _l("Groups")
    show_title = _l("Group")
    add_title = _l("Add group")
    edit_title = _l("Edit group")
    list_columns = ["name", "description", "system"]
    show_columns = ["name", "description", "system", "members"]
    add_columns = edit_columns = ["name", "description", "members"]
    search_columns = ["name", "description", "system"]
    label_columns = {
        "name": _l("Name"),
        "description": _l("Description"),
        "system": _l("System group"),
        "members": _l("Members"),
    }
    validators_columns = {
        "name": [DataRequired(), Length(max=100),
                 forms.unique_in_workspace(CustomerGroup, "name",
                                           _l("A group with this name exists."))],
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "description": StringField(_l("Description"), validators=[Optional(), Length(max=500)]),
    }
    method_permission_name = {"muldelete": "delete", "add_user": "edit"}

    def pre_add(self, item):
        item.system = False
        item.description = item.description or ""
        super().pre_add(item)

    def pre_update(self, item):
        if renames_system_group(item):
            _refuse(_l("A system group cannot be renamed."))
        item.description = item.description or ""
        super().pre_update(item)

    def _edit(self, pk):
        remember_group_name(pk)
        return super()._edit(pk)

    def pre_delete(self, item):
        if item.system:
            _refuse(_l("A system group cannot be deleted."))

    @action("add_user", _l("Add user"), None, "fa-user-plus", multiple=False)
    def add_user(self, item):
        if item is None:
            abort(404)
        return redirect(url_for(".members", pk=item.id))

    def _group_or_404(self, pk: int) -> CustomerGroup:
        group = db.session.scalar(select(CustomerGroup).where(CustomerGroup.id == pk))
        if group is None:
            abort(404)
        return group

    @expose("/members/<id:pk>", methods=["GET"])
    @has_access
    @permission_name("edit")
    def members(self, pk):
        group = self._group_or_404(pk)
        query = (request.args.get("q") or "").strip()[:100]
        found = []
        if query:
            pattern = f"%{query.lower()}%"
            stmt = (select(Contact)
                    .where(or_(Contact.email.ilike(pattern), Contact.name.ilike(pattern)))
                    .order_by(Contact.email).limit(25))
            found = [c for c in db.session.scalars(stmt) if c not in group.members]
        return self.render_template("appbuilder/helpport/group_members.html", group=group,
                                    query=query, found=found,
                                    members=sorted(group.members, key=lambda c: c.email))

    @expose("/members/<id:pk>/add", methods=["POST"])
    @has_access
    @permission_name("edit")
    def add_member(self, pk):
        group = self._group_or_404(pk)
        contact = self._contact_or_404()
        if contact not in group.members:
            group.members.append(contact)
            db.session.commit()
        flash(_("%(contact)s added to %(group)s.", contact=str(contact), group=group.name),
              "success")
        return redirect(url_for(".members", pk=group.id, q=request.form.get("q") or None))

    @expose("/members/<id:pk>/remove", methods=["POST"])
    @has_access
    @permission_name("edit")
    def remove_member(self, pk):
        group = self._group_or_404(pk)
        contact = self._contact_or_404()
        if contact in group.members:
            group.members.remove(contact)
            db.session.commit()
        flash(_("%(contact)s removed from %(group)s.", contact=str(contact),
                group=group.name), "success")
        return redirect(url_for(".members", pk=group.id))

    @staticmethod
    def _contact_or_404() -> Contact:
        try:
            contact_id = page_args(MemberForm, request.form)["contact_id"]
        except Invalid:
            abort(404)
        contact = db.session.scalar(select(Contact).where(Contact.id == contact_id))
        if contact is None:
            abort(404)
        return contact


class WorkspaceInterface(SQLAInterface):
    """Adds go through `workspaces.create_workspace`, so every workspace gets its system
    group and the slug rules hold however it is created."""

    def add(self, item, commit: bool = True) -> None:
        try:
            ws = workspaces.create_workspace(
                item.slug, item.name, default_locale=item.default_locale or "en-US",
                jit_provisioning=bool(item.jit_provisioning),
                custom_domain=(item.custom_domain or "").strip().lower() or None)
        except ServiceError as exc:
            db.session.rollback()
            raise Refused(exc.message) from exc
        if item.support_email:
            ws.support_email = item.support_email
            db.session.commit()


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

    def pre_add(self, item):
        item.custom_domain = (item.custom_domain or "").strip().lower() or None

    def pre_update(self, item):
        item.custom_domain = (item.custom_domain or "").strip().lower() or None


class WorkspaceSwitchView(BaseView):
    """The navigation's workspace menu posts here."""

    route_base = "/workspace"
    default_view = "switch"

    @expose("/switch", methods=["POST"])
    @has_access
    @permission_name("switch")
    def switch(self):
        ws = may_act_in(current_user, request.form.get("workspace_id", type=int))
        if ws is None:
            flash(_("You cannot act in that workspace."), "danger")
            return redirect(self.appbuilder.get_url_for_index, 303)
        session[SESSION_KEY] = ws.id
        flash(_("Now working in %(name)s.", name=ws.name), "success")
        return redirect(self.appbuilder.get_url_for_index, 303)


def register_admin(appbuilder) -> None:
    from portal.admin.api import register_api
    from portal.admin.form_builder import register_form_builder
    from portal.admin.kb import register_kb
    from portal.admin.tickets import register_ticket_views
    from portal.admin.tickets_api import register_ticket_api

    appbuilder.add_view(AccountAdmin, "Accounts", label=_l("Accounts"), category="Customers",
                        category_label=_l("Customers"), icon="fa-building")
    appbuilder.add_view(ContactAdmin, "Contacts", label=_l("Contacts"), category="Customers",
                        icon="fa-user")
    appbuilder.add_view(GroupAdmin, "Groups", label=_l("Groups"), category="Settings",
                        category_label=_l("Settings"), icon="fa-users")
    register_form_builder(appbuilder)
    appbuilder.add_view(WorkspaceAdmin, "Workspaces", label=_l("Workspaces"),
                        category="Platform", category_label=_l("Platform"), icon="fa-globe")
    appbuilder.add_view_no_menu(WorkspaceSwitchView)
    register_api(appbuilder)
    register_ticket_views(appbuilder)
    register_ticket_api(appbuilder)
    register_kb(appbuilder)
