"""Every route of the URL map, probed with values no row can have (issue 8, section 5).

Each path parameter of every rule but static files, and each query parameter a view reads,
gets a huge value (2**63, beyond any database integer; on PostgreSQL 2**31 too), a
negative one, one that is no number though `str.isdigit()` says it is ("²") and an empty
one, every other parameter valid, as a signed-in customer, a workspace's staff admin, a
platform admin (on what turned the staff admin away) and an anonymous visitor. Every
answer is 2xx, 3xx or 4xx, never 5xx; a 4xx is JSON under /api and an HTML page elsewhere.

The query parameters are found, not listed: each GET rule is requested with valid values
(and a few generic names, `page`, `account`, `assignee`, ..., empty as a form leaves them)
while `request.args` notes every name the code looks up; each name noted is then probed
once per rule. Added, because no lookup names them: Flask-AppBuilder's list arguments on
model pages (`page_<View>`, `psize_<View>`, `_oc_<View>`, `_flt_<i>_<column>`) and its
rison `q` on REST lists. Once an identity is turned away (sign in first, not allowed) a
parameter's remaining values are not sent: they would not reach the view either.

Huge ids reach the database only on PostgreSQL (SQLite's integers hold 2**63 - 1): run the
file there too (the PostgreSQL pass of CI does).
"""

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import prison
import pytest
from flask_appbuilder.api import BaseApi
from flask_appbuilder.baseviews import BaseModelView
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from portal.auth import sessions
from portal.extensions import db
from portal.models import Contact, Directory
from portal.services import (
    actors,
    articles,
    attachments,
    kb_answers,
    outbox,
    portal_settings,
    timeline,
)
from portal.tenancy import use_workspace
from tests.admin.conftest import api, fab_csrf, staff  # noqa: F401  (fixtures)
from tests.conftest import csrf_from
from tests.factories import api_token, make_account, make_contact
from tests.tickets_helpers import open_ticket

# the sharpest first: a refusal (sign in first, not allowed) ends a parameter's probe
VALUES = (str(2**63), "\u00b2", "-1", "")  # "²": no number, though str.isdigit() says so
PG_INT_OVERFLOW = str(2**31)  # a valid id on SQLite, which stores it: sent on PostgreSQL
GENERIC = ("page", "account", "assignee", "directory", "sort", "q", "limit", "after",
           "offset", "parent", "status", "kind", "version", "days", "stage", "scope")
# requests that would end the prober's own session; they read no parameters
SESSION_ENDERS = {"AuthDBView.logout", "portal.signout", "api.sign_out"}
CUSTOMER_API = ("/api/v1/workspaces/", "/api/v1/me")  # where the customer's token goes
PARAM = re.compile(r"<(?:[a-zA-Z_]+(?:\([^)]*\))?:)?([a-zA-Z_]\w*)>")


def area(rule) -> str | None:
    if rule.endpoint.endswith("static"):
        return None
    if rule.rule.startswith("/admin/"):
        return "admin"
    if rule.endpoint.startswith("api."):
        return "customer_api"
    if rule.rule.startswith("/api/"):
        return "staff_api"
    return "portal"


AREAS = ("portal", "admin", "customer_api", "staff_api")


class RecordingArgs(ImmutableMultiDict):
    """`request.args` (and `.form`) that note every name looked up while `noted` is a set."""

    noted: set | None = None

    def _note(self, key):
        if RecordingArgs.noted is not None and isinstance(key, str):
            RecordingArgs.noted.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's name)
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self._note(key)
        return super().getlist(key, type)


class LastError(logging.Handler):
    """The last exception the app logged: named in a failure, so a 500 says why."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.last = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


@dataclass
class Site:
    """What valid values point at: acme's rows (the customer's ticket with a file, a
    published article in a directory, an account, an outbox message)."""

    ids: dict
    failures: list = field(default_factory=list)
    sent: int = 0


@pytest.fixture
def site(app, acme, globex, customer_client, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "development")  # the demo outbox
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    # SEO and the PDF toggle on: the sitemap, llms.txt, Markdown and PDF routes answer
    # (portal.web.seo, portal.web.kb_pdf), not a 404
    portal_settings.change(acme, {"features.knowledge_base": "public", "features.seo": True,
                                  "features.pdf_export": True})
    db.session.commit()
    with use_workspace(acme.id):
        pat = db.session.scalar(select(Contact).where(Contact.email == "pat@customer.example"))
        account = make_account(acme, "Acme Corp")
        ticket = open_ticket(acme, pat)
        checked = attachments.check_all(acme, [("log.txt", b"log line\n")])
        timeline.add_comment(ticket, actors.customer(pat), "The log.", files=checked)
        guides = Directory(workspace_id=acme.id, slug="guides", names={"en-US": "Guides"})
        db.session.add(guides)
        db.session.flush()
        article = articles.save(acme, locale="en-US", title="Printer setup", body="Plug it in.",
                                status="published", directory_id=guides.id)
        message = outbox.add(acme.id, "pat@customer.example", "Hello", "Hi", "<p>Hi</p>",
                             kind="generic", locale="en-US")
        db.session.commit()
        answer = kb_answers.record(acme, pat, "en-US", "How do I plug it in?", "Plug it in.",
                                   [article.id], False)  # pat's question (rated by pat)
        # another contact's session and member id (a valid id the customer may not touch),
        # and pat's contact in globex (the workspace picker's switch)
        kim = make_contact(acme, "kim@customer.example", account=account)
        _token, kim_session = sessions.start(kim, kind="web")
        ids = {"pat": pat, "ticket": ticket.number, "account": account.id,
               "article": article.id, "article_slug": article.slug, "directory": guides.id,
               "directory_slug": guides.slug, "message": message.id,
               "file": attachments.for_ticket(ticket, include_internal=False)[0].id,
               "revision": articles.revisions(article)[0].id,
               "session": kim_session.id, "member": kim.id, "target": globex.slug,
               "answer": answer.id}
    make_contact(globex, "pat@customer.example")
    return Site(ids=ids)


def _views(app) -> dict:
    return {type(view).__name__: view for view in app.appbuilder.baseviews}


def _first_id(model, ws) -> int:
    with use_workspace(ws.id):
        stmt = select(model.id).order_by(model.id).limit(1)
        if hasattr(model, "workspace_id"):
            stmt = stmt.where(model.workspace_id == ws.id)
        return db.session.scalar(stmt) or 1


def _one_row_action(view) -> str:
    actions = getattr(view, "actions", None) or {}
    return next((name for name, action in actions.items() if action.single), "none")


def valid_values(app, rule, site, acme) -> dict:
    """A valid value for every path parameter of `rule`."""
    view = _views(app).get(rule.endpoint.split(".")[0])
    model = getattr(getattr(view, "datamodel", None), "obj", None)
    ids = site.ids
    by_name = {
        "locale": "en-US", "workspace": acme.slug, "first": acme.slug,
        "slug": acme.slug if rule.endpoint.startswith(("api.", "root.", "sso."))
        else ids["article_slug"],
        "provider": 999999,  # a SAML identity provider (none in the probe's site)
        "digest": "0123456789abcdef",  # a workspace stylesheet's or image's content digest
        "image": "logo", "ext": "png",  # a portal settings image
        "dir_slug": ids["directory_slug"], "key": ids["article_slug"],
        "number": ids["ticket"], "file_id": ids["file"], "message_id": ids["message"],
        "revision_id": ids["revision"], "filename": "export.csv", "version": "v1",
        "delivery_id": 1,  # a webhook delivery (none in the probe's site)
        "group_by": "", "name": _one_row_action(view), "token": "not-a-signed-token",
        "pk": (ids["article"] if rule.endpoint.startswith(("ArticlesView", "ArticleApi"))
               else ids["directory"] if rule.endpoint.startswith(("DirectoriesView",
                                                                   "DirectoryApi"))
               else _first_id(model, acme) if model is not None else 1),
        "role_id": 1, "answer_id": ids["answer"],
        "target": ids["target"], "session_id": ids["session"], "member_id": ids["member"],
        "id": ids["session"] if "/sessions/" in rule.rule else ids["member"],
    }
    return {name: str(by_name[name]) for name in PARAM.findall(rule.rule)}


def build(rule, values: dict) -> str:
    return PARAM.sub(lambda m: quote(values[m.group(1)], safe=""), rule.rule)


REFUSED = (401, 403)


def refused(response) -> bool:
    """Turned away before the view read anything: not signed in, or not allowed."""
    if response.status_code in REFUSED:
        return True
    where = response.headers.get("Location", "") if response.status_code in (302, 303) else ""
    return "/login" in where or "/signin" in where


class Prober:
    def __init__(self, app, site, errors):
        self.app, self.site, self.errors = app, site, errors
        postgres = db.engine.dialect.name == "postgresql"
        self.values = VALUES + ((PG_INT_OVERFLOW,) if postgres else ())
        self.who, self.client, self.api_headers, self.token = "", None, {}, ""

    def sign_in(self, who, client, api_headers, token):
        self.who, self.client, self.api_headers, self.token = who, client, api_headers, token

    def send(self, method: str, url: str):
        is_api = url.startswith("/api/")
        headers = {"X-CSRFToken": self.token}
        if is_api:  # each API's own credentials: the other API sees an anonymous caller
            customer_api = url.startswith(CUSTOMER_API)
            headers = {k: v for k, v in self.api_headers.items()
                       if customer_api == (self.who == "customer")}
        kwargs = {"json": {}} if is_api else {"data": {"csrf_token": self.token}}
        if method in ("GET", "DELETE"):
            kwargs = {}
        self.errors.last = ""
        response = self.client.open(url, method=method, headers=headers, **kwargs)
        self.site.sent += 1
        self.check(method, url, response)
        return response

    def check(self, method, url, response):
        status = response.status_code
        problem = None
        if status >= 500:
            problem = self.errors.last or "server error"
        elif status >= 400 and url.startswith("/api/") and not response.is_json:
            problem = f"not JSON ({response.mimetype})"
        elif status >= 400 and not url.startswith("/api/") and response.mimetype != "text/html":
            problem = f"not an HTML page ({response.mimetype})"
        if problem:
            self.site.failures.append(f"{status} {method} {url} [{self.who}] {problem}")

    def path_probe(self, rule, valid: dict) -> list:
        """Each path parameter with each value, until the identity is turned away (the
        value then never reaches the view); every answer."""
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        answers = []
        for name in valid:
            for value in self.values:
                url = build(rule, {**valid, name: value})
                sent = [self.send(method, url) for method in methods]
                answers += sent
                if all(refused(r) for r in sent):
                    break
        return answers

    def noting(self, url: str) -> tuple:
        """GET `url`, noting the query names the app looks up: (answer, names)."""
        RecordingArgs.noted = set()
        try:
            answer = self.send("GET", url)
        finally:
            noted, RecordingArgs.noted = RecordingArgs.noted, None
        return answer, noted

    def query_probe(self, rule, url: str, probed: set):
        """A request with valid values (and the generic names, empty as a form leaves
        them), noting the names read; then each name not yet probed on this rule (`probed`,
        shared by the identities) with each value, and the FAB list arguments once per
        rule. The first request's answer."""
        sep = "&" if "?" in url else "?"
        first, noted = self.noting(url + sep + urlencode({name: "" for name in GENERIC}))
        if refused(first) and not noted:
            return first
        groups = [[(name, "{v}")] for name in sorted(noted - probed)]
        probed |= noted
        view = _views(self.app).get(rule.endpoint.split(".")[0])
        rest_list = isinstance(view, BaseApi) and rule.endpoint.endswith(".get_list") \
            and getattr(view, "datamodel", None) is not None
        if "<FAB>" not in probed:
            probed.add("<FAB>")
            if isinstance(view, BaseModelView):
                fab = model_view_args(view)
                # a list page reads them for itself, the others for lists shown with them
                groups += fab if rule.endpoint.endswith(".list") else [sum(fab, [])]
        else:
            rest_list = False
        for value in self.values:
            for group in groups:
                args = [(name, template.format(v=value)) for name, template in group]
                self.send("GET", url + sep + urlencode(args))
            for q in (rest_list_queries(view, value) if rest_list else []):
                self.send("GET", url + sep + urlencode({"q": q}))
        return first

    def probe(self, rules, acme, probed: dict) -> set:
        """Every rule of `rules`; the rules that turned this identity away (the valid GET
        was refused, or every answer, for a rule without GET)."""
        turned_away = set()
        for rule in rules:
            valid = valid_values(self.app, rule, self.site, acme)
            answers = self.path_probe(rule, valid) if valid else []
            if "GET" in rule.methods and rule.endpoint not in SESSION_ENDERS \
                    and not rule.endpoint.endswith((".delete", ".action")):
                answers = [self.query_probe(rule, build(rule, valid),
                                            probed.setdefault(id(rule), set()))]
            if answers and all(refused(r) for r in answers):
                turned_away.add(id(rule))
        return turned_away


def identity(who, app, customer_client, staff, api, acme, site):  # noqa: F811
    """(client, headers for /api, CSRF token) of `who`."""
    if who == "anonymous":
        client = app.test_client()
        return client, {}, csrf_from(client.get("/en-US/acme/signin").text)
    if who == "customer":
        token = csrf_from(customer_client.get("/en-US/acme/tickets/new").text)
        return customer_client, {"Authorization": f"Bearer {api_token(site.ids['pat'])}"}, token
    platform = who == "platform"
    client = staff("admin", acme, platform=platform)
    _jwt_client, headers = api("admin", acme, platform=platform)
    return client, headers, fab_csrf(client.get("/admin/tickets/").text)


def filter_kinds(view) -> list[list[tuple[str, str]]]:
    """A model view's search columns grouped by their filter classes: columns filtered
    alike are parsed alike, so one request per kind and value covers them."""
    kinds: dict = {}
    for column, filters in view._filters.get_search_filters().items():
        kind = tuple((type(f).__name__, f.arg_name) for f in filters)
        kinds.setdefault(kind, []).append(column)
    return [(kind, columns) for kind, columns in kinds.items()]


def model_view_args(view) -> list[list[tuple[str, str]]]:
    """Flask-AppBuilder's list arguments of a model page: paging and ordering, and every
    filter (`_flt_<i>_<column>`); the input check loads each on its own."""
    name = type(view).__name__
    paging = [(f"page_{name}", "{v}"), (f"psize_{name}", "{v}"), (f"_oc_{name}", "{v}"),
              (f"_od_{name}", "asc")]
    filters = [(f"_flt_{i}_{column}", "{v}") for kind, columns in filter_kinds(view)
               for column in columns for i in range(len(kind))]
    return [paging, filters] if filters else [paging]


def rison_value(value: str):
    return int(value) if re.fullmatch("-?[0-9]+", value) else value


def rest_list_queries(view, value: str) -> list[str]:
    """Rison `q` arguments of a REST list endpoint: paging and ordering, and every filter."""
    v = rison_value(value)
    found = [{"page": v, "page_size": v, "order_column": v, "order_direction": "asc"},
             {"filters": [{"col": column, "opr": opr, "value": v}
                          for kind, columns in filter_kinds(view)
                          for column in columns for _name, opr in kind]}]
    return [prison.dumps(q) for q in found]


@pytest.mark.parametrize("where", AREAS)
def test_no_parameter_value_makes_a_server_error(where, app, site, acme, customer_client,
                                                staff, api, monkeypatch):  # noqa: F811
    """Anonymous, customer and workspace admin on every rule of the area; a platform admin
    on the rules that turned the workspace admin away (platform pages)."""
    errors = LastError()
    app.logger.addHandler(errors)
    monkeypatch.setattr(app.request_class, "parameter_storage_class", RecordingArgs)
    prober = Prober(app, site, errors)
    rules = sorted((r for r in app.url_map.iter_rules() if area(r) == where),
                   key=lambda r: (r.rule, r.endpoint))
    assert rules
    probed: dict = {}  # per rule, the query names (and FAB arguments) already probed
    away: dict = {}  # per identity, the rules that turned it away
    try:
        for who in ("customer", "staff", "platform", "anonymous"):
            if who == "platform":  # the platform pages: what turned the staff admin away
                if where not in ("admin", "staff_api"):
                    continue
                mine = [r for r in rules if id(r) in away["staff"]]
            else:
                mine = rules
            prober.sign_in(who, *identity(who, app, customer_client, staff, api, acme, site))
            away[who] = prober.probe(mine, acme, probed)
    finally:
        app.logger.removeHandler(errors)
    assert not site.failures, f"{len(site.failures)} of {site.sent} requests:\n" + \
        "\n".join(site.failures)


def test_every_rule_is_probed(app):
    """The probe is generated from the URL map: no rule but static files falls outside."""
    rules = list(app.url_map.iter_rules())
    assert {area(r) for r in rules} == {None, "portal", "admin", "customer_api", "staff_api"}
    assert sorted(r.rule for r in rules if area(r) is None) == sorted(
        r.rule for r in rules if r.endpoint.endswith("static"))


def test_the_probe_notes_query_names_the_views_read(client, site, monkeypatch, app):
    monkeypatch.setattr(app.request_class, "parameter_storage_class", RecordingArgs)
    RecordingArgs.noted = set()
    try:
        client.get("/en-US/acme/search?q=printer")
        client.get("/en-US/acme/signin")
    finally:
        noted, RecordingArgs.noted = RecordingArgs.noted, None
    assert {"q", "mode", "next"} <= noted


