"""Webhooks (issue 15, part 5): a workspace's admins register endpoints (a URL, the events
it wants, a secret), and every such event becomes one delivery row per endpoint.

Outbox pattern, as for email (portal.services.outbox): `emit` writes the delivery rows in
the transaction of the change that causes them, and only once that transaction commits is
a delivery job enqueued (portal.aftercommit); a rollback (of the whole transaction or of
the savepoint they were written in) forgets them. So an event is never sent for a change
that did not happen, and never lost when the queue is down (the sweep finds the rows).
Sending, retries and signatures: portal.services.webhook_delivery.

Events: `ticket.created`, `ticket.updated` (stage, priority, assignee, reporters),
`comment.created` (public comments only: an internal note never leaves the portal),
`article.published` (a save that makes an article published), and `csat.submitted`, which
the satisfaction survey emits with `emit(ws, "csat.submitted", data)`.

Targets on loopback or private networks are refused unless the operator sets
WEBHOOKS_ALLOW_PRIVATE; checked when an endpoint is saved and again at every delivery.
"""

import json
import secrets
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal.aftercommit import after_commit
from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint, Workspace
from portal.models.base import utcnow
from portal.services import outbound, scoped
from portal.services.errors import Invalid, NotFound

EVENTS = {
    "ticket.created": _l("A ticket is opened"),
    "ticket.updated": _l("A ticket's stage, priority, assignee or reporters change"),
    "comment.created": _l("A public comment is added to a ticket (never internal notes)"),
    "article.published": _l("An article is published"),
    "csat.submitted": _l("A customer answers a satisfaction survey"),
}
URL_MAX = 2000
DESCRIPTION_MAX = 200
ENDPOINTS_MAX = 20  # per workspace
SECRET_PREFIX = "whsec_"
DELIVERY = "helpport_webhook_delivery"  # app.extensions: how a committed row is queued


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def allow_private() -> bool:
    return bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"])


def check_url(url) -> str:
    """`url` as stored, or Invalid: http(s), a host, no user name or password in it, and
    (unless WEBHOOKS_ALLOW_PRIVATE) a host whose every address is public."""
    url = url.strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise Invalid(_("Enter a valid URL."), field="url") from None
    if not url or len(url) > URL_MAX or parts.scheme not in ("http", "https") or not host \
            or any(c.isspace() or ord(c) < 32 for c in url):
        raise Invalid(_("Enter a URL that starts with https:// or http://."), field="url")
    if parts.username is not None or parts.password is not None:
        raise Invalid(_("The URL must not contain a user name or password."), field="url")
    if not allow_private() and outbound.inside(host, port or (443 if parts.scheme == "https"
                                                               else 80)):
        raise Invalid(_("The URL must be on the public internet (not this server or a "
                        "private network)."), field="url")
    return url


def check_events(events) -> list[str]:
    if not isinstance(events, list | tuple) or not events \
            or any(not isinstance(e, str) or e not in EVENTS for e in events):
        raise Invalid(_("Choose at least one event."), field="events")
    return [e for e in EVENTS if e in events]  # in the usual order, once each


def _description(text) -> str:
    text = text.strip() if isinstance(text, str) else ""
    if len(text) > DESCRIPTION_MAX or any(ord(c) < 32 for c in text):
        raise Invalid(_("The description is too long."), field="description")
    return text


def listing(ws: Workspace) -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == ws.id).order_by(WebhookEndpoint.id)))


def get(ws: Workspace, endpoint_id) -> WebhookEndpoint:
    found = scoped.by_id(WebhookEndpoint, ws, endpoint_id)
    if found is None:
        raise NotFound(_("No such webhook."))
    return found


def create(ws: Workspace, *, url, events, active=True, description="") -> tuple[
        WebhookEndpoint, str]:
    """A new endpoint and its secret (shown to the admin this once); commits."""
    if len(listing(ws)) >= ENDPOINTS_MAX:
        raise Invalid(_("At most %(count)d webhooks per workspace.", count=ENDPOINTS_MAX),
                      field="url")
    row = WebhookEndpoint(workspace_id=ws.id, url=check_url(url), events=check_events(events),
                          active=bool(active), description=_description(description),
                          secret=new_secret())
    db.session.add(row)
    _refresh_events(ws)
    db.session.commit()
    return row, row.secret


def update(ws: Workspace, row: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """Change the fields given (url, events, active, description); commits."""
    if "url" in fields:
        row.url = check_url(fields["url"])
    if "events" in fields:
        row.events = check_events(fields["events"])
    if "active" in fields:
        row.active = bool(fields["active"])
    if "description" in fields:
        row.description = _description(fields["description"])
    row.updated_at = utcnow()
    _refresh_events(ws)
    db.session.commit()
    return row


def regenerate_secret(ws: Workspace, row: WebhookEndpoint) -> str:
    """A new secret (deliveries from now on are signed with it); commits."""
    row.secret = new_secret()
    row.updated_at = utcnow()
    db.session.commit()
    return row.secret


def remove(ws: Workspace, row: WebhookEndpoint) -> None:
    """The endpoint and its deliveries (pending ones are never sent)."""
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.workspace_id == ws.id,
                                                     WebhookDelivery.endpoint_id == row.id))
    db.session.delete(row)
    _refresh_events(ws)
    db.session.commit()


def _refresh_events(ws: Workspace) -> None:
    """`ws.webhook_events` as the endpoints now are (read after this transaction's own
    changes), so that `emit` needs no query for an event no endpoint wants."""
    db.session.flush()
    wanted = set()
    for active, events in db.session.execute(select(
            WebhookEndpoint.active, WebhookEndpoint.events).where(
            WebhookEndpoint.workspace_id == ws.id)):
        if active:
            wanted.update(events or ())
    row = db.session.get(Workspace, ws.id)
    row.webhook_events = [e for e in EVENTS if e in wanted]


def to_json(row: WebhookEndpoint) -> dict:
    return {"id": row.id, "url": row.url, "events": list(row.events or []),
            "active": row.active, "description": row.description,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def _subscribed(ws_id: int, event: str) -> list[int]:
    rows = db.session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        WebhookEndpoint.workspace_id == ws_id, WebhookEndpoint.active.is_(True)))
    return [endpoint_id for endpoint_id, events in rows if event in (events or ())]


def emit(ws: Workspace, event: str, data: dict | Callable[[], dict]) -> list[WebhookDelivery]:
    """Write `event` for every active endpoint of `ws` that wants it, in the current
    transaction; each is queued once that commits. `data` (or what calling it returns: it is
    only built when some endpoint wants the event) is the event's `data` object. `ws` as
    read in this request or job: its `webhook_events` says whether any endpoint wants it."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if event not in (ws.webhook_events or ()):
        return []  # no active endpoint wants it: not even a query
    endpoint_ids = _subscribed(ws.id, event)
    if not endpoint_ids:
        return []
    now = utcnow()
    event_id = uuid.uuid4().hex
    body = json.dumps({"id": event_id, "event": event, "created_at": now.isoformat(),
                       "workspace": {"id": ws.id, "slug": ws.slug},
                       "data": data() if callable(data) else data},
                      ensure_ascii=False, separators=(",", ":"), default=str)
    rows = [WebhookDelivery(workspace_id=ws.id, endpoint_id=endpoint_id, event=event,
                            event_id=event_id, payload=body, status="pending",
                            created_at=now, next_attempt_at=now)
            for endpoint_id in endpoint_ids]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        queue_after_commit(row.id)
    return rows


def queue_after_commit(delivery_id: int) -> None:
    """Queue delivery row `delivery_id` once the current transaction commits."""
    after_commit(db.session, _enqueue, delivery_id)


def _enqueue(delivery_id: int) -> None:
    """portal.jobs registers how (`DELIVERY`): the services never import the jobs."""
    current_app.extensions[DELIVERY](delivery_id)
