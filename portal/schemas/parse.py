"""Loading request input through declared schemas. A refusal is always the service error
`Invalid` (422, code `invalid`, `details.field` names the first wrong field and
`details.fields` maps every wrong field to its message), so under /api every refusal has the
JSON shape `{"error", "message", "details"}`; pages turn the same error into a form message.

How a JSON body is refused before its fields are read:
- 413 `request_entity_too_large`: larger than MAX_CONTENT_LENGTH;
- 415 `unsupported_media_type`: the Content-Type is not JSON (`application/json` or
  `application/*+json`);
- 400 `malformed_json`: the body is not valid UTF-8 JSON;
- 422 `invalid`: valid JSON, but not an object.
"""

import json
from functools import lru_cache

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing

from portal.fields import Field, messages
from portal.services.errors import Invalid, NotFound, ServiceError, invalid


class Input(Schema):
    """Base of every request schema: unknown keys are ignored (set `Meta.unknown = RAISE`
    to refuse them), the schema-level messages are translated."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {
        "type": _l("The body must be a JSON object."),
        "unknown": _l("%(field)s is not a known field."),
    }


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported_media_type"


class MalformedJSON(ServiceError):
    status = 400
    code = "malformed_json"


def json_body() -> dict:
    """The request's JSON object, or one of the errors in this module's docstring."""
    if not request.is_json:
        raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
    raw = request.get_data(cache=True)  # 413 when over MAX_CONTENT_LENGTH
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedJSON(_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object."))
    return data


@lru_cache(maxsize=256)
def _instance(schema_class) -> Schema:
    """One instance per schema class: loading keeps nothing in it, and making one (fields
    copied, messages merged) was most of parsing a small request (issue 11)."""
    return schema_class()


def _schema(schema) -> Schema:
    return _instance(schema) if isinstance(schema, type) else schema


@lru_cache(maxsize=256)
def _plan(schema: Schema) -> tuple | None:
    """((attribute, key, field), ...) when `schema.load` of a valid input is only its
    fields' own `_deserialize` (a flat schema of portal.fields types: no
    validators, no hooks, `load` not overridden, unknown keys excluded, not many, not
    partial); else None.
    marshmallow's `load` also builds a validator chain per field and value (`And`, its
    lazy message evaluated) and an error store: most of parsing a search's arguments."""
    if type(schema).load is not Schema.load or type(schema)._do_load is not Schema._do_load \
            or any(schema._hooks[tag] for tag in schema._hooks) or schema.many \
            or schema.partial or schema.unknown != EXCLUDE or schema.dict_class is not dict:
        return None
    plan = []
    for attr, field in schema.load_fields.items():
        if not isinstance(field, Field) or field.validators:
            return None
        plan.append((field.attribute or attr, attr if field.data_key is None
                     else field.data_key, field))
    return tuple(plan)


def _load(schema: Schema, data) -> dict:
    """`schema.load(data)`: directly for a valid input when `_plan` allows it; any refusal
    (a missing, null or wrong value) is made by `schema.load` itself, so its messages are
    marshmallow's, unchanged."""
    plan = _plan(schema) if isinstance(data, dict) else None
    if plan is None:
        return schema.load(data)
    out = {}
    try:
        for attr, key, field in plan:
            value = data.get(key, missing)
            if value is missing:
                if field.required:
                    return schema.load(data)
                default = field.load_default
                value = default() if callable(default) else default
                if value is not missing:
                    out[attr] = value
            elif value is None:
                if not field.allow_none:
                    return schema.load(data)
                out[attr] = None
            else:
                out[attr] = field._deserialize(value, key, data)
    except ValidationError:
        return schema.load(data)
    return out


def problems(schema, data) -> dict:
    """{field: message} for what `schema` refuses in `data` (empty when nothing is wrong),
    for a view that merges them with a service's own checks of the same input."""
    try:
        _load(_schema(schema), data)
    except ValidationError as exc:
        return messages(exc)
    return {}


def refusal(exc: ValidationError) -> Invalid:
    """The `Invalid` service error for marshmallow's `exc`."""
    return invalid(messages(exc))


def parse(schema, data, *, not_found=None) -> dict:
    """`data` loaded through `schema` (a class or an instance), or `Invalid`. With
    `not_found` (path parameters that name a row; a text, or a lazy one, translated only
    then), a refusal is `NotFound(str(not_found))`: a value no row can have means there is
    no such row."""
    try:
        return _load(_schema(schema), data)
    except ValidationError as exc:
        if not_found is not None:
            raise NotFound(str(not_found)) from None
        raise refusal(exc) from None


def query_values(schema, args) -> dict:
    """The declared parameters of `schema` from the MultiDict `args`: a list for a List
    field (a repeated parameter), the first value otherwise; undeclared ones are left out."""
    out = {}
    for name, field in _schema(schema).fields.items():
        key = field.data_key or name
        if key in args:
            out[key] = args.getlist(key) if isinstance(field, fields.List) else args.get(key)
    return out


def load_args(schema, args=None) -> dict:
    """The query string (or the MultiDict `args`, e.g. `request.form`) through `schema`."""
    return parse(schema, query_values(schema, request.args if args is None else args))


def load_body(schema) -> dict:
    """The JSON body through `schema`."""
    return parse(schema, json_body())
