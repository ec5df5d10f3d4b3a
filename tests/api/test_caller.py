"""The customer API's one resolver (portal.api.common.resolve_caller): every endpoint finds
the bearer token's workspace and session once per request, whatever it does next."""

import pytest

from portal.auth import sessions
from tests.factories import api_token, make_contact

BASE = "/api/v1/workspaces/acme"
NEW_TICKET = {"title": "Printer", "description": "It jams.", "priority": "normal",
              "custom_fields": {"category": "problem"}}


@pytest.fixture
def lookups(monkeypatch):
    """How often this request looked the token up: its workspace, and its live session."""
    counted = {"workspace_of_token": 0, "resolve": 0}
    for name in counted:
        real = getattr(sessions, name)

        def counting(token, kind, _real=real, _name=name):
            if kind == "api":
                counted[_name] += 1
            return _real(token, kind)

        monkeypatch.setattr(sessions, name, counting)
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
    assert lookups == {"workspace_of_token": 1, "resolve": 1}
