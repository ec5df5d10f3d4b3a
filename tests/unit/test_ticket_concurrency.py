"""200 tickets created at once in one workspace all persist with unique, gap-free numbers."""

import threading

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Ticket
from portal.services import tickets
from portal.tenancy import use_workspace
from tests.factories import make_contact

CREATORS = 200
THREADS = 10  # within the connection pool (5 + 10 overflow)


@pytest.mark.postgres
def test_concurrent_creation_gives_unique_gap_free_numbers(app, acme):
    contact_id, ws_id = make_contact(acme).id, acme.id
    db.session.commit()
    barrier = threading.Barrier(THREADS)
    failures = []

    def create_many(count):
        with app.app_context():
            from portal.models import Contact, Workspace

            barrier.wait(timeout=60)
            ws = db.session.get(Workspace, ws_id)
            with use_workspace(ws_id):
                contact = db.session.get(Contact, contact_id)
                for i in range(count):
                    try:
                        data, form = tickets.parse_input(ws, {
                            "title": f"Concurrent {i}", "description": "load",
                            "custom_fields": {"category": "question"}})
                        tickets.open_ticket(ws, contact, data, form)
                    except Exception as exc:  # recorded, asserted below
                        db.session.rollback()
                        failures.append(repr(exc))
            db.session.remove()

    threads = [threading.Thread(target=create_many, args=(CREATORS // THREADS,))
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    with use_workspace(ws_id):
        numbers = sorted(db.session.scalars(select(Ticket.number)))
    assert numbers == list(range(1, CREATORS + 1))
