"""The OpenAPI part for the knowledge-base endpoints (portal/api/articles.py);
openapi.document() merges it. Schemathesis fuzzes against it, so every status a view can
answer is listed."""

from portal.api.articles import LIMIT_MAX, MODES, PAGE_MAX, PER_PAGE_MAX, QUERY_MAX
from portal.i18n import SUPPORTED

ERROR = {"$ref": "#/components/schemas/Error"}
TEXT = {
    401: "A bearer token that is invalid or expired, or none while the knowledge base is "
         "private (signed-in customers only)",
    404: "No such workspace, no knowledge base in it, or no such article or directory the "
         "reader may open",
    422: "A parameter is missing or wrong (`details.field` names it)",
}
DIRECTORY = {
    "type": ["object", "null"],
    "required": ["id", "slug", "name"],
    "properties": {"id": {"type": "integer"}, "slug": {"type": "string"},
                   "name": {"type": "string"}},
}
SUMMARY = {
    "type": "object",
    "required": ["id", "slug", "kind", "title", "description", "external_ref", "directory",
                 "url", "updated_at"],
    "properties": {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "kind": {"enum": ["native", "file", "link"]},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "external_ref": {"type": ["string", "null"]},
        "directory": DIRECTORY,
        "url": {"type": "string", "description": "The article's portal page"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
ARTICLE = {
    "type": "object",
    "required": SUMMARY["required"] + ["locale", "body", "body_html", "link_url", "file_name"],
    "properties": {
        **SUMMARY["properties"],
        "locale": {"type": "string"},
        "body": {"type": "string",
                 "description": "Markdown source (native) or the extracted text (file)"},
        "body_html": {"type": "string", "description": "Sanitized HTML of a native article"},
        "link_url": {"type": ["string", "null"]},
        "file_name": {"type": ["string", "null"]},
    },
}
HIT = {
    "type": "object",
    "required": ["id", "slug", "title", "external_ref", "url", "score", "snippet"],
    "properties": {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "external_ref": {"type": ["string", "null"]},
        "url": {"type": "string"},
        "score": {"type": "number"},
        "snippet": {"type": "string",
                    "description": "Escaped text; matched words in <mark>…</mark>"},
    },
}
SEARCH_RESULT = {
    "type": "object",
    "required": ["mode", "total", "results"],
    "properties": {"mode": {"enum": list(MODES)}, "total": {"type": "integer", "minimum": 0},
                   "results": {"type": "array", "items": {"$ref": "#/components/schemas/"
                                                                  "ArticleHit"}}},
}
PAGE = {
    "type": "object",
    "required": ["total", "page", "per_page", "results"],
    "properties": {"total": {"type": "integer", "minimum": 0}, "page": {"type": "integer"},
                   "per_page": {"type": "integer"},
                   "results": {"type": "array", "items": {"$ref": "#/components/schemas/"
                                                                  "ArticleSummary"}}},
}

SLUG = {"name": "slug", "in": "path", "required": True, "description": "Workspace slug",
        "schema": {"type": "string", "maxLength": 63}}
KEY = {"name": "key", "in": "path", "required": True,
       "description": "The article's id or slug", "schema": {"type": "string",
                                                             "maxLength": 200}}
LOCALE = {"name": "locale", "in": "query", "required": False,
          "description": "Language of titles and text (falls back to the workspace's)",
          "schema": {"enum": list(SUPPORTED)}}
OPTIONAL_BEARER = [{}, {"bearer": []}]


def _errors(*codes) -> dict:
    return {str(c): {"description": TEXT[c], "content": {"application/json": {"schema": ERROR}}}
            for c in codes}


def _ok(description: str, schema: dict) -> dict:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": schema}}}}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


def article_paths() -> dict:
    ref = "#/components/schemas/"
    return {
        "schemas": {"ArticleSummary": SUMMARY, "Article": ARTICLE, "ArticleHit": HIT},
        "paths": {
            "/workspaces/{slug}/articles/search": {"get": {
                "operationId": "searchArticles",
                "summary": "Search the knowledge base, best match first",
                "description": "Anonymous when the knowledge base is public; with a bearer "
                               "token, the articles its contact may read.",
                "tags": ["articles"],
                "security": OPTIONAL_BEARER,
                "parameters": [
                    SLUG,
                    _query("q", {"type": "string", "minLength": 1, "maxLength": QUERY_MAX},
                           "The search text", required=True),
                    _query("mode", {"enum": list(MODES), "default": "hybrid"},
                           "hybrid (default), keyword or semantic"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX,
                                     "default": 10}, "How many results"),
                    LOCALE,
                ],
                "responses": {**_ok("The results", SEARCH_RESULT), **_errors(401, 404, 422)},
            }},
            "/workspaces/{slug}/articles": {"get": {
                "operationId": "listArticles",
                "summary": "The articles the reader may open, in pages",
                "tags": ["articles"],
                "security": OPTIONAL_BEARER,
                "parameters": [
                    SLUG,
                    _query("directory", {"type": "string", "maxLength": 100},
                           "Only the articles directly in this directory (id or slug)"),
                    _query("page", {"type": "integer", "minimum": 1, "maximum": PAGE_MAX,
                                    "default": 1}, "Page number"),
                    _query("per_page", {"type": "integer", "minimum": 1,
                                        "maximum": PER_PAGE_MAX, "default": 20},
                           "Articles per page"),
                    LOCALE,
                ],
                "responses": {**_ok("One page of articles", PAGE), **_errors(401, 404, 422)},
            }},
            "/workspaces/{slug}/articles/{key}": {"get": {
                "operationId": "getArticle",
                "summary": "One article with its text",
                "tags": ["articles"],
                "security": OPTIONAL_BEARER,
                "parameters": [SLUG, KEY, LOCALE],
                "responses": {**_ok("The article", {"$ref": ref + "Article"}),
                              **_errors(401, 404, 422)},
            }},
        },
    }


def merge_articles(doc: dict) -> dict:
    """Add the article paths and schemas to the document `doc` and return it."""
    part = article_paths()
    doc.setdefault("paths", {}).update(part["paths"])
    doc.setdefault("components", {}).setdefault("schemas", {}).update(part["schemas"])
    tags = doc.setdefault("tags", [])
    if not any(t.get("name") == "articles" for t in tags):
        tags.append({"name": "articles", "description": "Knowledge-base articles and search"})
    return doc
