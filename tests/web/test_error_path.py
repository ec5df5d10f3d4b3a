"""The one error path (portal.errors): JSON under /api (customer and staff API alike), the
portal's themed pages elsewhere, a page in the admin frame on admin pages; never a 500 for
a refusal."""

import pytest
from werkzeug.exceptions import MethodNotAllowed, TooManyRequests
from werkzeug.exceptions import NotFound as HttpNotFound

from portal.services.errors import Conflict, Forbidden, Invalid, NotFound

REFUSALS = [
    (Invalid("Write a message.", field="body"), 422, "invalid", {"field": "body"}),
    (NotFound("No such ticket."), 404, "not_found", None),
    (Forbidden("Not yours."), 403, "forbidden", None),
    (Conflict("Taken."), 409, "conflict", None),
]
HTTP_ERRORS = [
    (HttpNotFound(), 404, "not_found"),
    (MethodNotAllowed(valid_methods=["GET"]), 405, "method_not_allowed"),
    (TooManyRequests(), 429, "too_many_requests"),
]
API_PATHS = ["/api/v1/workspaces/acme/tickets", "/api/v1/ticket/1"]  # customer, staff


def _answer(app, path: str, exc: Exception):
    with app.test_request_context(path):
        app.preprocess_request()
        response = app.make_response(app.handle_user_exception(exc))
        return response.status_code, response


@pytest.mark.parametrize("path", API_PATHS)
@pytest.mark.parametrize(("exc", "status", "code", "details"), REFUSALS)
def test_a_refusal_under_the_api_is_its_json_body(app, acme, path, exc, status, code, details):
    got, response = _answer(app, path, exc)
    body = {"error": code, "message": exc.message}
    if details:
        body["details"] = details
    assert got == status and response.get_json() == body


@pytest.mark.parametrize("path", API_PATHS)
@pytest.mark.parametrize(("exc", "status", "code"), HTTP_ERRORS)
def test_an_http_error_under_the_api_is_json(app, acme, path, exc, status, code):
    got, response = _answer(app, path, exc)
    assert got == status and response.get_json()["error"] == code
    assert set(response.get_json()) == {"error", "message"}


@pytest.mark.parametrize("path", API_PATHS)
def test_an_unexpected_error_under_the_api_is_a_json_500(app, acme, path):
    got, response = _answer(app, path, RuntimeError("boom"))
    assert got == 500 and response.get_json() == {
        "error": "server_error", "message": "Internal server error."}


@pytest.mark.parametrize(("exc", "status", "code", "_details"), REFUSALS)
def test_a_refusal_on_a_portal_page_is_a_themed_page(app, acme, exc, status, code, _details):
    got, response = _answer(app, "/en-US/acme/tickets", exc)
    page = response.get_data(as_text=True)
    assert got == status and response.mimetype == "text/html"
    assert 'class="site-header"' in page and "Acme Support" in page


@pytest.mark.parametrize(("exc", "status", "_code"), HTTP_ERRORS)
def test_an_http_error_on_a_portal_page_is_a_themed_page(app, acme, exc, status, _code):
    got, response = _answer(app, "/en-US/acme/tickets", exc)
    assert got == status and 'class="site-header"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("exc", "status", "_code", "_details"), REFUSALS)
def test_a_refusal_on_an_admin_page_shows_its_message(app, acme, exc, status, _code, _details):
    """What the admin views rely on: they raise, and the page says why (sign-in pages and
    the 429 page of the portal's sign-in: tests/web/test_signin.py)."""
    got, response = _answer(app, "/admin/tickets/", exc)
    page = response.get_data(as_text=True)
    assert got == status and exc.message in page and 'id="service-error"' in page
