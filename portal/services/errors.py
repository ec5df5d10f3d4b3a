"""Typed service errors; views map them to form messages or 4xx JSON bodies."""

from flask_babel import gettext as _


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", **details):
        super().__init__(message or self.code)
        self.message = message or self.code
        self.details = details


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class TooLarge(Invalid):
    """A file or a request over the size limit (the form says so; the API answers 413)."""

    status = 413
    code = "request_entity_too_large"


def invalid(found: dict) -> Invalid:
    """The `Invalid` service error for {field: message}: the first one is the message."""
    if not found:
        return Invalid(_("The body must be a JSON object."))
    field, message = next(iter(found.items()))
    if not field:
        return Invalid(message)
    return Invalid(message, field=field, fields={k: v for k, v in found.items() if k})
