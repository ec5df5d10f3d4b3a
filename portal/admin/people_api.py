"""The staff REST API for accounts, contacts and groups of the `X-Workspace` workspace:
FAB's model API (portal.admin.api) with the declared write schemas; the rules are
portal.services.people, as on the pages."""

from flask import g
from flask_appbuilder.models.sqla.interface import SQLAInterface

from portal.admin.api import WorkspaceApi
from portal.models import Account, Contact, CustomerGroup
from portal.schemas.staff_people import AccountWrite, ContactWrite, GroupWrite
from portal.services import groups


class AccountApi(WorkspaceApi):
    resource_name = "account"
    datamodel = SQLAInterface(Account)
    write_schema = AccountWrite
    list_columns = show_columns = ["id", "name", "domains", "created_at"]
    add_columns = edit_columns = ["name", "domains"]
    search_columns = ["name"]
    order_columns = ["name", "created_at"]


class ContactApi(WorkspaceApi):
    resource_name = "contact"
    datamodel = SQLAInterface(Contact)
    write_schema = ContactWrite
    list_columns = show_columns = ["id", "email", "name", "locale", "account.id",
                                   "account.name", "verified", "active", "created_at"]
    add_columns = edit_columns = ["email", "name", "locale", "account", "verified", "active"]
    search_columns = ["email", "name", "account", "locale", "verified", "active"]
    order_columns = ["email", "name", "created_at"]


class CustomerGroupApi(WorkspaceApi):
    resource_name = "group"
    datamodel = SQLAInterface(CustomerGroup)
    write_schema = GroupWrite
    list_columns = show_columns = ["id", "name", "description", "system", "members.id",
                                   "members.email"]
    add_columns = edit_columns = ["name", "description", "members"]
    search_columns = ["name", "system"]
    order_columns = ["name"]

    def put_headless(self, pk):
        g.name_before_edit = groups.stored_name(pk)
        return super().put_headless(pk)
