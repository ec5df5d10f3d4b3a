"""Portal pages' paths, built once per process: the layout's links (home, tickets, profile,
sign-out, the stylesheet, the language links, ...) are the same on every page of a
workspace and locale, and building them one by one (url_for, its URL defaults, werkzeug's
builder) was about a tenth of the ticket list's CPU.

A path depends on the endpoint, its values, the workspace and locale the portal's URL
defaults add, the blueprint a relative endpoint (`.ticket`) is resolved in and the script
root the app is mounted under: all of them are the key. Only paths are kept (calls with
`_external`, `_anchor`, ... are built each time), and only calls with no value or one
string value: a page's fixed links, not the one-off URLs of query strings (a list's next
page) nor of numbers (rows of a list: portal.web.row_url).
"""

from flask import current_app, g, request, url_for

KEPT = "portal_paths"  # app.extensions: request key -> {call: path}
MAX_KEYS = 64  # request keys kept (workspaces x locales x blueprints)
MAX_KEPT = 1024  # paths kept under each


def _request_key() -> tuple:
    ws = g.get("workspace")
    return (request.script_root, request.blueprint, ws.slug if ws is not None else None,
            g.get("locale"))


def _kept() -> dict:
    store = current_app.extensions.setdefault(KEPT, {})
    key = _request_key()
    kept = store.get(key)
    if kept is None:
        if len(store) >= MAX_KEYS:
            store.clear()
        kept = store[key] = {}
    return kept


def builder():
    """`url_for` for this request, keeping the paths it may keep (for a template context:
    it is meant to be made once per request)."""
    kept = _kept()

    def page_url_for(endpoint: str, **values) -> str:
        if not values:
            key = endpoint
        elif len(values) == 1:
            ((name, value),) = values.items()
            if type(value) is not str or name.startswith("_"):
                return url_for(endpoint, **values)
            key = (endpoint, name, value)
        else:
            return url_for(endpoint, **values)
        path = kept.get(key)
        if path is None:
            if len(kept) >= MAX_KEPT:
                kept.clear()
            path = kept[key] = url_for(endpoint, **values)
        return path

    return page_url_for
