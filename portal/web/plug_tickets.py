"""The Plug on the portal's own pages (issue 15, section 1): the signed-in customer's open
tickets, read with the portal's session cookie, so only on the portal's own origin (the
answer carries no CORS header: another site's page cannot read it).

`GET /<locale>/<workspace>/plug/tickets.json` answers `{"signed_in": false}` to a visitor,
else `{"signed_in": true, "new_ticket": url, "tickets": [{"number", "title", "stage",
"stage_label", "url"}]}` with their open tickets, newest first. Live updates are not in
the panel yet: each ticket links to its page, which has them."""

from flask import g, jsonify, url_for

from portal.auth.sessions import current_contact
from portal.labels import stage_label
from portal.models.ticket import OPEN_STAGES
from portal.services import tickets
from portal.web import bp

LIMIT = 10


@bp.get("/plug/tickets.json")
def plug_tickets():
    ws = g.workspace
    contact = current_contact()
    if contact is None or not tickets.tickets_enabled(ws):
        response = jsonify(signed_in=False)
    else:
        page = tickets.list_for_customer(ws, contact, tickets.ListQuery(
            stages=OPEN_STAGES, limit=LIMIT))
        response = jsonify(signed_in=True, new_ticket=url_for(".new_ticket"), tickets=[
            {"number": t.display_number, "title": t.title, "stage": t.stage,
             "stage_label": str(stage_label(t.stage)),
             "url": url_for(".ticket", number=t.number)} for t in page.items])
    response.headers["Cache-Control"] = "private, no-store"
    return response
