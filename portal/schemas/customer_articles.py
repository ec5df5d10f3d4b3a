"""Schemas of the customer API's knowledge base (portal/api/articles.py): query input, the
answers, and the texts of the documented errors."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from portal.fields import Choice, Text, Whole
from portal.i18n import SUPPORTED
from portal.schemas.parse import Input

MODES = ("hybrid", "keyword", "semantic")
LIMIT_MAX = 50
PER_PAGE_MAX = 100
QUERY_MAX = 200
PAGE_MAX = 10_000
KEY_MAX = 200

ERRORS = {
    401: "A bearer token that is invalid or expired, or none while the knowledge base is "
         "private (signed-in customers only)",
    404: "No such workspace, no knowledge base in it, or no such article or directory the "
         "reader may open",
    422: "A parameter is missing or wrong (`details.field` names it)",
}
OPTIONAL_BEARER = [{}, {"bearer": []}]


def _locale():
    return Choice(tuple(SUPPORTED), error_messages={"invalid": _l("Unsupported language.")},
                  metadata={"description": "Language of titles and text (falls back to the "
                                           "workspace's)"})


def _search_text() -> str:
    return _("Enter a search text of at most %(n)s characters.", n=QUERY_MAX)


class WorkspacePath(Input):
    slug = Text(63, required=True, metadata={"description": "Workspace slug"})


class ArticlePath(WorkspacePath):
    key = Text(KEY_MAX, required=True, metadata={"description": "The article's id or slug"})


class Localized(Input):
    locale = _locale()


class SearchArgs(Localized):
    q = Text(QUERY_MAX, required=True, metadata={"description": "The search text"},
             min_length=1, blank=False, error_messages=dict.fromkeys(
                 ("required", "null", "invalid", "too_long", "too_short"), _search_text))
    mode = Choice(MODES, load_default="hybrid", metadata={
        "default": "hybrid", "description": "hybrid (default), keyword or semantic"},
        error_messages={"invalid": _l("Unknown search mode.")})
    limit = Whole(1, LIMIT_MAX, load_default=10,
                  metadata={"default": 10, "description": "How many results"})


class ListArgs(Localized):
    directory = Text(100, metadata={
        "description": "Only the articles directly in this directory (id or slug)"})
    page = Whole(1, PAGE_MAX, load_default=1, metadata={"default": 1,
                                                        "description": "Page number"})
    per_page = Whole(1, PER_PAGE_MAX, load_default=20,
                     metadata={"default": 20, "description": "Articles per page"})


class Directory(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)


class ArticleSummary(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    kind = Choice(("native", "file", "link"), required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    external_ref = fields.String(required=True, allow_none=True)
    directory = fields.Nested(Directory, required=True, allow_none=True)
    url = fields.String(required=True, metadata={"description": "The article's portal page"})
    updated_at = fields.DateTime(required=True)


class Article(ArticleSummary):
    locale = fields.String(required=True)
    body = fields.String(required=True, metadata={
        "description": "Markdown source (native) or the extracted text (file)"})
    body_html = fields.String(required=True,
                              metadata={"description": "Sanitized HTML of a native article"})
    link_url = fields.String(required=True, allow_none=True)
    file_name = fields.String(required=True, allow_none=True)


class ArticleHit(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    external_ref = fields.String(required=True, allow_none=True)
    url = fields.String(required=True)
    score = fields.Float(required=True)
    snippet = fields.String(required=True, metadata={
        "description": "Escaped text; matched words in <mark>…</mark>"})


class SearchResult(Schema):
    mode = Choice(MODES, required=True)
    total = fields.Integer(required=True, metadata={"minimum": 0})
    results = fields.List(fields.Nested(ArticleHit), required=True)


class ArticlePage(Schema):
    total = fields.Integer(required=True, metadata={"minimum": 0})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(ArticleSummary), required=True)


class Subscription(Schema):
    """Whether the caller follows the article (Article Follow: Publish & Notify emails)."""

    article_id = fields.Integer(required=True)
    subscribed = fields.Boolean(required=True)
