"""Languages: URL locales (`en-US`) to Babel locales (`en_US`), and the locale selector.

The portal takes its locale from the URL (set on `g.locale`); the admin keeps
Flask-AppBuilder's own choice (its language menu).
"""

from flask import g, has_request_context
from flask_babel import get_domain, get_locale, lazy_gettext, refresh
from jinja2 import pass_context
from markupsafe import Markup

from portal.request_memo import memo

SUPPORTED = {"en-US": lazy_gettext("English"), "de-DE": lazy_gettext("German"),
             "fr-FR": lazy_gettext("French"), "es-ES": lazy_gettext("Spanish"),
             "ja-JP": lazy_gettext("Japanese"), "ar": lazy_gettext("Arabic")}
# each language's name in itself, for the language menu (a reader looks for their own)
ENDONYMS = {"en-US": "English", "de-DE": "Deutsch", "fr-FR": "Français", "es-ES": "Español",
            "ja-JP": "日本語", "ar": "العربية"}
RTL = frozenset({"ar"})  # languages written right to left (`dir="rtl"` on their pages)


def direction(url_locale: str | None) -> str:
    """`rtl` or `ltr`: the writing direction of a URL locale."""
    return "rtl" if url_locale in RTL else "ltr"


def lang_attrs(code: str | None, page_locale: str | None) -> Markup:
    """` lang=".." dir=".."` for a text in another language than its page (a fallback
    text, a language's own name), else nothing."""
    if not code or code == page_locale:
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (code, direction(code))


def babel_locale(url_locale: str) -> str:
    return url_locale.replace("-", "_")


def use_locale(url_locale: str) -> None:
    """The one way a request's locale is set (`g.locale`, what the selector answers).
    Flask-Babel keeps the first answer for the rest of the request, and something may
    have asked before the locale was known (a URL converter's lazy message, while the URL
    was matched: then a German ticket page came out in English), so that answer is
    dropped."""
    g.locale = url_locale
    refresh()


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


CATALOGUE = "_catalogue"  # the template context's catalogue (set per rendering)
_PHRASES: dict = {}  # (id(catalogue), message) -> (catalogue, translated Markup)


@pass_context
def _template_gettext(__context, __string: str, **variables):
    """`{% trans %}` and `_()`: as Jinja's own newstyle gettext (the message is a format
    string, escaped when autoescaping), with the rendering's catalogue, and a message without
    variables translated once per catalogue: a page has thirty or more of them (each was
    a locale lookup and two calls through Jinja, about 12 us)."""
    catalogue = __context.get(CATALOGUE) or _translations()
    autoescape = __context.eval_ctx.autoescape
    if variables or not autoescape:
        text = catalogue.ugettext(__string)
        return (Markup(text) if autoescape else text) % variables
    key = (id(catalogue), __string)
    kept = _PHRASES.get(key)
    if kept is None or kept[0] is not catalogue:  # holding the catalogue keeps its id unique
        if len(_PHRASES) >= 20000:  # catalogues of apps gone (tests build several)
            _PHRASES.clear()
        kept = _PHRASES[key] = (catalogue, Markup(catalogue.ugettext(__string)) % {})
    return kept[1]


def install_template_gettext(app) -> None:
    """`{% trans %}` and `_()` in templates, as Flask-Babel installs them, through
    `_translations`, found once per rendering (a context processor: a template rendered
    inside `force_locale` gets that locale's)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals["gettext"] = _template_gettext
    app.jinja_env.globals["lang_attrs"] = lang_attrs
    # `dir` of a page or an email: `<html dir="{{ text_direction(locale) }}">`
    app.jinja_env.globals["text_direction"] = direction

    @app.context_processor
    def template_catalogue():
        return {CATALOGUE: _translations()} if has_request_context() else {}

    @app.context_processor
    def page_language():
        """`admin_lang()`: the language the admin's page is in, for <html lang>."""
        return {"admin_lang": lambda: str(get_locale() or "en").replace("_", "-")}
