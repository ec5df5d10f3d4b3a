"""Answers from the knowledge base, scoped to the reader (issue 15, part 2).

A question is searched with the search service (`service.search(ws, reader, ...)`), which
ranks only the articles `reader` may open and returns nothing below its relevance floor.
The hits' texts are read again through portal.services.article_access (what the reader may
open, checked in the same query), and the answer is the best sentences of at most three of
them (portal.search.extract), each cited with its page. With a chat endpoint configured
(portal.search.chat_answer) the answer is written from those articles' passages instead,
and the sources are the same. No hit, or no sentence sharing a word with the question: no
answer and no sources. Every question is stored with its answer (portal.services.kb_answers)."""

from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Article, Contact, Workspace
from portal.search import build, chat_answer, extract, service, synonyms
from portal.search.service import ArticleRef
from portal.services import article_access, kb_answers
from portal.tenancy import use_workspace

HITS = 5  # search results read for an answer


@dataclass(frozen=True)
class Source:
    article: ArticleRef
    title: str


@dataclass(frozen=True)
class Composed:
    text: str | None
    sources: tuple[Source, ...]
    generated: bool = False


@dataclass(frozen=True)
class Asked:
    id: int
    text: str | None
    sources: tuple[Source, ...]
    feedback_token: str | None  # anonymous askers prove with it that they asked


def ask(ws: Workspace, reader: Contact | None, question: str, *, locale: str,
        url=None) -> Asked:
    """Answer `question` for `reader` (None: anonymous) in `locale` and store it. `url`
    (article ref -> its page) gives the chat model the sources' addresses."""
    question = " ".join(question.split())
    composed = compose(ws, reader, question, locale=locale, url=url)
    row = kb_answers.record(ws, reader, locale, question, composed.text,
                            [s.article.id for s in composed.sources], composed.generated)
    token = kb_answers.feedback_token(ws, row.id) if reader is None else None
    return Asked(row.id, composed.text, composed.sources, token)


def compose(ws: Workspace, reader: Contact | None, question: str, *, locale: str,
            url=None) -> Composed:
    if not question:
        return Composed(None, ())
    hits = service.search(ws, reader, question, mode="hybrid", locale=locale,
                          limit=HITS).results
    if not hits:
        return Composed(None, ())
    with use_workspace(ws.id):
        readable = {a.id: a for a in db.session.scalars(
            article_access.visible_articles(ws, reader)
            .where(Article.id.in_([h.article.id for h in hits]))
            .options(selectinload(Article.translations)))}
        hits = [h for h in hits if h.article.id in readable]
        texts = [build.article_text(readable[h.article.id], locale, ws.default_locale)[1]
                 for h in hits]
    extra = " ".join(synonyms.extra_terms(ws, locale, question))
    found = extract.extract(texts, question, synonyms.analyzer(locale), extra)
    if found is None:
        return Composed(None, ())
    sources = tuple(Source(hits[i].article, hits[i].title) for i in found.sources)
    if chat_answer.configured():
        written = chat_answer.write(question, _passages(found, hits, url), locale)
        if written:
            return Composed(written, sources, generated=True)
    return Composed(found.text, sources)


def _passages(found: extract.Extract, hits, url) -> list[chat_answer.Passage]:
    """Per cited article, its best sentences in reading order (only articles the reader may
    open reach this point)."""
    out = []
    for index in found.sources:
        hit = hits[index]
        text = " ".join(s.text for s in found.context if s.source == index)
        out.append(chat_answer.Passage(hit.title, url(hit.article) if url else "", text))
    return out
