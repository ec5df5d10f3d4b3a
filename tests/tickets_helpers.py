"""Helpers for ticket tests: open tickets through the service, staff actors, a desk of
tickets in two workspaces."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Ticket
from portal.services import actors, portal_settings, tickets
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact, make_staff


def open_ticket(ws, contact, title="Printer on fire", description="It is on fire.", **custom):
    with use_workspace(ws.id):
        data, form = tickets.parse_input(ws, {"title": title, "description": description,
                                              "priority": "normal",
                                              "custom_fields": {"category": "problem", **custom}})
        assert data.errors == {}, data.errors
        return tickets.open_ticket(ws, contact, data, form)


def tickets_mode(ws, mode: str) -> None:
    """features.tickets of `ws` (off, private, public), published."""
    portal_settings.change(ws, {"features.tickets": mode})
    db.session.commit()


def count(ws, model) -> int:
    """How many rows of `model` `ws` has."""
    with use_workspace(ws.id):
        return db.session.scalar(select(func.count()).select_from(model))


def staff_actor(user):
    return actors.staff(user)


def make_desk(acme, globex):
    """One acme ticket; globex has three, so globex numbers 2 and 3 do not exist in acme."""
    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", account=account, name="Pat Doe")
    kim = make_contact(acme, "kim@acme.example", name="Kim Roe")
    ticket = open_ticket(acme, pat, "Printer on fire")
    neighbour = make_contact(globex, "gus@globex.example", name="Gus Globex")
    globex_tickets = [open_ticket(globex, neighbour, f"Globex secret {n}") for n in (1, 2, 3)]
    colleague = make_staff("colleague@staff.example", role="agent", workspace=acme)
    outsider = make_staff("outsider@staff.example", role="agent", workspace=globex)
    return {"ticket": ticket, "pat": pat, "kim": kim, "neighbour": neighbour,
            "globex_tickets": globex_tickets, "colleague": colleague, "outsider": outsider}


def reload_ticket(_db, ws, number):
    """The ticket `number` of `ws` as the database has it now (`_db`: the `db` fixture)."""
    db.session.expire_all()
    with use_workspace(ws.id):
        return db.session.scalar(select(Ticket).where(Ticket.number == number))
