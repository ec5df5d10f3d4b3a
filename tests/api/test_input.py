"""Odd values in every path and query parameter of the customer API: a 4xx in the JSON error
shape (or a 2xx where the value is fine), never a 5xx. Digits of other scripts ("²", "٣")
passed `str.isdigit()` and then broke `int()`; numbers over 4300 digits break `int()` too;
numbers over 2**31 overflow PostgreSQL's integer."""

import pytest

from portal.extensions import db
from portal.services import portal_settings
from tests.factories import api_token, make_contact
from tests.tickets_helpers import open_ticket

BASE = "/api/v1/workspaces/acme"
ODD = ["\u00b2", "\u0663", "-1", "0", "", " 1", "+1", "1.5", "1e3", "abc", "%00", "%ff",
       str(2**31), str(2**63), "9" * 30, "9" * 5000]
ROUTES = [
    "/tickets/{v}", "/tickets/{v}/comments", "/tickets/{v}/events",
    "/tickets?limit={v}", "/tickets?q={v}", "/tickets?q=%23{v}", "/tickets?after={v}",
    "/tickets?stage={v}", "/tickets?priority={v}", "/tickets?scope={v}", "/tickets?sort={v}",
    "/tickets/{n}/events?after={v}",
    "/articles?page={v}", "/articles?per_page={v}", "/articles?directory={v}",
    "/articles?locale={v}", "/articles/{v}", "/articles/{v}?locale={v}",
    "/articles/search?q=x&limit={v}", "/articles/search?q={v}", "/articles/search?q=x&mode={v}",
]


@pytest.fixture
def reader(app, acme, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.05)
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    contact = make_contact(acme, "pat@customer.example")
    return contact, open_ticket(acme, contact)


def _problem(response, url: str) -> str | None:
    """What is wrong with the answer to `url`, or None."""
    try:
        if response.status_code >= 500:
            return f"{url[:100]}: {response.status_code}"
        if response.status_code >= 400:
            body = response.get_json(silent=True)
            if not body or not set(body) <= {"error", "message", "details"} \
                    or not body.get("message"):
                return f"{url[:100]}: {response.status_code} without the JSON error shape"
        return None
    finally:
        response.close()


def test_odd_values_in_every_parameter_are_refused_in_json(client, reader):
    contact, ticket = reader
    headers = {"Authorization": f"Bearer {api_token(contact)}"}
    urls = [BASE + route.format(v=value, n=ticket.number) for route in ROUTES for value in ODD]
    problems = [_problem(client.get(url, headers=headers), url) for url in urls]
    assert [p for p in problems if p] == []


def test_odd_resume_header_of_the_event_stream(client, reader):
    contact, ticket = reader
    url = f"{BASE}/tickets/{ticket.number}/events"

    def ready_frame(**headers):
        response = client.get(url, headers={"Authorization": f"Bearer {api_token(contact)}",
                                            **headers})
        assert response.status_code == 200, headers
        assert response.mimetype == "text/event-stream"
        frames = iter(response.response)
        next(frames)  # retry: ...
        ready = next(frames)
        response.close()
        return ready

    absent = ready_frame()
    assert b"event: ready" in absent
    for value in ("\u00b2", "-1", "9" * 5000, "x"):
        # an unreadable id counts as absent
        assert ready_frame(**{"Last-Event-ID": value}) == absent, value


@pytest.mark.parametrize("value, field", [
    ("\u00b2", "limit"), ("9" * 5000, "limit"), ("-1", "limit"), ("0", "limit"),
])
def test_a_refused_limit_names_the_field(client, reader, value, field):
    contact, _ticket = reader
    response = client.get(f"{BASE}/tickets?limit={value}",
                          headers={"Authorization": f"Bearer {api_token(contact)}"})
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "invalid", "message": "limit must be a whole number from 1 to 100.",
        "details": {"field": "limit",
                    "fields": {"limit": "limit must be a whole number from 1 to 100."}}}


@pytest.mark.parametrize("route, status", [
    ("/tickets/{big}", 404), ("/tickets/{big}/comments", 404), ("/tickets/{big}/close", 404),
    ("/articles/{big}", 404), ("/articles?page={big}", 422), ("/articles?directory={big}", 404),
])
def test_numbers_beyond_the_database_integer(client, reader, route, status):
    contact, _ticket = reader
    for big in (2**31, 2**63, 10**30):
        url = BASE + route.format(big=big)
        send = client.post if route.endswith("close") else client.get
        response = send(url, headers={"Authorization": f"Bearer {api_token(contact)}"})
        assert response.status_code == status, (url, response.get_json())


def test_the_ticket_search_reads_a_number_as_a_ticket_number(client, reader):
    """`q=#<number>` matches the ticket's number; "#²" is just text, not a crash."""
    contact, ticket = reader
    headers = {"Authorization": f"Bearer {api_token(contact)}"}
    found = client.get(f"{BASE}/tickets?q=%23{ticket.number}", headers=headers).get_json()
    assert [t["number"] for t in found["tickets"]] == [ticket.number]
    assert client.get(f"{BASE}/tickets?q=%23\u00b2", headers=headers).get_json()["tickets"] == []


@pytest.mark.parametrize("locale, declared, message", [
    ("en", None, "Page not found"), ("de", None, "Seite nicht gefunden"),
    ("en", "No such article.", "No such article.")])
def test_a_refused_path_is_404_in_the_language_of_the_refusal(app, locale, declared, message):
    """The operation's message (or "Page not found") is translated when a path value is
    refused, not on every request."""
    from flask_babel import force_locale
    from flask_babel import lazy_gettext as _l

    from portal.schemas import customer_articles as s
    from portal.schemas.openapi import operation
    from portal.services.errors import NotFound

    view = operation("x", "x", path=s.ArticlePath,
                     not_found=_l(declared) if declared else None)(lambda **kwargs: kwargs)
    with app.test_request_context("/"), force_locale(locale):
        assert view(slug="acme", key="vpn") == {"slug": "acme", "key": "vpn"}
        with pytest.raises(NotFound) as refused:
            view(slug="acme", key="k" * 10_000)
    assert refused.value.message == message
