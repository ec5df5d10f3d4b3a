"""What the workspace staff roles may do, as (view name, permission name) patterns.

"Platform Admin" is FAB's AUTH_ROLE_ADMIN, held on the user, and holds every permission.
"Admin" and "Agent" are ordinary database roles whose permissions
`portal.database.sync_permissions` rewrites from these patterns on every `init-db`, so the
rules live in code and can be reviewed here, while the Roles page still shows exactly what
each role holds. Nobody holds them globally: a staff member's role is the `role` of their
workspace membership, and only the membership of the workspace a request acts in counts
(portal.admin.security). Neither role gets FAB's security views (users, roles,
permissions) nor the Workspaces view.
"""

import re

ADMIN = "Admin"
AGENT = "Agent"
# StaffMembership.role -> the FAB role holding that role's permissions
MEMBERSHIP_ROLES = {"admin": ADMIN, "agent": AGENT}

# Every signed-in staff member: their own profile and password, the menu and API
# documents, and the workspace switcher.
_OWN_ACCOUNT = [
    (r"UserInfoEditView", r"can_this_form_(get|post)"),
    (r"ResetMyPasswordView", r"can_this_form_(get|post)"),
    (r"UserDBModelView", r"(can_userinfo|resetmypassword|userinfoedit)"),
    (r"MenuApi", r"can_get"),
    (r"OpenApi", r"can_get"),
    (r"SwaggerView", r"can_show"),
    (r"WorkspaceSwitchView", r"can_switch"),
]

# Both staff roles work tickets (read, reply, note, stage, priority, assignee, reporters);
# only admins delete them (_TICKET_DELETE).
_TICKET_WORK = [
    (r"TicketsView", r"can_(list|show|work)"),
    (r"TicketApi", r"can_(get|post|put)"),
    (r"(Tickets|Queue|Unassigned)", r"menu_access"),
]
_TICKET_DELETE = [(r"TicketsView", r"can_delete"), (r"TicketApi", r"can_delete")]

# Knowledge base: admins write articles and directories; agents read them (to answer
# tickets with links) and see the search analytics and the answers customers got (with
# their knowledge gaps), but change nothing.
_KB_MENU = (r"(Knowledge base|Articles|Directories|Search analytics|Answers)", r"menu_access")
_KB_READ = [
    (r"(ArticlesView|DirectoriesView)", r"can_(list|show)"),
    (r"(SearchAnalyticsView|KbAnswersView)", r"can_show"),
    (r"(ArticleApi|DirectoryApi)", r"can_get"),
    _KB_MENU,
]
_KB_WRITE = [
    (r"(ArticlesView|DirectoriesView)", r"can_(list|show|add|edit|delete)"),
    (r"(SearchAnalyticsView|KbAnswersView)", r"can_show"),
    (r"(ArticleApi|DirectoryApi)", r"can_(get|post|put|delete)"),
    _KB_MENU,
]

ROLE_PATTERNS: dict[str, list[tuple[str, str]]] = {
    ADMIN: _OWN_ACCOUNT + _TICKET_WORK + _TICKET_DELETE + _KB_WRITE + [
        (r"(AccountAdmin|ContactAdmin|GroupAdmin)", r".*"),
        (r"FormBuilderView", r"can_(show|edit)"),
        (r"(AccountApi|ContactApi|CustomerGroupApi)", r".*"),
        # the portal settings document: admins only (agents change nothing of the portal)
        (r"PortalSettingsApi", r".*"),
        (r"PortalSettingsView", r"can_(show|edit)"),
        # the JWT hand-off's application tokens: admins only
        (r"AppTokensView", r"can_(show|edit)"),
        (r"AppTokenApi", r".*"),
        # installable extensions (Article Follow): admins only
        (r"SnapInsView", r"can_(show|edit)"),
        # how customers sign in and the SAML identity providers: admins only
        (r"SignInSettingsView", r"can_(show|edit)"),
        # the knowledge base's search synonyms: admins only
        (r"SearchSynonymsView", r"can_(show|edit)"),
        # webhooks (endpoints, secrets, deliveries, redeliver): admins only
        (r"WebhooksView", r"can_(show|edit)"),
        (r"WebhookApi", r".*"),
        # the customer satisfaction report: admins only (each answer is on its ticket)
        (r"SatisfactionReportView", r"can_show"),
        (r"(Customers|Accounts|Contacts|Settings|Groups|Ticket form|Portal settings|"
         r"Application tokens|Sign-in|Snap-ins|Synonyms|Webhooks|Satisfaction)", r"menu_access"),
    ],
    AGENT: _OWN_ACCOUNT + _TICKET_WORK + _KB_READ + [
        (r"(AccountAdmin|ContactAdmin)", r"can_(list|show)"),
        (r"(AccountApi|ContactApi)", r"can_(get|info)"),
        (r"(Customers|Accounts|Contacts)", r"menu_access"),
    ],
}


def grants(role_name: str, view_name: str, permission_name: str) -> bool:
    return any(
        re.fullmatch(view, view_name) and re.fullmatch(perm, permission_name)
        for view, perm in ROLE_PATTERNS.get(role_name, [])
    )
