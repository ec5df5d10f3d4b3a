"""Seed the `searchbench` workspace for bench/search_load.py: a public knowledge base of N
synthetic articles (bench/search/speed.py's generator: word-bigram text from the relevance
set, Zipf rare words), one verified contact with an API token and a web session, and the
search index the product builds (portal.search.build.rebuild_workspace).

Rows go in with Core bulk inserts; the Markdown is rendered by the product's renderer, so
`body_html` is what an editor's save stores. Idempotent: an existing workspace with the
requested number of articles and an index is reused (only new tokens are minted).

    PORTAL_DATABASE_URL=... python -m bench.search_seed --articles 10000 --out seed.json
"""

import argparse
import json
import random
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from portal.extensions import db
from portal.models import Article, ArticleTranslation, Contact, SearchIndex
from portal.services import article_content, contacts, portal_settings, workspaces
from portal.tenancy import use_workspace

SLUG = "searchbench"
READER_EMAIL = "reader@searchbench.example"
BATCH = 1000
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
# who may read: most articles are public, some for signed-in customers, a few for admins
AUDIENCES = (("public", 80), ("verified", 15), ("admins", 5))


def _markdown(rng: random.Random, body: str, long: bool) -> str:
    """The generated paragraphs as Markdown: a heading, some emphasis, a list; one article
    in ten is about ten times longer (manuals, release notes)."""
    paragraphs = body.split("\n\n")
    if long:
        paragraphs = paragraphs * 10
    out = []
    for i, para in enumerate(paragraphs):
        if i and i % 3 == 0:
            out.append(f"## Step {i // 3}")
        words = para.split(" ")
        if len(words) > 6:
            k = rng.randrange(len(words) - 1)
            words[k] = f"**{words[k]}**"
        out.append(" ".join(words))
        if i % 4 == 1:
            out.append("\n".join(f"- {w}" for w in rng.sample(words, min(3, len(words)))))
    return "\n\n".join(out)


def _rows(ws_id: int, start: int, count: int, seed: int):
    from bench.search.speed import synthetic

    rng = random.Random(seed)
    articles, texts = [], []
    for i, title, body in synthetic(start + count, seed)[start:]:
        audience = rng.choices([a for a, _w in AUDIENCES], [w for _a, w in AUDIENCES])[0]
        articles.append({"workspace_id": ws_id, "kind": "native", "status": "published",
                         "audience": audience, "slug": f"article-{i}", "position": i,
                         "created_at": WHEN, "updated_at": WHEN, "published_at": WHEN})
        source = _markdown(rng, body, long=i % 10 == 0)
        description, html = body.split(". ")[0][:500], article_content.render_markdown(source)
        texts.append({"workspace_id": ws_id, "locale": "en-US", "title": title[:300],
                      "description": description, "body": source, "body_html": html,
                      "plain_text": article_content.plain_text(description, source, html),
                      "updated_at": WHEN})
    return articles, texts


def seed(count: int, seed_value: int = 1) -> dict:
    ws = workspaces.by_slug(SLUG) or workspaces.create_workspace(SLUG, "Search Bench",
                                                                 kb_access="public")
    portal_settings.change(ws, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(ws.id):
        have = db.session.scalar(select(func.count(Article.id)).where(
            Article.workspace_id == ws.id)) or 0
        added = 0
        while have < count:
            n = min(BATCH, count - have)
            articles, texts = _rows(ws.id, have, n, seed_value)
            conn = db.session.connection()
            table = Article.__table__
            ids = list(conn.execute(insert(table).returning(
                table.c.id, sort_by_parameter_order=True), articles).scalars())
            for row, article_id in zip(texts, ids, strict=True):
                row["article_id"] = article_id
            conn.execute(insert(ArticleTranslation.__table__), texts)
            db.session.commit()
            have, added = have + n, added + n
        indexed = db.session.scalar(select(func.count(SearchIndex.id)).where(
            SearchIndex.workspace_id == ws.id))
        if added or not indexed:
            from portal.search import build

            build.rebuild_workspace(ws.id)
        reader = contacts.by_email(ws, READER_EMAIL)
        if reader is None:
            reader = Contact(workspace_id=ws.id, email=READER_EMAIL, name="Robin Reader",
                             verified=True)
            db.session.add(reader)
            db.session.commit()
        from portal.auth import sessions

        api_token, _row = sessions.start(reader, kind="api")
        web_token, _row = sessions.start(reader, kind="web")
        cookie = f"{sessions.COOKIE}_{ws.id}={web_token}"
        db.session.commit()
    return {"workspace_id": ws.id, "slug": SLUG, "articles": have, "added": added,
            "api_token": api_token, "cookie": cookie}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Seed the search load benchmark.")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    from portal import create_app, database

    app = create_app()
    with app.app_context(), app.test_request_context():
        database.upgrade()
        data = seed(args.articles)
    with open(args.out, "w") as fh:
        json.dump(data, fh, indent=2)
    print(f"workspace {SLUG}: {data['articles']} articles ({data['added']} added)")


if __name__ == "__main__":
    main()
