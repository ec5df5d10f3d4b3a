"""POSTs that accept an `Idempotency-Key` (rules in portal.services.idempotency), and
answers built before the commit. API views take the key from the header; portal forms
carry one in a hidden `idempotency_key` field (a fresh one each time a form is shown), so
that a double click or a resubmitted form after a lost answer creates nothing twice.

    @operation(...)        # documents the header: it sees the `idempotent` mark
    @idempotent
    def create_ticket(slug):
        answer = FirstAnswer(lambda ticket: (201, ticket_detail(ticket), {...}))
        tickets.open_ticket(..., before_commit=answer)
        return answer.response()
"""

from functools import wraps

from flask import Response, abort, current_app, g, redirect, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.auth.staff_sessions import api_user
from portal.extensions import db
from portal.services import idempotency

REPLAYED = "Idempotent-Replayed"


def principal(contact=None) -> str:
    """Who the key belongs to: the signed-in contact, or the staff user (JWT or browser)."""
    contact = contact or g.get("contact")
    if contact is not None:
        return f"contact:{contact.id}"
    return f"staff:{(api_user() or current_user).id}"


def once(pending: idempotency.Pending, run):
    """`run()` unless a request with the same key was answered: then its stored row.
    Returns (response or None, stored row or None)."""
    stored = idempotency.begin(pending)
    if stored is None:
        g.idempotency = pending
        try:
            return run(), None
        except IntegrityError:  # a request with the key committed first
            db.session.rollback()
            stored = idempotency.begin(pending)
            if stored is None:
                raise
    return None, stored


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
        response, stored = once(pending, lambda: view(*args, **kwargs))
        if stored is None:
            return response
        return Response(stored.body, stored.status, {**stored.headers, REPLAYED: "true"},
                        mimetype="application/json")

    wrapper.idempotent = True
    return wrapper


FORM_FIELD = "idempotency_key"


def idempotent_form(view):
    """A portal form's POST: a key seen before redirects where its first answer did.
    The form's body is not compared (each upload has other multipart boundaries): a key
    belongs to one shown form. A malformed key is ignored; one in flight is 409."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.idempotency = None
        raw = request.form.get(FORM_FIELD) or ""
        if not idempotency.KEY.match(raw):
            return view(*args, **kwargs)
        from portal.auth.sessions import current_contact

        pending = idempotency.Pending(g.workspace_id, principal(current_contact()), raw,
                                      idempotency.fingerprint(request.method, request.path, b""))
        try:
            response, stored = once(pending, lambda: view(*args, **kwargs))
        except (idempotency.KeyInProgress, idempotency.KeyReused) as exc:
            abort(exc.status)
        return response if stored is None else redirect(stored.headers["Location"], stored.status)

    return wrapper


def record_redirect(location: str) -> None:
    """A portal form's answer, in its transaction (see `FirstAnswer`)."""
    idempotency.record(g.get("idempotency"), 302, "", {"Location": location})


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
