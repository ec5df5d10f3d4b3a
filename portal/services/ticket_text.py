"""How a ticket reads to staff: stage names from their side, history lines, and the custom
answers with the labels of the form version the ticket was created with.

The ticket page and the staff REST API show the same words through these functions.
"""

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.forms.compile import describe
from portal.i18n import normalise
from portal.labels import priority_label, stage_label
from portal.models import Ticket, Workspace

# The customer's label for this stage is "Awaiting your reply"; staff read it the other way.
STAFF_STAGE_LABELS = {"awaiting_customer": _l("Awaiting customer")}


def staff_stage_label(code: str) -> str:
    return str(STAFF_STAGE_LABELS.get(code) or stage_label(code))


def locale_code(ws: Workspace) -> str:
    """The admin's language as a form locale (`de-DE`), else the workspace default."""
    return normalise(str(get_locale() or "")) or ws.default_locale


def custom_fields(ticket: Ticket, locale: str, fallback: str) -> list[dict]:
    """The custom answers with labels (and option labels) of the form version the ticket was
    created with; an answer the form does not describe keeps its key as label."""
    values = dict(ticket.custom_fields or {})
    rows = []
    if ticket.form is not None:
        for field in describe(ticket.form.definition, locale, fallback)["fields"]:
            if field["key"] not in values:
                continue
            rows.append({"key": field["key"], "label": field["label"],
                         "value": _shown(field, values.pop(field["key"]))})
    rows.extend({"key": key, "label": key, "value": _shown({}, value)}
                for key, value in sorted(values.items()))
    return rows


def _shown(field: dict, value) -> str:
    labels = {o["value"]: o["label"] for o in field.get("options", [])}
    for options in field.get("options_by", {}).get("map", {}).values():
        labels.update({o["value"]: o["label"] for o in options})
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))


def event_text(ev) -> str:
    data = ev.data or {}
    if ev.kind == "created":
        return _("Ticket created")
    if ev.kind == "stage":
        return _("Stage changed from %(old)s to %(new)s",
                 old=staff_stage_label(data.get("from", "")),
                 new=staff_stage_label(data.get("to", "")))
    if ev.kind == "priority":
        return _("Priority changed from %(old)s to %(new)s",
                 old=priority_label(data.get("from", "")), new=priority_label(data.get("to", "")))
    if ev.kind == "assignee":
        return (_("Assigned to %(name)s", name=data["to"]) if data.get("to")
                else _("Unassigned"))
    if ev.kind == "comment":
        return _("Public comment")
    if ev.kind == "note":
        return _("Internal note")
    if ev.kind == "reporter":
        return _("%(contact)s added to Reported by", contact=data.get("contact", ""))
    return ev.kind
