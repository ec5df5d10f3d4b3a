"""Customer sessions: revocable rows behind an opaque token.

The web keeps the token in its own cookie (never in Flask's session, which staff
sign-in uses), the API sends it as a bearer token. Only a keyed digest is stored.
Idle and absolute lifetimes are enforced on every use.
"""

import math
from datetime import timedelta
from functools import lru_cache, wraps
from typing import NamedTuple

from flask import current_app, g, has_request_context, redirect, request, url_for
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.auth.tokens import digest, new_token
from portal.extensions import db
from portal.loaded_rows import as_loaded, columns_of
from portal.models import Account, Contact, CustomerSession, Workspace
from portal.models.base import utcnow
from portal.services import contacts
from portal.services.scoped import read_connection
from portal.tenancy import NoWorkspace, current_workspace_id, use_workspace

COOKIE = "helpport_customer"


PROOFS = ("email_code", "saml", "jwt")


def start(contact: Contact, kind: str = "web", proof: str = "email_code",
          lifetime: int | None = None,
          parent: CustomerSession | None = None) -> tuple[str, CustomerSession]:
    """A new session of `contact`; `proof` says how they proved who they are (PROOFS:
    the workspace picker lets only a mailbox proof cross to another workspace);
    `lifetime` (seconds) shortens the kind's own; a `parent` session, when revoked,
    revokes this one too, and it never outlives it."""
    if proof not in PROOFS:
        raise ValueError(f"unknown proof {proof!r}")
    cfg = current_app.config
    longest = cfg["API_TOKEN_SECONDS"] if kind == "api" else cfg["SESSION_ABSOLUTE_SECONDS"]
    lifetime = longest if lifetime is None else max(1, min(lifetime, longest))
    token = new_token()
    now = utcnow()
    expires_at = now + timedelta(seconds=lifetime)
    if parent is not None:  # nor beyond the moment it would idle out
        idle = timedelta(seconds=cfg["SESSION_IDLE_SECONDS"])
        expires_at = min(expires_at, parent.expires_at, parent.last_seen_at + idle)
    row = CustomerSession(
        workspace_id=contact.workspace_id,
        token_hash=digest(token),
        kind=kind,
        contact_id=contact.id,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
        proof=proof,
        user_agent=_user_agent(),
        parent_id=parent.id if parent is not None else None,
    )
    db.session.add(row)
    db.session.commit()
    return token, row


def seconds_left(row: CustomerSession) -> int:
    """How long a session just started (or any live one) has until it expires."""
    return max(0, math.ceil((row.expires_at - utcnow()).total_seconds()))


def _user_agent() -> str | None:
    """The browser or app that signs in, shown in the customer's list of sessions."""
    if not has_request_context():
        return None
    return (request.headers.get("User-Agent") or "")[:300] or None


@lru_cache(maxsize=2)
def _lookup(any_workspace: bool):
    """The session of a token digest with its contact, the contact's account (ticket
    creation and the organization's lists read it) and their Customer Admin membership
    (every signed-in page asks it): one Core statement, built once, that names its
    workspace itself (the guard is not asked: tests/unit/test_session_lookup.py). A bearer
    token names its workspace, so the API's variant reads the workspace row too."""
    sessions, contact_table, accounts = (CustomerSession.__table__, Contact.__table__,
                                         Account.__table__)
    joined = sessions.join(contact_table, and_(
        contact_table.c.id == sessions.c.contact_id,
        contact_table.c.workspace_id == sessions.c.workspace_id)).outerjoin(accounts, and_(
            accounts.c.id == contact_table.c.account_id,
            accounts.c.workspace_id == contact_table.c.workspace_id))
    columns = [*columns_of(CustomerSession)[0], *columns_of(Contact)[0],
               *columns_of(Account)[0], contacts.customer_admin_column()]
    stmt = select(*columns, *(columns_of(Workspace)[0] if any_workspace else ())).where(
        sessions.c.token_hash == bindparam("token_hash"), sessions.c.kind == bindparam("kind"))
    if any_workspace:
        workspace_table = Workspace.__table__
        return stmt.select_from(joined.join(
            workspace_table, workspace_table.c.id == sessions.c.workspace_id))
    return stmt.select_from(joined).where(sessions.c.workspace_id == bindparam("workspace_id"))


class Found(NamedTuple):
    """What `find` found: the session row (not checked yet: `live`), whether its contact is
    a Customer Admin, and with `any_workspace` the token's workspace."""

    row: CustomerSession
    is_admin: bool
    workspace: Workspace | None = None


def find(token: str | None, kind: str, *, any_workspace: bool = False) -> Found | None:
    """The session of `token` in the current workspace, or in any with `any_workspace`;
    None if unknown."""
    if not token or len(token) > 200:
        return None
    params = {"token_hash": digest(token), "kind": kind}
    if not any_workspace:
        params["workspace_id"] = current_workspace_id()
        if params["workspace_id"] is None:
            raise NoWorkspace("a customer session is looked up in the current workspace")
    row = read_connection().execute(_lookup(any_workspace), params).first()
    return None if row is None else _loaded(row)


def _loaded(row) -> Found:
    """The lookup's row as the session's objects (scoped.as_loaded), linked as their
    relationships would load them."""
    values, at = {}, 0
    for model in (CustomerSession, Contact, Account, None, Workspace):
        if model is None:  # the Customer Admin column
            is_admin, at = row[at], at + 1
            continue
        keys = columns_of(model)[1]
        if at + len(keys) > len(row):
            break  # the workspace columns: the API's variant only
        values[model] = dict(zip(keys, row[at:at + len(keys)], strict=True))
        at += len(keys)
    contact = as_loaded(Contact, values[Contact])
    account = as_loaded(Account, values[Account]) if values[Account]["id"] is not None else None
    set_committed_value(contact, "account", account)
    found = as_loaded(CustomerSession, values[CustomerSession])
    set_committed_value(found, "contact", contact)
    workspace = as_loaded(Workspace, values[Workspace]) if Workspace in values else None
    return Found(found, bool(is_admin), workspace)


def live(found, touch: bool = True) -> CustomerSession | None:
    """The session `find` found if it is still live, touching its idle clock (unless not
    `touch`); its contact's Customer Admin membership is then known for the request
    (contacts.is_customer_admin)."""
    if found is None:
        return None
    row, is_admin, _workspace = found
    if row.revoked_at is not None:
        return None
    now = utcnow()
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_SECONDS"])
    if row.expires_at <= now or (row.kind == "web" and row.last_seen_at + idle <= now):
        return None
    if not row.contact.active:
        return None
    contacts.note_customer_admin(row.contact, is_admin)
    if touch and (now - row.last_seen_at).total_seconds() > 60:
        row.last_seen_at = now
        db.session.commit()
    return row


def resolve(token: str | None, kind: str) -> CustomerSession | None:
    """The live session of `token` in the current workspace, touching its idle clock."""
    return live(find(token, kind))


def sign_in_web(response, contact: Contact, proof: str = "email_code") -> str:
    """Start a web session for `contact` on `response`, rotating the id: whatever session
    cookie the browser brought (a previous sign-in, or one planted by someone else, i.e.
    session fixation) is revoked, and a fresh random token is issued."""
    old = current_web_session()
    if old is not None:
        revoke(old)
    token, _row = start(contact, kind="web", proof=proof)
    g.customer_session = None
    set_cookie(response, token)
    return token


def revoke(row: CustomerSession) -> None:
    row.revoked_at = utcnow()
    revoke_children(row)
    db.session.commit()


def revoke_children(row: CustomerSession) -> None:
    """Revoke the sessions handed out from `row` (the Plug's tokens of a web session);
    the caller commits."""
    with use_workspace(row.workspace_id):
        db.session.execute(update(CustomerSession).where(
            CustomerSession.parent_id == row.id,
            CustomerSession.revoked_at.is_(None)).values(revoked_at=utcnow()))


def current_web_session() -> CustomerSession | None:
    if g.get("workspace_id") is None:
        return None
    if "customer_session" not in g:
        g.customer_session = resolve(request.cookies.get(cookie_name()), "web")
    return g.customer_session


def current_contact() -> Contact | None:
    row = current_web_session()
    return row.contact if row else None


def customer_required(view):
    """Portal pages for signed-in customers; others go to sign-in and come back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_contact() is None:
            return redirect(url_for("portal.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def cookie_name() -> str:
    """One cookie per workspace, so that signing in to one never signs out of another."""
    return f"{COOKIE}_{g.workspace_id}"


def set_cookie(response, token: str) -> None:
    cfg = current_app.config
    response.set_cookie(
        cookie_name(),
        token,
        max_age=cfg["SESSION_ABSOLUTE_SECONDS"],
        secure=cfg["COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )


def clear_cookie(response) -> None:
    response.delete_cookie(cookie_name(), path="/")
