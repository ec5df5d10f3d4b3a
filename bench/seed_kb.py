"""Seed the `bench` workspace's knowledge base for the page benchmark (bench/pages_load.py):
nested directories and (by default) 1,000 published articles with long Markdown bodies,
imported the way `flask portal import-articles` imports a folder (one .md file per article
through portal.services.article_import), knowledge-base access public, and the search
indexes built synchronously (portal.search.build, what the reindex job runs; with LSA
unless --embedder says otherwise).

Bodies are generated from the relevance set's own sentences (bench/search/speed.Chain): a
title, an introduction and 2 to 80 sections of paragraphs, numbered steps and notes, so
lengths spread from ~1k to ~60k characters (median ~8.5k) as real help centres do. Most
articles are for everyone (anonymous readers included), some for verified customers or
customer admins only.

Idempotent: articles are found again by their import reference (`bench-kb-0001` ...);
a second run imports only the missing ones and rebuilds the indexes only when it imported
something or an index is missing.

    PORTAL_DATABASE_URL=... python -m bench.seed_kb --articles 1000
"""

import argparse
import random
import tempfile
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Directory
from portal.services import article_import, directories, portal_settings, workspaces
from portal.services.article_index import REINDEX
from portal.tenancy import use_workspace

SLUG = "bench"  # bench/seed_tickets.py's workspace
REF = "bench-kb-{:04d}"
# (name, children): three levels at most; articles go into every directory
TREE = (
    ("Getting started", (("Accounts and users", ()), ("First steps", ()))),
    ("Billing and plans", (("Invoices", (("Invoice corrections", ()),)),
                           ("Payment methods", ()))),
    ("Sign-in and security", (("Passwords", ()), ("Single sign-on", ()),
                              ("Two-factor authentication", ()))),
    ("Troubleshooting", (("Error messages", (("Sync errors", ()),)),
                         ("Performance", ()))),
    ("Integrations", (("Calendar", ()), ("Webhooks and API", ()))),
    ("Mobile app", ()),
)
AUDIENCES = (("public", 85), ("verified", 10), ("admins", 5))
STEP_OPENERS = ("Follow these steps:", "Here is how:", "To do this:", "Step by step:")
NOTES = ("**Note:** changes can take a few minutes to show on every device.",
         "**Tip:** administrators can make this the default for everyone.",
         "**Important:** export your data first if you are unsure.")


def directory_specs() -> list[tuple[str, str | None]]:
    """(name, parent name) of every directory, parents first."""
    out = []

    def walk(nodes, parent):
        for name, children in nodes:
            out.append((name, parent))
            walk(children, name)

    walk(TREE, None)
    return out


def _chain():
    from bench.search.evaluate import load_articles
    from bench.search.speed import Chain

    return Chain([f"{a.title}. {a.body}" for a in load_articles("en-US")])


def _paragraph(chain, rng) -> str:
    return " ".join(chain.sentence().capitalize() + "." for _ in range(rng.randint(2, 6)))


def markdown(number: int, chain, seed: int = 1) -> str:
    """The Markdown file of article `number` (the same for the same number and seed)."""
    rng = random.Random(seed * 1_000_003 + number)
    chain.rng = rng
    title = chain.sentence(rng.randint(4, 9)).capitalize()
    parts = [f"# {title}", _paragraph(chain, rng)]
    sections = min(80, max(2, round(rng.lognormvariate(2.6, 0.7))))
    for _ in range(sections):
        parts.append("## " + chain.sentence(rng.randint(3, 7)).capitalize())
        for _ in range(rng.randint(1, 4)):
            parts.append(_paragraph(chain, rng))
        if rng.random() < 0.5:
            steps = [f"{i}. {chain.sentence(rng.randint(5, 14)).capitalize()}."
                     for i in range(1, rng.randint(3, 8))]
            parts.append(rng.choice(STEP_OPENERS) + "\n\n" + "\n".join(steps))
        if rng.random() < 0.2:
            parts.append(rng.choice(NOTES))
    return "\n\n".join(parts) + "\n"


def _directories(ws) -> list[Directory]:
    """The tree's directories, made on the first run and found by slug afterwards."""
    from portal.services import article_content

    made: dict[str, Directory] = {}
    for position, (name, parent) in enumerate(directory_specs()):
        slug = article_content.slugify(name, "directory")
        found = db.session.scalar(select(Directory).where(Directory.workspace_id == ws.id,
                                                          Directory.slug == slug))
        if found is None:
            found = directories.save_directory(
                ws, names={ws.default_locale: name}, slug=slug, position=position,
                descriptions={ws.default_locale: f"Articles about {name.lower()}."},
                parent_id=made[parent].id if parent else None)
        made[name] = found
    return list(made.values())


def _placement(number: int, dirs: list[Directory], seed: int) -> tuple[Directory, str]:
    rng = random.Random(seed * 7919 + number)
    values, weights = zip(*AUDIENCES, strict=True)
    return dirs[number % len(dirs)], rng.choices(values, weights)[0]


def seed(articles: int = 1000, *, slug: str = SLUG, seed: int = 1, progress: bool = True,
         source_dir: Path | None = None, embedder: str | None = "lsa",
         reindex: bool = False) -> dict:
    """Create or top up the knowledge base (inside an app context); returns counts.
    `embedder` is the SEARCH_EMBEDDER the indexes are built with (None: the app's own);
    the default, LSA, builds 1,000 long articles in seconds, where the sentence model
    needs ~5 minutes on two busy cores (pages need no search index; bench.search builds
    its own)."""
    from flask import current_app
    from tqdm import tqdm

    from portal.search import build, store

    ws = workspaces.by_slug(slug) or workspaces.create_workspace(slug, "Helpport Bench")
    requested: set[int] = set()
    extensions = current_app.extensions
    queued, extensions[REINDEX] = extensions[REINDEX], requested.add  # built below instead
    configured = current_app.config["SEARCH_EMBEDDER"]
    if embedder:
        current_app.config["SEARCH_EMBEDDER"] = embedder
    try:
        with use_workspace(ws.id):
            if portal_settings.published(ws).features.knowledge_base != "public":
                portal_settings.change(ws, {"features.knowledge_base": "public"})
                db.session.commit()
            dirs = _directories(ws)
            have = set(db.session.scalars(select(Article.external_ref).where(
                Article.workspace_id == ws.id, Article.external_ref.like("bench-kb-%"))))
            missing = [n for n in range(1, articles + 1) if REF.format(n) not in have]
            added = _import(ws, missing, dirs, seed, progress, source_dir) if missing else 0
            published = build.published_count(ws.id)
            indexed = all(store.newest_stamp(ws.id, loc) for loc in build.locales(ws))
            if added or requested or reindex or not indexed:
                with tqdm(total=build.steps(ws), unit="doc", desc="search index",
                          disable=not progress) as bar:
                    build.rebuild_workspace(ws.id, progress=bar.update)
    finally:
        extensions[REINDEX] = queued
        current_app.config["SEARCH_EMBEDDER"] = configured
    return {"workspace_id": ws.id, "articles": published, "added": added,
            "directories": len(dirs)}


def _import(ws, numbers: list[int], dirs, seed: int, progress: bool,
            source_dir: Path | None) -> int:
    from tqdm import tqdm

    chain = _chain()
    with tempfile.TemporaryDirectory(dir=source_dir) as tmp:
        added = 0
        for number in tqdm(numbers, desc="kb articles", unit="article", disable=not progress):
            path = Path(tmp) / f"{REF.format(number)}.md"
            path.write_text(markdown(number, chain, seed), encoding="utf-8")
            directory, audience = _placement(number, dirs, seed)
            article_import.import_file(ws, path, status="published", audience=audience,
                                       locale=ws.default_locale, directory_id=directory.id)
            added += 1
    return added


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--slug", default=SLUG)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--embedder", default="lsa", choices=("lsa", "auto", "sentence"),
                        help="the search engine the indexes are built with (default lsa)")
    parser.add_argument("--reindex", action="store_true", help="rebuild the indexes anyway")
    parser.add_argument("--no-migrate", action="store_true",
                        help="skip `portal init-db` (the schema is already current)")
    args = parser.parse_args(argv)
    from portal import create_app, database

    app = create_app()
    with app.app_context(), app.test_request_context():
        if not args.no_migrate:
            database.upgrade()
        result = seed(args.articles, slug=args.slug, seed=args.seed, embedder=args.embedder,
                      reindex=args.reindex)
    print(f"workspace {args.slug}: {result['articles']} published articles "
          f"({result['added']} added) in {result['directories']} directories")


if __name__ == "__main__":
    main()
