"""Knowledge-base search for the portal, the API and the ticket form.

Visibility first: the reader's allowed article ids (portal.services.article_access.visible_ids) mask
the index before ranking, so a hidden article never takes a place or counts in a total.
With no stored index yet, a small workspace builds one on the spot; a large one falls back
to a plain LIKE search until the job has built it. Never an error page for odd input.

Kept per index version (each process, each index): the visibility masks, and the answers
per audience set and `Workspace.content_version`, which every write that changes an
article, a translation or who may read it bumps in its own transaction
(portal.models.content_version). A kept answer is served with no statement at all while
the version it was read at is the workspace's current one; the first search after a change
reads its hits again, visibility checked in the same query."""

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Article, ArticleTranslation, Contact, SearchQuery, Workspace
from portal.observability.metrics import SEARCH_SECONDS
from portal.search import build, snippets, store, synonyms
from portal.search.analysis import Analyzer
from portal.search.engine import MODES, QUERY_MAX, Index, Ranking
from portal.services import article_access, portal_settings
from portal.services.errors import Invalid
from portal.services.scoped import read_connection
from portal.tenancy import use_workspace

LIMIT_MAX = 50
SYNC_BUILD_MAX = 2000  # published articles a request may index synchronously
LOGGED_QUERY_MAX = 200
DIGESTS_MAX = 16  # audience sets whose visible-id digest an index keeps
STATEMENTS_MAX = 64  # hits statements an index keeps (audience sets, locales, hit counts)


@dataclass(frozen=True)
class ArticleRef:
    """What a result needs of its article (links, ids): no ORM object per hit."""
    id: int
    slug: str
    external_ref: str | None


@dataclass
class Hit:
    article: ArticleRef
    title: str
    score: float
    snippet: Markup  # escaped text with <mark>…</mark> around matched words
    locale: str | None = None  # the language of title and snippet, when known


@dataclass
class SearchResult:
    mode: str
    total: int
    results: list[Hit]


def _check(query, mode) -> str:
    if mode not in MODES:
        raise Invalid(_("Unknown search mode."), field="mode")
    if not isinstance(query, str) or "\x00" in query:
        raise Invalid(_("Enter a search text."), field="q")
    if len(query) > QUERY_MAX:
        raise Invalid(_("The search text is too long."), field="q")
    return " ".join(query.split())


def _locale(ws: Workspace, locale: str | None) -> str:
    return locale if build.has_locale(ws, locale) else ws.default_locale


def index_for(ws: Workspace, locale: str) -> Index | None:
    """The stored index, building it now when there is none and the workspace is small."""
    index = store.current(ws.id, locale)
    if index is None and build.published_count(ws.id) <= SYNC_BUILD_MAX:
        try:
            build.rebuild_workspace(ws.id)
        except Exception:  # a failed build must not fail the search: LIKE instead
            db.session.rollback()
            current_app.logger.exception("search index build failed for %s", ws.slug)
            return None
        index = store.current(ws.id, locale)
    return index


def search(ws: Workspace, reader: Contact | None, query: str, *, mode: str = "hybrid",
           locale: str, limit: int = 10, exclude: int | None = None) -> SearchResult:
    """`exclude`: an article id that takes no part, neither in the ranking nor in the
    relevance floor's judgement (related articles: the article itself always matches its
    own title)."""
    text = _check(query, mode)
    mode = _allowed_mode(ws, mode)
    limit = max(1, min(int(limit), LIMIT_MAX))
    if not text:
        return SearchResult(mode, 0, [])
    return _run(ws, reader, text, mode, _locale(ws, locale), limit, prefix=False,
                exclude=exclude, asked=locale)


def _allowed_mode(ws: Workspace, mode: str) -> str:
    """With AI search off in the portal settings (features.ai_search), keyword ranking only:
    the answer says which mode ranked it."""
    if mode != "keyword" and not portal_settings.published(ws).features.ai_search:
        return "keyword"
    return mode


def suggest(ws: Workspace, reader: Contact | None, text: str, *, locale: str,
            limit: int = 5) -> list[Hit]:
    """Articles for a half-typed text (the last word may be unfinished)."""
    if not isinstance(text, str) or "\x00" in text or len(text) > QUERY_MAX:
        return []
    if len(text.strip()) < 2:
        return []
    limit = max(1, min(int(limit), LIMIT_MAX))
    return _run(ws, reader, text.lstrip(), _allowed_mode(ws, "hybrid"), _locale(ws, locale),
                limit, prefix=True, asked=locale).results


@dataclass(frozen=True)
class _Found:
    """A search's answer as the cache keeps it (no ORM objects)."""
    total: int
    hits: tuple[tuple[ArticleRef, str, float, Markup], ...]  # (article, title, score, snippet)


def _run(ws, reader, text, mode, locale, limit, prefix, exclude=None,
         asked=None) -> SearchResult:
    """`locale`: the index searched; `asked`: the page's language (its synonyms apply too,
    when its texts are searched in the default language's index)."""
    with SEARCH_SECONDS.labels("suggest" if prefix else "search").time(), \
            use_workspace(ws.id):
        allowed = article_access.audiences(ws, reader)
        if not allowed:
            return SearchResult(mode, 0, [])
        index = index_for(ws, locale)
        # bumped in the same transaction by every write that changes an article, its
        # translations or who may read it (portal.models.content_version), and read from
        # the database in this request: what was kept at this version is still true
        version = ws.content_version
        digest = _digest(ws, allowed, index, version)
        if digest[0] == 0:
            return SearchResult(mode, 0, [])
        if index is None:
            return _like_search(ws, allowed, text, mode, locale, limit)
        typed, languages = text, (asked or locale, locale)
        text = synonyms.expand(ws, languages, text, prefix)  # the admins' synonym groups
        # readers of one audience set share a mask and the answers (never another set's)
        key = (allowed, version, mode, typed, text, limit, prefix, exclude)
        keep = current_app.config["SEARCH_RESULT_CACHE"]
        found = _answers.get(index, key) if keep else None
        if found is None:
            mask = index.cached_mask((allowed, digest), lambda: _visible_ids(ws, allowed))
            if exclude is not None:
                mask = mask & (index.ids != exclude)
            ranking = index.query(text, mode, limit, prefix=prefix, allowed_mask=mask,
                                  floor_query=(typed, synonyms.alternatives(ws, languages,
                                                                            typed)))
            found = _found(ws, allowed, ranking, index, locale)
            _answers.put(index, key, found, keep)
        return SearchResult(mode, found.total, [Hit(*hit) for hit in found.hits])


class _Answers:
    """The answers this process keeps, over all its indexes: the `limit` (SEARCH_RESULT_CACHE)
    most recently used. Was 500 per index, first in first out: the load benchmark's 2,000
    mixed queries (1,286 different in keyword and hybrid, 1,576 in suggest) hit 29 % (13 %)
    of the time in a three-pass replay, and a process with many indexes could keep 500 of
    each. Each entry holds its index weakly: an answer of a replaced index is never served
    (nor keeps the index alive)."""

    def __init__(self):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, index: Index, key) -> "_Found | None":
        with self._lock:
            entry = self._entries.get((id(index), key))
            if entry is None or entry[0]() is not index:
                return None
            self._entries.move_to_end((id(index), key))
            return entry[1]

    def put(self, index: Index, key, found: "_Found", limit: int) -> None:
        if limit <= 0:
            return
        with self._lock:
            self._entries[(id(index), key)] = (weakref.ref(index), found)
            self._entries.move_to_end((id(index), key))
            while len(self._entries) > limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_answers = _Answers()


def _visible_ids(ws: Workspace, allowed: tuple[str, ...]) -> set[int]:
    return set(db.session.scalars(select(Article.id).where(
        article_access.audience_condition(ws, allowed))))


def _digest(ws: Workspace, allowed: tuple[str, ...], index: Index | None,
            version: int) -> tuple:
    """`_visible_digest`, asked of the database once per index, audience set and content
    version (a write that may change who reads what bumps the version)."""
    if index is None:
        return _visible_digest(ws, allowed)
    kept = index.cache_get("digests", (allowed, version))
    if kept is None:
        kept = _visible_digest(ws, allowed)
        index.cache_put("digests", (allowed, version), kept, DIGESTS_MAX)
    return kept


def _visible_digest(ws: Workspace, allowed: tuple[str, ...]) -> tuple[int, int]:
    """(count, sum) of the ids `allowed` may read: one aggregate over a covering index
    (~1 ms at 10k articles) instead of loading every id. The visibility masks are kept per
    digest, so an edit that changes no one's access (a title, a body) keeps them.
    Publishing, hiding, deleting or moving one article changes it, and so does swapping
    one for another; only a commit that swaps several with equal id sums would not -- then
    a hidden article may take a place in the ranking or count in a total, but is never
    shown: the hits are read with their visibility checked again (`_found`)."""
    if not allowed:
        return (0, 0)
    row = db.session.execute(select(func.count(Article.id),
                                    func.coalesce(func.sum(Article.id), 0))
                             .where(article_access.audience_condition(ws, allowed))).one()
    return (int(row[0]), int(row[1]))


@dataclass(frozen=True)
class _HitsSql:
    """The hits select for `count` ids compiled once for a dialect: its SQL text and how
    to fill its parameters (the bound values, then the ids)."""
    sql: str
    bound: dict
    names: tuple[str, ...] | None  # positional parameters in order (None: named)

    def parameters(self, ids: list[int]):
        values = {**self.bound, **{f"id{i}": doc_id for i, doc_id in enumerate(ids)}}
        return values if self.names is None else tuple(values[n] for n in self.names)


def _hits_sql(ws: Workspace, allowed: tuple[str, ...], wanted: tuple[str, ...],
              index: Index, count: int, dialect) -> _HitsSql:
    """The select of `_found`, compiled once per index, audience set, locales and number
    of hits: the hits' columns, their translations in `wanted`, only those `allowed` may
    read (article_access's condition). It names its workspace itself (the article's by
    article_access, the translation's in the join) and runs as the driver's SQL on the
    session's connection: through the ORM and the guard it cost ~0.3 ms (up to 0.9 ms
    within a request) of which SQLite's own work was 0.03 ms."""
    key = (allowed, wanted, count, dialect.name)
    kept = index.cache_get("statements", key)
    if kept is None:
        a, tr = Article.__table__.c, ArticleTranslation.__table__.c
        statement = (
            select(a.id, a.slug, a.external_ref, tr.locale, tr.title, tr.plain_text)
            .select_from(Article.__table__.outerjoin(
                ArticleTranslation.__table__,
                and_(tr.article_id == a.id, tr.workspace_id == ws.id,
                     tr.locale.in_(wanted))))
            .where(a.id.in_([bindparam(f"id{i}", 0) for i in range(count)]),
                   article_access.audience_condition(ws, allowed)))
        # the audiences' and locales' IN lists rendered with their (constant) values
        state = statement.compile(dialect=dialect).construct_expanded_state(
            {f"id{i}": 0 for i in range(count)})
        kept = _HitsSql(state.statement, dict(state.parameters),
                        tuple(state.positiontup) if state.positiontup is not None else None)
        index.cache_put("statements", key, kept, STATEMENTS_MAX)
    return kept


def _found(ws: Workspace, allowed: tuple[str, ...], ranking: Ranking, index: Index,
           locale: str) -> _Found:
    """The ranked articles with their title and snippet: one query for the articles and
    their stored plain text in the locale or the default one, visibility checked again
    (an article hidden since the mask was made is left out)."""
    if not ranking.hits:
        return _Found(ranking.total, ())
    wanted = (locale, ws.default_locale)
    rows: dict[int, tuple] = {}  # article id -> (ref, locale rank, title, text)
    connection = read_connection()
    hits_sql = _hits_sql(ws, allowed, wanted, index, len(ranking.hits), connection.dialect)
    for article_id, slug, ref, tr_locale, title, text in connection.exec_driver_sql(
            hits_sql.sql, hits_sql.parameters([doc_id for doc_id, _s in ranking.hits])).all():
        rank = wanted.index(tr_locale) if tr_locale in wanted else len(wanted)
        if article_id not in rows or rank < rows[article_id][1]:
            rows[article_id] = (ArticleRef(article_id, slug, ref), rank, title, text)
    analyzer = index.analyzer
    pattern = snippets.matcher(ranking.stems, analyzer)
    hits = []
    for doc_id, score in ranking.hits:
        found = rows.get(doc_id)
        if found is None:  # deleted or hidden since the index was built
            continue
        ref, rank, title, text = found
        shown = wanted[rank] if rank < len(wanted) else None
        if rank == len(wanted) or text is None:  # another locale, or text not stored yet
            title, text = build.article_text(db.session.get(Article, doc_id), locale,
                                             ws.default_locale)
        hits.append((ref, title, round(score, 6),
                     snippets.snippet(text, ranking.stems, analyzer, pattern=pattern), shown))
    return _Found(ranking.total, tuple(hits))


def _like_search(ws, allowed, text, mode, locale, limit) -> SearchResult:
    """Until an index exists: articles whose title or text contains the whole phrase."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped[:200]}%"
    match = select(ArticleTranslation.article_id).where(or_(
        ArticleTranslation.title.ilike(pattern, escape="\\"),
        ArticleTranslation.description.ilike(pattern, escape="\\"),
        ArticleTranslation.body.ilike(pattern, escape="\\")))
    found = list(db.session.scalars(
        select(Article).where(Article.id.in_(match),
                              article_access.audience_condition(ws, allowed))
        .options(selectinload(Article.translations)).order_by(Article.id)))
    analyzer = Analyzer(locale)
    stems = set(analyzer(text))
    hits = []
    for article in found[:limit]:
        title, body = build.article_text(article, locale, ws.default_locale)
        hits.append(Hit(ArticleRef(article.id, article.slug, article.external_ref), title,
                        1.0, snippets.snippet(body, stems, analyzer)))
    return SearchResult(mode, len(found), hits)


def log_query(ws: Workspace, locale: str, query: str, results: int,
              visitor: str | None = None) -> int:
    """Remember one customer search for the admins' analytics; returns its id. `visitor`:
    portal.search.analytics.visitor_key of the searcher (for synonym proposals)."""
    text = " ".join(str(query or "").replace("\x00", "").split()).lower()[:LOGGED_QUERY_MAX]
    row = SearchQuery(workspace_id=ws.id, locale=str(locale)[:10], query=text,
                      results=max(0, int(results)), visitor=visitor)
    with use_workspace(ws.id):
        db.session.add(row)
        db.session.commit()
        return row.id


def record_open(ws: Workspace, query_id: int, article_id: int) -> bool:
    """The customer opened `article_id` from the results of search `query_id` (the first
    open counts). False when the search or the article is not this workspace's."""
    with use_workspace(ws.id):
        exists = db.session.scalar(select(Article.id).where(
            Article.workspace_id == ws.id, Article.id == article_id))
        if exists is None:
            return False
        done = db.session.execute(
            update(SearchQuery).where(SearchQuery.workspace_id == ws.id,
                                      SearchQuery.id == query_id,
                                      SearchQuery.opened_article_id.is_(None))
            .values(opened_article_id=article_id))
        db.session.commit()
        return bool(done.rowcount)
