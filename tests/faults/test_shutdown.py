"""SIGTERM ends live streams at once (issue 9, parts 4 and 7).

A real gunicorn started with the repository's gunicorn.conf.py serves a migrated SQLite
database with a ticket. A customer's live-event stream is open and a reply is in flight
(its body half sent) when the master gets SIGTERM: the stream receives `event: end` within
2 seconds, the reply then completes (201), and gunicorn exits in a few seconds, not after
its graceful_timeout. The in-process test checks the same flag without gunicorn.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from config import ROOT
from portal import shutdown
from portal.services import live
from tests.factories import api_token, make_contact
from tests.live import SSEClient, events_path
from tests.served import GUNICORN, free_port, seeded_site
from tests.tickets_helpers import open_ticket

END_WITHIN = 2.0
EXIT_WITHIN = 6.0  # gunicorn.conf.py's graceful_timeout is 15 s


@pytest.fixture
def seeded(make_app, template, tmp_path):
    """A migrated SQLite file with workspace acme, a customer's ticket and API token."""
    return seeded_site(make_app, template, tmp_path, "shutdown")


@pytest.fixture
def gunicorn(seeded, tmp_path):
    env, number, token = seeded
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w+")
    proc = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                             "-w", "1", "--threads", "4"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    started = time.monotonic()
    while True:
        assert proc.poll() is None, f"gunicorn exited:\n{_tail(log)}"
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, f"gunicorn did not answer:\n{_tail(log)}"
        time.sleep(0.2)
    print(f"\ngunicorn answered after {time.monotonic() - started:.1f} s")
    yield proc, base, number, token, log
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    log.close()


def _tail(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-3000:]


def start_reply(port: int, number: int, token: str) -> tuple[socket.socket, bytes]:
    """A reply whose headers and first half of body are sent: in flight until the rest is."""
    body = json.dumps({"body": "Sent while the server shuts down."}).encode()
    head = (f"POST /api/v1/workspaces/acme/tickets/{number}/comments HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    half = len(body) // 2
    sock.sendall(head + body[:half])
    return sock, body[half:]


def finish_reply(sock: socket.socket, rest: bytes) -> str:
    sock.sendall(rest)
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    return answer.decode("utf-8", "replace")


def test_sigterm_ends_streams_at_once_and_finishes_requests(gunicorn):
    proc, base, number, token, log = gunicorn
    port = int(base.rsplit(":", 1)[1])
    stream = SSEClient(base, f"/api/v1/workspaces/acme/tickets/{number}/events", token)
    try:
        assert stream.response.status == 200
        stream.until("ready", 10)
        sock, rest = start_reply(port, number, token)
        time.sleep(0.5)  # the worker has taken the reply and waits for its body
        signalled = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        end = stream.until("end", END_WITHIN)[-1]
        ended_after = time.monotonic() - signalled
        assert json.loads(end["data"]) == {"reason": "reconnect"}
        # gunicorn keeps a finished keep-alive connection 2 s more while it stops
        assert stream.closed.wait(EXIT_WITHIN), "the server closes the stream's connection"
        reply = finish_reply(sock, rest)
        assert reply.startswith("HTTP/1.1 201"), reply[:300]
        assert "Sent while the server shuts down." in reply
        proc.wait(timeout=EXIT_WITHIN + 10)
        exited_after = time.monotonic() - signalled
    finally:
        stream.close()
    print(f"\nSIGTERM -> end event {ended_after:.2f} s, -> gunicorn exited {exited_after:.2f} s")
    assert exited_after < EXIT_WITHIN, _tail(log)
    assert proc.returncode == 0, _tail(log)


@pytest.mark.parametrize("redis_down", [False, True], ids=["pubsub", "polling"])
def test_a_stream_ends_when_the_process_starts_draining(stream_server, acme, redis_down,
                                                        monkeypatch):
    if redis_down:  # the stream polls the database, sleeping between polls
        monkeypatch.setattr(live, "subscribe", lambda *a: (_ for _ in ()).throw(OSError()))
    pat = make_contact(acme, "pat@customer.example")
    ticket = open_ticket(acme, pat)
    client = SSEClient(stream_server, events_path(acme, ticket.number), api_token(pat))
    try:
        client.until("ready", 2)
        started = time.monotonic()
        shutdown.draining.set()
        end = client.until("end", 1.0)[-1]
        assert time.monotonic() - started < 1.0
        assert json.loads(end["data"]) == {"reason": "reconnect"}
    finally:
        shutdown.draining.clear()
        client.close()


def test_the_sigterm_hook_sets_the_flag_then_runs_the_server_handler():
    seen = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(
        (signum, shutdown.draining.is_set())))
    try:
        shutdown.drain_on_sigterm()
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 2
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        assert seen == [(signal.SIGTERM, True)]  # the flag first, then gunicorn's handler
    finally:
        signal.signal(signal.SIGTERM, before)
        shutdown.draining.clear()
