"""Real loopback servers for tests that need a real HTTP client (live event streams, the
schemathesis fuzzers): the session's app served from a thread, and a client that reads
Server-Sent Events. Registered as a plugin by tests/conftest.py, so its fixtures
(`stream_server`, `fuzz_server`) are there for every test."""

import http.client
import queue
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def serve(app):
    """Run `app` on 127.0.0.1 in a thread; returns (base url, stop)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


def quick_streams(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_HEARTBEAT_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 10)
    monkeypatch.setitem(app.config, "LIVE_POLL_SECONDS", 60)


@pytest.fixture
def stream_server(app, monkeypatch):
    """The session's app on a loopback port, with live streams that beat every 0.5 s."""
    quick_streams(app, monkeypatch)
    url, stop = serve(app)
    yield url
    stop()


class SSEClient:
    """A plain HTTP client that parses the stream into (event, id, data) in a thread."""

    def __init__(self, base_url: str, path: str, token: str, last_event_id: str | None = None):
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        self.events: queue.Queue = queue.Queue()
        self.comments_seen: list[str] = []
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        current: dict = {}
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line == "":
                    if "data" in current:  # a `retry:` block alone dispatches nothing
                        self.events.put(current)
                    current = {}
                elif line.startswith(":"):
                    self.comments_seen.append(line)
                else:
                    name, _sep, value = line.partition(": ")
                    current[name] = value
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()

    def until(self, kind: str, timeout: float) -> list[dict]:
        """Every event up to and including the first `kind`; fails after `timeout`."""
        seen, deadline = [], time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                event = self.events.get(timeout=max(0.01, left))
            except queue.Empty:
                raise AssertionError(f"no {kind!r} event within {timeout}s; got {seen}") from None
            seen.append(event)
            if event.get("event") == kind:
                return seen
            if left <= 0:
                raise AssertionError(f"no {kind!r} event within {timeout}s; got {seen}")

    def drain(self, seconds: float) -> list[dict]:
        time.sleep(seconds)
        found = []
        while not self.events.empty():
            found.append(self.events.get_nowait())
        return found

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.conn.close()


def events_path(ws, number):
    return f"/api/v1/workspaces/{ws.slug}/tickets/{number}/events"


@pytest.fixture
def fuzz_server(app, monkeypatch):
    """The session's app on a loopback port for a fuzzer: sign-in and question limits raised (429 is
    documented, but limits would stop the fuzzer from reaching the views), live streams
    ending after half a second."""
    for key in ("OTP_SEND_LIMIT", "OTP_SEND_LIMIT_PER_ADDRESS", "OTP_VERIFY_LIMIT",
                "JWT_HANDOFF_LIMIT", "JWT_EXCHANGE_LIMIT", "ANSWERS_LIMIT_PER_ADDRESS"):
        monkeypatch.setitem(app.config, key, "100000 per minute")
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.5)  # SSE streams end quickly
    url, stop = serve(app)
    yield url
    stop()
