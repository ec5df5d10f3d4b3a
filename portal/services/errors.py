"""Typed service errors; views map them to form messages or 4xx JSON bodies."""


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
