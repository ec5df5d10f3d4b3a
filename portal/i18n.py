"""Languages: URL locales (`en-US`) to Babel locales (`en_US`), and the locale selector.

The portal takes its locale from the URL (set on `g.locale`); the admin keeps
Flask-AppBuilder's own choice (its language menu).
"""

from flask import g, has_request_context
from flask_babel import get_domain, get_locale, lazy_gettext

from portal.request_memo import memo

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
    install_template_gettext(app)


def _translations():
    """The catalogue of the current locale, found once per request and locale: Flask-Babel
    finds it again for every string (four context lookups and the locale's name), and a page
    has thirty or more. The locale is part of the key, so force_locale still switches."""
    return memo(("translations", get_locale()), lambda: get_domain().get_translations())


def install_template_gettext(app) -> None:
    """`{% trans %}` and `_()` in templates, as Flask-Babel installs them, through
    `_translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
