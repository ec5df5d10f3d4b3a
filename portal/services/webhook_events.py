"""What the ticket, comment and article services tell webhooks, and the `data` of each event.

Each hook is called where its change is written, inside that change's transaction (see
portal.services.webhooks: the delivery rows commit or roll back with it). The data is built
only when an endpoint wants the event. An internal note, and the event that records it,
never produces a delivery: `ticket_event` ignores note events, and a comment event only
becomes `comment.created` when the comment itself is public.
"""

from portal.extensions import db
from portal.models import Article, Comment, Ticket, TicketEvent, Workspace
from portal.services import webhooks, workspaces


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_data(ws: Workspace, ticket: Ticket) -> dict:
    return {
        "id": ticket.id, "number": ticket.number, "title": ticket.title,
        "description": ticket.description, "stage": ticket.stage,
        "priority": ticket.priority, "category": ticket.category,
        "custom_fields": ticket.custom_fields or {},
        "account": ({"id": ticket.account.id, "name": ticket.account.name}
                    if ticket.account_id and ticket.account else None),
        "reporters": [{"id": c.id, "email": c.email, "name": c.name}
                      for c in ticket.reporters],
        "assignee_id": ticket.assignee_id,
        "created_at": _when(ticket.created_at), "updated_at": _when(ticket.updated_at),
        "resolved_at": _when(ticket.resolved_at), "closed_at": _when(ticket.closed_at),
        "url": f"{workspaces.public_base(ws)}/{ws.default_locale}/{ws.slug}/tickets/"
               f"{ticket.number}",
    }


def _workspace(workspace_id: int) -> Workspace:
    return db.session.get(Workspace, workspace_id)


def ticket_created(ticket: Ticket) -> None:
    ws = _workspace(ticket.workspace_id)
    webhooks.emit(ws, "ticket.created", lambda: {"ticket": ticket_data(ws, ticket)})


def ticket_event(ticket: Ticket, ev: TicketEvent) -> None:
    """A recorded change of a ticket (portal.services.timeline.record)."""
    if ev.kind == "note":
        return  # an internal note never leaves
    ws = _workspace(ticket.workspace_id)
    if ev.kind == "comment":
        comment = db.session.get(Comment, (ev.data or {}).get("comment_id"))
        if not ev.public or comment is None or not comment.public:
            return
        webhooks.emit(ws, "comment.created", lambda: {
            "ticket": ticket_data(ws, ticket),
            "comment": {"id": comment.id, "body": comment.body,
                        "author": {"name": comment.author_name,
                                   "kind": "staff" if comment.author_staff_id else "customer",
                                   "contact_id": comment.author_contact_id},
                        "created_at": _when(comment.created_at)}})
        return
    webhooks.emit(ws, "ticket.updated", lambda: {
        "ticket": ticket_data(ws, ticket),
        "change": {"kind": ev.kind, **(ev.data or {}), "actor": ev.actor,
                   "at": _when(ev.created_at)}})


def article_published(ws: Workspace, article: Article) -> None:
    """A save that made `article` published (it was new, a draft, or unpublished)."""

    def data() -> dict:
        tr = article.translation(ws.default_locale, ws.default_locale)
        return {"article": {
            "id": article.id, "slug": article.slug, "kind": article.kind,
            "title": tr.title if tr else "", "description": tr.description if tr else "",
            "audience": article.audience, "directory_id": article.directory_id,
            "locales": sorted(t.locale for t in article.translations),
            "published_at": _when(article.published_at),
            "updated_at": _when(article.updated_at),
            "url": f"{workspaces.public_base(ws)}/{ws.default_locale}/{ws.slug}/articles/"
                   f"{article.slug}"}}

    webhooks.emit(ws, "article.published", data)


def csat_submitted(ws: Workspace, answer) -> None:
    """A satisfaction answer given or changed (portal.services.satisfaction)."""
    def data() -> dict:
        ticket = db.session.get(Ticket, answer.ticket_id)
        return {"ticket": ticket_data(ws, ticket),
                "satisfaction": {"id": answer.id, "contact_id": answer.contact_id,
                                 "agent_id": answer.agent_id, "score": answer.score,
                                 "comment": answer.comment,
                                 "answered_at": _when(answer.answered_at),
                                 "updated_at": _when(answer.updated_at)}}
    webhooks.emit(ws, "csat.submitted", data)
