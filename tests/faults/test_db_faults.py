"""Killing the app's PostgreSQL connections (issue 9 part 2): reads after and during a
kill succeed, a committed ticket or comment is never answered 500, and a client that
retries with the same Idempotency-Key gets the first answer without a duplicate. The app
runs on a database of its own (tests.faults.db_support)."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Comment, Ticket
from portal.tenancy import use_workspace
from tests.factories import api_token, make_contact, make_workspace
from tests.faults import db_support
from tests.faults.db_support import kill_after_commit

fault_db, fault_app = db_support.fault_db, db_support.fault_app  # the fixtures

pytestmark = pytest.mark.postgres
TICKET = {"title": "Printer on fire", "description": "Smoke everywhere.", "priority": "high",
          "custom_fields": {"category": "problem"}}


@pytest.fixture
def world(fault_app):
    """A workspace of its own per test, a contact, a bearer token; the fault app's context."""
    with fault_app.app_context():
        slug = f"ws{uuid.uuid4().hex[:8]}"
        ws = make_workspace(slug=slug)
        contact = make_contact(ws, f"pat@{slug}.example")
        token = api_token(contact)
        yield {"ws_id": ws.id, "base": f"/api/v1/workspaces/{slug}", "app": fault_app,
               "contact_id": contact.id, "slug": slug,
               "auth": {"Authorization": f"Bearer {token}"}, "client": fault_app.test_client()}


def post_ticket(world, key=None, body=TICKET):
    headers = dict(world["auth"], **({"Idempotency-Key": key} if key else {}))
    return world["client"].post(f"{world['base']}/tickets", json=body, headers=headers)


def stored(world, model=Ticket):
    """How many rows the database holds now (a fresh session: the test's may be dead)."""
    with world["app"].app_context(), use_workspace(world["ws_id"]):
        return db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.workspace_id == world["ws_id"]))


def numbers(world) -> list[int]:
    with world["app"].app_context(), use_workspace(world["ws_id"]):
        return list(db.session.scalars(select(Ticket.number).order_by(Ticket.number)))


def test_a_read_after_a_kill_succeeds(fault_db, world):
    client, base = world["client"], world["base"]
    assert client.get(f"{base}/tickets", headers=world["auth"]).status_code == 200
    assert fault_db.kill_connections() >= 1  # the pooled connection is dead now
    response = client.get(f"{base}/tickets", headers=world["auth"])
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_read_whose_connection_dies_mid_request_runs_again(fault_db, fault_app, world):
    with fault_app.app_context():
        engine = db.engine
    client, base = world["client"], world["base"]
    assert post_ticket(world).status_code == 201
    # killed right before one of the request's statements: pre-ping cannot see it coming
    with fault_db.kill_on(engine, "before_cursor_execute"):
        response = client.get(f"{base}/tickets/1", headers=world["auth"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["title"] == TICKET["title"]


def test_a_ticket_committed_before_the_kill_is_answered_201(fault_db, world):
    with kill_after_commit(fault_db):
        response = post_ticket(world)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["number"] == 1
    assert response.headers["Location"].endswith("/tickets/1")
    assert stored(world) == 1


def test_a_commit_cut_off_is_503_and_the_retry_creates_it_once(fault_db, fault_app, world):
    with fault_app.app_context():
        engine = db.engine
    with fault_db.kill_on(engine, "commit"):  # the COMMIT never reaches the server
        first = post_ticket(world, key="order-1")
    assert first.status_code == 503, first.get_data(as_text=True)
    assert first.get_json()["error"] == "service_unavailable"
    assert stored(world) == 0
    again = post_ticket(world, key="order-1")
    assert again.status_code == 201
    replay = post_ticket(world, key="order-1")
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_data() == again.get_data()
    assert replay.headers["Location"] == again.headers["Location"]
    assert stored(world) == 1 and numbers(world) == [1]


def test_a_retry_after_a_lost_answer_replays_it(fault_db, world):
    with kill_after_commit(fault_db):
        first = post_ticket(world, key="k-1")
    fault_db.kill_connections()
    again = post_ticket(world, key="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert post_ticket(world, key="k-2").get_json()["number"] == 2
    assert stored(world) == 2 and numbers(world) == [1, 2]  # no gap, no duplicate


def test_a_comment_retried_with_its_key_is_stored_once(fault_db, world):
    client, base = world["client"], world["base"]
    assert post_ticket(world).status_code == 201
    url = f"{base}/tickets/1/comments"
    headers = dict(world["auth"], **{"Idempotency-Key": "comment-1"})
    with kill_after_commit(fault_db):
        first = client.post(url, json={"body": "Any news?"}, headers=headers)
    again = client.post(url, json={"body": "Any news?"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    other = client.post(url, json={"body": "Hello?"}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["error"] == "idempotency_key_reused"
    assert stored(world, Comment) == 1


def test_a_key_in_flight_is_409(fault_db, world):
    with fault_db.connect() as holder:  # holds the key's lock, as a running request does
        name = f"idempotency:{world['ws_id']}:contact:{world['contact_id']}:busy"
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        busy = post_ticket(world, key="busy")
        holder.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
    assert busy.status_code == 409
    assert busy.get_json()["error"] == "idempotency_key_in_progress"
    assert post_ticket(world, key="busy").status_code == 201
    assert stored(world) == 1


def test_concurrent_requests_with_one_key_create_one_ticket(fault_app, world):
    barrier = threading.Barrier(6)
    answers = []

    def send():
        client = fault_app.test_client()
        barrier.wait()
        headers = dict(world["auth"], **{"Idempotency-Key": "same"})
        answers.append(client.post(f"{world['base']}/tickets", json=TICKET, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(a.status_code for a in answers)
    assert len(statuses) == 6 and set(statuses) <= {201, 409}, statuses
    created = {a.get_json()["number"] for a in answers if a.status_code == 201}
    assert created == {1}
    assert stored(world) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "caf\u00e9"])
def test_a_malformed_key_is_400(world, key):
    headers = dict(world["auth"], **{"Idempotency-Key": key})
    response = world["client"].post(f"{world['base']}/tickets", json=TICKET, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_idempotency_key"
    assert stored(world) == 0


def test_a_portal_form_committed_before_the_kill_redirects_to_its_ticket(fault_db, world):
    from tests.conftest import csrf_from
    from tests.factories import login_as

    client = world["app"].test_client()
    with world["app"].app_context(), use_workspace(world["ws_id"]):
        from portal.models import Contact

        login_as(client, db.session.get(Contact, world["contact_id"]))
    page = client.get(f"/en-US/{world['slug']}/tickets/new").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "title": "Printer on fire",
            "description": "Smoke.", "priority": "normal", "category": "problem"}
    with kill_after_commit(fault_db):
        response = client.post(f"/en-US/{world['slug']}/tickets", data=form,
                               content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("/tickets/1")
    assert stored(world) == 1


@pytest.fixture
def checkouts_after_commit(fault_app):
    """How many times the pool hands out a connection after a whole transaction commits:
    what a kill between pre-ping and use could still break."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    with fault_app.app_context():
        pool = db.engine.pool
    seen = {"committed": False, "checkouts": 0}

    def committed(session):
        seen["committed"] = seen["committed"] or not session.in_nested_transaction()

    def checkout(*args):
        seen["checkouts"] += seen["committed"]

    event.listen(Session, "after_commit", committed)
    event.listen(pool, "checkout", checkout)
    yield seen
    event.remove(Session, "after_commit", committed)
    event.remove(pool, "checkout", checkout)


def test_after_its_commit_a_post_asks_the_database_nothing(world, checkouts_after_commit):
    assert post_ticket(world, key="quiet").status_code == 201
    assert checkouts_after_commit == {"committed": True, "checkouts": 0}
    headers = dict(world["auth"], **{"Idempotency-Key": "quiet-comment"})
    checkouts_after_commit["committed"] = False
    response = world["client"].post(f"{world['base']}/tickets/1/comments",
                                    json={"body": "Hi"}, headers=headers)
    assert response.status_code == 201
    assert checkouts_after_commit == {"committed": True, "checkouts": 0}
