"""The satisfaction survey of a resolved ticket over the customer API (mobile apps): `GET`
the bearer token's contact's answer, `PUT` to give or change it. Same service and rules as
the portal (portal.services.satisfaction): only the reporters asked may answer, once per
ticket, changeable for 7 days. A ticket the contact may not see is 404."""

from flask import g, jsonify

from portal.api import bp
from portal.api.tickets import BASE, NO_TICKET, SECURED, _ticket, ticket_api
from portal.schemas import customer_satisfaction as s
from portal.schemas import customer_tickets as ts
from portal.schemas.openapi import Answer, errors, operation
from portal.services import satisfaction

PATH = f"{BASE}/tickets/<int:number>/satisfaction"


@bp.get(PATH)
@ticket_api
@operation("getSatisfaction", "The caller's satisfaction answer about the ticket",
           path=ts.TicketPath, not_found=NO_TICKET,
           answers={200: Answer("The answer (asked false: not asked)", s.Satisfaction)},
           errors=errors(s.ERRORS, 401, 404), **SECURED)
def get_satisfaction(slug, number):
    ticket = _ticket(number)
    return jsonify(satisfaction.to_json(
        satisfaction.for_reporter(g.workspace, ticket, g.contact)))


@bp.put(PATH)
@ticket_api
@operation("putSatisfaction", "Give or change the caller's satisfaction answer (1 to 5)",
           path=ts.TicketPath, not_found=NO_TICKET, body=s.NewAnswer,
           answers={200: Answer("The answer", s.Satisfaction)},
           errors=errors(s.ERRORS, *ts.BODY_ERRORS, 401, 403, 404, 409, 422), **SECURED)
def put_satisfaction(slug, number, body):
    ticket = _ticket(number)
    satisfaction.submit(g.workspace, ticket.id, g.contact, body["score"], body.get("comment"))
    return jsonify(satisfaction.to_json(
        satisfaction.for_reporter(g.workspace, ticket, g.contact)))
