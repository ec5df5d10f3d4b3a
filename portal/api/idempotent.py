"""POSTs that accept an `Idempotency-Key` (rules in portal.services.idempotency), and
answers built before the commit.

    @operation(...)        # documents the header: it sees the `idempotent` mark
    @idempotent
    def create_ticket(slug):
        answer = FirstAnswer(lambda ticket: (201, ticket_detail(ticket), {...}))
        tickets.open_ticket(..., before_commit=answer)
        return answer.response()
"""

from functools import wraps

from flask import Response, current_app, g, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.services import idempotency

REPLAYED = "Idempotent-Replayed"


def principal() -> str:
    contact = g.get("contact")
    if contact is not None:
        return f"contact:{contact.id}"
    return f"staff:{current_user.id}"


def idempotent(view):
    """Replay the first answer to a request with the same key; run the view otherwise,
    with `g.idempotency` telling `FirstAnswer` where to record its answer."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.idempotency = None
        raw = request.headers.get(idempotency.HEADER)
        if raw is None:
            return view(*args, **kwargs)
        pending = idempotency.Pending(
            g.workspace_id, principal(), idempotency.checked_key(raw),
            idempotency.fingerprint(request.method, request.path, request.get_data()))
        stored = idempotency.begin(pending)
        if stored is None:
            g.idempotency = pending
            try:
                return view(*args, **kwargs)
            except IntegrityError:  # a request with the key committed first
                db.session.rollback()
                stored = idempotency.begin(pending)
                if stored is None:
                    raise
        return Response(stored.body, stored.status, {**stored.headers, REPLAYED: "true"},
                        mimetype="application/json")

    wrapper.idempotent = True
    return wrapper


class FirstAnswer:
    """A service's `before_commit`: builds the answer from the new row inside its
    transaction and records it under the request's key. `response()` then needs nothing
    from the database, so a committed write is answered whatever happens to the
    connection after the commit."""

    def __init__(self, build):
        self.build = build
        self.status, self.body, self.headers = 500, "", {}

    def __call__(self, created) -> None:
        self.status, body, self.headers = self.build(created)
        self.body = current_app.json.dumps(body) + "\n"
        idempotency.record(g.get("idempotency"), self.status, self.body, self.headers)

    def response(self) -> Response:
        return Response(self.body, self.status, self.headers, mimetype="application/json")
