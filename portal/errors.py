"""One error path for the whole app, registered once by create_app: JSON under `/api` (the
customer API and the staff API), a page elsewhere.

Views and hooks raise; they do not catch. What reaches here:
- a `ServiceError` (portal.services.errors): its status, code and message, never a 500;
- an HTTP error (werkzeug's, Flask-Limiter's 429, a lost database connection's 503);
- anything else: logged, rolled back, 500.

Every JSON error body is `{"error": <code>, "message": <text>, "details"?: {...}}`. Pages:
the portal's themed pages (a 404 of an unknown page still in its workspace's theme), the
sign-in pages' own "too many attempts" page (drawn by portal.web, which registers them
here), and for admin pages a page in the admin frame
that says the service's message. A form that must be shown again with its message is the
only place a view catches a ServiceError itself.
"""

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, default_exceptions

from portal.extensions import db
from portal.services.errors import ServiceError

PAGES = "helpport_error_pages"  # in app.extensions: draws a portal page for an HTTP error


def json_error(status: int, code: str, message: str, **details):
    body = {"error": code, "message": message}
    if details:
        body["details"] = details
    return jsonify(body), status


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _admin_page() -> bool:
    return request.path.startswith(("/admin", "/static/appbuilder"))


def service_error(exc: ServiceError):
    """A refused request: nothing it changed is kept."""
    db.session.rollback()
    if wants_json():
        return json_error(exc.status, exc.code, exc.message, **exc.details)
    if _admin_page():
        return _admin_error(exc.status, exc.message)
    known = default_exceptions.get(exc.status)
    return http_error(known(exc.message) if known else _generic(exc.status, exc.message))


def _generic(status: int, message: str) -> HTTPException:
    error = HTTPException(message)
    error.code = status
    return error


def http_error(exc: HTTPException):
    if exc.code is None:
        return exc
    if wants_json():
        response, status = json_error(exc.code, exc.name.lower().replace(" ", "_"),
                                      exc.description or exc.name)
    elif _admin_page():
        return exc
    else:
        response, status = current_app.make_response(_portal_page(exc)), exc.code
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response, status


def _portal_page(exc: HTTPException):
    """The portal's page for `exc`: portal.web registers how it is drawn (`PAGES`)."""
    return current_app.extensions[PAGES](exc)


def error_page(template: str, status: int, **context):
    request.helpport_error = status  # on the request: tests share `g` between requests
    return render_template(template, workspace=g.get("workspace"), **context), status


def _admin_error(status: int, message: str):
    appbuilder = current_app.appbuilder
    return render_template("appbuilder/helpport/error.html", message=message, status=status,
                           base_template=appbuilder.base_template,
                           appbuilder=appbuilder), status


def unexpected(exc: Exception):
    from portal import db_faults

    if db_faults.connection_lost(exc):  # rolled back; a read runs again (ReadRetry)
        return http_error(db_faults.unavailable())
    current_app.logger.exception("unhandled error")
    db.session.rollback()
    if wants_json():
        return json_error(500, "server_error", _("Internal server error."))
    return error_page("errors/500.html", 500)


def answer(exc: BaseException):
    """The answer for `exc` on this request, for code that must turn an exception into a
    response itself (FAB's `@safe` would otherwise make every exception a 500)."""
    if isinstance(exc, ServiceError):
        return service_error(exc)
    if isinstance(exc, HTTPException):
        return http_error(exc)
    return unexpected(exc)


def register_errors(app: Flask) -> None:
    app.register_error_handler(ServiceError, service_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
