"""Customer satisfaction (issue 15, part 4): when a ticket is resolved, each of its reporters
is asked once, on the ticket page and by email, how satisfied they are (1 to 5) with an
optional comment.

- Asked once: the first resolution with a contact in *Reported by* writes their
  `SatisfactionAnswer` row (score empty) and emails them; a row that exists means asked,
  so reopening and resolving again asks nobody twice (only a reporter added since).
- One answer per ticket and reporter (the row); it can be changed for CHANGE_DAYS after it
  was first given, then it is final (`Final`, 409).
- The email's links carry a signed token (workspace, ticket, contact; its own salt) that
  works without signing in for LINK_DAYS. A GET of the link changes nothing (mail scanners
  follow links): the page's form posts the answer.
- The agent is the ticket's assignee at resolution (portal.services.satisfaction_report
  averages per agent and per week).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, SatisfactionAnswer, Ticket, Workspace
from portal.models.base import as_id, utcnow
from portal.services import emails, webhook_events, workspaces
from portal.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError

SCORES = (1, 2, 3, 4, 5)
COMMENT_MAX = 2000
CHANGE_DAYS = 7
LINK_DAYS = 30
SALT = "ticket-satisfaction"
# control characters but tab and newline: a plain-text comment keeps its lines only
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class Final(Conflict):
    code = "final"


class LinkExpired(ServiceError):
    status = 410
    code = "expired"


# -- asking ------------------------------------------------------------------------------


def ask(ticket: Ticket) -> int:
    """Called when `ticket` moves to resolved, inside that transaction: ask every active,
    verified reporter not asked before (a row and an email). Returns how many were asked.
    A reporter asked before who has not answered yet gets the new assignee as the agent."""
    ws = db.session.get(Workspace, ticket.workspace_id)
    rows = {row.contact_id: row for row in db.session.scalars(
        select(SatisfactionAnswer).where(SatisfactionAnswer.workspace_id == ws.id,
                                         SatisfactionAnswer.ticket_id == ticket.id))}
    asked = 0
    for contact in ticket.reporters:
        row = rows.get(contact.id)
        if row is not None:
            if row.answered_at is None:
                row.agent_id = ticket.assignee_id
            continue
        if not (contact.active and contact.verified):
            continue
        db.session.add(SatisfactionAnswer(
            workspace_id=ws.id, ticket_id=ticket.id, contact_id=contact.id,
            agent_id=ticket.assignee_id, comment="", created_at=utcnow()))
        _email(ws, ticket, contact)
        asked += 1
    if asked:
        db.session.flush()
    return asked


def _email(ws: Workspace, ticket: Ticket, contact: Contact) -> None:
    locale = contact.locale if contact.locale in ws.enabled_locales else ws.default_locale
    token = link_token(ws, ticket.id, contact.id)
    base = survey_url(ws, locale, token)
    emails.satisfaction_survey(ws, contact.email, locale, ticket=ticket,
                               links=[(score, f"{base}?score={score}") for score in SCORES],
                               url=base, days=LINK_DAYS, change_days=CHANGE_DAYS)


def survey_url(ws: Workspace, locale: str, token: str) -> str:
    return f"{workspaces.public_base(ws)}/{locale}/{ws.slug}/satisfaction/{token}"


# -- the signed link ---------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_token(ws: Workspace, ticket_id: int, contact_id: int) -> str:
    return _serializer().dumps([ws.id, ticket_id, contact_id])


def read_token(ws: Workspace, token: str) -> tuple[int, int]:
    """(ticket id, contact id) of a link made for `ws` within LINK_DAYS; NotFound for a
    tampered token or one of another workspace, LinkExpired for an old one."""
    try:
        ws_id, ticket_id, contact_id = _serializer().loads(
            token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        raise LinkExpired(_("This link has expired. Sign in to the portal to answer on the "
                            "ticket's page.")) from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound(_("This link is not valid.")) from None
    if ws_id != ws.id or as_id(ticket_id) is None or as_id(contact_id) is None:
        raise NotFound(_("This link is not valid."))
    return ticket_id, contact_id


@dataclass
class Survey:
    """What a page shows a reporter: the ticket, their answer row, whether it may change
    and until when (None before the first answer)."""

    ticket: Ticket
    contact: Contact
    answer: SatisfactionAnswer
    changeable: bool
    until: datetime | None
    change_days: int = CHANGE_DAYS


def _survey(answer: SatisfactionAnswer, ticket: Ticket, contact: Contact, now=None) -> Survey:
    until = change_deadline(answer)
    return Survey(ticket, contact, answer, until is None or (now or utcnow()) <= until, until)


def change_deadline(answer: SatisfactionAnswer) -> datetime | None:
    if answer.answered_at is None:
        return None
    return answer.answered_at + timedelta(days=CHANGE_DAYS)


def by_link(ws: Workspace, token: str) -> Survey:
    """The survey a signed link opens (NotFound, LinkExpired)."""
    ticket_id, contact_id = read_token(ws, token)
    answer = _answer(ws, ticket_id, contact_id)
    contact = db.session.get(Contact, contact_id)
    if answer is None or contact is None or not contact.active:
        raise NotFound(_("This link is not valid."))
    return _survey(answer, db.session.get(Ticket, ticket_id), contact)


def _answer(ws: Workspace, ticket_id: int, contact_id: int) -> SatisfactionAnswer | None:
    return db.session.scalar(select(SatisfactionAnswer).where(
        SatisfactionAnswer.workspace_id == ws.id, SatisfactionAnswer.ticket_id == ticket_id,
        SatisfactionAnswer.contact_id == contact_id))


def for_reporter(ws: Workspace, ticket, contact: Contact | None) -> Survey | None:
    """The survey of `contact` on a ticket they see (the ticket or its page's copy), or
    None when they were not asked."""
    if contact is None:
        return None
    answer = _answer(ws, ticket.id, contact.id)
    if answer is None:
        return None
    return _survey(answer, ticket, contact)


def for_ticket(ws: Workspace, ticket: Ticket) -> list[tuple[Contact, SatisfactionAnswer]]:
    """Every reporter asked about `ticket` with their row (staff's ticket page)."""
    return [(contact, answer) for contact, answer in db.session.execute(
        select(Contact, SatisfactionAnswer)
        .join(SatisfactionAnswer, SatisfactionAnswer.contact_id == Contact.id)
        .where(SatisfactionAnswer.workspace_id == ws.id,
               SatisfactionAnswer.ticket_id == ticket.id)
        .order_by(Contact.email))]


# -- answering ---------------------------------------------------------------------------


def parse(raw_score, raw_comment) -> tuple[int, str]:
    """(score, plain comment) or Invalid. The comment loses control and direction-override
    characters and its surrounding space; it is shown escaped everywhere."""
    score = raw_score if isinstance(raw_score, int) and not isinstance(raw_score, bool) \
        else (int(raw_score) if isinstance(raw_score, str) and raw_score in
              tuple(map(str, SCORES)) else None)
    if score not in SCORES:
        raise Invalid(_("Choose a score from 1 to 5."), field="score")
    if raw_comment is None:
        raw_comment = ""
    if not isinstance(raw_comment, str):
        raise Invalid(_("The comment must be text."), field="comment")
    comment = _CONTROL.sub("", raw_comment.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid(_("The comment is too long (at most %(count)d characters).",
                        count=COMMENT_MAX), field="comment")
    return score, comment


def submit(ws: Workspace, ticket_id: int, contact: Contact, raw_score, raw_comment,
           now: datetime | None = None) -> SatisfactionAnswer:
    """Give or change `contact`'s answer about the ticket. Forbidden unless they were asked
    (a reporter of the resolved ticket), Final after CHANGE_DAYS, Invalid input."""
    answer = _answer(ws, ticket_id, contact.id)
    if answer is None or not contact.active:
        raise Forbidden(_("Only the people who reported this ticket are asked about it, "
                          "once it is resolved."))
    score, comment = parse(raw_score, raw_comment)
    now = now or utcnow()
    deadline = change_deadline(answer)
    if deadline is not None and now > deadline:
        raise Final(_("Your answer is final: it could be changed for %(days)s days after "
                      "you gave it.", days=CHANGE_DAYS))
    answer.score, answer.comment, answer.updated_at = score, comment, now
    if answer.answered_at is None:
        answer.answered_at = now
    db.session.flush()
    _after_submit(ws, answer)
    db.session.commit()
    return answer


def _after_submit(ws: Workspace, answer: SatisfactionAnswer) -> None:
    """`csat.submitted` webhooks: once per given or changed answer, inside its transaction
    just before the commit, so that a delivery row commits (or rolls back) with it."""
    db.session.flush()  # the answer's id and times for the event
    webhook_events.csat_submitted(ws, answer)


def to_json(survey: Survey | None) -> dict:
    """The customer API's view of a survey (portal.schemas.customer_satisfaction)."""
    if survey is None:
        return {"asked": False, "score": None, "comment": "", "answered_at": None,
                "updated_at": None, "changeable_until": None, "final": False}
    answer = survey.answer

    def when(moment):
        return moment.isoformat() if moment is not None else None

    return {"asked": True, "score": answer.score, "comment": answer.comment,
            "answered_at": when(answer.answered_at), "updated_at": when(answer.updated_at),
            "changeable_until": when(survey.until), "final": not survey.changeable}
