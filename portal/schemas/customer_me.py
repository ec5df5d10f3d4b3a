"""Schemas of the customer API's workspace picker, sessions and customer admin console
(portal/api/me.py, portal/api/account.py)."""

from marshmallow import Schema, fields

from portal.fields import Choice, Id, Text
from portal.schemas.customer_auth import SLUG_MAX, Contact, SignedIn, _email
from portal.schemas.parse import Input

__all__ = ["Contact", "SignedIn"]

ERRORS = {
    400: "The body is not valid JSON (error `malformed_json`)",
    401: "No bearer token, or it is invalid, expired or revoked",
    403: "Not allowed: for a switch, the workspace does not accept how the email was "
         "proven (error `sign_in_required`, `details.sign_in_method` says how to sign in "
         "there: `email_code`, `saml` or null for the host application's hand-off); for "
         "the account, the contact is not a customer admin of an account",
    404: "No such workspace, session or member",
    409: "The current workspace or session, yourself, or an email that cannot be invited "
         "(any contact of the workspace outside your account: one message for all)",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "Not a JSON object, or a field is missing or wrong (`details.field` names it)",
    429: "Too many invitations from you (INVITE_LIMIT); see Retry-After",
}
BODY_ERRORS = (400, 401, 403, 409, 413, 415, 422)


class SwitchPath(Input):
    slug = Text(SLUG_MAX, required=True,
                metadata={"description": "Slug of the workspace to switch to"})


class SessionPath(Input):
    id = Id(required=True, metadata={"description": "Session id"})


class MemberPath(Input):
    id = Id(required=True, metadata={"description": "Contact id of the member"})


class WorkspaceChoice(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    current = fields.Boolean(required=True)
    needs_sign_in = fields.Boolean(required=True)
    sign_in_method = fields.String(required=True, allow_none=True, metadata={
        "description": "With `needs_sign_in`: `email_code` or `saml`; null when no sign-in "
                       "is needed, or only the host application's hand-off signs in there"})
    portal_url = fields.String(required=True, metadata={"description": "The portal's home"})


class WorkspaceList(Schema):
    workspaces = fields.List(fields.Nested(WorkspaceChoice), required=True)


class LiveSession(Schema):
    id = fields.Integer(required=True)
    kind = Choice(("web", "api"), required=True)
    device = fields.String(required=True, metadata={"description": "e.g. Firefox on Windows"})
    browser = fields.String(required=True, allow_none=True)
    system = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    last_used_at = fields.String(required=True, metadata={"format": "date-time"})
    current = fields.Boolean(required=True, metadata={"description": "This token's session"})


class SessionList(Schema):
    sessions = fields.List(fields.Nested(LiveSession), required=True)


class SignedOut(Schema):
    signed_out = fields.Integer(required=True, metadata={"description": "Sessions ended"})


class OpenTicket(Schema):
    number = fields.Integer(required=True)
    title = fields.String(required=True)


class Member(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    customer_admin = fields.Boolean(required=True)
    verified = fields.Boolean(required=True)
    you = fields.Boolean(required=True)
    open_tickets = fields.Integer(required=True, metadata={"description": "How many"})
    latest_open_tickets = fields.List(fields.Nested(OpenTicket), required=True)


class MemberList(Schema):
    account = fields.Dict(required=True, metadata={"description": "`id` and `name`"})
    members = fields.List(fields.Nested(Member), required=True)


class Invitation(Input):
    email = _email()
    name = Text(200, load_default="", metadata={"description": "The colleague's name"})


class Invited(Schema):
    member = fields.Nested(Member, required=True)

