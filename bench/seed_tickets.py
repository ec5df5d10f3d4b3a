"""Seed the `bench` workspace: one account, a customer admin, a regular contact, other
contacts, a support agent and (by default) 10,000 tickets with comments, internal notes and
history, for the load benchmark (bench/tickets_load.py).

Rows go in with Core bulk inserts (executemany, RETURNING the new ids), so 10k tickets take
seconds on SQLite and PostgreSQL alike. Idempotent: a second run adds only the tickets that
are missing up to the requested count. On PostgreSQL the tables are analyzed afterwards.

    PORTAL_DATABASE_URL=... python -m bench.seed_tickets --tickets 10000
"""

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, update

from portal.extensions import db
from portal.models import (
    Account,
    Comment,
    Contact,
    Ticket,
    TicketCounter,
    TicketEvent,
    ticket_reporters,
)
from portal.services import contacts, staff, ticket_forms, workspaces
from portal.tenancy import use_workspace

SLUG = "bench"
ADMIN_EMAIL = "admin@bench-corp.example"
CONTACT_EMAIL = "riley@bench-corp.example"
AGENT_EMAIL = "agent@bench.helpport.local"
AGENT_PASSWORD = "bench-agent-pass-1"
ACCOUNT = "Bench Corp"
OTHER_ACCOUNTS = ("Northwind Traders", "Umbrella Labs")
BATCH = 1000
SPAN_DAYS = 730
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)  # fixed: the same seed gives the same data

PRODUCTS = ("VPN client", "billing portal", "mobile app", "SSO login", "CSV export",
            "dashboard", "printer driver", "email relay", "API gateway", "backup agent",
            "invoice PDF", "calendar sync", "search index", "webhook", "password reset")
PROBLEMS = ("fails after update", "times out", "shows a blank page", "is very slow",
            "rejects valid input", "crashes on start", "sends duplicate emails",
            "loses settings", "returns error 500", "cannot connect", "shows wrong totals",
            "needs a new option", "asks for login again", "is missing translations")
SENTENCES = (
    "Since this morning several colleagues see the same behaviour.",
    "We already restarted the machine and cleared the browser cache.",
    "The problem started right after the last maintenance window.",
    "It happens on Windows and macOS, but not on Linux.",
    "Attached is the exact error message we get on screen.",
    "This blocks our month-end reporting, so a quick answer would help.",
    "Steps: open the page, choose the second option, press save.",
    "Our administrator checked the firewall rules and found nothing unusual.",
    "It worked fine last week with the same configuration.",
    "Could you tell us whether this is a known issue?",
    "We use the default settings apart from the language, which is German.",
    "Only users in the finance team are affected so far.",
)
REPLIES = (
    "Thanks for the details, we are looking into it.",
    "Could you send us the time when it last happened, with the time zone?",
    "We deployed a fix; please try again and tell us if it helps.",
    "It still happens for two of our users.",
    "That did it, thank you!",
    "We could reproduce it and have escalated it to the product team.",
    "Here is the log excerpt you asked for.",
    "A workaround until the fix ships: switch the export to the legacy format.",
)
NOTES = (
    "Customer is on the legacy plan; check the contract before promising a date.",
    "Same root cause as the incident last Tuesday.",
    "Asked engineering in the platform channel, waiting for an answer.",
    "Do not close before the customer confirms.",
)
# stage by age: old tickets are mostly done, recent ones mostly open
OLD_STAGES = (("closed", 70), ("resolved", 20), ("open", 5), ("in_progress", 5))
NEW_STAGES = (("open", 40), ("in_progress", 30), ("awaiting_customer", 15), ("resolved", 15))
PRIORITIES = (("low", 20), ("normal", 55), ("high", 20), ("urgent", 5))
CATEGORIES = ("question", "problem", "feature")


@dataclass
class Seeded:
    workspace_id: int
    admin_id: int
    contact_id: int
    tickets: int  # tickets in the workspace after seeding
    added: int  # tickets added by this run


def _pick(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _people(ws):
    """Accounts, contacts and the agent; created once, found again on later runs."""
    admins = workspaces.ensure_system_groups(ws)
    accounts = {}
    for name in (ACCOUNT, *OTHER_ACCOUNTS):
        account = db.session.scalar(select(Account).where(Account.name == name))
        if account is None:
            account = Account(workspace_id=ws.id, name=name,
                              domains=[name.lower().replace(" ", "-") + ".example"])
            db.session.add(account)
        accounts[name] = account
    db.session.flush()
    wanted = [(ADMIN_EMAIL, "Avery Admin", ACCOUNT), (CONTACT_EMAIL, "Riley Regular", ACCOUNT)]
    wanted += [(f"colleague{i}@bench-corp.example", f"Colleague {i}", ACCOUNT)
               for i in range(1, 31)]
    wanted += [(f"person{i}@{OTHER_ACCOUNTS[i % 2].lower().replace(' ', '-')}.example",
                f"Person {i}", OTHER_ACCOUNTS[i % 2]) for i in range(1, 19)]
    people = []
    for email, name, account_name in wanted:
        contact = contacts.by_email(ws, email)
        if contact is None:
            contact = Contact(workspace_id=ws.id, email=email, name=name, verified=True,
                              account=accounts[account_name])
            db.session.add(contact)
        people.append(contact)
    db.session.flush()
    if people[0] not in admins.members:
        admins.members.append(people[0])
    db.session.commit()
    return people


def _reporters(rng: random.Random, people) -> list:
    """Riley reports about half, Avery a sixth (sometimes both), colleagues and the other
    accounts the rest: Avery's organization list and Riley's own list are both large."""
    admin, regular, colleagues, others = people[0], people[1], people[2:32], people[32:]
    roll = rng.random()
    if roll < 0.45:
        return [regular, admin] if rng.random() < 0.1 else [regular]
    if roll < 0.60:
        return [admin]
    if roll < 0.85:
        return [rng.choice(colleagues)]
    return [rng.choice(others)]


def _ticket_rows(rng, ws, form_id, people, numbers, total):
    rows, extra = [], []
    for number in numbers:
        created = (ANCHOR - timedelta(days=SPAN_DAYS)
                   + timedelta(days=SPAN_DAYS * number / max(total, 1),
                               minutes=rng.randint(0, 600)))
        reporters = _reporters(rng, people)
        stage = _pick(rng, OLD_STAGES if number < total * 0.9 else NEW_STAGES)
        long_thread = reporters[0] is people[1] and number % 97 == 0
        n_comments = rng.randint(10, 16) if long_thread else rng.randint(0, 6)
        product, problem = rng.choice(PRODUCTS), rng.choice(PROBLEMS)
        description = " ".join(rng.sample(SENTENCES, rng.randint(2, 6)))
        done = created + timedelta(hours=rng.randint(2, 200))
        rows.append({
            "workspace_id": ws.id, "number": number,
            "title": f"{product.capitalize()} {problem}",
            "description": f"Our {product} {problem}. {description}",
            "priority": _pick(rng, PRIORITIES), "category": rng.choice(CATEGORIES),
            "stage": stage, "custom_fields": {"category": rng.choice(CATEGORIES)},
            "form_id": form_id, "account_id": reporters[0].account_id,
            "created_by_contact_id": reporters[0].id, "assignee_id": None,
            "created_at": created, "updated_at": created, "public_updated_at": created,
            "resolved_at": done if stage in ("resolved", "closed") else None,
            "closed_at": done if stage == "closed" else None,
        })
        extra.append((reporters, n_comments))
    return rows, extra


def _thread_rows(rng, ws, ticket_id, row, reporters, n_comments, agent):
    """Comments (about one in five an internal note) and the matching history events."""
    comments, events = [], []
    at = row["created_at"]
    events.append({"workspace_id": ws.id, "ticket_id": ticket_id, "kind": "created",
                   "data": {}, "public": True, "actor": reporters[0].name, "created_at": at})
    for i in range(n_comments):
        at = at + timedelta(minutes=rng.randint(5, 3000))
        internal = rng.random() < 0.2
        from_support = internal or i % 2 == 0
        comments.append({
            "workspace_id": ws.id, "ticket_id": ticket_id, "public": not internal,
            "body": rng.choice(NOTES if internal else REPLIES),
            "author_contact_id": None if from_support else reporters[0].id,
            "author_staff_id": agent.id if from_support else None,
            "author_name": "Sam Support" if from_support else reporters[0].name,
            "created_at": at,
        })
    if row["stage"] != "open":
        at = at + timedelta(minutes=rng.randint(5, 600))
        events.append({"workspace_id": ws.id, "ticket_id": ticket_id, "kind": "stage",
                       "data": {"from": "open", "to": row["stage"]}, "public": True,
                       "actor": "Sam Support", "created_at": at})
    return comments, events, at


def _comment_events(ws, comments, ids):
    return [{"workspace_id": ws.id, "ticket_id": c["ticket_id"],
             "kind": "comment" if c["public"] else "note", "data": {"comment_id": cid},
             "public": c["public"], "actor": c["author_name"], "created_at": c["created_at"]}
            for c, cid in zip(comments, ids, strict=True)]


def _insert_returning_ids(conn, table, rows) -> list[int]:
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(conn.execute(stmt, rows).scalars())


def seed(tickets: int = 10_000, *, slug: str = SLUG, seed: int = 1,
         progress: bool = True) -> Seeded:
    """Create or top up the bench workspace (inside an app context)."""
    ws = workspaces.by_slug(slug) or workspaces.create_workspace(slug, "Helpport Bench")
    agent = current_app.appbuilder.sm.find_user(email=AGENT_EMAIL)
    if agent is None:
        agent, _created = staff.create_staff(AGENT_EMAIL, AGENT_PASSWORD, "agent", slug,
                                             name="Sam Support")
    with use_workspace(ws.id):
        people = _people(ws)
        form_id = ticket_forms.current(ws).id
        db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(Ticket)
                                 .where(Ticket.workspace_id == ws.id))
        last = db.session.scalar(select(func.max(Ticket.number))
                                 .where(Ticket.workspace_id == ws.id)) or 0
        missing = max(0, tickets - have)
        rng = random.Random(seed * 1_000_003 + have)
        numbers = list(range(last + 1, last + 1 + missing))
        from tqdm import tqdm

        bar = tqdm(total=missing, desc="bench tickets", unit="ticket", disable=not progress)
        conn = db.session.connection()
        for start in range(0, missing, BATCH):
            chunk = numbers[start:start + BATCH]
            rows, extra = _ticket_rows(rng, ws, form_id, people, chunk, last + missing)
            ids = _insert_returning_ids(conn, Ticket.__table__, rows)
            reporter_rows, comments, events, touched = [], [], [], []
            for ticket_id, row, (reporters, n_comments) in zip(ids, rows, extra, strict=True):
                reporter_rows += [{"ticket_id": ticket_id, "contact_id": c.id,
                                   "created_at": row["created_at"]} for c in reporters]
                c_rows, e_rows, updated = _thread_rows(rng, ws, ticket_id, row, reporters,
                                                       n_comments, agent)
                comments += c_rows
                events += e_rows
                touched.append({"b_id": ticket_id, "b_updated": updated})
            conn.execute(insert(ticket_reporters), reporter_rows)
            comment_ids = _insert_returning_ids(conn, Comment.__table__, comments)
            events += _comment_events(ws, comments, comment_ids)
            conn.execute(insert(TicketEvent.__table__), events)
            public_at: dict = {}  # what customers see as the last change
            for ev in (e for e in events if e["public"]):
                public_at[ev["ticket_id"]] = max(ev["created_at"],
                                                 public_at.get(ev["ticket_id"], ev["created_at"]))
            for row in touched:
                row["b_public"] = public_at[row["b_id"]]
            _set_updated_at(conn, touched)
            bar.update(len(chunk))
        bar.close()
        _set_counter(ws, last + missing)
        db.session.commit()
        if missing and db.engine.dialect.name == "postgresql":
            _analyze()
        total = have + missing
        return Seeded(ws.id, people[0].id, people[1].id, total, missing)


def _set_updated_at(conn, touched) -> None:
    table = Ticket.__table__
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values(updated_at=bindparam("b_updated", type_=table.c.updated_at.type),
                    public_updated_at=bindparam("b_public", type_=table.c.updated_at.type)))
    conn.execute(stmt, touched)


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics now, as autovacuum would a minute after a
    bulk load; without them the first runs would measure plans made for empty tables.
    SQLite is left alone: nothing runs ANALYZE there in production either."""
    tables = (Ticket.__table__, ticket_reporters, Comment.__table__, TicketEvent.__table__)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:
            conn.exec_driver_sql(f'ANALYZE "{table.name}"')


def _set_counter(ws, last_number: int) -> None:
    counter = db.session.scalar(select(TicketCounter).where(TicketCounter.workspace_id == ws.id))
    if counter is None:
        db.session.add(TicketCounter(workspace_id=ws.id, last_number=last_number))
    elif counter.last_number < last_number:
        counter.last_number = last_number


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--slug", default=SLUG)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-migrate", action="store_true",
                        help="skip `portal init-db` (the schema is already current)")
    args = parser.parse_args(argv)
    from portal import create_app, database

    app = create_app()
    with app.app_context():
        if not args.no_migrate:
            database.upgrade()
        result = seed(args.tickets, slug=args.slug, seed=args.seed)
    print(f"workspace {args.slug}: {result.tickets} tickets ({result.added} added)")


if __name__ == "__main__":
    main()
