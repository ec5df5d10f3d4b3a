"""Deleting a ticket for good (spam, a ticket opened by mistake, a data-removal request):
its comments and internal notes, history, attachments (rows and stored files), pending
notifications and reporters go with it, in one transaction. Only staff act here, and the
admin pages and staff API allow it to workspace admins alone (portal/admin/roles.py).
Ticket numbers are never reused: the workspace's counter is left as it is."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import Attachment, Comment, Ticket, TicketEvent, TicketNotification
from portal.models.ticket import ticket_reporters
from portal.services import attachments, live
from portal.services.actors import Actor
from portal.services.errors import Forbidden
from portal.storage import get_storage
from portal.tenancy import use_workspace


def delete_ticket(ticket: Ticket, actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden(_("Only staff may delete tickets."))
    ws_id, ticket_id, number = ticket.workspace_id, ticket.id, ticket.number
    with use_workspace(ws_id):
        files = [attachments.file_key(att) for att in db.session.scalars(
            select(Attachment).where(Attachment.workspace_id == ws_id,
                                     Attachment.ticket_id == ticket_id))]
        # children first: SQLite does not enforce the schema's ON DELETE CASCADE
        for model in (TicketNotification, Attachment, TicketEvent, Comment):
            db.session.execute(delete(model).where(model.workspace_id == ws_id,
                                                   model.ticket_id == ticket_id))
        db.session.execute(delete(ticket_reporters).where(
            ticket_reporters.c.ticket_id == ticket_id))
        db.session.execute(delete(Ticket).where(Ticket.workspace_id == ws_id,
                                                Ticket.id == ticket_id))
        db.session.expunge(ticket)
        live.announce(db.session, ws_id, ticket_id)  # open streams end ("gone")
        db.session.commit()
    storage = get_storage()
    for key in files:  # after the commit: a failed delete above keeps its files
        storage.delete(key)  # logs what it cannot remove
    current_app.logger.info("ticket %s #%s deleted by %s", ws_id, number, actor.name)
