"""Translated labels for stored codes (stages, priorities), shared by pages, emails and API.

A list page shows one per row: each table is translated once per request and locale
(portal.request_memo), not once per row, and a template gets plain lookups in the tables of
the locale it renders in."""

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.request_memo import memo

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


def _translated(kind: str, table: dict) -> dict[str, str]:
    # the locale is part of the key: force_locale (emails, live updates) may change it
    return memo((kind, get_locale()), lambda: {k: str(v) for k, v in table.items()})


def _label(kind: str, table: dict, code: str) -> str:
    if not has_request_context():  # a job's email: nothing to share the work with
        return str(table.get(code, code))
    return _translated(kind, table).get(code, code)


def _lookup(labels: dict[str, str]):
    return lambda code: labels.get(code, code)


def stage_label(code: str) -> str:
    return _label("stage_labels", STAGE_LABELS, code)


def priority_label(code: str) -> str:
    return _label("priority_labels", PRIORITY_LABELS, code)


def register_labels(app) -> None:
    app.jinja_env.globals.update(stage_label=stage_label, priority_label=priority_label)

    @app.context_processor
    def label_lookups():
        """Per rendering, in its locale: a row's label is a dict lookup."""
        return {"stage_label": _lookup(_translated("stage_labels", STAGE_LABELS)),
                "priority_label": _lookup(_translated("priority_labels", PRIORITY_LABELS))}
