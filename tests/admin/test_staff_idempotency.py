"""The staff API's comment POST takes an `Idempotency-Key` too: a retried reply is
stored once, and the key belongs to the staff member (see tests/api/test_idempotency.py)."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment
from portal.tenancy import use_workspace
from tests.tickets_helpers import make_desk


@pytest.fixture
def desk(acme, globex):
    return make_desk(acme, globex)


def test_a_staff_reply_retried_with_its_key_is_stored_once(api, acme, desk):
    client, headers = api("agent", acme)
    url = f"/api/v1/ticket/{desk['ticket'].number}/comments"
    keyed = {**headers, "Idempotency-Key": "reply-1"}
    first = client.post(url, json={"body": "We are on it."}, headers=keyed)
    again = client.post(url, json={"body": "We are on it."}, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(url, json={"body": "Something else"}, headers=keyed)
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"
    bad = client.post(url, json={"body": "x"}, headers={**headers, "Idempotency-Key": ""})
    assert bad.status_code == 400
    with use_workspace(acme.id):
        assert db.session.scalar(select(func.count()).select_from(Comment)
                                 .where(Comment.body == "We are on it.")) == 1


def test_a_lost_connection_is_a_second_read_or_a_503_never_a_500(api, acme, desk,
                                                                 monkeypatch):
    from sqlalchemy.exc import OperationalError

    from portal.services import ticket_access, timeline

    client, headers = api("agent", acme)
    url = f"/api/v1/ticket/{desk['ticket'].number}"
    losses = [1]
    real_find = ticket_access.get_for_staff

    def find_once_lost(*args):
        if losses:
            losses.pop()
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_find(*args)

    monkeypatch.setattr(ticket_access, "get_for_staff", find_once_lost)
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and not losses  # lost once, read again

    def comment_lost(*args, **kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(timeline, "add_comment", comment_lost)
    response = client.post(f"{url}/comments", json={"body": "Hi"}, headers=headers)
    assert response.status_code == 503
    assert response.get_json()["error"] == "service_unavailable"


def test_the_staff_openapi_document_describes_the_header(api, acme):
    client, headers = api("agent", acme)
    doc = client.get("/api/v1/_openapi", headers=headers).get_json()
    reply = doc["paths"]["/api/v1/ticket/{number}/comments"]["post"]
    names = [p.get("name") for p in reply["parameters"] if p.get("in") == "header"]
    assert "Idempotency-Key" in names and "409" in reply["responses"]
    change = doc["paths"]["/api/v1/ticket/{number}"]["patch"]
    assert "Idempotency-Key" not in [p.get("name") for p in change["parameters"]]
