"""Questions asked of the knowledge base and their answers (portal.search.answers composes
them): stored once each, rated by their asker only, listed for the admins.

Who is the asker of an answer:
- a signed-in contact's answer (`contact_id` set): that contact, with a bearer token of
  theirs; nobody else, whatever they send;
- an anonymous answer: whoever holds the `feedback_token` returned with it, an HMAC of the
  workspace and the answer id under the app's secret key. Only the asker ever received it,
  it is never stored (a database reader cannot rate), it cannot be derived from the id,
  and it works for no other answer or workspace. A signed-in caller with an anonymous
  answer's token may rate it too (they asked before signing in).
Any other caller gets the same 404 as for an answer that does not exist, so answer ids
reveal nothing. A rating can be changed (the last one counts)."""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import Article, Contact, KbAnswer, Workspace
from portal.services.errors import NotFound
from portal.services.scoped import by_id
from portal.tenancy import use_workspace

QUESTION_MAX = 500
TOKEN_CONTEXT = b"kb-answer-feedback"


def record(ws: Workspace, asker: Contact | None, locale: str, question: str,
           answer: str | None, source_ids: list[int], generated: bool) -> KbAnswer:
    row = KbAnswer(workspace_id=ws.id, contact_id=asker.id if asker else None,
                   locale=str(locale)[:10], question=question[:QUESTION_MAX], answer=answer,
                   source_ids=list(source_ids), generated=generated)
    with use_workspace(ws.id):
        db.session.add(row)
        db.session.commit()
    return row


def feedback_token(ws: Workspace, answer_id: int) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), TOKEN_CONTEXT,
                   hashlib.sha256).digest()
    mac = hmac.new(key, f"{ws.id}:{answer_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _is_asker(ws: Workspace, row: KbAnswer, caller: Contact | None, token) -> bool:
    if row.contact_id is not None:
        return caller is not None and caller.id == row.contact_id
    return isinstance(token, str) and hmac.compare_digest(
        token.encode(), feedback_token(ws, row.id).encode())


def rate(ws: Workspace, answer_id: int, caller: Contact | None, token: str | None,
         helpful: bool) -> KbAnswer:
    """The asker's rating; NotFound for anyone else (and for an unknown answer)."""
    with use_workspace(ws.id):
        row = by_id(KbAnswer, ws, answer_id)
        if row is None or not _is_asker(ws, row, caller, token):
            raise NotFound(_("No such answer."))
        row.helpful = bool(helpful)
        db.session.commit()
        return row


# -- the admins' page ------------------------------------------------------------------

@dataclass(frozen=True)
class Totals:
    questions: int
    answered: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Listed:
    id: int
    question: str
    answer: str | None
    locale: str
    sources: list[tuple[int, str]]  # (article id, title)
    helpful: bool | None
    generated: bool
    signed_in: bool
    created_at: datetime


@dataclass(frozen=True)
class Gap:
    question: str
    asked: int
    last_asked: datetime


def totals(ws: Workspace, since: datetime) -> Totals:
    with use_workspace(ws.id):
        row = db.session.execute(select(
            func.count(KbAnswer.id),
            func.count(KbAnswer.answer),
            func.coalesce(func.sum(case((KbAnswer.helpful.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((KbAnswer.helpful.is_(False), 1), else_=0)), 0))
            .where(KbAnswer.workspace_id == ws.id, KbAnswer.created_at >= since)).one()
    return Totals(*(int(v or 0) for v in row))


def recent(ws: Workspace, since: datetime, limit: int = 50) -> list[Listed]:
    """The newest questions with their answers, cited articles (as staff see them: every
    article of the workspace; a deleted one is left out) and ratings."""
    with use_workspace(ws.id):
        rows = db.session.scalars(select(KbAnswer).where(
            KbAnswer.workspace_id == ws.id, KbAnswer.created_at >= since)
            .order_by(KbAnswer.created_at.desc(), KbAnswer.id.desc()).limit(limit)).all()
        ids = {i for row in rows for i in row.source_ids or () if isinstance(i, int)}
        titles = _titles(ws, ids)
    return [Listed(r.id, r.question, r.answer, r.locale,
                   [(i, titles[i]) for i in r.source_ids or () if i in titles],
                   r.helpful, r.generated, r.contact_id is not None, r.created_at)
            for r in rows]


def _titles(ws: Workspace, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = db.session.scalars(select(Article).where(Article.workspace_id == ws.id,
                                                     Article.id.in_(ids))).all()
    out = {}
    for article in found:
        tr = article.translation(ws.default_locale, ws.default_locale)
        out[article.id] = tr.title if tr else article.slug
    return out


def gaps(ws: Workspace, since: datetime, limit: int = 50) -> list[Gap]:
    """Questions nothing the asker could read answered (knowledge gaps), the most asked
    first; the same words in any case and spacing count as one question."""
    key = func.lower(KbAnswer.question)
    with use_workspace(ws.id):
        rows = db.session.execute(
            select(key, func.count(KbAnswer.id), func.max(KbAnswer.created_at))
            .where(KbAnswer.workspace_id == ws.id, KbAnswer.created_at >= since,
                   KbAnswer.answer.is_(None))
            .group_by(key).order_by(func.count(KbAnswer.id).desc(), key).limit(limit)).all()
    return [Gap(question, int(asked), last) for question, asked, last in rows]
