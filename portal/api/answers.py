"""Answers from the knowledge base over the customer API (issue 15, sections 2 and 6):
`POST /workspaces/<slug>/answers` asks, `POST .../answers/<id>/feedback` rates.

Anonymous callers get answers from what anyone may read when the knowledge base is public;
a bearer token reads as its contact (their audience). The rules are in
portal.search.answers (what is answered, from which articles) and portal.services.kb_answers
(who may rate: the asker only). Questions are limited per client address and workspace
(ANSWERS_LIMIT_PER_ADDRESS)."""

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from portal.api import bp
from portal.api.articles import _use_locale, article_urls, kb_reader
from portal.extensions import limiter
from portal.schemas import customer_answers as s
from portal.schemas import customer_articles
from portal.schemas.openapi import Answer, errors, operation
from portal.services import kb_answers

BASE = "/workspaces/<slug>/answers"
DOC = {"security": customer_articles.OPTIONAL_BEARER, "tags": ("articles",)}


def _limit() -> str:
    return current_app.config["ANSWERS_LIMIT_PER_ADDRESS"]


def _limit_key() -> str:
    slug = str((request.view_args or {}).get("slug", ""))[:63]
    return f"kb-answer:{slug}:{get_remote_address()}"


@bp.post(BASE)
@limiter.limit(_limit, key_func=_limit_key, methods=["POST"])
@kb_reader
@operation("askQuestion", "Answer a question from the knowledge base",
           description="The answer is made of passages of the articles the caller may open "
                       "(anonymous: public articles when the knowledge base is public; with "
                       "a bearer token: its contact's audience), each source with its page. "
                       "`answer` is null and `sources` empty when nothing answers it: offer "
                       "to contact support.",
           path=s.WorkspacePath, body=s.Question, example=s.QUESTION_EXAMPLE,
           answers={200: Answer("The answer", s.Answer)},
           errors=errors(s.ERRORS, *s.BODY_ERRORS, 401, 404, 422, 429), **DOC)
def ask_question(slug: str, body):
    from portal.search import answers

    ws, reader = g.workspace, g.reader
    _use_locale(body)
    url = article_urls(ws)
    asked = answers.ask(ws, reader, body["question"], locale=g.locale, url=url)
    return jsonify({"id": asked.id, "answer": asked.text,
                    "sources": [{"id": src.article.id, "title": src.title,
                                 "url": url(src.article)} for src in asked.sources],
                    "feedback_token": asked.feedback_token,
                    "message": None if asked.text else _(
                        "The knowledge base has no answer to this question. Contact support: "
                        "we will help.")})


@bp.post(f"{BASE}/<int:answer_id>/feedback")
@kb_reader
@operation("rateAnswer", "Tell whether an answer helped (its asker only)",
           description="A signed-in asker sends their bearer token; an anonymous asker sends "
                       "the answer's `feedback_token`. Anyone else gets 404. The last "
                       "rating counts.",
           path=s.AnswerPath, body=s.Feedback, not_found=_l("No such answer."),
           answers={200: Answer("Rated", s.Rated)},
           errors=errors(s.ERRORS, *s.BODY_ERRORS, 401, 404, 422), **DOC)
def rate_answer(slug: str, answer_id: int, body):
    row = kb_answers.rate(g.workspace, answer_id, g.reader, body.get("token"),
                          body["helpful"])
    return jsonify({"id": row.id, "helpful": row.helpful})
