"""The Plug widget's script (issue 15, sections 1 and 6): `GET /plug/<slug>/plug.js`.

One vanilla script (themes/default/static/plug/plug.js) with the workspace's configuration
baked in as JSON: its name, accent colours, which features are on, the portal's links and
the widget's texts in each language the portal offers (the page's `lang` or the script's
`data-locale` picks one). 404 unless the Plug toggle is on. Pages of other sites load it
with `<script src=".../plug/<slug>/plug.js" defer></script>`; their calls to the customer
API are allowed by portal.api.cors."""

import hashlib
import json
import threading
from collections import OrderedDict
from functools import lru_cache

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from config import ROOT
from portal.i18n import babel_locale, direction
from portal.models.ticket import OPEN_STAGES
from portal.services import portal_public, portal_settings, workspaces
from portal.tenancy import enter_workspace

plug = Blueprint("plug", __name__)

SOURCE = ROOT / "themes" / "default" / "static" / "plug" / "plug.js"
PLACEHOLDER = "/*HELPPORT_PLUG_CONFIG*/null"
MAX_AGE = 300

TEXTS = {
    "help": _l("Help"),
    "title": _l("Help and support"),
    "close": _l("Close"),
    "search": _l("Search the help center"),
    "searching": _l("Searching…"),
    "no_results": _l("No articles match."),
    "ask": _l("Ask a question"),
    "question": _l("Your question"),
    "send_question": _l("Ask"),
    "sources": _l("Sources"),
    "helpful": _l("Was this helpful?"),
    "yes": _l("Yes"),
    "no": _l("No"),
    "thanks": _l("Thank you for your feedback."),
    "support": _l("Talk to support"),
    "email": _l("Your email"),
    "message": _l("Your message"),
    "send": _l("Send"),
    "code_sent": _l("We emailed you a code. Enter it to open your ticket."),
    "code": _l("Code"),
    "confirm": _l("Confirm"),
    "opened": _l("Your ticket {number} is open. We will answer by email."),
    "sign_in": _l("Sign in on the portal to contact support."),
    "sign_in_kb": _l("Sign in on the portal to search the knowledge base."),
    "no_tickets": _l("Support requests are not taken here."),
    "error": _l("Something went wrong. Please try again later."),
    "you": _l("You"),
    "answer": _l("Answer"),
    "widget_ticket": _l("Question from the help widget"),
    "my_tickets": _l("Your open tickets"),
    "no_open": _l("You have no open tickets."),
    "back": _l("Back"),
    "reply": _l("Your reply"),
    "send_reply": _l("Send reply"),
    "support_team": _l("Support"),
    "on_portal": _l("Open on the portal"),
    "reconnecting": _l("Live updates paused. Reconnecting…"),
    "gone": _l("This ticket can no longer be shown here."),
}


@lru_cache(maxsize=1)
def _source(mtime: float) -> str:
    return SOURCE.read_text(encoding="utf-8")


def texts(locale: str) -> dict:
    with force_locale(babel_locale(locale)):
        return {key: str(text) for key, text in TEXTS.items()}


INPUTS = {"text": "text", "long_text": "text", "number": "number", "date": "date",
          "single_select": "select"}


def required_fields(ws, locale: str) -> list[dict]:
    """The ticket form's required questions a visitor answers in the panel (a choice, a
    text, a number, a date; others are left to the server's answer)."""
    from portal.services import ticket_forms

    form = ticket_forms.describe(ticket_forms.current(ws).definition, locale,
                                 ws.default_locale)
    return [{"key": f["key"], "input": INPUTS[f["type"]], "label": f["label"],
             "options": f.get("options", [])}
            for f in form["fields"] if f["required"] and f["type"] in INPUTS
            and "show_when" not in f and "options_by" not in f]


def config(ws, settings=None) -> dict:
    """The script's configuration: from the published settings, or from `settings` (a
    document not published yet: the admin's preview)."""
    settings = settings or portal_settings.published(ws)
    features = settings.features
    locales = [ws.default_locale] + [code for code in ws.enabled_locales or []
                                     if code != ws.default_locale]
    colors = portal_public.color_tokens(settings.appearance.accent_color,
                                        settings.appearance.dark_accent_color)["light"]
    return {
        "slug": ws.slug,
        "base": request.host_url.rstrip("/"),
        "name": settings.appearance.company_name or ws.name,
        "accent": colors["--color-primary"],
        "accent_hover": colors["--color-primary-hover"],
        "on_accent": colors["--color-primary-contrast"],
        "knowledge_base": features.knowledge_base,
        "tickets": features.tickets,
        "open_stages": list(OPEN_STAGES),
        "default_locale": ws.default_locale,
        "locales": {code: {"dir": direction(code), "signin": url_for(
            "portal.signin", workspace=ws.slug, locale=code, _external=True),
            "session": url_for("portal.plug_session", workspace=ws.slug, locale=code),
            "ticket": url_for("portal.tickets", workspace=ws.slug, locale=code,
                              _external=True) + "/",
            "texts": texts(code),
            "fields": required_fields(ws, code) if features.tickets != "off" else []}
            for code in locales},
    }


_built: OrderedDict = OrderedDict()  # what `_key` names -> (body, etag), this process
_lock = threading.Lock()
BUILT_MAX = 256


def _key(ws) -> tuple:
    """What the script's text depends on: the workspace's published settings, locales and
    name (all bump content_version), the ticket form's newest version, the host it is
    asked on (its URLs) and the source file."""
    from portal.services import ticket_forms

    form = ticket_forms.for_new_ticket(ws)
    # ids with their creation times: a database made again (tests) reuses ids and versions
    return (ws.id, ws.created_at, ws.content_version, form.id, form.version, form.created_at,
            request.host_url, SOURCE.stat().st_mtime)


def _body(ws) -> tuple[str, str]:
    """The script with the configuration baked in, and its ETag: built once per `_key` (the
    texts of six languages and the ticket form cost ~50 ms; a host page waits for a
    `defer` script before DOMContentLoaded)."""
    key = _key(ws)
    with _lock:
        found = _built.get(key)
        if found is not None:
            _built.move_to_end(key)
            return found
    body = assembled(ws, key[-1])
    found = (body, hashlib.sha256(body.encode()).hexdigest()[:32])
    with _lock:
        _built[key] = found
        while len(_built) > BUILT_MAX:
            _built.popitem(last=False)
    return found


def assembled(ws, mtime: float | None = None, settings=None) -> str:
    """The script's source with `config(ws, settings)` in place of the placeholder: what
    plug.js serves (cached by `_body`), and, with a document not published yet, what the
    admin's preview inlines (portal.web.preview)."""
    data = json.dumps(config(ws, settings), ensure_ascii=False, separators=(",", ":"))
    return _source(SOURCE.stat().st_mtime if mtime is None else mtime).replace(
        PLACEHOLDER, data, 1)


@plug.get("/plug/<slug>/plug.js")
def script(slug: str):
    ws = workspaces.by_slug(slug) if len(slug) <= 63 else None
    if ws is None:
        abort(404)
    enter_workspace(ws, locale=ws.default_locale)
    if not portal_settings.published(ws).features.plug:
        abort(404)
    body, etag = _body(ws)
    response = Response(body, mimetype="text/javascript")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)
