"""Translated labels for stored codes (stages, priorities), shared by pages, emails and API."""

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


def stage_label(code: str) -> str:
    return str(STAGE_LABELS.get(code, code))


def priority_label(code: str) -> str:
    return str(PRIORITY_LABELS.get(code, code))


def register_labels(app) -> None:
    app.jinja_env.globals.update(stage_label=stage_label, priority_label=priority_label)
