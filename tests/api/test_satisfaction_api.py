"""The satisfaction survey over the customer API: GET and PUT
/api/v1/workspaces/<slug>/tickets/<number>/satisfaction for the bearer token's contact."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import SatisfactionAnswer
from portal.services import actors, timeline
from portal.tenancy import use_workspace
from tests.factories import api_token, make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket

URL = "/api/v1/workspaces/acme/tickets/1/satisfaction"


def bearer(contact):
    return {"Authorization": f"Bearer {api_token(contact)}"}


@pytest.fixture
def resolved(acme, globex):
    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account)
    boss = make_contact(acme, "boss@acme.example", account=account, customer_admin=True)
    agent = make_staff("agent@staff.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, pat, "Printer on fire")
    with use_workspace(acme.id):
        timeline.set_stage(ticket, actors.staff(agent), "resolved")
    return {"pat": pat, "boss": boss, "ticket": ticket,
            "neighbour": make_contact(globex, "gus@globex.example")}


def test_get_and_put_the_answer(client, resolved):
    headers = bearer(resolved["pat"])
    empty = client.get(URL, headers=headers)
    assert empty.status_code == 200
    assert empty.get_json() == {"asked": True, "score": None, "comment": "", "answered_at": None,
                                "updated_at": None, "changeable_until": None, "final": False}
    put = client.put(URL, headers=headers, json={"score": 4, "comment": "Fast\u202e"})
    assert put.status_code == 200, put.text
    body = put.get_json()
    assert (body["score"], body["comment"], body["final"]) == (4, "Fast", False)
    assert body["answered_at"] and body["changeable_until"]
    changed = client.put(URL, headers=headers, json={"score": 5})
    assert changed.get_json()["score"] == 5 and changed.get_json()["comment"] == ""
    assert changed.get_json()["answered_at"] == body["answered_at"]
    assert client.get(URL, headers=headers).get_json()["score"] == 5


@pytest.mark.parametrize("payload", [{}, {"score": 0}, {"score": 6}, {"score": "4"},
                                     {"score": 4.5}, {"score": True}, {"score": None},
                                     {"score": 3, "comment": "x" * 2001},
                                     {"score": 3, "comment": 7}])
def test_bad_input_is_422(client, resolved, payload):
    answer = client.put(URL, headers=bearer(resolved["pat"]), json=payload)
    assert answer.status_code == 422, (payload, answer.text)
    with use_workspace(resolved["ticket"].workspace_id):
        assert db.session.scalar(select(SatisfactionAnswer.score)) is None


def test_final_after_seven_days_is_409(client, resolved):
    headers = bearer(resolved["pat"])
    assert client.put(URL, headers=headers, json={"score": 2}).status_code == 200
    with use_workspace(resolved["ticket"].workspace_id):
        row = db.session.scalars(select(SatisfactionAnswer)).one()
        row.answered_at -= timedelta(days=8)
        db.session.commit()
    refused = client.put(URL, headers=headers, json={"score": 5})
    assert refused.status_code == 409 and "final" in refused.get_json()["message"]
    assert client.get(URL, headers=headers).get_json()["final"] is True


def test_non_reporters_and_other_workspaces_are_refused(client, resolved):
    boss = bearer(resolved["boss"])  # sees the ticket as customer admin, was not asked
    assert client.get(URL, headers=boss).get_json()["asked"] is False
    assert client.put(URL, headers=boss, json={"score": 1}).status_code == 403
    gus = bearer(resolved["neighbour"])
    assert client.get(URL, headers=gus).status_code == 404
    assert client.put(URL, headers=gus, json={"score": 1}).status_code == 404
    assert client.get("/api/v1/workspaces/globex/tickets/1/satisfaction",
                      headers=gus).status_code == 404
    assert client.get(URL).status_code == 401
    assert client.get("/api/v1/workspaces/acme/tickets/2/satisfaction",
                      headers=bearer(resolved["pat"])).status_code == 404
