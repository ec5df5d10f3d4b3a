"""Declared request schemas: the one input layer. Every path parameter, query parameter,
form value and JSON body is loaded through a marshmallow schema built from these fields, and
both OpenAPI documents are generated from the same schemas (apispec's MarshmallowPlugin).

    class ListArgs(Input):
        limit = Whole(1, 100, load_default=25)
    args = load_args(ListArgs)          # 422 `invalid` with details.field on a bad value

`Id` is the only id parser (row ids and ticket numbers, 1..ID_MAX)."""

from portal.fields import (
    Choice,
    Field,
    Flag,
    Id,
    Object,
    Text,
    Whole,
    clean_text,
    storable,
)
from portal.schemas.common import Error
from portal.schemas.parse import (
    Input,
    MalformedJSON,
    UnsupportedMediaType,
    invalid,
    json_body,
    load_args,
    load_body,
    parse,
    problems,
    query_values,
    refusal,
)

__all__ = ["Choice", "Error", "Field", "Flag", "Id", "Input", "MalformedJSON", "Object",
           "Text", "UnsupportedMediaType", "Whole", "clean_text", "invalid", "json_body",
           "load_args", "load_body", "parse", "problems", "query_values", "refusal",
           "storable"]
