"""The OpenAPI part for the ticket endpoints (portal/api/tickets.py); openapi.document()
merges it. Schemathesis fuzzes against it, so every status a view can answer is listed."""

from portal.models.ticket import PRIORITIES, STAGES
from portal.services.tickets import DESCRIPTION_MAX, SORTS, TITLE_MAX

ERROR = {"$ref": "#/components/schemas/Error"}
STAMP = {"type": "string", "format": "date-time"}
MAYBE_STAMP = {"type": ["string", "null"], "format": "date-time"}

SUMMARY = {
    "type": "object",
    "required": ["number", "title", "stage", "stage_label", "priority", "priority_label",
                 "category", "created_at", "updated_at"],
    "properties": {
        "number": {"type": "integer"},
        "title": {"type": "string"},
        "stage": {"enum": list(STAGES)},
        "stage_label": {"type": "string"},
        "priority": {"enum": list(PRIORITIES)},
        "priority_label": {"type": "string"},
        "category": {"type": ["string", "null"]},
        "created_at": STAMP,
        "updated_at": STAMP,
    },
}
TICKET = {
    "type": "object",
    "required": SUMMARY["required"] + [
        "description", "custom_fields", "answers", "form_version", "account", "reported_by",
        "resolved_at", "closed_at", "can_close", "can_reopen", "comment_count"],
    "properties": {
        **SUMMARY["properties"],
        "description": {"type": "string"},
        "custom_fields": {"type": "object"},
        "answers": {"type": "array", "items": {
            "type": "object", "required": ["label", "text"],
            "properties": {"label": {"type": "string"}, "text": {"type": "string"}}}},
        "form_version": {"type": ["integer", "null"]},
        "account": {"oneOf": [{"$ref": "#/components/schemas/Account"}, {"type": "null"}]},
        "reported_by": {"type": "array", "items": {
            "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
        "resolved_at": MAYBE_STAMP,
        "closed_at": MAYBE_STAMP,
        "can_close": {"type": "boolean"},
        "can_reopen": {"type": "boolean"},
        "comment_count": {"type": "integer", "description": "Public comments only"},
    },
}
COMMENT = {
    "type": "object",
    "required": ["id", "body", "public", "author", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "body": {"type": "string"},
        "public": {"const": True},
        "author": {"type": "object", "required": ["name", "role"],
                   "properties": {"name": {"type": "string"},
                                  "role": {"enum": ["customer", "support"]}}},
        "created_at": STAMP,
        "attachments": {"type": "array", "items": {
            "type": "object", "required": ["id", "filename", "content_type", "size"],
            "properties": {"id": {"type": "integer"}, "filename": {"type": "string"},
                           "content_type": {"type": "string"}, "size": {"type": "integer"}}}},
    },
}
TICKET_FORM = {
    "type": "object",
    "required": ["version", "form", "schema"],
    "properties": {
        "version": {"type": "integer"},
        "form": {"type": "object", "required": ["title", "fields"],
                 "description": "What to render, texts in the contact's locale",
                 "properties": {"title": {"type": "string"},
                                "fields": {"type": "array", "items": {"type": "object"}}}},
        "schema": {"type": "object",
                   "description": "JSON Schema (draft 2020-12) of `custom_fields`"},
    },
}
NEW_TICKET = {
    "type": "object",
    "required": ["title", "description"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX},
        "description": {"type": "string", "minLength": 1, "maxLength": DESCRIPTION_MAX},
        "priority": {"enum": list(PRIORITIES), "default": "normal"},
        "custom_fields": {"type": "object",
                          "description": "Answers to the ticket form (see ticket-form)"},
    },
    "example": {"title": "Printer on fire", "description": "Since this morning.",
                "priority": "high", "custom_fields": {"category": "problem"}},
}
NEW_COMMENT = {
    "type": "object",
    "required": ["body"],
    "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 20000}},
}

SSE_EVENT = {
    "type": "object",
    "description": "One event of the stream (`data` is JSON)",
    "required": ["data"],
    "properties": {"id": {"type": "string", "pattern": "^[0-9]+$"},
                   "event": {"enum": ["ready", "created", "comment", "stage", "priority",
                                      "end"]},
                   "data": {"type": "string", "contentMediaType": "application/json"}},
}

TEXT = {
    400: "The body is not valid JSON",
    401: "No bearer token, or it is invalid, expired or revoked",
    403: "Only customer admins list their organization's tickets",
    404: "No such workspace for this token, or no such ticket the contact may see",
    413: "The body is larger than 1 MiB",
    415: "The Content-Type is not JSON",
    422: "Invalid input: `details.fields` maps each field (`title`, "
         "`custom_fields.<key>`, ...) to its message",
}
BODY = (400, 413, 415)


def _errors(*codes) -> dict:
    return {str(c): {"description": TEXT[c], "content": {"application/json": {"schema": ERROR}}}
            for c in codes}


def _ok(description: str, schema: dict, status: str = "200") -> dict:
    return {status: {"description": description,
                     "content": {"application/json": {"schema": schema}}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SLUG = {"name": "slug", "in": "path", "required": True,
        "description": "Workspace slug: the bearer token's own workspace (any other is 404)",
        "schema": {"type": "string"}}
NUMBER = {"name": "number", "in": "path", "required": True, "description": "Ticket number",
          "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
SECURED = {"security": [{"bearer": []}], "tags": ["tickets"]}


def _query(name: str, schema: dict, description: str, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


LIST_PARAMS = [
    SLUG,
    _query("scope", {"enum": ["mine", "organization"], "default": "mine"},
           "`organization`: every ticket of the contact's account (customer admins)"),
    _query("stage", {"type": "array", "items": {"enum": list(STAGES)}},
           "Only these stages (repeat the parameter)", style="form", explode=True),
    _query("priority", {"enum": list(PRIORITIES)}, "Only this priority"),
    _query("q", {"type": "string", "maxLength": 200}, "Search by title or number"),
    _query("sort", {"enum": list(SORTS), "default": "newest"}, "Order"),
    _query("after", {"type": "string", "maxLength": 500}, "`next_cursor` of the previous page"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
           "Page size"),
]


def ticket_paths() -> dict:
    """`{"paths": ..., "schemas": ...}` for openapi.document() to merge."""
    base = "/workspaces/{slug}"
    one = f"{base}/tickets/{{number}}"
    return {
        "schemas": {"Ticket": TICKET, "TicketSummary": SUMMARY, "Comment": COMMENT,
                    "TicketForm": TICKET_FORM},
        "paths": {
            f"{base}/ticket-form": {"get": {
                **SECURED, "operationId": "getTicketForm",
                "summary": "The current ticket form: rendering description and JSON Schema",
                "parameters": [SLUG],
                "responses": {**_ok("The form", _ref("TicketForm")), **_errors(401, 404)},
            }},
            f"{base}/tickets": {
                "get": {
                    **SECURED, "operationId": "listTickets",
                    "summary": "The contact's tickets (keyset pages)",
                    "parameters": LIST_PARAMS,
                    "responses": {
                        **_ok("A page of tickets", {
                            "type": "object", "required": ["tickets", "next_cursor"],
                            "properties": {
                                "tickets": {"type": "array", "items": _ref("TicketSummary")},
                                "next_cursor": {"type": ["string", "null"]}}}),
                        **_errors(401, 403, 404, 422)},
                },
                "post": {
                    **SECURED, "operationId": "createTicket",
                    "summary": "Open a ticket; custom fields are checked against the form",
                    "parameters": [SLUG],
                    "requestBody": _body(NEW_TICKET),
                    "responses": {
                        "201": {"description": "Created",
                                "headers": {"Location": {"schema": {"type": "string"}}},
                                "content": {"application/json": {"schema": _ref("Ticket")}}},
                        **_errors(*BODY, 401, 404, 422)},
                },
            },
            one: {"get": {
                **SECURED, "operationId": "getTicket", "summary": "One ticket",
                "parameters": [SLUG, NUMBER],
                "responses": {**_ok("The ticket", _ref("Ticket")), **_errors(401, 404)},
            }},
            f"{one}/comments": {
                "get": {
                    **SECURED, "operationId": "listComments",
                    "summary": "Public comments, oldest first",
                    "parameters": [SLUG, NUMBER],
                    "responses": {
                        **_ok("The comments", {
                            "type": "object", "required": ["comments"],
                            "properties": {"comments": {"type": "array",
                                                        "items": _ref("Comment")}}}),
                        **_errors(401, 404)},
                },
                "post": {
                    **SECURED, "operationId": "addComment", "summary": "Reply on the ticket",
                    "parameters": [SLUG, NUMBER],
                    "requestBody": _body(NEW_COMMENT),
                    "responses": {**_ok("Added", _ref("Comment"), "201"),
                                  **_errors(*BODY, 401, 404, 422)},
                },
            },
            f"{one}/close": {"post": {
                **SECURED, "operationId": "closeTicket", "summary": "Close a resolved ticket",
                "parameters": [SLUG, NUMBER],
                "responses": {**_ok("Closed", _ref("Ticket")), **_errors(401, 404, 422)},
            }},
            f"{one}/reopen": {"post": {
                **SECURED, "operationId": "reopenTicket",
                "summary": "Reopen a resolved or closed ticket within the reopen window",
                "parameters": [SLUG, NUMBER],
                "responses": {**_ok("Open again", _ref("Ticket")), **_errors(401, 404, 422)},
            }},
            f"{one}/events": {"get": {
                **SECURED, "operationId": "ticketEvents",
                "summary": "Live events of the ticket (Server-Sent Events)",
                "description": (
                    "`text/event-stream`. Each event has `id:` (the event id), `event:` "
                    "(`created`, `comment`, `stage`, `priority`; `ready` when subscribed, "
                    "`end` before the server closes) and `data:` (JSON). Resume with the "
                    "`Last-Event-ID` header or `after`; without either, only new events. "
                    "Comment lines (`:`) are heartbeats. The server ends the stream after a "
                    "few minutes: reconnect, as EventSource does."),
                "parameters": [SLUG, NUMBER, _query(
                    "after", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                    "Send events after this id (0: the whole history)")],
                "responses": {
                    "200": {"description": "The event stream",
                            "content": {"text/event-stream": {"schema": SSE_EVENT}}},
                    **_errors(401, 404, 422)},
            }},
        },
    }


def merge_into(doc: dict) -> dict:
    """Add the ticket paths and schemas to the document `doc` and return it."""
    part = ticket_paths()
    doc.setdefault("paths", {}).update(part["paths"])
    doc.setdefault("components", {}).setdefault("schemas", {}).update(part["schemas"])
    tags = doc.setdefault("tags", [])
    if not any(t.get("name") == "tickets" for t in tags):
        tags.append({"name": "tickets", "description": "Tickets and their conversation"})
    return doc
