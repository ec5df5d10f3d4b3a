"""Helpers for ticket tests: open tickets through the service, staff actors."""

from portal.services import actors, tickets
from portal.tenancy import use_workspace


def open_ticket(ws, contact, title="Printer on fire", description="It is on fire.", **custom):
    with use_workspace(ws.id):
        data, form = tickets.parse_input(ws, {"title": title, "description": description,
                                              "priority": "normal",
                                              "custom_fields": {"category": "problem", **custom}})
        assert data.errors == {}, data.errors
        return tickets.open_ticket(ws, contact, data, form)


def staff_actor(user):
    return actors.staff(user)
