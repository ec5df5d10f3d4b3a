"""Query plans of the ticket list as the service builds it: runs `tickets.list_for_customer`
for the bench contact (mine, first and deep page) and the customer admin (organization),
captures the SQL it sends, and prints EXPLAIN QUERY PLAN (SQLite) or EXPLAIN ANALYZE
(PostgreSQL) with the timing of each statement.

    PORTAL_DATABASE_URL=... python -m bench.explain_tickets
"""

import time
from contextlib import contextmanager

from sqlalchemy import event

from bench.seed_tickets import ADMIN_EMAIL, CONTACT_EMAIL, SLUG
from bench.targets import busiest_ticket, deep_cursor
from portal.extensions import db
from portal.services import contacts, ticket_access, tickets, timeline, workspaces
from portal.tenancy import use_workspace


@contextmanager
def captured():
    """Collect (sql, params) of every statement sent to the database in the block."""
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def explain(statement: str, parameters) -> str:
    dialect = db.engine.dialect.name
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    conn = db.session.connection()
    rows = conn.exec_driver_sql(prefix + statement, parameters).fetchall()
    if dialect == "sqlite":
        return "\n".join(f"  {r[3]}" for r in rows)
    return "\n".join(f"  {r[0]}" for r in rows)


def timed(statement: str, parameters, repeat: int = 20) -> float:
    conn = db.session.connection()
    start = time.perf_counter()
    for _ in range(repeat):
        conn.exec_driver_sql(statement, parameters).fetchall()
    return (time.perf_counter() - start) / repeat * 1000


def report(name: str, call) -> None:
    with captured() as seen:
        call()
    print(f"### {name}: {len(seen)} statement(s)")
    for statement, parameters in seen:
        if "FROM ticket" not in statement and "FROM ticket_comment" not in statement:
            continue
        print(f"-- {timed(statement, parameters):.2f} ms\n{statement}\n-- params {parameters}")
        print(explain(statement, parameters))
        print()


def main() -> None:
    from portal import create_app

    app = create_app()
    with app.app_context(), app.test_request_context():
        ws = workspaces.by_slug(SLUG)
        with use_workspace(ws.id):
            regular = contacts.by_email(ws, CONTACT_EMAIL)
            admin = contacts.by_email(ws, ADMIN_EMAIL)
            cursor, _page = deep_cursor(ws, regular, 100)
            number, _n = busiest_ticket(ws, regular)
            report("mine, first page",
                   lambda: tickets.list_for_customer(ws, regular, tickets.ListQuery()))
            report("mine, page 101", lambda: tickets.list_for_customer(
                ws, regular, tickets.ListQuery(after=cursor)))
            report("organization, first page", lambda: tickets.list_for_customer(
                ws, admin, tickets.ListQuery(scope="organization")))

            def ticket_page():
                found = ticket_access.get_for_customer(ws, regular, number)
                timeline.comments(found, include_internal=False)
                timeline.events(found, include_internal=False)

            report(f"ticket #{number}", ticket_page)


if __name__ == "__main__":
    main()
