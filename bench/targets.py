"""What the load run requests, as JSON: web session cookies for the regular contact and the
customer admin of the bench workspace, and the URLs of the pages to measure.

    PORTAL_DATABASE_URL=... python -m bench.targets --out targets.json

Sessions are minted with `sessions.start` (what a code sign-in does) so no sign-in page is
part of the measurement. The deep list page is found by walking the keyset with the
service itself, so its cursor is one a customer clicking "Next page" would get.
"""

import argparse
import json

from sqlalchemy import func, select

from bench.seed_tickets import ADMIN_EMAIL, CONTACT_EMAIL, SLUG
from portal.auth import sessions
from portal.extensions import db
from portal.models import Comment, Ticket, ticket_reporters
from portal.services import contacts, tickets, workspaces
from portal.tenancy import use_workspace

DEEP_PAGE = 100  # of ~180 pages in Riley's list at 10k tickets


def deep_cursor(ws, contact, pages: int) -> tuple[str | None, int]:
    """The `after` cursor of page `pages + 1` (or of the last page there is)."""
    cursor, walked = None, 0
    for _ in range(pages):
        page = tickets.list_for_customer(ws, contact, tickets.ListQuery(after=cursor))
        if page.next_cursor is None:
            break
        cursor, walked = page.next_cursor, walked + 1
    return cursor, walked + 1


def busiest_ticket(ws, contact) -> tuple[int, int]:
    """The contact's ticket with the most public comments (newest on a tie)."""
    count = func.count(Comment.id)
    row = db.session.execute(
        select(Ticket.number, count)
        .join(ticket_reporters, ticket_reporters.c.ticket_id == Ticket.id)
        .join(Comment, (Comment.ticket_id == Ticket.id) & Comment.public.is_(True))
        .where(Ticket.workspace_id == ws.id, ticket_reporters.c.contact_id == contact.id)
        .group_by(Ticket.number).order_by(count.desc(), Ticket.number.desc()).limit(1)
    ).one()
    return row[0], row[1]


def build(slug: str = SLUG, locale: str = "en-US", deep_pages: int = DEEP_PAGE) -> dict:
    ws = workspaces.by_slug(slug)
    if ws is None:
        raise SystemExit(f"no workspace {slug!r}: run python -m bench.seed_tickets first")
    with use_workspace(ws.id):
        regular = contacts.by_email(ws, CONTACT_EMAIL)
        admin = contacts.by_email(ws, ADMIN_EMAIL)
        regular_token, _row = sessions.start(regular, kind="web")
        admin_token, _row = sessions.start(admin, kind="web")
        cursor, page_no = deep_cursor(ws, regular, deep_pages)
        if cursor is None:
            raise SystemExit("the contact's list has one page only: seed more tickets")
        number, n_comments = busiest_ticket(ws, regular)
        db.session.commit()
    cookie = f"{sessions.COOKIE}_{ws.id}"
    base = f"/{locale}/{slug}/tickets"
    return {
        "workspace_id": ws.id,
        "targets": [
            {"name": "list_first", "label": "Ticket list, first page (mine)",
             "path": base, "cookie": f"{cookie}={regular_token}"},
            {"name": "list_deep", "label": f"Ticket list, page {page_no} (keyset cursor)",
             "path": f"{base}?after={cursor}", "cookie": f"{cookie}={regular_token}"},
            {"name": "ticket", "label": f"Ticket page #{number} ({n_comments} comments)",
             "path": f"{base}/{number}", "cookie": f"{cookie}={regular_token}"},
            {"name": "org_list", "label": "Organization list, first page (customer admin)",
             "path": f"{base}?scope=organization", "cookie": f"{cookie}={admin_token}"},
        ],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Mint bench sessions and pick the URLs.")
    parser.add_argument("--out", required=True)
    parser.add_argument("--slug", default=SLUG)
    args = parser.parse_args(argv)
    from portal import create_app

    app = create_app()
    with app.app_context(), app.test_request_context():
        data = build(args.slug)
    with open(args.out, "w") as fh:
        json.dump(data, fh, indent=2)


if __name__ == "__main__":
    main()
