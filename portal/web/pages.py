"""Portal pages: the demo outbox, and the open tickets on the workspace home (the home
view itself is in portal/web/kb.py).

The outbox pages let someone trying the embedded demo read their sign-in code in the
browser. They exist only when no SMTP server is configured and the environment is
development; everywhere else they are a 404, because they show every workspace's mail.
"""

from flask import abort, render_template
from flask_babel import gettext as _

from portal.models.ticket import OPEN_STAGES
from portal.services import outbox_reader, tickets
from portal.web import demo_outbox_enabled, root

OUTBOX_PAGE_SIZE = 30
HOME_TICKETS = 5  # open tickets on the home page; the rest are on the ticket list


def open_tickets(ws, contact) -> list | None:
    """The signed-in customer's open tickets for the home page, most recently changed first,
    listed by the same service (and visibility rules) as their ticket list; None when
    nobody is signed in or the workspace has tickets off."""
    if contact is None or not tickets.tickets_enabled(ws):
        return None
    query = tickets.ListQuery(scope="mine", stages=OPEN_STAGES, sort="updated",
                              limit=HOME_TICKETS)
    return tickets.list_for_customer(ws, contact, query).items


def status_label(row) -> str:
    labels = {"sent": _("sent"), "failed": _("failed"), "pending": _("waiting")}
    return labels[outbox_reader.status(row)]


@root.get("/outbox")
def outbox():
    if not demo_outbox_enabled():
        abort(404)
    rows = outbox_reader.newest(OUTBOX_PAGE_SIZE)
    return render_template("outbox/list.html", title=_("Demo outbox"), messages=rows,
                           status_of=status_label)


@root.get("/outbox/<id:message_id>")
def outbox_message(message_id: int):
    if not demo_outbox_enabled():
        abort(404)
    row = outbox_reader.one(message_id)
    if row is None:
        abort(404)
    return render_template("outbox/message.html", title=row.subject, message=row,
                           status=status_label(row))
