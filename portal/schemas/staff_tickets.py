"""The staff ticket API (/api/v1/ticket/): the queue's filters, the bodies of a change, a
comment and a new reporter, and the JSON it answers (for the OpenAPI document)."""

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from portal.models.ticket import PRIORITIES, STAGES
from portal.schemas import Choice, Flag, Id, Input, Text, Whole
from portal.schemas.staff_api import Several, Strict
from portal.services.tickets import PAGE_SIZE, SORTS


class TicketQueueArgs(Input):
    stage = Several(Choice(STAGES))
    priority = Choice(PRIORITIES)
    assignee = Id(metadata={"description": "A staff user's id"})
    account = Id(metadata={"description": "An account's id"})
    unassigned = Flag()
    q = Text(200, metadata={"description": "Words of the title, or the number"})
    sort = Choice(list(SORTS), load_default="updated")
    after = Text(200, metadata={"description": "The cursor `next` of the previous page"})
    limit = Whole(1, 100, load_default=PAGE_SIZE)


class TicketChange(Strict):
    stage = Choice(STAGES)
    priority = Choice(PRIORITIES)
    assignee_id = Id(strict=True, allow_none=True,
                        metadata={"description": "A staff user's id; null unassigns"})

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Send a JSON object with stage, priority or "
                                    "assignee_id."))


class CommentWrite(Input):
    body = Text(20000, min_length=1, required=True)
    internal = Flag(strict=True, load_default=False,
                    metadata={"description": "true: an internal note, hidden from customers"})


class ReporterWrite(Input):
    contact_id = Id(strict=True, metadata={"description": "A contact's id"})
    email = Text(320, metadata={"description": "Or the contact's email"})

    @validates_schema
    def one_of_them(self, data, **kwargs):
        if "contact_id" not in data and not (data.get("email") or "").strip():
            raise ValidationError(_("Send a JSON object with contact_id or email."))


class Named(Schema):
    id = fields.Integer()
    name = fields.String()


class TicketSummary(Schema):
    number = fields.Integer()
    title = fields.String()
    stage = fields.String(metadata={"enum": list(STAGES)})
    stage_label = fields.String()
    priority = fields.String(metadata={"enum": list(PRIORITIES)})
    priority_label = fields.String()
    category = fields.String(allow_none=True)
    account = fields.Nested(Named, allow_none=True)
    assignee = fields.Nested(Named, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class StaffComment(Schema):
    id = fields.Integer()
    body = fields.String()
    public = fields.Boolean()
    author = fields.String()
    author_kind = fields.String(metadata={"enum": ["staff", "contact"]})
    created_at = fields.DateTime()


class Reporter(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()


class TicketEvent(Schema):
    id = fields.Integer()
    kind = fields.String()
    public = fields.Boolean()
    actor = fields.String()
    text = fields.String()
    data = fields.Dict()
    created_at = fields.DateTime()


class TicketDetail(TicketSummary):
    description = fields.String()
    form_version = fields.Integer(allow_none=True)
    custom_fields = fields.List(fields.Dict())
    reporters = fields.List(fields.Nested(Reporter))
    comments = fields.List(fields.Nested(StaffComment))
    events = fields.List(fields.Nested(TicketEvent))
