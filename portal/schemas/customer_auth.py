"""Schemas of the customer API's sign-in and `/me` (portal/api/auth.py): what a request may
hold, what an answer holds, and the texts of the documented errors."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from portal.fields import Choice, Text
from portal.schemas.parse import Input

EMAIL_MAX = 320
SLUG_MAX = 63

ERRORS = {
    400: "The body is not valid JSON (error `malformed_json`)",
    401: "No bearer token, or it is invalid, expired or revoked",
    403: "Emailed codes are off in this workspace (error `email_code_off`), or the email's "
         "domain must sign in with SAML (error `saml_required`, `details.login_url` is "
         "where to send the person)",
    404: "No such workspace",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "Not a JSON object, or a field is missing or wrong (`details.field` names it); "
         "for a code: wrong, expired, already used or out of tries",
    429: "Too many requests for this email or client address; see Retry-After",
}
BODY_ERRORS = (400, 404, 413, 415, 422, 429)
BEARER = [{"bearer": []}]
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer"}}


class WorkspacePath(Input):
    slug = Text(SLUG_MAX, required=True, metadata={"description": "Workspace slug"})


def _email(**kwargs):
    wrong = _l("Enter a valid email address.")
    return Text(EMAIL_MAX, required=True, metadata={"format": "email"},
                error_messages={"required": wrong, "null": wrong, "invalid": wrong,
                                "too_long": wrong}, **kwargs)


class CodeRequest(Input):
    """The address is checked (and normalised) by the sign-in service."""

    email = _email()
    locale = Text(20, error_messages={"too_long": _l("%(field)s must be a short text.")},
                  metadata={"description": "Language of the email when the address has "
                                           "none yet (unknown ones fall back)"})


class CodeCheck(Input):
    email = _email()
    code = Text(20, required=True, metadata={"pattern": "^[0-9]{6}$"}, error_messages={
        key: _l("Enter the 6-digit code from the email.")
        for key in ("required", "null", "invalid", "too_long")})


class CodeSent(Schema):
    status = Choice(("sent_if_allowed",), required=True)


class Account(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class Contact(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    locale = fields.String(required=True, allow_none=True)
    verified = fields.Boolean(required=True)
    customer_admin = fields.Boolean(required=True)
    account = fields.Nested(Account, required=True, allow_none=True)


class Workspace(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class SignedIn(Schema):
    access_token = fields.String(required=True)
    token_type = Choice(("Bearer",), required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})
    contact = fields.Nested(Contact, required=True)


class Me(Schema):
    contact = fields.Nested(Contact, required=True)
    workspace = fields.Nested(Workspace, required=True)
