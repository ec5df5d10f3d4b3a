"""Schemas of the JWT hand-off (portal/api/jwt_handoff.py): what the host application's
server sends and gets back, and the texts of the documented errors."""

from marshmallow import Schema, fields

from portal.auth.next_url import MAX_LENGTH as NEXT_MAX
from portal.fields import Text
from portal.schemas.customer_auth import _email
from portal.schemas.parse import Input

APP_TOKEN = [{"appToken": []}]
SECURITY_SCHEME = {"appToken": {
    "type": "http", "scheme": "bearer",
    "description": "An application access token of the workspace (`flask portal app-token "
                   "create`, or Settings > Application tokens): for the host application's "
                   "server only, never for a browser or an app"}}
ERRORS = {
    400: "The body is not valid JSON (error `malformed_json`)",
    401: "No application token, or it is unknown, revoked or another workspace's; at the "
         "exchange: the sign-in token is invalid, expired, already used or another "
         "workspace's",
    403: "Sign-in through the host application is off for this workspace; or no customer "
         "has this email and the workspace does not create customers on first sign-in, or "
         "the customer is deactivated (`details.field` is `email`)",
    404: "No such workspace",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "Not a JSON object, or a field is missing or wrong (`details.field` names it: an "
         "invalid email, a `next` that is not a path on this portal)",
    429: "Too many requests from this client address; see Retry-After",
}
HANDOFF_ERRORS = (400, 401, 403, 404, 413, 415, 422, 429)


class HandOff(Input):
    email = _email()
    name = Text(200, metadata={"description": "The customer's name (for a new contact)"})
    account = Text(200, metadata={"description": "The account a new contact joins, by name"})
    locale = Text(20, metadata={"description": "The language of the portal page "
                                               "(unknown ones: the workspace's default)"})
    next = Text(NEXT_MAX, metadata={"description": "Where the browser goes once signed in: "
                                                   "a path on this portal"})


class HandedOff(Schema):
    token = fields.String(required=True, metadata={
        "description": "The signed sign-in token, usable once (browser or exchange)"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})
    sign_in_url = fields.String(required=True, metadata={
        "description": "Send the customer's browser here: it signs them in and goes to next"})


class Exchange(Input):
    token = Text(4096, required=True, metadata={"description": "The hand-off's sign-in token"})
