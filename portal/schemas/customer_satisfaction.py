"""Schemas of the customer API's satisfaction survey (portal/api/satisfaction.py)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from portal.fields import Text, Whole
from portal.schemas.customer_tickets import ERRORS as TICKET_ERRORS
from portal.schemas.parse import Input
from portal.services.satisfaction import CHANGE_DAYS, COMMENT_MAX

ERRORS = {
    **TICKET_ERRORS,
    403: "The caller was not asked about this ticket: only its reporters are, once it is "
         "resolved",
    409: f"The answer is final: it can be changed for {CHANGE_DAYS} days after it was "
         "first given",
    422: "Invalid input: `details.fields` maps `score` or `comment` to its message",
}


class NewAnswer(Input):
    score = Whole(1, 5, strict=True, required=True, error_messages={
        "required": _l("Choose a score from 1 to 5."), "null": _l("Choose a score from 1 to 5."),
        "invalid": _l("Choose a score from 1 to 5.")},
        metadata={"description": "1 (very dissatisfied) to 5 (very satisfied)"})
    comment = Text(COMMENT_MAX, allow_none=True, load_default="", error_messages={
        "invalid": _l("The comment must be text.")},
        metadata={"description": "Optional; plain text (control characters are removed)"})


class Satisfaction(Schema):
    """The caller's answer about the ticket (`asked` false: not asked, the rest empty)."""

    asked = fields.Boolean(required=True)
    score = fields.Integer(required=True, allow_none=True,
                           metadata={"minimum": 1, "maximum": 5})
    comment = fields.String(required=True)
    answered_at = fields.DateTime(required=True, allow_none=True,
                                  metadata={"description": "When it was first given"})
    updated_at = fields.DateTime(required=True, allow_none=True)
    changeable_until = fields.DateTime(required=True, allow_none=True)
    final = fields.Boolean(required=True, metadata={"description": "It can no longer change"})
