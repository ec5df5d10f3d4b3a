"""Generated admin views; all `add_view` calls live in `register_admin`."""

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from portal.models import Account, Contact, CustomerGroup, Workspace
from portal.tenancy import current_workspace_id


class WorkspaceModelView(ModelView):
    base_filters = [["workspace_id", FilterEqualFunction, current_workspace_id]]

    def pre_add(self, item):
        item.workspace_id = current_workspace_id()


class AccountAdmin(WorkspaceModelView):
    datamodel = SQLAInterface(Account)
    list_columns = ["name", "domains"]
    add_columns = edit_columns = ["name", "domains"]
    search_columns = ["name"]
    label_columns = {"name": _l("Name"), "domains": _l("Email domains")}


class ContactAdmin(WorkspaceModelView):
    datamodel = SQLAInterface(Contact)
    list_columns = ["email", "name", "account", "verified", "active"]
    add_columns = edit_columns = ["email", "name", "locale", "account", "verified", "active"]
    search_columns = ["email", "name", "account", "verified", "active"]
    label_columns = {
        "email": _l("Email"),
        "name": _l("Name"),
        "account": _l("Account"),
        "verified": _l("Verified"),
        "active": _l("Active"),
        "locale": _l("Language"),
    }


class GroupAdmin(WorkspaceModelView):
    datamodel = SQLAInterface(CustomerGroup)
    list_columns = ["name", "description", "system"]
    add_columns = ["name", "description", "members"]
    edit_columns = ["name", "description", "members"]
    search_columns = ["name"]
    label_columns = {
        "name": _l("Name"),
        "description": _l("Description"),
        "system": _l("System group"),
        "members": _l("Members"),
    }


class WorkspaceAdmin(ModelView):
    datamodel = SQLAInterface(Workspace)
    list_columns = ["slug", "name", "custom_domain", "default_locale"]
    add_columns = edit_columns = ["slug", "name", "custom_domain", "default_locale",
                                  "jit_provisioning", "support_email"]
    search_columns = ["slug", "name"]


def register_admin(appbuilder) -> None:
    appbuilder.add_view(AccountAdmin, "Accounts", label=_l("Accounts"), category="Customers",
                        category_label=_l("Customers"), icon="fa-building")
    appbuilder.add_view(ContactAdmin, "Contacts", label=_l("Contacts"), category="Customers",
                        icon="fa-user")
    appbuilder.add_view(GroupAdmin, "Groups", label=_l("Groups"), category="Settings",
                        category_label=_l("Settings"), icon="fa-users")
    appbuilder.add_view(WorkspaceAdmin, "Workspaces", label=_l("Workspaces"),
                        category="Platform", category_label=_l("Platform"), icon="fa-globe")
