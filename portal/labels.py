"""Translated labels for stored codes (stages, priorities), shared by pages, emails and API.

A list page shows one per row: each table is translated once per catalogue (locale) and
process, not once per row nor per request, and a template gets plain lookups in the tables
of the locale it renders in."""

from flask import has_request_context
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "awaiting_customer": _l("Awaiting your reply"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
PRIORITY_LABELS = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}


class Labels(dict):
    """Labels by code; a code without one (a stage that no longer exists) is its own label,
    so `labels[code]` in a template never renders empty."""

    def __missing__(self, code):
        return code


# (table name, id of the catalogue) -> (the catalogue, its labels): Flask-Babel keeps one
# catalogue object per locale for the life of the process; holding it keeps its id unique
_TRANSLATED: dict = {}


def _translated(kind: str, table: dict, catalogue=None) -> Labels:
    # the catalogue of the current locale: force_locale (emails, live updates) changes it
    if catalogue is None:
        catalogue = get_translations()
    kept = _TRANSLATED.get((kind, id(catalogue)))
    if kept is None or kept[0] is not catalogue:
        kept = (catalogue, Labels({code: str(label) for code, label in table.items()}))
        if len(_TRANSLATED) >= 64:  # catalogues of apps gone (tests build several)
            _TRANSLATED.clear()
        _TRANSLATED[(kind, id(catalogue))] = kept
    return kept[1]


def _label(kind: str, table: dict, code: str) -> str:
    if not has_request_context():  # a job's email: no catalogue kept for a request's locale
        return str(table.get(code, code))
    return _translated(kind, table)[code]


def stage_label(code: str) -> str:
    return _label("stage_labels", STAGE_LABELS, code)


def priority_label(code: str) -> str:
    return _label("priority_labels", PRIORITY_LABELS, code)


def tables() -> dict:
    """The label tables of the current locale, by their template names (request context)."""
    return {"stage_labels": _translated("stage_labels", STAGE_LABELS),
            "priority_labels": _translated("priority_labels", PRIORITY_LABELS)}


def register_labels(app) -> None:
    app.jinja_env.globals.update(stage_label=stage_label, priority_label=priority_label)

    @app.context_processor
    def label_lookups():
        """Per rendering, in its locale: a row's label is a dict lookup (`stage_labels[code]`
        in a template, or the `stage_label(code)` function)."""
        if not has_request_context():
            return {}
        catalogue = get_translations()
        stages = _translated("stage_labels", STAGE_LABELS, catalogue)
        priorities = _translated("priority_labels", PRIORITY_LABELS, catalogue)
        return {"stage_label": stages.__getitem__, "priority_label": priorities.__getitem__,
                "stage_labels": stages, "priority_labels": priorities}
