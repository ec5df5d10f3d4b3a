"""The customer API's one resolver (portal.api.common.resolve_caller): every endpoint looks
the bearer token up once per request (its workspace, session and contact in one statement),
whatever it does next."""

import pytest

from portal.auth import sessions
from tests.factories import api_token, make_contact

BASE = "/api/v1/workspaces/acme"
NEW_TICKET = {"title": "Printer", "description": "It jams.", "priority": "normal",
              "custom_fields": {"category": "problem"}}


@pytest.fixture
def lookups(monkeypatch):
    """How often this request looked the token up (its session with its workspace and
    contact), and how often it checked the session found."""
    counted = {"find": 0, "live": 0}
    real_find, real_live = sessions.find, sessions.live

    def find(token, kind, **options):
        if kind == "api":
            counted["find"] += 1
        return real_find(token, kind, **options)

    def live(found):
        counted["live"] += 1
        return real_live(found)

    monkeypatch.setattr(sessions, "find", find)
    monkeypatch.setattr(sessions, "live", live)
    return counted


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("get", "/api/v1/me", None, 200),
    ("get", f"{BASE}/tickets", None, 200),
    ("post", f"{BASE}/tickets", NEW_TICKET, 201),
    ("get", f"{BASE}/articles", None, 200),
    ("post", "/api/v1/auth/sign-out", None, 204),
])
def test_the_token_is_resolved_once_per_request(client, acme, lookups, method, path, body,
                                                status):
    token = api_token(make_contact(acme, "pat@customer.example"))
    for counter in lookups:
        lookups[counter] = 0
    response = getattr(client, method)(path, json=body,
                                       headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.get_data(as_text=True)
    assert lookups == {"find": 1, "live": 1}
