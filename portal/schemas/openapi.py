"""OpenAPI documents generated from the declared schemas (apispec + its MarshmallowPlugin).

A view declares its operation once; the same declaration parses the request and describes
it, so the document cannot drift from what the view accepts:

    @bp.get("/workspaces/<slug>/tickets/<int:number>")
    @ticket_api
    @operation("getTicket", "One ticket", path=TicketPath, not_found=_l("No such ticket."),
               answers={200: Answer("The ticket", Ticket)}, errors=errors(TEXT, 401, 404))
    def get_ticket(slug, number): ...

`path` is loaded from the URL's values (a refusal is 404 `not_found`: a value no row can
have), `query` from the query string (passed to the view as `args`), `body` from the JSON
body (passed as `body`; `load_body=False` leaves reading it to the view). `document()`
walks the app's URL map, so every registered route with an operation is in the document.
"""

import re
from dataclasses import dataclass, field
from functools import wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.fields import Choice, Flag, Id, Object, Text, Whole
from portal.schemas.common import Error
from portal.schemas.parse import json_body, load_args, parse

JSON = "application/json"
PAGE_NOT_FOUND = _l("Page not found")
FIELD_TYPES = {Id: ("integer", None), Whole: ("integer", None), Text: ("string", None),
               Choice: (None, None), Flag: ("boolean", None), Object: ("object", None)}
RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "Send the same key again (within 24 hours by default) to get the first answer "
                   "instead of creating a second time: retry with it after a timeout or a "
                   "503. Keys belong to the signed-in principal.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$", "minLength": 1,
               "maxLength": 255},
}
IDEMPOTENCY_ERRORS = {  # added to an idempotent operation's own texts
    400: "the Idempotency-Key header is not 1-255 visible ASCII characters "
         "(`invalid_idempotency_key`)",
    409: "a request with this Idempotency-Key is still running (`idempotency_key_in_progress`)",
    422: "the Idempotency-Key was used for another request (`idempotency_key_reused`)",
}


@dataclass(frozen=True)
class Answer:
    """One documented answer: its description, body schema (a class, or None for no body)
    and media type, and the headers it sets ({name: description})."""

    description: str
    schema: object = None
    media: str = JSON
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    id: str
    summary: str
    description: str = ""
    path: type | None = None
    query: type | None = None
    body: type | None = None
    load_body: bool = True
    example: dict | None = None
    answers: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    security: list | None = None
    tags: tuple = ()
    not_found: object = None
    idempotent: bool = False  # set from the view's mark (portal.idempotent)


def errors(texts: dict, *codes: int) -> dict:
    """{status: description} for `codes`, from a module's table of error texts."""
    return {code: texts[code] for code in codes}


def operation(op_id: str, summary: str, **options):
    """Declare the view's operation: parse its input as declared, and let `document()`
    describe it."""
    def decorate(view):
        op = Operation(op_id, summary, idempotent=getattr(view, "idempotent", False),
                       **options)

        @wraps(view)
        def wrapper(*args, **kwargs):
            if op.path is not None:  # the message translated only if it is shown
                kwargs.update(parse(op.path, kwargs, not_found=op.not_found or PAGE_NOT_FOUND))
            if op.query is not None:
                kwargs["args"] = load_args(op.query)
            if op.body is not None and op.load_body:
                kwargs["body"] = parse(op.body, json_body())
            return view(*args, **kwargs)

        wrapper.__operation__ = op
        return wrapper

    return decorate


class Converter(OpenAPIConverter):
    field_mapping = {**OpenAPIConverter.field_mapping, **FIELD_TYPES}


class Plugin(MarshmallowPlugin):
    """apispec's MarshmallowPlugin, knowing the types of portal.schemas' fields (a copy of
    the mapping: apispec's own is shared by every spec in the process, FAB's too)."""

    Converter = Converter


def marshmallow_plugin() -> MarshmallowPlugin:
    return Plugin()


def openapi_path(rule: str, prefix: str) -> str:
    """`/workspaces/<slug>/tickets/<int:number>` as `/workspaces/{slug}/tickets/{number}`."""
    return RULE_ARGUMENT.sub(r"{\1}", rule[len(prefix):] if rule.startswith(prefix) else rule)


def _operation_dict(op: Operation) -> dict:
    out: dict = {"operationId": op.id, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    if op.tags:
        out["tags"] = list(op.tags)
    if op.security is not None:
        out["security"] = op.security
    parameters = []
    if op.path is not None:
        parameters.append({"in": "path", "schema": op.path})
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    if op.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        media = {"schema": op.body}
        if op.example is not None:
            media["example"] = op.example
        out["requestBody"] = {"required": True, "content": {JSON: media}}
    responses = {}
    for status, answer in op.answers.items():
        entry: dict = {"description": answer.description}
        if answer.schema is not None:
            entry["content"] = {answer.media: {"schema": answer.schema}}
        if answer.headers:
            entry["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                for name, text in answer.headers.items()}
        responses[str(status)] = entry
    errors = {code: str(text) for code, text in op.errors.items()}
    for code, text in (IDEMPOTENCY_ERRORS if op.idempotent else {}).items():
        errors[code] = f"{errors[code]}; or {text}" if code in errors else \
            text[0].upper() + text[1:]
    for status, text in errors.items():
        responses[str(status)] = {"description": str(text),
                                  "content": {JSON: {"schema": "Error"}}}
    out["responses"] = responses
    return out


def document(app: Flask, blueprint: str, prefix: str, *, title: str, description: str,
             tags: dict, security_schemes: dict, schemas: tuple = ()) -> dict:
    """The OpenAPI 3.1 document of the blueprint's routes that declare an operation."""
    spec = APISpec(title=title, version="1", openapi_version="3.1.0",
                   plugins=[marshmallow_plugin()],
                   info={"description": description}, servers=[{"url": prefix}],
                   tags=[{"name": name, "description": text} for name, text in tags.items()])
    for name, scheme in security_schemes.items():
        spec.components.security_scheme(name, scheme)
    spec.components.schema("Error", schema=Error)
    for schema in schemas:
        spec.components.schema(schema.__name__, schema=schema)
    paths: dict = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{blueprint}."):
            continue
        op = getattr(app.view_functions[rule.endpoint], "__operation__", None)
        if op is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule, prefix), {})[method.lower()] = \
                _operation_dict(op)
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return spec.to_dict()
