"""Article Follow over the customer API: `PUT` subscribes the bearer token's contact to an
article, `DELETE` unsubscribes (both idempotent). 404 when the article is not one the
caller may read, not native, or Article Follow is off (snap-in or toggle); the rules are
portal.services.article_follow."""

from flask import g, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.api import bp
from portal.api.articles import _kb_on
from portal.api.common import resolve_caller
from portal.schemas import customer_articles as s
from portal.schemas.openapi import Answer, errors, operation
from portal.services import article_follow
from portal.services.errors import NotFound

PATH = "/workspaces/<slug>/articles/<key>/subscription"
ERRORS = {**s.ERRORS, 401: "No bearer token, or one that is invalid or expired",
          404: "No such workspace or article the caller may read, not a native article, "
               "or article subscriptions are off"}
DOC = {"security": [{"bearer": []}], "tags": ("articles",), "path": s.ArticlePath,
       "not_found": _l("No such article."), "errors": errors(ERRORS, 401, 404)}


def _followable(slug: str, key: str):
    reader = resolve_caller(slug, check=_kb_on)
    try:
        return reader, article_follow.followable(g.workspace, reader, key)
    except NotFound:
        raise NotFound(_("No such article.")) from None


@bp.put(PATH)
@operation("subscribeArticle", "Subscribe to an article's updates",
           answers={200: Answer("Subscribed", s.Subscription)}, **DOC)
def subscribe_article(slug: str, key: str):
    reader, article = _followable(slug, key)
    article_follow.subscribe(g.workspace, article, reader)
    return jsonify({"article_id": article.id, "subscribed": True})


@bp.delete(PATH)
@operation("unsubscribeArticle", "Stop following an article's updates",
           answers={200: Answer("Unsubscribed", s.Subscription)}, **DOC)
def unsubscribe_article(slug: str, key: str):
    reader, article = _followable(slug, key)
    article_follow.unsubscribe(g.workspace, article.id, reader.id)
    return jsonify({"article_id": article.id, "subscribed": False})
