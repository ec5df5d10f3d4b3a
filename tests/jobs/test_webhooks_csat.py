"""`csat.submitted`: a reporter's satisfaction answer reaches a webhook endpoint, signed,
with the ticket and the answer; a changed answer is a second event."""

import json

from portal.services import actors, satisfaction, timeline, webhooks
from portal.tenancy import use_workspace
from tests import webhook_receiver
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket


def test_an_answer_is_sent_to_the_endpoint(acme, private_ok, receiver, jobs):
    with use_workspace(acme.id):
        _row, secret = webhooks.create(acme, url=receiver.url, events=["csat.submitted"])
    pat = make_contact(acme, "pat@acme.example")
    agent = make_staff("agent@staff.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, pat, "Printer on fire")
    with use_workspace(acme.id):
        timeline.assign(ticket, actors.staff(agent), agent)
        timeline.set_stage(ticket, actors.staff(agent), "resolved")
    jobs()
    assert receiver.received == []  # only the answer is wanted, not the ticket's changes
    with use_workspace(acme.id):
        satisfaction.submit(acme, ticket.id, pat, "4", "Quick and kind")
    jobs()
    [got] = receiver.received
    assert webhook_receiver.signature_ok(got, secret)
    body = json.loads(got.body)
    assert body["event"] == "csat.submitted"
    assert body["data"]["ticket"]["number"] == ticket.number
    answer = body["data"]["satisfaction"]
    assert (answer["score"], answer["comment"]) == (4, "Quick and kind")
    assert answer["contact_id"] == pat.id and answer["agent_id"] == agent.id
    with use_workspace(acme.id):
        satisfaction.submit(acme, ticket.id, pat, "5", "")
    jobs()
    assert [json.loads(r.body)["data"]["satisfaction"]["score"]
            for r in receiver.received] == [4, 5]
