"""A ticket, its comments and its events as JSON: the one serializer of the customer API,
the live event stream and the staff API.

What a reader sees is declared by a `TicketView`: the fields of each shape, by name, and the
few functions that read differently for staff (the stage label, the assignee's name, the
custom answers with their labels, an event's text). Customers never see the author's email
or staff id, internal notes, the assignee or the staff-side update time; staff see the whole
thread. The field names are API contracts (checked by the OpenAPI documents and tests): a
field is added to a view's list, never renamed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from portal.forms.compile import answer_rows, describe
from portal.labels import priority_label, stage_label
from portal.services import attachments, timeline


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _account(ticket) -> dict | None:
    return {"id": ticket.account.id, "name": ticket.account.name} if ticket.account else None


@dataclass(frozen=True)
class Context:
    """Who reads and in which language (a form locale such as `de-DE`)."""

    view: "TicketView"
    locale: str | None = None
    fallback: str | None = None


def _answers(ticket, ctx: Context) -> list[dict]:
    from flask_babel import gettext as _

    form = ticket.form
    described = describe(form.definition, ctx.locale, ctx.fallback) if form else {"fields": []}
    return [{"label": label, "text": text} for label, text in
            answer_rows(described, ticket.custom_fields or {}, _("Yes"))]


TICKET_FIELDS: dict[str, Callable] = {
    "number": lambda t, ctx: t.number,
    "title": lambda t, ctx: t.title,
    "stage": lambda t, ctx: t.stage,
    "stage_label": lambda t, ctx: ctx.view.stage_label(t.stage),
    "priority": lambda t, ctx: t.priority,
    "priority_label": lambda t, ctx: priority_label(t.priority),
    "category": lambda t, ctx: t.category,
    "account": lambda t, ctx: _account(t),
    "assignee": lambda t, ctx: ctx.view.assignee(t.assignee_id),
    "created_at": lambda t, ctx: _when(t.created_at),
    "updated_at": lambda t, ctx: _when(t.updated_at),
    "public_updated_at": lambda t, ctx: _when(t.public_updated_at),
    "description": lambda t, ctx: t.description,
    "form_version": lambda t, ctx: t.form.version if t.form else None,
    "custom_fields": lambda t, ctx: t.custom_fields or {},
    "labelled_custom_fields": lambda t, ctx: ctx.view.custom_fields(t, ctx.locale,
                                                                    ctx.fallback),
    "answers": _answers,
    "reported_by": lambda t, ctx: [{"name": c.name or c.email} for c in t.reporters],
    "reporters": lambda t, ctx: [{"id": c.id, "email": c.email, "name": c.name}
                                 for c in t.reporters],
    "resolved_at": lambda t, ctx: _when(t.resolved_at),
    "closed_at": lambda t, ctx: _when(t.closed_at),
    "can_close": lambda t, ctx: timeline.can_close(t),
    "can_reopen": lambda t, ctx: timeline.can_reopen(t),
    "comment_count": lambda t, ctx: len(timeline.comments(t, include_internal=False)),
    "comments": lambda t, ctx: [comment(c, ctx.view) for c in timeline.comments(
        t, include_internal=True, newest_first=True)],
    "events": lambda t, ctx: [event(e, ctx.view) for e in timeline.events(
        t, include_internal=True)],
}

COMMENT_FIELDS: dict[str, Callable] = {
    "id": lambda c: c.id,
    "body": lambda c: c.body,
    "public": lambda c: c.public,
    "author": lambda c: {"name": c.author_name,
                         "role": "support" if c.author_staff_id else "customer"},
    "author_name": lambda c: c.author_name,
    "author_kind": lambda c: "staff" if c.author_staff_id else "contact",
    "created_at": lambda c: _when(c.created_at),
}

EVENT_FIELDS: dict[str, Callable] = {
    "id": lambda ev, view: ev.id,
    "kind": lambda ev, view: ev.kind,
    "public": lambda ev, view: ev.public,
    "actor": lambda ev, view: ev.actor,
    "text": lambda ev, view: view.event_text(ev),
    "data": lambda ev, view: dict(ev.data or {}),
    "created_at": lambda ev, view: _when(ev.created_at),
}

# (JSON name, field) where a surface names a field otherwise than the field table
Fields = tuple[str | tuple[str, str], ...]


def _pick(fields: Fields, read) -> dict:
    out = {}
    for entry in fields:
        name, field = entry if isinstance(entry, tuple) else (entry, entry)
        out[name] = read(field)
    return out


def _none(*_args):
    return None


@dataclass(frozen=True)
class TicketView:
    """One reader's view of tickets: the fields of each shape, and the readings that differ."""

    summary: Fields
    detail: Fields
    comment: Fields
    event: Fields
    include_internal: bool = False
    stage_label: Callable[[str], str] = stage_label
    assignee: Callable = _none
    custom_fields: Callable = _none
    event_text: Callable = _none


_CUSTOMER_SUMMARY = ("number", "title", "stage", "stage_label", "priority", "priority_label",
                     "category", "created_at", ("updated_at", "public_updated_at"))
CUSTOMER = TicketView(
    summary=_CUSTOMER_SUMMARY,
    detail=(*_CUSTOMER_SUMMARY, "description", "custom_fields", "answers", "form_version",
            "account", "reported_by", "resolved_at", "closed_at", "can_close", "can_reopen",
            "comment_count"),
    comment=("id", "body", "public", "author", "created_at"),
    event=("id", "kind", "actor", "created_at", "data"),
)

_STAFF_SUMMARY = ("number", "title", "stage", "stage_label", "priority", "priority_label",
                  "category", "account", "assignee", "created_at", "updated_at")


def staff_view(*, stage_label, assignee, custom_fields, event_text) -> TicketView:
    """The staff API's view: internal notes and the history too, with the admin's readings
    of stages, assignees, custom answers and events."""
    return TicketView(
        summary=_STAFF_SUMMARY,
        detail=(*_STAFF_SUMMARY, "description", "form_version",
                ("custom_fields", "labelled_custom_fields"), "reporters", "comments",
                "events"),
        comment=("id", "body", "public", ("author", "author_name"), "author_kind",
                 "created_at"),
        event=("id", "kind", "public", "actor", "text", "data", "created_at"),
        include_internal=True, stage_label=stage_label, assignee=assignee,
        custom_fields=custom_fields, event_text=event_text)


def summary(ticket, view: TicketView) -> dict:
    ctx = Context(view)
    return _pick(view.summary, lambda field: TICKET_FIELDS[field](ticket, ctx))


def detail(ticket, view: TicketView, locale: str | None = None,
           fallback: str | None = None, known: dict | None = None) -> dict:
    """`locale` (and the workspace's `fallback`) name the language of the form's labels.
    `known`: fields whose value the caller knows without a query (a ticket it has just
    opened has no comments: {"comment_count": 0})."""
    ctx = Context(view, locale, fallback)
    known = known or {}
    return _pick(view.detail, lambda field: known[field] if field in known
                 else TICKET_FIELDS[field](ticket, ctx))


def comment(found, view: TicketView, files: list | None = None) -> dict:
    """`files` adds the comment's attachments (the stream leaves them out: they are stored
    after the comment's own commit)."""
    body = _pick(view.comment, lambda field: COMMENT_FIELDS[field](found))
    if files is not None:
        body["attachments"] = [{"id": f.id, "filename": f.filename,
                                "content_type": f.content_type, "size": f.size} for f in files]
    return body


def event(ev, view: TicketView) -> dict:
    return _pick(view.event, lambda field: EVENT_FIELDS[field](ev, view))


def stream_event(ev, view: TicketView, with_comment=None) -> dict:
    """An event of the live stream: with the label of a stage or priority change, and the
    comment a comment event is about."""
    body = event(ev, view)
    data = body["data"]
    if ev.kind == "stage":
        body["label"] = view.stage_label(data.get("to", ""))
    elif ev.kind == "priority":
        body["label"] = priority_label(data.get("to", ""))
    if with_comment is not None:
        body["comment"] = comment(with_comment, view)
    return body


def public_thread(ticket) -> list[dict]:
    """The public comments, oldest first, each with its attachments' names and sizes."""
    files: dict = {}
    for att in attachments.for_ticket(ticket, include_internal=False):
        files.setdefault(att.comment_id, []).append(att)
    return [comment(c, CUSTOMER, files.get(c.id, [])) for c in
            timeline.comments(ticket, include_internal=False, newest_first=False)]
