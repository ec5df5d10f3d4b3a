"""The staff API's comment POST takes an `Idempotency-Key` too: a retried reply is
stored once, and the key belongs to the staff member (see tests/api/test_idempotency.py)."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment
from portal.tenancy import use_workspace
from tests.admin.test_tickets import make_desk


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
