"""`Idempotency-Key` on the customer API's ticket and comment POSTs: the same key replays
the first answer and creates nothing, another body with it is 422, a malformed key 400;
keys belong to one contact and expire (the periodic sweep forgets them). Connection kills
are in tests/faults/test_db_faults.py."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Comment, IdempotencyKey, Ticket
from portal.models.base import utcnow
from portal.tenancy import use_workspace
from tests.factories import api_token, make_contact

BASE = "/api/v1/workspaces/acme"
TICKET = {"title": "Printer on fire", "description": "Smoke.", "priority": "high",
          "custom_fields": {"category": "problem"}}


@pytest.fixture
def pat(acme):
    return make_contact(acme, "pat@customer.example", name="Pat")


def post(client, contact, key, body=TICKET, path="/tickets"):
    headers = {"Authorization": f"Bearer {api_token(contact)}", "Idempotency-Key": key}
    return client.post(BASE + path, json=body, headers=headers)


def count(acme, model) -> int:
    with use_workspace(acme.id):
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_same_key_replays_the_first_answer(client, acme, pat):
    first = post(client, pat, "abc-1")
    again = post(client, pat, "abc-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_data() == first.get_data()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert post(client, pat, "abc-2").get_json()["number"] == 2
    assert count(acme, Ticket) == 2


def test_another_body_with_a_used_key_is_422(client, acme, pat):
    assert post(client, pat, "k").status_code == 201
    reused = post(client, pat, "k", {**TICKET, "title": "Something else"})
    assert reused.status_code == 422
    assert reused.get_json()["error"] == "idempotency_key_reused"
    on_comments = post(client, pat, "k", {"body": "Hi"}, "/tickets/1/comments")
    assert on_comments.status_code == 422
    assert count(acme, Ticket) == 1 and count(acme, Comment) == 0


def test_keys_belong_to_one_contact(client, acme, pat):
    sam = make_contact(acme, "sam@customer.example")
    assert post(client, pat, "mine").get_json()["number"] == 1
    assert post(client, sam, "mine").get_json()["number"] == 2


def test_comments_replay_too(client, acme, pat):
    assert post(client, pat, "t").status_code == 201
    first = post(client, pat, "c", {"body": "Any news?"}, "/tickets/1/comments")
    again = post(client, pat, "c", {"body": "Any news?"}, "/tickets/1/comments")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert count(acme, Comment) == 1


def test_a_refused_request_records_no_key(client, acme, pat):
    assert post(client, pat, "x", {**TICKET, "title": ""}).status_code == 422
    assert post(client, pat, "x").status_code == 201  # the same key now creates it
    assert count(acme, IdempotencyKey) == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there", "caf\u00e9", "a b"])
def test_a_malformed_key_is_400(client, acme, pat, key):
    response = post(client, pat, key)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_idempotency_key"
    assert count(acme, Ticket) == 0


def test_a_key_expires_and_the_sweep_forgets_it(client, acme, pat, app):
    from portal.jobs.tasks import periodic

    assert post(client, pat, "old").status_code == 201
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25))
                       .execution_options(all_workspaces=True))
    db.session.commit()
    assert post(client, pat, "old").get_json()["number"] == 2  # expired: runs again
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25))
                       .execution_options(all_workspaces=True))
    db.session.commit()
    periodic()
    assert count(acme, IdempotencyKey) == 0


def test_the_openapi_document_describes_the_header(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    idempotent = {"createTicket", "addComment"}
    for path in doc["paths"].values():
        for op in path.values():
            headers = [p for p in op.get("parameters", []) if p.get("in") == "header"]
            if op["operationId"] in idempotent:
                assert [h["name"] for h in headers] == ["Idempotency-Key"]
                assert headers[0]["schema"]["maxLength"] == 255
                assert {"400", "409", "422"} <= set(op["responses"])
                assert "idempotency_key_reused" in op["responses"]["422"]["description"]
                idempotent.discard(op["operationId"])
            else:
                assert headers == []
    assert idempotent == set()
