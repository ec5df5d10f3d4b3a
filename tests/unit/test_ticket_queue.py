"""The staff queue service and staff ticket changes: filters, workspace narrowing, and a
change of several fields applied in one transaction (all or nothing)."""

import pytest
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import StaffMembership, Ticket, TicketEvent, TicketNotification
from portal.services import staff, ticket_queue, timeline
from portal.services.errors import Invalid
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket, staff_actor


@pytest.fixture
def queue_world(acme, globex):
    account = make_account(acme, "Acme One")
    reporter = make_contact(acme, "rep@one.example", account=account)
    agent = make_staff("agent@staff.example", role="agent", workspace=acme)
    outsider = make_staff("outsider@staff.example", role="agent", workspace=globex)
    first = open_ticket(acme, reporter, "First")
    second = open_ticket(acme, make_contact(acme, "solo@example.org"), "Second")
    theirs = open_ticket(globex, make_contact(globex, "rep@one.example"), "Theirs")
    return {"account": account, "agent": agent, "outsider": outsider, "first": first,
            "second": second, "theirs": theirs, "reporter": reporter}


def numbers(page) -> list[int]:
    return [t.number for t in page.items]


def test_queue_lists_only_the_workspace_and_filters_by_account(acme, globex, queue_world):
    with use_workspace(acme.id):
        everything = ticket_queue.queue(acme, ticket_queue.QueueFilters(sort="oldest"))
        by_account = ticket_queue.queue(acme, ticket_queue.QueueFilters(
            account_id=queue_world["account"].id))
    assert [t.title for t in everything.items] == ["First", "Second"]
    assert numbers(by_account) == [queue_world["first"].number]
    with use_workspace(globex.id):
        assert [t.title for t in ticket_queue.queue(
            globex, ticket_queue.QueueFilters()).items] == ["Theirs"]


def test_filters_from_reads_page_words_and_api_flags_alike():
    page = ticket_queue.filters_from({"stage": ["open"], "unassigned": "yes", "q": "x" * 300,
                                      "sort": "oldest", "after": "", "limit": 5})
    api = ticket_queue.filters_from({"stage": ["open"], "unassigned": True, "sort": "oldest",
                                     "limit": 5})
    assert page.unassigned and api.unassigned
    assert page.stages == api.stages == ("open",)
    assert len(page.q) == 200 and page.after is None and page.limit == 5


def test_unassigned_queue_and_a_bad_sort(acme, queue_world):
    with use_workspace(acme.id):
        timeline.assign(queue_world["first"], staff_actor(queue_world["agent"]),
                        queue_world["agent"])
        unassigned = ticket_queue.queue(acme, ticket_queue.QueueFilters(unassigned=True))
        mine = ticket_queue.queue(acme, ticket_queue.QueueFilters(
            assignee_id=queue_world["agent"].id))
        with pytest.raises(Invalid) as refused:
            ticket_queue.queue(acme, ticket_queue.QueueFilters(sort="sideways"))
    assert numbers(unassigned) == [queue_world["second"].number]
    assert numbers(mine) == [queue_world["first"].number]
    assert refused.value.details["field"] == "sort"


def test_staff_of_another_workspace_cannot_be_assigned(acme, queue_world):
    with use_workspace(acme.id):
        assert ticket_queue.assignable(acme, queue_world["agent"].id) == queue_world["agent"]
        assert ticket_queue.assignable(acme, None) is None
        with pytest.raises(Invalid) as refused:
            ticket_queue.assignable(acme, queue_world["outsider"].id, field="assignee_id")
    assert refused.value.details["field"] == "assignee_id"
    assert queue_world["outsider"] not in ticket_queue.assignable_staff(acme)
    assert staff.staff_name(staff.staff_user(queue_world["agent"].id))


def test_contacts_of_another_workspace_are_not_found(acme, globex, queue_world):
    neighbour = make_contact(globex, "only@globex.example")
    with use_workspace(acme.id):
        found = ticket_queue.workspace_contact(acme, email=" REP@one.example ")
        assert found == queue_world["reporter"]
        for wanted in ({"email": "only@globex.example"}, {"contact_id": neighbour.id}, {}):
            with pytest.raises(Invalid):
                ticket_queue.workspace_contact(acme, **wanted)


def test_change_applies_every_field_in_one_transaction(acme, queue_world):
    ticket, agent = queue_world["first"], queue_world["agent"]
    with use_workspace(acme.id):
        timeline.change(ticket, staff_actor(agent), stage="in_progress", priority="high",
                        assignee=agent)
        db.session.expire_all()
        stored = db.session.get(Ticket, ticket.id)
        kinds = db.session.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()
    assert (stored.stage, stored.priority, stored.assignee_id) == (
        "in_progress", "high", agent.id)
    assert kinds == ["created", "stage", "priority", "assignee"]


def test_a_refused_later_step_leaves_the_ticket_as_it_was(acme, queue_world):
    """The stage step passes, the priority step is refused: nothing is stored, no event,
    no notification, even though the stage step had run."""
    ticket, agent = queue_world["first"], queue_world["agent"]
    with use_workspace(acme.id):
        with pytest.raises(Invalid):
            timeline.change(ticket, staff_actor(agent), stage="resolved", priority="sky-high",
                            assignee=agent)
        db.session.expire_all()
        stored = db.session.get(Ticket, ticket.id)
        kinds = db.session.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == ticket.id)).all()
        waiting = db.session.scalars(select(TicketNotification).where(
            TicketNotification.audience == "customer")).all()
    assert (stored.stage, stored.priority, stored.assignee_id) == ("open", "normal", None)
    assert stored.resolved_at is None
    assert kinds == ["created"]
    assert waiting == []


def test_a_former_member_still_shows_as_the_assignee(acme, queue_world):
    ticket, agent = queue_world["first"], queue_world["agent"]
    with use_workspace(acme.id):
        timeline.assign(ticket, staff_actor(agent), agent)
        db.session.execute(delete(StaffMembership).where(StaffMembership.user_id == agent.id))
        db.session.commit()
        choices, assignee = ticket_queue.assignee_choices(acme, ticket)
        names = ticket_queue.assignee_names([ticket], ticket_queue.assignable_staff(acme))
    assert agent not in ticket_queue.assignable_staff(acme)
    assert assignee == agent and choices[0] == agent
    assert names[agent.id] == staff.staff_name(agent)
