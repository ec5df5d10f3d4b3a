"""After-commit work (live events, reindex requests, outbox deliveries) runs once the
transaction commits, and a rolled-back savepoint drops only the work queued inside it."""

import time

import pytest

from portal.aftercommit import after_commit
from portal.extensions import db
from portal.jobs import queue
from portal.models import Contact
from portal.services import articles, emails, live
from portal.tenancy import use_workspace
from tests.factories import make_contact
from tests.tickets_helpers import open_ticket


@pytest.fixture
def ticket(acme):
    return open_ticket(acme, make_contact(acme))


@pytest.fixture
def listener(acme, ticket):
    pubsub = live.subscribe(acme.id, ticket.id)
    yield pubsub
    pubsub.close()


def published(pubsub, wait: float = 0.5) -> int:
    """How many live events reached the subscriber (the subscribe confirmation reads as
    None, so read until the time is up)."""
    count, deadline = 0, time.monotonic() + wait
    while time.monotonic() < deadline:
        if pubsub.get_message(timeout=0.05) is not None:
            count += 1
    return count


def queue_all_three(ws, ticket):
    """One of each: a live event, a reindex request, an email (not committed: the
    article step is the services' non-committing `write`)."""
    live.announce(db.session, ws.id, ticket.id)
    articles.write(ws, locale="en-US", title="Reset a password", body="Open settings.",
                  status="published", audience="public")
    return emails.sign_in_code(ws, "pat@customer.example", "123456", minutes=10,
                               locale="en-US")


def jobs_waiting() -> list[str]:
    return queue("high").job_ids + queue("low").job_ids


def test_work_queued_before_a_rolled_back_savepoint_runs_after_commit(acme, ticket, listener):
    with use_workspace(acme.id):
        row = queue_all_three(acme, ticket)
        savepoint = db.session.begin_nested()
        db.session.add(Contact(workspace_id=acme.id, email="inside@a.example"))
        db.session.flush()
        savepoint.rollback()
        with db.session.begin_nested():  # a released savepoint runs nothing yet
            db.session.add(Contact(workspace_id=acme.id, email="kept@a.example"))
        assert published(listener) == 0 and jobs_waiting() == []
        db.session.commit()
    assert published(listener) == 1
    assert sorted(jobs_waiting()) == [f"email-{row.id}", f"reindex-{acme.id}"]


def test_work_queued_inside_a_rolled_back_savepoint_is_dropped(acme, ticket, listener):
    with use_workspace(acme.id):
        make_contact(acme, "before@a.example")
        with pytest.raises(RuntimeError):
            with db.session.begin_nested():
                queue_all_three(acme, ticket)
                raise RuntimeError("the nested step fails")
        db.session.commit()
    assert published(listener) == 0
    assert jobs_waiting() == []


def test_a_released_savepoint_keeps_its_work_unless_an_outer_one_rolls_back(acme):
    ran = []
    with use_workspace(acme.id):
        outer = db.session.begin_nested()
        with db.session.begin_nested():
            after_commit(db.session, ran.append, "inner, released, but its outer rolls back")
        outer.rollback()
        with db.session.begin_nested():
            after_commit(db.session, ran.append, "released")
        after_commit(db.session, ran.append, "outer transaction")
        assert ran == []
        db.session.commit()
    assert ran == ["released", "outer transaction"]


def test_a_full_rollback_drops_everything(acme, ticket, listener):
    with use_workspace(acme.id):
        queue_all_three(acme, ticket)
        with db.session.begin_nested():
            live.announce(db.session, acme.id, ticket.id)
        db.session.rollback()
        make_contact(acme, "next@a.example")  # the next, unrelated commit carries nothing
    assert published(listener) == 0
    assert jobs_waiting() == []


def test_nothing_runs_twice(acme, ticket, listener):
    ran = []
    with use_workspace(acme.id):
        live.announce(db.session, acme.id, ticket.id)
        live.announce(db.session, acme.id, ticket.id)
        after_commit(db.session, ran.append, "once")
        after_commit(db.session, ran.append, "once")
        db.session.commit()
        db.session.commit()
        make_contact(acme, "later@a.example")
    assert published(listener) == 1
    assert ran == ["once"]


def test_a_failing_piece_of_work_does_not_stop_the_others(acme):
    ran = []

    def fail():
        raise ValueError("broken")

    after_commit(db.session, fail)
    after_commit(db.session, ran.append, "still runs")
    db.session.commit()
    assert ran == ["still runs"]

