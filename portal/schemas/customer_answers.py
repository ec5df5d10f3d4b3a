"""Schemas of the customer API's answers from the knowledge base (portal/api/answers.py)."""

from flask_babel import gettext as _
from marshmallow import Schema, fields

from portal.fields import Flag, Id, Text
from portal.schemas.customer_articles import _locale
from portal.schemas.parse import Input
from portal.services.kb_answers import QUESTION_MAX

TOKEN_MAX = 100
ERRORS = {
    400: "The body is not valid JSON",
    401: "A bearer token that is invalid or expired, or none while the knowledge base is "
         "private (signed-in customers only)",
    404: "No such workspace or no knowledge base in it; for feedback: no such answer, or "
         "the caller is not its asker",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "A field is missing or wrong (`details.field` names it)",
    429: "Too many questions from this address: wait and ask again",
}
BODY_ERRORS = (400, 413, 415)


def _question_text() -> str:
    return _("Enter a question of at most %(n)s characters.", n=QUESTION_MAX)


class WorkspacePath(Input):
    """No length limit is documented: schemathesis would take the fixed test slug for an
    invalid one (a slug longer than any workspace's is 404 all the same)."""

    slug = Text(required=True, metadata={"description": "Workspace slug"})


class AnswerPath(WorkspacePath):
    answer_id = Id(required=True, metadata={"description": "The answer's id"})


class Question(Input):
    question = Text(QUESTION_MAX, required=True, min_length=1, blank=False,
                    metadata={"description": "The question, in the reader's words"},
                    error_messages=dict.fromkeys(
                        ("required", "null", "invalid", "too_long", "too_short"),
                        _question_text))
    locale = _locale()


class Feedback(Input):
    helpful = Flag(strict=True, required=True,
                   metadata={"description": "Whether the answer helped"})
    token = Text(TOKEN_MAX, metadata={
        "description": "The `feedback_token` of an anonymous answer (signed-in askers send "
                       "their bearer token instead)"})


class Source(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "The article's portal page, "
                                                               "in the answer's language"})


class Answer(Schema):
    id = fields.Integer(required=True, metadata={"description": "For feedback"})
    answer = fields.String(required=True, allow_none=True, metadata={
        "description": "The answer, or null when nothing the reader may open answers it"})
    sources = fields.List(fields.Nested(Source), required=True, metadata={
        "description": "The articles the answer comes from (empty without an answer)"})
    feedback_token = fields.String(required=True, allow_none=True, metadata={
        "description": "Anonymous askers: send it with feedback (null when signed in)"})
    message = fields.String(required=True, allow_none=True, metadata={
        "description": "Without an answer: a text for the reader saying so, in the answer's "
                       "language (offer to contact support); null with an answer"})


class Rated(Schema):
    id = fields.Integer(required=True)
    helpful = fields.Boolean(required=True)


QUESTION_EXAMPLE = {"question": "How do I reset my password?", "locale": "en-US"}
