"""Live ticket events over Server-Sent Events, read by a real HTTP client from a real
loopback server: a public comment arrives within 2 seconds, an internal note never does,
resuming works, and through real Redis the event crosses from one app instance to another.

The database poll is set to a minute in these tests, so an event that arrives in time was
carried by pub/sub (Redis, or the in-process stand-in without Redis)."""

import json
import time

import pytest
from sqlalchemy import select

from config import TestingConfig
from portal.extensions import db
from portal.models import Ticket
from portal.services import actors, timeline
from portal.tenancy import use_workspace
from tests.factories import api_token, make_contact, make_staff
from tests.live import SSEClient, events_path, quick_streams, serve
from tests.tickets_helpers import open_ticket

LIVE_WITHIN = 2.0


def staff_note_and_reply(ws, ticket_id, staff_user):
    with use_workspace(ws.id):
        ticket = db.session.get(Ticket, ticket_id)
        timeline.add_comment(ticket, actors.staff(staff_user), "SECRET internal note",
                             public=False)
        ticket = db.session.get(Ticket, ticket_id)
        return timeline.add_comment(ticket, actors.staff(staff_user), "Public answer")


def test_public_comment_arrives_live_and_internal_note_never(stream_server, acme):
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    agent = make_staff("agent@example.com", role="agent", workspace=acme)
    client = SSEClient(stream_server, events_path(acme, ticket.number), api_token(pat))
    try:
        assert client.response.status == 200
        assert client.response.getheader("Content-Type").startswith("text/event-stream")
        client.until("ready", LIVE_WITHIN)
        started = time.monotonic()
        comment = staff_note_and_reply(acme, ticket.id, agent)
        got = client.until("comment", LIVE_WITHIN)
        assert time.monotonic() - started < LIVE_WITHIN
        data = json.loads(got[-1]["data"])
        assert data["comment"]["id"] == comment.id and data["comment"]["body"] == "Public answer"
        assert data["comment"]["author"]["role"] == "support"
        later = client.drain(0.7)
        everything = json.dumps(got + later)
        assert "note" not in [e.get("event") for e in got + later]
        assert "SECRET" not in everything
        assert client.comments_seen, "heartbeat comments keep the connection alive"
    finally:
        client.close()


def test_stage_change_arrives_with_its_label(stream_server, acme):
    pat = make_contact(acme, "pat@customer.example", locale="de-DE")
    ticket = open_ticket(acme, pat)
    agent = make_staff("agent@example.com", role="agent", workspace=acme)
    client = SSEClient(stream_server, events_path(acme, ticket.number), api_token(pat))
    try:
        client.until("ready", LIVE_WITHIN)
        with use_workspace(acme.id):
            timeline.set_stage(db.session.get(Ticket, ticket.id),
                               actors.staff(agent), "resolved")
        data = json.loads(client.until("stage", LIVE_WITHIN)[-1]["data"])
        assert data["data"] == {"from": "open", "to": "resolved"}
        assert data["label"] == "Gelöst"  # in the contact's locale
    finally:
        client.close()


def test_resume_after_last_event_id_skips_notes(stream_server, acme):
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    agent = make_staff("agent@example.com", role="agent", workspace=acme)
    staff_note_and_reply(acme, ticket.id, agent)
    client = SSEClient(stream_server, events_path(acme, ticket.number), api_token(pat),
                       last_event_id="0")
    try:
        got = client.until("comment", LIVE_WITHIN)
        kinds = [e["event"] for e in got]
        assert kinds[:3] == ["ready", "created", "comment"], kinds
        ids = [int(e["id"]) for e in got[1:]]
        assert ids == sorted(ids)
        assert "SECRET" not in json.dumps(got + client.drain(0.5))
    finally:
        client.close()
    created_id = got[1]["id"]
    again = SSEClient(stream_server, events_path(acme, ticket.number), api_token(pat),
                      last_event_id=created_id)
    try:
        assert [e["event"] for e in again.until("comment", LIVE_WITHIN)] == ["ready", "comment"]
    finally:
        again.close()


def test_stream_ends_after_its_lifetime(app, stream_server, acme, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 1)
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    client = SSEClient(stream_server, events_path(acme, ticket.number), api_token(pat))
    try:
        got = client.until("end", 3)
        assert json.loads(got[-1]["data"]) == {"reason": "reconnect"}
        assert client.closed.wait(3), "the server closes the stream"
    finally:
        client.close()


def test_events_refuse_who_may_not_see(client, acme, globex):
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    colleague = make_contact(acme, "sam@customer.example")
    other = make_contact(globex, "pat@customer.example")
    path = events_path(acme, ticket.number)
    assert client.get(path).status_code == 401
    for token in (api_token(colleague), api_token(other)):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404 and response.is_json
    bad = client.get(path + "?after=x", headers={"Authorization": f"Bearer {api_token(pat)}"})
    assert bad.status_code == 422


def second_app(make_app, app, **overrides):
    class Config(TestingConfig):
        DATABASE_URL = app.config["DATABASE_URL"]
        REDIS_URL = app.config.get("REDIS_URL", "")
        OUTBOX_DIR = app.config["OUTBOX_DIR"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        BASE_URL = app.config["BASE_URL"]

    for key, value in overrides.items():
        setattr(Config, key, value)
    return make_app(Config)


def close_app(other):
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.redis
def test_comment_posted_on_one_instance_reaches_a_stream_on_another(
        app, make_app, stream_server, acme):
    """Instance A (the session app) serves the stream on a real socket; the comment is
    posted through instance B's API. Only Redis pub/sub connects them."""
    assert app.config["REDIS_URL"]
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    token = api_token(pat)
    other = second_app(make_app, app)
    try:
        stream = SSEClient(stream_server, events_path(acme, ticket.number), token)
        try:
            stream.until("ready", LIVE_WITHIN)
            started = time.monotonic()
            posted = other.test_client().post(
                f"/api/v1/workspaces/acme/tickets/{ticket.number}/comments",
                json={"body": "Sent through instance B"},
                headers={"Authorization": f"Bearer {token}"})
            assert posted.status_code == 201, posted.get_json()
            data = json.loads(stream.until("comment", LIVE_WITHIN)[-1]["data"])
            assert time.monotonic() - started < LIVE_WITHIN
            assert data["comment"]["body"] == "Sent through instance B"
        finally:
            stream.close()
    finally:
        close_app(other)


def test_live_updates_without_redis_use_the_in_process_stand_in(app, make_app, monkeypatch,
                                                                 acme):
    """The embedded default (no REDIS_URL) still delivers within one process."""
    import fakeredis

    from portal.extensions import redis_connection

    embedded = second_app(make_app, app, REDIS_URL="")
    quick_streams(embedded, monkeypatch)
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    token = api_token(pat)
    url, stop = serve(embedded)
    try:
        with embedded.app_context():
            assert isinstance(redis_connection(), fakeredis.FakeRedis | fakeredis.FakeStrictRedis)
        stream = SSEClient(url, events_path(acme, ticket.number), token)
        try:
            stream.until("ready", LIVE_WITHIN)
            posted = embedded.test_client().post(
                f"/api/v1/workspaces/acme/tickets/{ticket.number}/comments",
                json={"body": "Embedded"}, headers={"Authorization": f"Bearer {token}"})
            assert posted.status_code == 201
            data = json.loads(stream.until("comment", LIVE_WITHIN)[-1]["data"])
            assert data["comment"]["body"] == "Embedded"
        finally:
            stream.close()
    finally:
        stop()
        close_app(embedded)


# -- internal activity leaves no trace in a customer's stream -----------------------------

def staff_api_note(app, ws, number, body="SECRET internal note"):
    """An agent adds an internal note through the staff API (FAB JWT login)."""
    from tests.admin.conftest import PASSWORD, jwt_token, new_client

    make_staff("agent@example.com", PASSWORD, "agent", ws)
    staff_client = new_client(app)
    headers = {"Authorization": f"Bearer {jwt_token(staff_client, 'agent@example.com')}",
               "X-Workspace": ws.slug}
    response = staff_client.post(f"/api/v1/ticket/{number}/comments",
                                 json={"body": body, "internal": True}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["result"]["id"]


def ready_frame(base_url, path, token, last_event_id=None) -> dict:
    client = SSEClient(base_url, path, token, last_event_id=last_event_id)
    try:
        return client.until("ready", LIVE_WITHIN)[-1]
    finally:
        client.close()


def event_ids(ws, ticket_id) -> dict[str, int]:
    from portal.models import TicketEvent

    with use_workspace(ws.id):
        rows = db.session.execute(select(TicketEvent.kind, TicketEvent.id)
                                  .where(TicketEvent.ticket_id == ticket_id)).all()
    db.session.rollback()
    return dict(rows)


def test_ready_frame_does_not_move_for_an_internal_note(app, stream_server, acme):
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    token, path = api_token(pat), events_path(acme, ticket.number)
    before = ready_frame(stream_server, path, token)
    staff_api_note(app, acme, ticket.number)
    after = ready_frame(stream_server, path, token)
    ids = event_ids(acme, ticket.id)
    assert ids["note"] > ids["created"]
    assert before["id"] == after["id"] == str(ids["created"])
    assert json.loads(after["data"]) == {"last_event_id": ids["created"]}


def test_resuming_after_an_internal_note_shows_only_public_ids(app, stream_server, acme):
    """Resuming from the last id the customer saw: the note neither arrives nor moves the
    position; the next public reply is the first frame, with its own id."""
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    token, path = api_token(pat), events_path(acme, ticket.number)
    seen = ready_frame(stream_server, path, token)["id"]
    staff_api_note(app, acme, ticket.number)
    stream = SSEClient(stream_server, path, token, last_event_id=seen)
    try:
        ready = stream.until("ready", LIVE_WITHIN)[-1]
        assert ready["id"] == seen
        assert stream.drain(0.7) == []
        with use_workspace(acme.id):
            reply = timeline.add_comment(db.session.get(Ticket, ticket.id),
                                         actors.customer(pat), "Any news?")
        got = stream.until("comment", LIVE_WITHIN)
    finally:
        stream.close()
    ids = event_ids(acme, ticket.id)
    assert [(e["event"], e["id"]) for e in got] == [("comment", str(ids["comment"]))]
    assert json.loads(got[0]["data"])["comment"]["id"] == reply.id


def test_staff_stream_starts_after_the_newest_event_notes_included(app, acme):
    """The service keeps the full view for staff: their stream starts after the note."""
    from portal.services import ticket_stream

    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    agent = make_staff("agent@example.com", role="agent", workspace=acme)
    with use_workspace(acme.id):
        timeline.add_comment(db.session.get(Ticket, ticket.id), actors.staff(agent), "note",
                             public=False)
    ids = event_ids(acme, ticket.id)
    for viewer, expected in ((actors.staff(agent), ids["note"]),
                             (actors.customer(pat), ids["created"])):
        frames = ticket_stream.stream(acme.id, ticket.id, viewer)
        assert next(frames).startswith("retry:")
        assert next(frames).startswith(f"id: {expected}\nevent: ready\n")
        frames.close()
