"""Languages: URL locales (`en-US`) to Babel locales (`en_US`), and the locale selector.

The portal takes its locale from the URL (set on `g.locale`); the admin keeps
Flask-AppBuilder's own choice (its language menu).
"""

from flask import g, has_request_context
from flask_babel import lazy_gettext

SUPPORTED = {"en-US": lazy_gettext("English"), "de-DE": lazy_gettext("German")}


def babel_locale(url_locale: str) -> str:
    return url_locale.replace("-", "_")


def normalise(candidate: str | None) -> str | None:
    """`de-de`, `de_DE` or `de` to a supported URL locale, else None."""
    if not candidate:
        return None
    cand = candidate.replace("_", "-").lower()
    for code in SUPPORTED:
        if code.lower() == cand:
            return code
    for code in SUPPORTED:
        if code.split("-")[0].lower() == cand.split("-")[0]:
            return code
    return None


def init_i18n(app, appbuilder) -> None:
    babel_state = app.extensions["babel"]
    fab_selector = appbuilder.bm.get_locale

    def select_locale():
        if has_request_context() and g.get("locale"):
            return babel_locale(g.locale)
        return fab_selector()

    babel_state.locale_selector = select_locale
