"""The staff authorization matrix: every admin route and staff API endpoint of the URL map,
for every kind of staff member, acting in acme.

Cells are generated from `app.url_map`: every rule under /admin and every rule served by a
Flask-AppBuilder `BaseApi`, with each of its methods. The permission a cell needs is read
from its view the way FAB checks it (`class_permission_name`, the method's permission name
and `method_permission_name`, `base_permissions`; for actions the action's permission), and
whether a role holds it comes from the patterns of `portal.admin.roles`, the reviewed
specification. An endpoint whose permission cannot be read fails the matrix; the few that
no permission protects on purpose are listed in UNPROTECTED with the reason.

Allowed cells must not answer 401/403 or a redirect to the login page (what they answer
beyond that, e.g. 422 for the empty bodies sent here, is the business of other tests);
refused cells answer 403 (pages may send the signed-out to the login page), show no row
of acme and send no INSERT, UPDATE or DELETE to the database. Writes carry a CSRF token
(pages) or a JWT (API). Rows of acme fill the path parameters; FAB's security views and
the workspaces view get throwaway rows, so that a platform admin's allowed deletes hit
nothing that matters.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask_appbuilder.api import BaseApi
from sqlalchemy import delete, event, select

from portal.admin.roles import MEMBERSHIP_ROLES, grants
from portal.auth import app_tokens
from portal.extensions import db as database
from portal.services import articles, directories
from portal.tenancy import use_workspace
from tests.admin.conftest import PASSWORD, fab_csrf, jwt_token, new_client, staff_login
from tests.factories import make_account, make_contact, make_staff, make_workspace
from tests.tickets_helpers import open_ticket

# Endpoints under /admin or in a FAB API that no permission protects, on purpose.
UNPROTECTED = {
    "root.admin_slash": "redirects /admin to /admin/",
    "AdminHomeView.index": "the admin home: FAB's welcome signed out; signed in, the current "
                           "workspace's ticket and search figures, which both roles may see",
    "UtilView.back": "redirects to the previous page",
    "LocaleView.index": "switches the interface language",
    "SecurityApi.login": "the staff API's sign-in: answers a token for a password",
    "SecurityApi.refresh": "exchanges a refresh token, which is itself the credential",
}
# The authentication view's own pages (sign-in, sign-out) are public by nature, whatever
# view class section 2 of issue 8 puts there; and blueprints that are not staff areas.
AUTH_VIEW_METHODS = {"login", "logout"}
NOT_STAFF = {
    "api": "the customer API (contacts' tokens, not staff roles; tests/api walk it)",
    "portal": "the customer portal",
    "root": "the portal's root pages and static files",
    "appbuilder": "Flask-AppBuilder's static files",
    "health": "/healthz and /readyz for load balancers (tests/web/test_health.py)",
    "sso": "SAML single sign-on of customers (tests/web/test_saml_login.py)",
    "metrics": "Prometheus metrics for operators (a token or an allowed address; tests/unit)",
    "plug": "the Plug widget's script for any site (tests/web/test_plug.py)",
}
# Every marker is in a row of acme only: a refused answer must not show one.
MARK = "Acme-only"
ACCESS_WRAPPERS = {"has_access.<locals>.wraps", "has_access_api.<locals>.wraps",
                   "protect.<locals>._protect.<locals>.wraps"}
IDENTITIES = {
    "agent": {"acme": "agent"},
    "admin": {"acme": "admin"},
    "admin_elsewhere": {"globex": "admin"},
    "agent_here_admin_elsewhere": {"acme": "agent", "globex": "admin"},
    "platform_admin": None,
}


def walked(app):
    """(rule, view) for every rule under /admin and every rule of a FAB API; fails on an
    /api rule that is neither a FAB API nor a known non-staff blueprint."""
    cells = []
    for rule in app.url_map.iter_rules():
        view = getattr(app.view_functions[rule.endpoint], "__self__", None)
        if rule.rule.startswith("/admin") or isinstance(view, BaseApi):
            cells.append((rule, view))
        else:
            blueprint = rule.endpoint.rpartition(".")[0]
            assert blueprint in NOT_STAFF, f"{rule.rule} ({rule.endpoint}) is in no area"
    return cells


def unprotected(app, rule, view) -> str | None:
    if rule.endpoint in UNPROTECTED:
        return UNPROTECTED[rule.endpoint]
    method = rule.endpoint.rpartition(".")[2]
    if view is app.appbuilder.sm.auth_view and method in AUTH_VIEW_METHODS:
        return "signing in and out"
    return None


def access_checked(fn) -> bool:
    """Is FAB's has_access/protect wrapper in the function's decorator chain?"""
    func = getattr(fn, "__func__", fn)
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and code.co_qualname in ACCESS_WRAPPERS and code.co_filename.endswith(
                "flask_appbuilder/security/decorators.py"):
            return True
        func = getattr(func, "__wrapped__", None)
    return False


def permission(view, fn) -> str | None:
    """The permission FAB's decorator checks for `fn`, or None if none checks it."""
    if not access_checked(fn):
        return None
    name = view.method_permission_name.get(fn.__name__) or fn._permission_name
    return f"can_{name}"


def holds(role, view, perm) -> bool:
    """Does `role` ("platform", "admin", "agent" or None) hold `perm` on `view`?"""
    if perm not in view.base_permissions:
        return False
    if role == "platform":
        return True
    return role is not None and grants(MEMBERSHIP_ROLES[role], view.class_permission_name, perm)


@dataclass
class Cell:
    method: str
    url: str
    view: object
    perm: str | None  # None: an action the endpoint does not run (404 for everyone)
    endpoint: str
    form: dict
    destructive: bool

    @property
    def is_page(self) -> bool:
        return self.url.startswith("/admin")


def cells(app, path_values):
    """Every cell to try, and the endpoints whose permission or path values are unknown."""
    found, problems = [], []
    for rule, view in walked(app):
        if unprotected(app, rule, view):
            continue
        fn = app.view_functions[rule.endpoint]
        method_name = rule.endpoint.rpartition(".")[2]
        is_action = method_name in ("action", "action_post")
        for action in (sorted(view.actions) or ["none"]) if is_action else [None]:
            if is_action:
                item = view.actions.get(action)
                applies = item and (item.single if method_name == "action" else item.multiple)
                perm = view.get_action_permission_name(action) if applies else None
            else:
                perm = permission(view, fn)
                if perm is None:
                    problems.append(f"{rule.rule} ({rule.endpoint}): no permission checks it")
                    continue
            values = {**path_values["*"], **path_values.get(view.class_permission_name, {})}
            if "name" in rule.arguments:
                values["name"] = action
            missing = rule.arguments - values.keys()
            if missing:
                problems.append(f"{rule.rule} ({rule.endpoint}): no value for {sorted(missing)}")
                continue
            url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            form = {"action": action, "rowid": values.get("pk")} if (
                method_name == "action_post") else {}
            destructive = "delete" in method_name or "delete" in (action or "")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append(Cell(method, url, view, perm, rule.endpoint, form,
                                  destructive or method == "DELETE"))
    return found, problems


@contextmanager
def writes_recorded():
    """The INSERT/UPDATE/DELETE statements sent to the database meanwhile."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(" ".join(statement.split())[:70])

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def acme_rows(acme_id: int) -> dict:
    """Every row of acme (of every table with a workspace_id)."""
    with database.engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(t.select().where(
                    t.c.workspace_id == acme_id))))
                for t in database.metadata.sorted_tables if "workspace_id" in t.c}


@pytest.fixture
def platform_rows(app, db):
    """Throwaway rows for FAB's security views and the workspaces view; FAB's own tables
    outlive a test, so they are removed again by name."""
    sm = app.appbuilder.sm
    spare = make_workspace(slug="spare", name="Spare")
    user = make_staff("throwaway@staff.example", PASSWORD, "agent", spare)
    role = sm.add_role("Matrix Role")
    group = sm.add_group("Matrix Group", "Matrix Group", "", roles=[], users=[])
    pv = sm.add_permission_view_menu("can_matrix", "MatrixView")
    yield {
        "WorkspaceAdmin": {"pk": spare.id},
        "UserDBModelView": {"pk": user.id}, "User": {"pk": user.id},
        "RoleModelView": {"pk": role.id}, "Role": {"pk": role.id, "role_id": role.id},
        "UserGroupModelView": {"pk": group.id}, "Group": {"pk": group.id},
        "PermissionModelView": {"pk": pv.permission.id}, "Permission": {"pk": pv.permission.id},
        "ViewMenuModelView": {"pk": pv.view_menu.id}, "ViewMenu": {"pk": pv.view_menu.id},
        "PermissionViewModelView": {"pk": pv.id}, "PermissionViewMenu": {"pk": pv.id},
    }
    db.session.rollback()
    _remove_fab_rows(sm)


def _remove_fab_rows(sm) -> None:
    tables = database.metadata.tables
    roles = select(sm.role_model.id).where(sm.role_model.name.like("Matrix Role%"))
    groups = select(sm.group_model.id).where(sm.group_model.name.like("Matrix Group%"))
    pvs = (select(sm.permissionview_model.id)
           .join(sm.viewmenu_model, sm.viewmenu_model.id == sm.permissionview_model.view_menu_id)
           .where(sm.viewmenu_model.name == "MatrixView"))
    pvr = tables["ab_permission_view_role"]
    with database.engine.begin() as conn:
        conn.execute(delete(pvr).where(pvr.c.role_id.in_(roles)
                                       | pvr.c.permission_view_id.in_(pvs)))
        for name, column, ids in (("ab_user_role", "role_id", roles),
                                  ("ab_group_role", "role_id", roles),
                                  ("ab_group_role", "group_id", groups),
                                  ("ab_user_group", "group_id", groups)):
            conn.execute(delete(tables[name]).where(tables[name].c[column].in_(ids)))
        conn.execute(delete(tables["ab_permission_view"]).where(
            tables["ab_permission_view"].c.id.in_(pvs)))
        for name, column, value in (("ab_role", "name", "Matrix Role%"),
                                    ("ab_group", "name", "Matrix Group%"),
                                    ("ab_permission", "name", "can_matrix"),
                                    ("ab_view_menu", "name", "MatrixView")):
            conn.execute(delete(tables[name]).where(tables[name].c[column].like(value)))


@pytest.fixture
def acme_rows_by_view(acme, globex, db, platform_rows):
    """One row of acme of every kind a path names, every one carrying MARK."""
    account = make_account(acme, f"{MARK} account", ["acme-only.example"])
    contact = make_contact(acme, "acme-only@acme-only.example", account=account,
                           name=f"{MARK} contact")
    ticket = open_ticket(acme, contact, f"{MARK} printer")
    with use_workspace(acme.id):
        from portal.models import CustomerGroup

        group = CustomerGroup(workspace_id=acme.id, name=f"{MARK} group", description="",
                              members=[contact])
        db.session.add(group)
        article = articles.save(acme, locale="en-US", title=f"{MARK} article", body="Text.")
        directory = directories.save_directory(acme, names={"en-US": f"{MARK} directory"})
        db.session.commit()
        revision = articles.revisions(article)[0].id
        from portal.models import SearchSynonym

        synonym = SearchSynonym(workspace_id=acme.id, locale="en-US",
                                terms=f"{MARK} bill, invoice")
        db.session.add(synonym)
        db.session.commit()
        token, _secret = app_tokens.create(acme, f"{MARK} token")
        from portal.models import WebhookDelivery, WebhookEndpoint

        hook = WebhookEndpoint(workspace_id=acme.id, url="https://hooks.example/acme-only",
                               events=["ticket.created"], secret="whsec_matrix",
                               description=f"{MARK} webhook")
        db.session.add(hook)
        db.session.flush()
        delivery = WebhookDelivery(workspace_id=acme.id, endpoint_id=hook.id,
                                   event="ticket.created", event_id="matrix",
                                   payload='{"note": "Acme-only"}')
        db.session.add(delivery)
        db.session.commit()
        ids = {"account": account.id, "contact": contact.id, "group": group.id,
               "article": article.id, "directory": directory.id, "number": ticket.number,
               "app_token": token.id, "synonym": synonym.id, "webhook": hook.id,
               "delivery": delivery.id}
    return {
        "*": {"version": "v1", "filename": "export.csv", "group_by": "0"},
        "AccountAdmin": {"pk": ids["account"]}, "AccountApi": {"pk": ids["account"]},
        "ContactAdmin": {"pk": ids["contact"]}, "ContactApi": {"pk": ids["contact"]},
        "GroupAdmin": {"pk": ids["group"]}, "CustomerGroupApi": {"pk": ids["group"]},
        "ArticlesView": {"pk": ids["article"], "revision_id": revision},
        "ArticleApi": {"pk": ids["article"], "revision_id": revision},
        "DirectoriesView": {"pk": ids["directory"]}, "DirectoryApi": {"pk": ids["directory"]},
        "TicketsView": {"number": ids["number"]}, "TicketApi": {"number": ids["number"]},
        # a publish version (none yet: 404 when allowed); an image name
        "PortalSettingsApi": {"number": 1, "image": "logo"},
        "PortalSettingsView": {"number": 1, "image": "logo"},
        "AppTokensView": {"pk": ids["app_token"]}, "AppTokenApi": {"pk": ids["app_token"]},
        "SnapInsView": {"key": "article_follow"},
        "SearchSynonymsView": {"pk": ids["synonym"]},
        "WebhooksView": {"pk": ids["webhook"], "delivery_id": ids["delivery"]},
        "WebhookApi": {"pk": ids["webhook"], "delivery_id": ids["delivery"]},
        "SignInSettingsView": {"provider": 999999},  # none there: 404 when allowed
        **platform_rows,
    }


def sign_in(app, acme, name):
    """(page client, CSRF token, API client, API headers) of a new staff member `name`."""
    email = f"{name}@staff.example"
    workspaces = IDENTITIES[name]
    if workspaces is None:
        make_staff(email, PASSWORD, "admin", None)
    for slug, role in (workspaces or {}).items():
        from portal.services import workspaces as ws_service

        make_staff(email, PASSWORD, role, ws_service.by_slug(slug))
    pages = staff_login(new_client(app), email)
    token = fab_csrf(pages.get("/admin/resetmypassword/form").text)
    pages.post("/admin/workspace/switch", data={"workspace_id": acme.id, "csrf_token": token})
    api = new_client(app)
    headers = {"Authorization": f"Bearer {jwt_token(api, email)}", "X-Workspace": acme.slug}
    return pages, token, api, headers


def send(client, cell: Cell):
    pages, token, api, headers = client
    if cell.is_page:
        if cell.method == "GET":
            return pages.get(cell.url)
        return pages.open(cell.url, method=cell.method,
                          data={"csrf_token": token, **cell.form})
    body = None if cell.method in ("GET", "DELETE") else {}
    return api.open(cell.url, method=cell.method, headers=headers, json=body)


def verdict(resp, expected: str, is_page: bool) -> str | None:
    """None if the answer fits the cell ("allowed", "refused" or "missing"), else what is
    wrong with it."""
    location = resp.headers.get("Location", "")
    to_login = resp.status_code in (301, 302, 303) and "/login" in location
    answered = f"answered {resp.status_code} {location}".strip()
    if expected == "allowed":
        if resp.status_code in (401, 403) or to_login:
            return f"allowed, but {answered}"
        return None
    if expected == "missing":
        return None if resp.status_code == 404 else f"no such action, but {answered}"
    if not (resp.status_code == 403 or (is_page and to_login)):
        return f"refused, but {answered}"
    if MARK in resp.get_data(as_text=True):
        return "refused, but shows acme's rows"
    return None


@pytest.mark.parametrize("identity", list(IDENTITIES))
def test_every_endpoint_answers_as_the_roles_say(app, acme, globex, acme_rows_by_view,
                                                 identity):
    found, problems = cells(app, acme_rows_by_view)
    assert not problems, "\n".join(problems)
    memberships = IDENTITIES[identity]
    in_acme = "platform" if memberships is None else memberships.get("acme")
    # Pages act in the session's workspace: acme, unless the person may not act there.
    on_pages = in_acme if in_acme or memberships is None else memberships["globex"]
    client = sign_in(app, acme, identity)

    def expected(cell: Cell) -> str:
        if cell.perm is None:
            return "missing"
        role = on_pages if cell.is_page else in_acme
        return "allowed" if holds(role, cell.view, cell.perm) else "refused"

    # reads and refusals first, deletes last
    found.sort(key=lambda c: (c.destructive, c.method != "GET", expected(c) == "allowed",
                              c.url, c.method))
    start = acme_rows(acme.id)
    failures = []
    for cell in found:
        expect = expected(cell)
        with writes_recorded() as writes:
            resp = send(client, cell)
        problem = verdict(resp, expect, cell.is_page)
        if expect != "allowed" and writes:
            problem = problem or f"{expect}, but wrote: {writes}"
        if problem:
            failures.append(f"{cell.method} {cell.url} [{cell.view.class_permission_name}."
                            f"{cell.perm}]: {problem}")
    if in_acme is None and acme_rows(acme.id) != start:
        # never able to act in acme, whatever the pages did in globex
        failures.append("acme's rows changed")
    assert not failures, f"{identity}: {len(failures)} of {len(found)} cells\n" + "\n".join(
        failures)


def test_the_matrix_covers_every_staff_area(app, acme, globex, acme_rows_by_view):
    """The walk reaches the pages and APIs it must, and UNPROTECTED names only endpoints
    that exist and that really check no permission."""
    found, _problems = cells(app, acme_rows_by_view)
    endpoints = {c.endpoint for c in found}
    for wanted in ("TicketsView.delete", "TicketApi.delete", "GroupAdmin.list",
                   "CustomerGroupApi.get_list", "ArticleApi.publish", "ContactApi.post",
                   "ArticlesView.publish", "WorkspaceAdmin.delete", "MenuApi.get_menu_data",
                   "GroupAdmin.action_post", "OpenApi.get", "AppTokensView.create",
                   "AppTokensView.revoke", "AppTokenApi.delete", "AppTokenApi.post",
                   "SearchSynonymsView.add", "SearchSynonymsView.change",
                   "SearchSynonymsView.delete", "WebhooksView.redeliver",
                   "WebhooksView.secret", "WebhookApi.redeliver", "WebhookApi.deliveries"):
        assert wanted in endpoints, wanted
    views = {rule.endpoint: view for rule, view in walked(app)}
    for endpoint in UNPROTECTED:
        assert endpoint in views, f"UNPROTECTED names {endpoint}, which no longer exists"
        assert not access_checked(app.view_functions[endpoint]), (
            f"{endpoint} checks a permission: walk it")
    assert len(found) > 200, len(found)
    with writes_recorded() as writes:  # the write check sees what requests write
        make_account(acme, "Seen")
    assert writes and writes[0].startswith("INSERT INTO account")


def test_an_endpoint_without_a_readable_permission_fails_the_matrix(app, acme_rows_by_view,
                                                                    monkeypatch):
    """A page without has_access is reported, not skipped."""
    bound = app.view_functions["TicketsView.queue"]
    bare = bound.__func__.__wrapped__.__get__(bound.__self__)
    monkeypatch.setitem(app.view_functions, "TicketsView.queue", bare)
    _found, problems = cells(app, acme_rows_by_view)
    assert any(re.search(r"^/admin/tickets/ .*no permission checks it", p) for p in problems)
