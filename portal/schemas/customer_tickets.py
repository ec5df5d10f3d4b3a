"""Schemas of the customer API's tickets (portal/api/tickets.py): path, query and body
input, the answers, and the texts of the documented errors."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from portal.fields import Choice, Id, Object, Text, Whole
from portal.models.base import ID_MAX
from portal.models.ticket import PRIORITIES, STAGES
from portal.schemas.customer_auth import Account, Contact
from portal.schemas.parse import Input
from portal.services.ticket_stream import EVENT_ID_MAX
from portal.services.tickets import DESCRIPTION_MAX, PAGE_SIZE, SORTS, TITLE_MAX
from portal.services.timeline import COMMENT_MAX

LIMIT_MAX = 100
ERRORS = {
    400: "The body is not valid JSON",
    401: "No bearer token, or it is invalid, expired or revoked",
    403: "Only customer admins list their organization's tickets",
    404: "No such workspace for this token, or no such ticket the contact may see",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "Invalid input: `details.fields` maps each field (`title`, "
         "`custom_fields.<key>`, ...) to its message",
}
BODY_ERRORS = (400, 413, 415)


class WorkspacePath(Input):
    """No length limit is documented: schemathesis would flag the fixed test slug as invalid."""

    slug = Text(required=True, metadata={
        "description": "Workspace slug: the bearer token's own workspace (any other is 404)"})


class TicketPath(WorkspacePath):
    number = Id(required=True, metadata={"description": "Ticket number"})


class ListArgs(Input):
    scope = Choice(("mine", "organization"), load_default="mine",
                   error_messages={"invalid": _l("Unknown list.")}, metadata={
                       "default": "mine", "description": "`organization`: every ticket of "
                       "the contact's account (customer admins)"})
    stage = fields.List(Choice(STAGES, error_messages={"invalid": _l("Unknown stage.")}),
                        load_default=list,
                        metadata={"description": "Only these stages (repeat the parameter)"})
    priority = Choice(PRIORITIES, error_messages={"invalid": _l("Unknown priority.")},
                      metadata={"description": "Only this priority"})
    q = Text(200, load_default="", metadata={"description": "Search by title or number"})
    sort = Choice(tuple(SORTS), load_default="newest",
                  error_messages={"invalid": _l("Unknown sort order.")},
                  metadata={"default": "newest", "description": "Order"})
    after = Text(500, metadata={"description": "`next_cursor` of the previous page"})
    limit = Whole(1, LIMIT_MAX, load_default=PAGE_SIZE,
                  metadata={"default": PAGE_SIZE, "description": "Page size"})


class EventArgs(Input):
    after = Whole(0, EVENT_ID_MAX, error_messages={"invalid": _l("after must be an event id.")},
                  metadata={"description": "Send events after this id (0: the whole history)"})


def _refusals(**texts) -> dict:
    return {key: _l(text) for key, text in texts.items()}


class NewTicket(Input):
    """Loaded by the view together with the service's own checks, so that one answer names
    every wrong field (custom fields included)."""

    title = Text(TITLE_MAX, required=True, min_length=1, error_messages=_refusals(
        required="Enter a title.", null="Enter a title.", invalid="Enter a title.",
        too_short="Enter a title.", too_long="The title is too long."))
    description = Text(DESCRIPTION_MAX, required=True, min_length=1, error_messages=_refusals(
        required="Describe the problem.", null="Describe the problem.",
        invalid="Describe the problem.", too_short="Describe the problem.",
        too_long="The description is too long."))
    priority = Choice(PRIORITIES, metadata={"default": "normal"}, error_messages=_refusals(
        null="Choose one of the options."))
    custom_fields = Object(metadata={"description": "Answers to the ticket form (see "
                                                    "ticket-form)"},
                           error_messages=_refusals(
                               null="Send the custom fields as a JSON object.",
                               invalid="Send the custom fields as a JSON object."))


NEW_TICKET_EXAMPLE = {"title": "Printer on fire", "description": "Since this morning.",
                      "priority": "high", "custom_fields": {"category": "problem"}}


class NewComment(Input):
    body = Text(COMMENT_MAX, required=True, min_length=1, error_messages=_refusals(
        required="Write a message.", null="Write a message.", invalid="Write a message.",
        too_short="Write a message.", too_long="The message is too long."))


class TicketSummary(Schema):
    number = fields.Integer(required=True, metadata={"minimum": 1, "maximum": ID_MAX})
    title = fields.String(required=True)
    stage = Choice(STAGES, required=True)
    stage_label = fields.String(required=True)
    priority = Choice(PRIORITIES, required=True)
    priority_label = fields.String(required=True)
    category = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class Answered(Schema):
    label = fields.String(required=True)
    text = fields.String(required=True)


class Reporter(Schema):
    name = fields.String(required=True)


class Ticket(TicketSummary):
    description = fields.String(required=True)
    custom_fields = fields.Dict(required=True)
    answers = fields.List(fields.Nested(Answered), required=True)
    form_version = fields.Integer(required=True, allow_none=True)
    account = fields.Nested(Account, required=True, allow_none=True)
    reported_by = fields.List(fields.Nested(Reporter), required=True)
    resolved_at = fields.DateTime(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    can_close = fields.Boolean(required=True)
    can_reopen = fields.Boolean(required=True)
    comment_count = fields.Integer(required=True,
                                   metadata={"description": "Public comments only"})


class TicketPage(Schema):
    tickets = fields.List(fields.Nested(TicketSummary), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class Author(Schema):
    name = fields.String(required=True)
    role = Choice(("customer", "support"), required=True)


class AttachedFile(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)


class Comment(Schema):
    id = fields.Integer(required=True)
    body = fields.String(required=True)
    public = fields.Boolean(required=True, metadata={"enum": [True]})
    author = fields.Nested(Author, required=True)
    created_at = fields.DateTime(required=True)
    attachments = fields.List(fields.Nested(AttachedFile))


class CommentList(Schema):
    comments = fields.List(fields.Nested(Comment), required=True)


class FormDescription(Schema):
    title = fields.String(required=True)
    fields_ = fields.List(fields.Dict(), required=True, data_key="fields")


class TicketForm(Schema):
    version = fields.Integer(required=True)
    form = fields.Nested(FormDescription, required=True, metadata={
        "description": "What to render, texts in the contact's locale"})
    schema_ = fields.Dict(required=True, data_key="schema", metadata={
        "description": "JSON Schema (draft 2020-12) of `custom_fields`"})


class TicketEvent(Schema):
    """One event of the stream (`data` is JSON)."""

    id = fields.String(metadata={"pattern": "^[0-9]+$"})
    event = Choice(("ready", "created", "comment", "stage", "priority", "end"))
    data = fields.String(required=True, metadata={"x-contentMediaType": "application/json"})


GUEST_ERRORS = {
    400: "The body is not valid JSON",
    404: "No such workspace, or visitors cannot open tickets there (tickets not public)",
    403: "`email_code_off`: emailed codes are off, so visitors cannot open tickets (sign "
         "in another way); `saml_required`: the email's domain signs in with single sign-on "
         "(`details.login_url`)",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "Invalid input: `details.fields` maps each field to its message; for a code: "
         "wrong, expired, already used or out of tries; `draft`: not kept (send again)",
    429: "Too many codes or tries for this email or client address; see Retry-After",
}


class GuestTicket(NewTicket):
    """A visitor's ticket (tickets public): the ticket, and the address to confirm."""

    email = Text(320, required=True, metadata={"format": "email"}, error_messages={
        key: _l("Enter a valid email address.")
        for key in ("required", "null", "invalid", "too_long")})
    locale = Text(20, error_messages={"too_long": _l("%(field)s must be a short text.")},
                  metadata={"description": "Language of the email with the code"})


GUEST_TICKET_EXAMPLE = {**NEW_TICKET_EXAMPLE, "email": "pat@customer.example"}


class GuestTicketHeld(Schema):
    draft = fields.String(required=True, metadata={
        "description": "Send it back with the emailed code (guest-tickets/confirm)"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})


class GuestConfirm(Input):
    draft = Text(200, required=True, error_messages={
        key: _l("Your ticket was not kept: please send it again.")
        for key in ("required", "null", "invalid", "too_long")})
    email = GuestTicket._declared_fields["email"]
    code = Text(20, required=True, metadata={"pattern": "^[0-9]{6}$"}, error_messages={
        key: _l("Enter the 6-digit code from the email.")
        for key in ("required", "null", "invalid", "too_long")})


class GuestTicketOpened(Schema):
    ticket = fields.Nested(Ticket, required=True)
    access_token = fields.String(required=True)
    token_type = Choice(("Bearer",), required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})
    contact = fields.Nested(Contact, required=True)
