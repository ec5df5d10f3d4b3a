"""What the page benchmark (bench/pages_load.py) requests, as JSON: the seeded bench
workspace's knowledge-base pages for anonymous visitors, a customer's ticket pages (a web
session minted like a code sign-in, see bench/targets.py), the customer API's ticket list
and ticket creation (bearer tokens), each with the shape of its reference page.

    PORTAL_DATABASE_URL=... python -m bench.pages_targets --out targets.json \
        [--tickets 10000 --articles 1000 | --no-seed] [--no-migrate]

Tickets are created by a contact made for this run only, so its own ticket list (read
back through the API after the run) holds exactly the tickets the run created.
"""

import argparse
import json
import statistics
import uuid

from sqlalchemy import func, select

from bench import seed_kb, seed_tickets, targets
from portal.auth import sessions
from portal.extensions import db
from portal.models import Account, Article, ArticleTranslation, Contact, Directory, Ticket
from portal.services import article_lists, contacts, workspaces
from portal.tenancy import use_workspace

API = "/api/v1/workspaces/{slug}"
TICKET_BODY = ('{"title": "Export fails after the update ({n})", "description": '
               '"Since this morning the CSV export stops at 40%. Steps: open Reports, '
               'choose last month, press Export.", "priority": "normal", '
               '"custom_fields": {"category": "problem"}}')
# the goals, as a share of the reference's requests per second
GOALS = {"article": 0.6, "home": 0.6, "list_page": 0.3, "ticket_page": 0.3, "create": 0.15}
# ... and as a multiple of the peer's (django-helpdesk, bench/peer_helpdesk.py) when it ran
PEER_GOALS = {"create": 2.0}


def pick_article(ws) -> tuple[Article, Directory]:
    """A public article in a nested directory whose body length is nearest the median of
    the public articles (the page a search engine or a visitor typically lands on)."""
    rows = db.session.execute(
        select(Article, func.length(ArticleTranslation.body))
        .join(ArticleTranslation, ArticleTranslation.article_id == Article.id)
        .where(Article.workspace_id == ws.id, Article.status == "published",
               Article.audience == "public", ArticleTranslation.locale == ws.default_locale)
        .order_by(Article.id)).all()
    if not rows:
        raise SystemExit("no public articles: run python -m bench.seed_kb first")
    median = statistics.median(length for _a, length in rows)
    nested = [(a, length) for a, length in rows
              if a.directory is not None and a.directory.parent_id is not None]
    article, _length = min(nested or rows, key=lambda r: abs(r[1] - median))
    return article, article.directory


def _creator(ws) -> Contact:
    """A new contact of the bench account, for this run's ticket creations."""
    account = db.session.scalar(select(Account).where(Account.workspace_id == ws.id,
                                                      Account.name == seed_tickets.ACCOUNT))
    email = f"creator-{uuid.uuid4().hex[:12]}@bench-corp.example"
    contact = Contact(workspace_id=ws.id, email=email, name="Casey Creator", verified=True,
                      account=account)
    db.session.add(contact)
    db.session.commit()
    return contact


def build(slug: str = seed_tickets.SLUG, locale: str = "en-US") -> dict:
    web = {t["name"]: t for t in targets.build(slug, locale, deep_pages=1)["targets"]}
    ws = workspaces.by_slug(slug)
    with use_workspace(ws.id):
        article, directory = pick_article(ws)
        top = article_lists.ancestors(ws, directory)[0]
        regular = contacts.by_email(ws, seed_tickets.CONTACT_EMAIL)
        reader_token, _row = sessions.start(regular, kind="api")
        creator = _creator(ws)
        creator_token, _row = sessions.start(creator, kind="api")
        article_title = article.translation(locale, ws.default_locale).title
        counts = {"articles": db.session.scalar(select(func.count(Article.id)).where(
                      Article.workspace_id == ws.id, Article.status == "published")),
                  "tickets": db.session.scalar(select(func.count(Ticket.id)).where(
                      Ticket.workspace_id == ws.id))}
        top_name = top.name(locale, ws.default_locale)
        db.session.commit()
    kb, api = f"/{locale}/{slug}", API.format(slug=slug)
    json_headers = ["Accept: application/json"]
    return {"workspace": slug, "creator_token": creator_token, **counts, "targets": [
        {"name": "article", "label": "Article page (anonymous)", "shape": "article",
         "path": f"{kb}/articles/{article.slug}", "headers": [], "expect": article_title},
        {"name": "home", "label": "Knowledge base home (anonymous)", "shape": "home",
         "path": f"{kb}/directories", "headers": [], "expect": top_name},
        {"name": "directory", "label": f"Directory page, {top_name} (anonymous)",
         "shape": "home", "path": f"{kb}/directories/{top.slug}", "headers": [],
         "expect": top_name},
        {"name": "list_page", "label": "Ticket list page (customer)", "shape": "page",
         "path": web["list_first"]["path"], "headers": [f"Cookie: {web['list_first']['cookie']}"],
         "expect": "ticket"},
        {"name": "ticket_page", "label": f"{web['ticket']['label']} (customer)",
         "shape": "page", "path": web["ticket"]["path"],
         "headers": [f"Cookie: {web['ticket']['cookie']}"], "expect": "ticket"},
        {"name": "list_json", "label": "Ticket list JSON (customer API)", "shape": "json",
         "path": f"{api}/tickets",
         "headers": [*json_headers, f"Authorization: Bearer {reader_token}"],
         "expect": '"tickets"'},
        {"name": "create", "label": "Ticket creation POST (customer API)", "shape": "json",
         "method": "POST", "path": f"{api}/tickets", "body": TICKET_BODY,
         "headers": [*json_headers, "Content-Type: application/json",
                     f"Authorization: Bearer {creator_token}"], "expect": '"number"'},
    ]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--slug", default=seed_tickets.SLUG)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--no-seed", action="store_true", help="the data is there already")
    parser.add_argument("--no-migrate", action="store_true", help="the schema is current")
    args = parser.parse_args(argv)
    from portal import create_app, database

    app = create_app()
    with app.app_context(), app.test_request_context():
        if not args.no_migrate:
            database.upgrade()
        if not args.no_seed:
            seed_tickets.seed(args.tickets, slug=args.slug)
            seed_kb.seed(args.articles, slug=args.slug)
        data = build(args.slug)
    data["goals"], data["peer_goals"] = GOALS, PEER_GOALS
    with open(args.out, "w") as fh:
        json.dump(data, fh, indent=2)


if __name__ == "__main__":
    main()
