"""A real HTTP server on 127.0.0.1 that receives webhook deliveries (tests): it keeps each
request (path, headers, body) and answers the statuses it is told, in order (the last one
for every further request)."""

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    statuses: list = field(default_factory=lambda: [200])
    received: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/helpport"

    def answer(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def start(statuses=(200,), location=None) -> Receiver:
    receiver = Receiver(statuses=list(statuses))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.received.append(Received(self.path, dict(self.headers), body))
            status = receiver.answer()
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            text = b"ok" if status < 300 else b"receiver says no"
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args):
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop(receiver: Receiver) -> None:
    receiver.server.shutdown()
    receiver.server.server_close()


def signature_ok(request: Received, secret: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    timestamp = request.headers["Helpport-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + request.body,
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["Helpport-Signature"])
