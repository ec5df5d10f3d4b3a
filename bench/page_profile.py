"""What one page costs in this process: SQL statements and CPU time per page, for the pages
the issue 11 profile looked at (docs/PERFORMANCE.md, "Page profile (issue 11)").

    python -m bench.page_profile                    # 1,000 articles, 3,000 tickets, 200 requests
    python -m bench.page_profile --profile ticket_list      # + cProfile of one page
    python -m bench.page_profile --against ../other-checkout   # the same, old and new interleaved
    python -m bench.page_profile --quick            # tiny sizes (the smoke test)

A workspace gets a public knowledge base (articles with long bodies, about 20 in each
directory, 10 directories of 4 subdirectories each at 1,000; bench/seed_tickets.py's
tickets), in SQLite in a temporary
directory. Each page is requested through Flask's test client (no network); a request's
cost is its `time.thread_time()` (CPU of this thread: other processes on the machine
disturb it less than wall time), the median over `--requests`. Statements are counted
with an SQLAlchemy event. `--against DIR` seeds and measures DIR's code the same way in a
subprocess, alternating rounds with this checkout's, and reports both with their ratio.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("article_anonymous", "article_new_reader", "article_signed_in", "kb_home_anonymous",
         "kb_home_signed_in", "directory", "ticket_list", "ticket_page", "ticket_list_json",
         "ticket_create")
NEW_TICKET = {"title": "Export fails after the update", "priority": "normal",
              "description": "Since this morning the CSV export stops at 40%.",
              "custom_fields": {"category": "problem"}}  # bench/pages_targets.py's body
WORDS = ("install configure network printer account password reset token update client server "
         "mailbox calendar invoice export report dashboard backup restore firewall").split()
AUDIENCES = ("public", "public", "public", "verified", "admins")


def build_app(tmp: Path):
    from config import TestingConfig
    from portal import create_app

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp / 'pages.db'}"
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")
        RUN_EMBEDDED_WORKER = False  # no search index builds in the background
        PAGE_CACHE_SECONDS = 0  # what a render costs; cache hits: bench/page_cache.py
        TESTING = False

    return create_app(Config)


def seed(articles: int, tickets: int) -> None:
    """Tickets (bench/seed_tickets.py) and a public knowledge base in the bench workspace."""
    from bench import seed_tickets
    from portal import database
    from portal.extensions import db
    from portal.models import Directory
    from portal.services import articles as article_service
    from portal.services import portal_settings, workspaces
    from portal.tenancy import use_workspace

    database.upgrade()
    seed_tickets.seed(tickets, progress=False)
    ws = workspaces.by_slug(seed_tickets.SLUG)
    portal_settings.change(ws, {"features.knowledge_base": "public"})
    db.session.commit()
    rng = random.Random(1)
    with use_workspace(ws.id):
        folders = []
        for i in range(max(1, min(10, articles // 100))):  # about 20 articles per folder
            top = Directory(workspace_id=ws.id, slug=f"top-{i}", names={"en-US": f"Top {i}"},
                            position=i)
            db.session.add(top)
            db.session.flush()
            folders.append(top)
            for j in range(4):
                folders.append(Directory(workspace_id=ws.id, slug=f"sub-{i}-{j}",
                                         parent_id=top.id, names={"en-US": f"Sub {i}.{j}"},
                                         position=j))
                db.session.add(folders[-1])
        db.session.commit()
        for n in range(articles):
            body = "\n\n".join(f"## Section {k}\n\n" + " ".join(rng.choice(WORDS)
                                                                for _ in range(120))
                               for k in range(8))
            article_service.save(ws, locale="en-US", body=body, status="published",
                                 title=f"How to {rng.choice(WORDS)} the {rng.choice(WORDS)} {n}",
                                 description=f"About {rng.choice(WORDS)}",
                                 audience=AUDIENCES[n % len(AUDIENCES)],
                                 directory_id=folders[n % len(folders)].id)


def targets() -> dict:
    """The URLs, and the sessions (a web cookie and an API token) of the regular contact."""
    from sqlalchemy import select

    from bench.seed_tickets import CONTACT_EMAIL, SLUG
    from portal.auth import sessions
    from portal.extensions import db
    from portal.models import Article
    from portal.services import contacts, tickets, workspaces
    from portal.tenancy import use_workspace

    ws = workspaces.by_slug(SLUG)
    with use_workspace(ws.id):
        contact = contacts.by_email(ws, CONTACT_EMAIL)
        web, _row = sessions.start(contact, kind="web")
        api, _row = sessions.start(contact, kind="api")
        public = select(Article.slug).where(Article.status == "published",
                                            Article.audience == "public")
        count = len(db.session.scalars(public).all())
        slug = db.session.scalar(public.order_by(Article.id).offset(count // 2).limit(1))
        number = tickets.list_for_customer(ws, contact, tickets.ListQuery()).items[0].number
        cookie = f"{sessions.COOKIE}_{ws.id}"
    base = f"/en-US/{SLUG}"
    signed = {"cookie": (cookie, web)}
    return {
        "article_anonymous": {"path": f"{base}/articles/{slug}"},
        "article_new_reader": {"path": f"{base}/articles/{slug}", "new_reader": True},
        "article_signed_in": {"path": f"{base}/articles/{slug}", **signed},
        "kb_home_anonymous": {"path": f"{base}/directories"},
        "kb_home_signed_in": {"path": f"{base}/directories", **signed},
        "directory": {"path": f"{base}/directories/top-0"},
        "ticket_list": {"path": f"{base}/tickets", **signed},
        "ticket_page": {"path": f"{base}/tickets/{number}", **signed},
        "ticket_list_json": {"path": f"/api/v1/workspaces/{SLUG}/tickets",
                             "headers": {"Authorization": f"Bearer {api}"}},
        "ticket_create": {"path": f"/api/v1/workspaces/{SLUG}/tickets", "method": "POST",
                          "json": NEW_TICKET, "status": 201,
                          "headers": {"Authorization": f"Bearer {api}"}},
    }


class Counter:
    """Statements sent, but for the workspace lookup: on SQLite it is made or not depending
    on whether anything was committed since the last one (portal.sqlite_changes), so counts
    leave it out, as the pins of tests/web/test_page_statements.py do."""

    def __init__(self):
        self.count = 0

    def __call__(self, _conn, _cursor, statement, *_args):
        if not WORKSPACE_LOOKUP.match(statement):
            self.count += 1


WORKSPACE_LOOKUP = re.compile(r"\s*SELECT workspace\.id, .*\sFROM workspace\s+WHERE", re.S)


def measure(app, requests: int, profile: str | None = None, only=PAGES) -> dict:
    """{page: {"ms": median CPU ms, "statements": median count}} of the pages in `only`."""
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():
        pages = targets()
        counter = Counter()
        event.listen(db.engine, "before_cursor_execute", counter)
        db.session.remove()
    readers = iter(range(1, 10**9))
    results = {}
    for name, target in pages.items():
        if name not in only:
            continue
        client = app.test_client()
        if "cookie" in target:
            client.set_cookie(*target["cookie"])

        def one(client=client, target=target, name=name):
            env = {}
            if target.get("new_reader"):  # a reader not counted yet: the view's UPDATE
                n = next(readers)
                env["REMOTE_ADDR"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
            response = client.open(target["path"], method=target.get("method", "GET"),
                                   json=target.get("json"), environ_base=env,
                                   headers=target.get("headers", {}))
            if response.status_code != target.get("status", 200):
                sys.exit(f"{name}: {target['path']} answered {response.status_code}")

        for _ in range(5):  # warm-up: templates compiled, statements cached
            one()
        times, counts = [], []
        for _ in range(requests):
            counter.count = 0
            start = time.thread_time()
            one()
            times.append((time.thread_time() - start) * 1000)
            counts.append(counter.count)
        results[name] = {"ms": round(statistics.median(times), 2),
                         "statements": statistics.median(counts)}
        if name == profile:
            print_profile(one, requests)
    return results


def print_profile(one, requests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        one()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    print(out.getvalue())


def run_here(args) -> dict:
    """Seed and measure this process's code in a fresh temporary directory."""
    import logging

    logging.disable(logging.INFO)  # the request log line is not what is measured
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = build_app(Path(tmp))
            with app.app_context():
                seed(args.articles, args.tickets)
            return measure(app, args.requests, args.profile, args.pages)
    finally:
        logging.disable(logging.NOTSET)


def run_in(checkout: Path, args) -> dict:
    """The same, on `checkout`'s code (a subprocess with it first on the path)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--json",
               "--articles", str(args.articles), "--tickets", str(args.tickets),
               "--requests", str(args.requests), "--pages", *args.pages]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def table(here: list[dict], other: list[dict] | None, pages=PAGES) -> str:
    def med(runs, page, key):
        return statistics.median(r[page][key] for r in runs)

    if other is None:
        lines = ["| page | statements | ms (CPU, median) |", "|---|---:|---:|"]
        lines += [f"| {p} | {med(here, p, 'statements'):.0f} | {med(here, p, 'ms'):.2f} |"
                  for p in pages]
        return "\n".join(lines)
    from bench.doc import before_after  # here: a compared checkout runs this file too

    return before_after(here, other, pages, "page")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1, help="alternations with --against")
    parser.add_argument("--against", type=Path, help="another checkout: measured as 'before'")
    parser.add_argument("--profile", choices=PAGES, help="print a cProfile of this page")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES),
                        help="measure these pages only")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.tickets, args.requests = 30, 20, 3
    if args.json:
        print(json.dumps(run_here(args)))
        return {}
    here, other = [], [] if args.against else None
    for round_no in range(args.rounds):
        if other is not None and round_no % 2 == 1:
            other.append(run_in(args.against.resolve(), args))
        here.append(run_in(ROOT, args) if other is not None else run_here(args))
        if other is not None and round_no % 2 == 0:
            other.append(run_in(args.against.resolve(), args))
    body = table(here, other, args.pages)
    print(body)
    if args.write_doc:
        from bench.doc import load_average, stamp, write_section

        sizes = (f"{args.articles} articles, {args.tickets} tickets, {args.requests} requests "
                 f"per page, {args.rounds} round(s); load average {load_average()}")
        write_section("page_profile", f"{stamp('python -m bench.page_profile')}\n\n"
                      f"{sizes}\n\n{body}", heading="Page profile (issue 11)")
    return {p: here[-1][p] for p in args.pages}


if __name__ == "__main__":
    main()
