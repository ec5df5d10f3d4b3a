"""Webhooks end to end: events written with the change that causes them, delivered by the
job to a real HTTP server on 127.0.0.1, signed (HMAC-SHA256 over `<timestamp>.<body>`),
retried with backoff after a failing answer, never for an internal note, never to a
private target unless the operator allows it, never across workspaces."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.jobs.webhook_tasks import sweep_webhooks
from portal.models import WebhookDelivery
from portal.models.base import utcnow
from portal.services import actors, articles, timeline, webhook_delivery, webhooks
from portal.services.errors import Invalid
from portal.tenancy import use_workspace
from tests import webhook_receiver
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket


def endpoint(ws, url, events=tuple(webhooks.EVENTS)):
    with use_workspace(ws.id):
        row, secret = webhooks.create(ws, url=url, events=list(events))
        return row.id, secret


def deliveries(ws) -> list[WebhookDelivery]:
    db.session.expire_all()
    with use_workspace(ws.id):
        return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def make_due(ws) -> None:
    """What the passing of the backoff does: every pending delivery is due now."""
    with use_workspace(ws.id):
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.status == "pending")
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_a_new_ticket_reaches_the_endpoint_signed(acme, private_ok, receiver, jobs):
    _id, secret = endpoint(acme, receiver.url)
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat, "Printer on fire")
    assert receiver.received == []  # sent by the job, not by the request
    assert jobs() == 1
    [got] = receiver.received
    assert got.path == "/hooks/helpport"
    assert webhook_receiver.signature_ok(got, secret)
    assert not webhook_receiver.signature_ok(got, webhooks.new_secret())
    assert got.headers["Helpport-Event"] == "ticket.created"
    assert got.headers["Content-Type"].startswith("application/json")
    body = json.loads(got.body)
    assert body["event"] == "ticket.created" and body["id"] == got.headers["Helpport-Event-Id"]
    assert body["workspace"] == {"id": acme.id, "slug": "acme"}
    assert body["data"]["ticket"]["number"] == ticket.number
    assert body["data"]["ticket"]["reporters"][0]["email"] == "pat@customer.example"
    [row] = deliveries(acme)
    assert (row.status, row.attempts, row.response_code) == ("delivered", 1, 200)
    assert row.delivered_at is not None and row.last_error is None
    tampered = webhook_receiver.Received(got.path, got.headers, got.body.replace(b"Printer",
                                                                                 b"Scanner"))
    assert not webhook_receiver.signature_ok(tampered, secret)


def test_a_failing_endpoint_is_tried_again_after_its_backoff_and_then_succeeds(
        acme, private_ok, jobs):
    failing_then_fine = webhook_receiver.start(statuses=[500, 200])
    try:
        _id, secret = endpoint(acme, failing_then_fine.url, ["ticket.created"])
        open_ticket(acme, make_contact(acme, "pat@customer.example"))
        jobs()
        [row] = deliveries(acme)
        assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
        assert "HTTP 500" in row.last_error
        wait = (row.next_attempt_at - row.last_attempt_at).total_seconds()
        assert abs(wait - webhook_delivery.BACKOFF_SECONDS[0]) < 5
        assert sweep_webhooks() == 0  # not due yet: nothing is sent before its time
        make_due(acme)
        assert sweep_webhooks() == 1
        jobs()
        [row] = deliveries(acme)
        assert (row.status, row.attempts, row.response_code) == ("delivered", 2, 200)
        first, second = failing_then_fine.received
        assert first.body == second.body  # the same event, the same id
        assert webhook_receiver.signature_ok(second, secret)
    finally:
        webhook_receiver.stop(failing_then_fine)


def test_an_endpoint_that_keeps_failing_is_given_up_after_the_last_backoff(acme, private_ok):
    failing = webhook_receiver.start(statuses=[503])
    try:
        endpoint(acme, failing.url, ["csat.submitted"])
        with use_workspace(acme.id):
            webhooks.emit(acme, "csat.submitted", {"score": 2})
            db.session.commit()
        waits = []
        for _attempt in range(webhook_delivery.MAX_ATTEMPTS):
            [row] = deliveries(acme)
            assert webhook_delivery.attempt(row.id) in ("retry", "failed")
            [row] = deliveries(acme)
            if row.status == "pending":
                waits.append(round((row.next_attempt_at - row.last_attempt_at).total_seconds()))
            make_due(acme)
        [row] = deliveries(acme)
        assert (row.status, row.attempts, row.response_code) == (
            "failed", webhook_delivery.MAX_ATTEMPTS, 503)
        assert waits == list(webhook_delivery.BACKOFF_SECONDS)
        assert webhook_delivery.attempt(row.id) == "skipped"
        assert len(failing.received) == webhook_delivery.MAX_ATTEMPTS
    finally:
        webhook_receiver.stop(failing)


def test_an_internal_note_never_produces_a_delivery(acme, private_ok, receiver, jobs):
    endpoint(acme, receiver.url)
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    agent = actors.staff(make_staff("agent@staff.example", role="agent", workspace=acme))
    with use_workspace(acme.id):
        timeline.add_comment(ticket, agent, "Internal: the customer is on the old plan",
                             public=False)
    assert [d.event for d in deliveries(acme)] == ["ticket.created"]
    with use_workspace(acme.id):
        timeline.add_comment(ticket, agent, "We are on it.")
        timeline.add_comment(ticket, actors.customer(pat), "Thanks!")
        timeline.set_stage(ticket, agent, "resolved")
    assert [d.event for d in deliveries(acme)] == [
        "ticket.created", "comment.created", "comment.created", "ticket.updated"]
    jobs()
    bodies = [json.loads(r.body) for r in receiver.received]
    assert len(bodies) == 4
    assert all("old plan" not in r.body.decode() for r in receiver.received)
    comments = [b["data"]["comment"] for b in bodies if b["event"] == "comment.created"]
    assert [(c["body"], c["author"]["kind"]) for c in comments] == [
        ("We are on it.", "staff"), ("Thanks!", "customer")]
    [updated] = [b["data"] for b in bodies if b["event"] == "ticket.updated"]
    assert updated["change"]["kind"] == "stage" and updated["change"]["to"] == "resolved"
    assert updated["ticket"]["stage"] == "resolved"


def test_only_the_events_an_endpoint_asks_for_and_only_while_active(acme, private_ok,
                                                                    receiver):
    endpoint_id, _secret = endpoint(acme, receiver.url, ["comment.created"])
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    assert deliveries(acme) == []
    with use_workspace(acme.id):
        webhooks.update(acme, webhooks.get(acme, endpoint_id), active=False)
        timeline.add_comment(ticket, actors.customer(pat), "Hello?")
    assert deliveries(acme) == []


def test_publishing_an_article_is_one_event(acme, private_ok, receiver, jobs):
    endpoint(acme, receiver.url, ["article.published"])
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Reset a password", body="Click.")
        assert deliveries(acme) == []  # a draft
        articles.set_status(acme, article, "published", author="Ann")
        articles.save(acme, article=article, locale="en-US", title="Reset your password",
                      body="Click.", status="published")  # an edit of a published article
    [row] = deliveries(acme)
    assert row.event == "article.published"
    jobs()
    data = json.loads(receiver.received[0].body)["data"]["article"]
    assert data["title"] == "Reset a password" and data["url"].endswith(
        "/en-US/acme/articles/reset-a-password")


def test_events_of_a_rolled_back_change_are_never_sent(acme, private_ok, receiver, jobs):
    """The outbox pattern: the rows belong to the change's transaction."""
    endpoint(acme, receiver.url, ["csat.submitted"])
    with use_workspace(acme.id):
        webhooks.emit(acme, "csat.submitted", {"ticket": 1, "score": 5})
        db.session.rollback()
    assert deliveries(acme) == [] and jobs() == 0
    with use_workspace(acme.id):
        webhooks.emit(acme, "csat.submitted", {"ticket": 1, "score": 5})
        db.session.commit()
    assert jobs() == 1
    assert json.loads(receiver.received[0].body)["data"] == {"ticket": 1, "score": 5}
    with pytest.raises(ValueError):
        webhooks.emit(acme, "csat.unknown", {})


def test_a_lost_job_is_recovered_by_the_sweep(acme, private_ok, receiver, jobs, app):
    endpoint(acme, receiver.url, ["csat.submitted"])
    lost = app.extensions[webhooks.DELIVERY]
    app.extensions[webhooks.DELIVERY] = lambda _id: None  # the queue was down at commit
    try:
        with use_workspace(acme.id):
            webhooks.emit(acme, "csat.submitted", {"score": 4})
            db.session.commit()
    finally:
        app.extensions[webhooks.DELIVERY] = lost
    assert jobs() == 0
    assert sweep_webhooks() == 1 and jobs() == 1
    assert len(receiver.received) == 1 and deliveries(acme)[0].status == "delivered"


def test_private_targets_are_refused_unless_the_operator_allows_them(acme, app, receiver):
    for url in (receiver.url, "http://localhost/hook", "http://10.1.2.3/hook",
                "http://192.168.0.10/hook", "http://[::1]/hook", "http://169.254.169.254/"):
        with use_workspace(acme.id), pytest.raises(Invalid) as refused:
            webhooks.create(acme, url=url, events=["ticket.created"])
        assert "public internet" in refused.value.message, url
    for url in ("ftp://example.com/", "http://user:pw@example.com/", "not a url", ""):
        with use_workspace(acme.id), pytest.raises(Invalid):
            webhooks.create(acme, url=url, events=["ticket.created"])
    # allowed when saved, refused when sent: the operator changed the setting meanwhile
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    try:
        endpoint(acme, receiver.url, ["csat.submitted"])
    finally:
        app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    with use_workspace(acme.id):
        webhooks.emit(acme, "csat.submitted", {"score": 3})
        db.session.commit()
    [row] = deliveries(acme)
    assert webhook_delivery.attempt(row.id) == "retry"
    [row] = deliveries(acme)
    assert row.status == "pending" and row.last_error.startswith("refused:")
    assert receiver.received == []


def test_a_redirect_is_an_answer_never_followed(acme, private_ok, receiver, jobs):
    bouncer = webhook_receiver.start(statuses=[302], location=receiver.url)
    try:
        endpoint(acme, bouncer.url, ["csat.submitted"])
        with use_workspace(acme.id):
            webhooks.emit(acme, "csat.submitted", {"score": 1})
            db.session.commit()
        jobs()
        [row] = deliveries(acme)
        assert (row.status, row.response_code) == ("pending", 302)
        assert len(bouncer.received) == 1 and receiver.received == []
    finally:
        webhook_receiver.stop(bouncer)


def test_redeliver_sends_the_same_event_again(acme, private_ok, receiver, jobs):
    endpoint(acme, receiver.url, ["csat.submitted"])
    with use_workspace(acme.id):
        webhooks.emit(acme, "csat.submitted", {"score": 5})
        db.session.commit()
    jobs()
    [row] = deliveries(acme)
    with use_workspace(acme.id):
        again = webhook_delivery.redeliver(acme, row)
    assert again.status == "pending" and again.id != row.id
    jobs()
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["Helpport-Event-Id"] == second.headers["Helpport-Event-Id"]
    assert first.headers["Helpport-Delivery"] != second.headers["Helpport-Delivery"]


def test_another_workspace_never_receives_the_events(acme, globex, private_ok, receiver,
                                                     jobs):
    endpoint(globex, receiver.url)
    open_ticket(acme, make_contact(acme, "pat@customer.example"))
    with use_workspace(acme.id):
        webhooks.emit(acme, "csat.submitted", {"score": 5})
        db.session.commit()
    assert deliveries(acme) == [] and deliveries(globex) == []
    jobs()
    assert receiver.received == []
