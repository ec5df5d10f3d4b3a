""""Was this helpful?" votes and article view counts, each counted once per reader, so that
clearing cookies or opening fresh sessions adds nothing.

- A signed-in contact has one vote per article; voting again changes it.
- An anonymous visitor is known only by a keyed hash of the client address and the UTC
  day (the address itself is never stored): one vote per address, article and day, which
  a later vote of the same address that day changes. The portal also limits anonymous
  votes per address (KB_VOTE_LIMIT_PER_ADDRESS, Flask-Limiter, in Redis when configured).
- A view counts once per reader (the contact, else the address hash) per article and
  VIEW_PERIOD, remembered in Redis (without one: in this process, like the stand-in's).
"""

import hashlib
import hmac
from datetime import timedelta
from functools import cache

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db, redis_connection
from portal.models import Article, ArticleVote, Contact, Workspace
from portal.models.base import utcnow
from portal.services.scoped import read_connection
from portal.tenancy import NoWorkspace, current_workspace_id

VIEW_PERIOD = timedelta(days=1)
ANONYMOUS_KEPT = timedelta(days=2)  # an anonymous vote only matters on its own day


def visitor_key(address: str) -> str:
    """A keyed hash of the client address and today's date: enough to tell one visitor's
    second vote or view of the day from a new one, useless for anything else."""
    secret = current_app.config["SECRET_KEY"].encode()
    day = utcnow().date().isoformat()
    return hmac.new(secret, f"kb-visitor|{day}|{address}".encode(), hashlib.sha256).hexdigest()


def _reader_match(reader: Contact | None, address: str):
    if reader is not None:
        return ArticleVote.contact_id == reader.id, {"contact_id": reader.id}
    key = visitor_key(address)
    return ArticleVote.visitor == key, {"visitor": key}


def current_vote(ws: Workspace, article_id: int, reader: Contact) -> bool | None:
    """The signed-in reader's vote on the article (True: helpful), or None when they have
    not voted. (Anonymous readers see the same cached page, whatever they voted.)

    Asked on every article page a contact opens, so the statement is built once and scoped
    here exactly as the tenancy guard would scope it: to the current workspace (none
    current: NoWorkspace; `ws` another one: no vote, what the guard's added condition would
    leave). It runs as a Core statement on the session's connection, which the guard does
    not see: its walk and criteria were three fifths of the query's time, for a condition
    the statement already has (tests/web/test_page_cache_hits.py checks the scoping)."""
    workspace_id = current_workspace_id()
    if workspace_id is None:
        raise NoWorkspace("workspace-owned query without a current workspace")
    if ws.id != workspace_id:
        return None
    return read_connection().execute(_vote_of_contact(), {
        "workspace_id": workspace_id, "article_id": article_id, "reader": reader.id}).scalar()


@cache
def _vote_of_contact():
    """A Core statement on the table, run on the session's connection (read_connection):
    no ORM set-up and no guard hook; scoped by current_vote itself (see there)."""
    votes = ArticleVote.__table__.c
    return select(votes.helpful).where(
        votes.workspace_id == bindparam("workspace_id"),
        votes.article_id == bindparam("article_id"),
        votes.contact_id == bindparam("reader"),
    )


def _count(article: Article, helpful: bool, step: int) -> None:
    column = Article.helpful_yes if helpful else Article.helpful_no
    db.session.execute(update(Article).where(Article.workspace_id == article.workspace_id,
                                             Article.id == article.id)
                       .values({column.key: column + step}))


def vote(ws: Workspace, article: Article, reader: Contact | None, address: str,
         helpful: bool) -> None:
    """Record the reader's vote: the first one counts, a different one replaces it."""
    match, fields = _reader_match(reader, address)
    found = db.session.scalar(select(ArticleVote).where(
        ArticleVote.workspace_id == ws.id, ArticleVote.article_id == article.id, match)
        .with_for_update())
    now = utcnow()
    if found is None:
        try:
            with db.session.begin_nested():
                db.session.add(ArticleVote(workspace_id=ws.id, article_id=article.id,
                                           helpful=helpful, created_at=now, updated_at=now,
                                           **fields))
        except IntegrityError:  # the same reader's vote, at the same moment: that one counts
            db.session.commit()
            return
        _count(article, helpful, 1)
        if reader is None:
            db.session.execute(delete(ArticleVote).where(
                ArticleVote.workspace_id == ws.id, ArticleVote.article_id == article.id,
                ArticleVote.visitor.is_not(None),
                ArticleVote.created_at < now - ANONYMOUS_KEPT))
    elif found.helpful != helpful:
        _count(article, found.helpful, -1)
        _count(article, helpful, 1)
        found.helpful, found.updated_at = helpful, now
    db.session.commit()


def count_view(ws: Workspace, article_id: int, reader: Contact | None, address: str) -> bool:
    """Count a view of article `article_id` unless this reader was counted for it within
    VIEW_PERIOD. Without Redis nothing is counted (and nothing fails): a lost view beats an
    inflated one. Takes the id, so a page served without loading the article can count too.

    The count is one UPDATE committed without expiring what the request has loaded: the
    page renders from the rows it already has instead of loading each one again."""
    who = f"contact:{reader.id}" if reader is not None else visitor_key(address)
    key = f"helpport:kb-view:{ws.id}:{article_id}:{who}"
    seconds = int(VIEW_PERIOD.total_seconds())
    conn = redis_connection()
    marks = getattr(conn, "marks", None)  # the in-process stand-in: the same, faster
    try:
        first = marks.add(key, seconds) if marks is not None else conn.set(
            key, 1, nx=True, ex=seconds)
    except RedisError:
        current_app.logger.warning("kb view not counted: Redis is unavailable")
        return False
    if not first:
        return False
    session = db.session()
    session.execute(update(Article).where(Article.workspace_id == ws.id,
                                          Article.id == article_id)
                    .values(views=Article.views + 1)
                    .execution_options(synchronize_session=False))
    keep = session.expire_on_commit
    session.expire_on_commit = False  # nothing loaded changed but `views`, shown nowhere
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
    return True
