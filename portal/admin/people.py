"""Customers > Accounts and Contacts, Settings > Groups: FAB's CRUD pages over the rules of
portal.services.people, and the group members page over portal.services.groups."""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.admin import forms
from portal.admin.views import WorkspaceModelView, page_route
from portal.models import Account, Contact, CustomerGroup
from portal.schemas.pages import MemberForm, page_args
from portal.services import groups, people
from portal.services.errors import Invalid


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
    formatters_columns = {"domains": people.domains_text}
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
            form.email_domains.data = people.domains_text(item.domains)

    def pre_add(self, item):
        item.domains = getattr(item, "email_domains", "") or ""
        super().pre_add(item)

    def pre_update(self, item):
        item.domains = getattr(item, "email_domains", "") or ""
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

    @action("verify", _l("Mark verified"), None, "fa-check", single=False)
    def verify(self, items):
        count = people.mark_verified(items)
        flash(_("%(count)d contacts marked verified.", count=count), "success")
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

    def _edit(self, pk):
        g.name_before_edit = groups.stored_name(pk)
        return super()._edit(pk)

    @action("add_user", _l("Add user"), None, "fa-user-plus", multiple=False)
    def add_user(self, item):
        if item is None:
            abort(404)
        return redirect(url_for(".members", pk=item.id))

    @page_route("/members/<id:pk>", "edit")
    def members(self, pk):
        group = _found(groups.get, pk)
        query = (request.args.get("q") or "").strip()[:groups.SEARCH_MAX]
        return self.render_template(
            "appbuilder/helpport/group_members.html", group=group, query=query,
            found=groups.candidates(g.admin_workspace, group, query),
            members=groups.members(group))

    @page_route("/members/<id:pk>/add", "edit", methods=["POST"])
    def add_member(self, pk):
        group, contact = _found(groups.get, pk), _posted_contact()
        groups.add_member(group, contact)
        flash(_("%(contact)s added to %(group)s.", contact=str(contact), group=group.name),
              "success")
        return redirect(url_for(".members", pk=group.id, q=request.form.get("q") or None))

    @page_route("/members/<id:pk>/remove", "edit", methods=["POST"])
    def remove_member(self, pk):
        group, contact = _found(groups.get, pk), _posted_contact()
        groups.remove_member(group, contact)
        flash(_("%(contact)s removed from %(group)s.", contact=str(contact),
                group=group.name), "success")
        return redirect(url_for(".members", pk=group.id))


def _found(lookup, row_id):
    """The workspace's row; an id of another workspace names nothing (NotFound: the 404
    page of portal.errors)."""
    return lookup(g.admin_workspace, row_id)


def _posted_contact() -> Contact:
    try:
        contact_id = page_args(MemberForm, request.form)["contact_id"]
    except Invalid:
        abort(404)
    return _found(groups.contact, contact_id)
