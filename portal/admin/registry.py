"""Every admin page and staff API, added to Flask-AppBuilder in menu order.

The one module that imports the view modules: they import their base classes and the
services, never this module or each other, so the admin package has no import cycle.
"""

from flask_babel import lazy_gettext as _l

from portal.admin.app_tokens_api import register_app_tokens_api
from portal.admin.app_tokens_page import register_app_tokens_page
from portal.admin.form_builder import register_form_builder
from portal.admin.kb import register_kb
from portal.admin.people import AccountAdmin, ContactAdmin, GroupAdmin
from portal.admin.people_api import AccountApi, ContactApi, CustomerGroupApi
from portal.admin.portal_settings_api import register_portal_settings_api
from portal.admin.portal_settings_page import register_portal_settings_page
from portal.admin.satisfaction_page import register_satisfaction_page
from portal.admin.sign_in_page import register_sign_in_page
from portal.admin.snap_ins_page import register_snap_ins_page
from portal.admin.tickets import register_ticket_views
from portal.admin.tickets_api import register_ticket_api
from portal.admin.webhooks_page import register_webhooks
from portal.admin.workspaces import WorkspaceAdmin, WorkspaceSwitchView


def register_admin(appbuilder) -> None:
    appbuilder.add_view(AccountAdmin, "Accounts", label=_l("Accounts"), category="Customers",
                        category_label=_l("Customers"), icon="fa-building")
    appbuilder.add_view(ContactAdmin, "Contacts", label=_l("Contacts"), category="Customers",
                        icon="fa-user")
    appbuilder.add_view(GroupAdmin, "Groups", label=_l("Groups"), category="Settings",
                        category_label=_l("Settings"), icon="fa-users")
    register_form_builder(appbuilder)
    register_portal_settings_page(appbuilder)
    register_app_tokens_page(appbuilder)
    register_snap_ins_page(appbuilder)
    register_sign_in_page(appbuilder)
    register_webhooks(appbuilder)
    appbuilder.add_view(WorkspaceAdmin, "Workspaces", label=_l("Workspaces"),
                        category="Platform", category_label=_l("Platform"), icon="fa-globe")
    appbuilder.add_view_no_menu(WorkspaceSwitchView)
    for api in (AccountApi, ContactApi, CustomerGroupApi):
        appbuilder.add_api(api)
    register_ticket_views(appbuilder)
    register_satisfaction_page(appbuilder)
    register_ticket_api(appbuilder)
    register_kb(appbuilder)
    register_portal_settings_api(appbuilder)
    register_app_tokens_api(appbuilder)
