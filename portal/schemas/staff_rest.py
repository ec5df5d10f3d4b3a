"""The `q` argument of FAB's model APIs (accounts, contacts, groups), declared per API.

FAB reads `q` (rison, or JSON) on `GET /`, `GET /<pk>` and `GET /_info`: filters, order,
page, the columns and keys to return. These schemas accept exactly what the API can answer:
a filter names a searchable column and one of its operators, and its value has the
column's type (a row id of this workspace for a relation, true/false for a flag, a short
text otherwise, a list for `in`/`not_in`).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load

from portal.schemas import Choice, Flag, Text, Whole
from portal.schemas.staff_api import Row, Several, Strict

PAGE_MAX = 100_000  # pages of a list: far more than any workspace has rows
LIST_KEYS = ("list_columns", "order_columns", "label_columns", "description_columns",
             "list_title", "none")
ITEM_KEYS = ("show_columns", "description_columns", "label_columns", "show_title", "none")
INFO_KEYS = ("add_columns", "edit_columns", "filters", "permissions", "add_title",
             "edit_title", "none")
LISTS = ("in", "not_in")
FILTER_VALUE = {"anyOf": [{"type": "integer"}, {"type": "boolean"}, {"type": "string"},
                          {"type": "array", "items": {"type": "string"}}]}


class Query(Strict):
    error_messages = {**Strict.error_messages, "type": _l("q must be a rison or JSON object.")}


class FilterQuery(Query):
    error_messages = {**Strict.error_messages,
                      "type": _l("Each filter is an object with col, opr and value.")}


class Page(Query):
    error_messages = {**Strict.error_messages,
                      "type": _l("Give page and page_size in an object.")}

    page = Whole(0, PAGE_MAX, strict=True)
    page_size = Whole(1, 100, strict=True)


def _filter_schema(view) -> type[Schema]:
    """One filter `{col, opr, value}` of `view`, its value loaded with the column's type."""
    operators = {col: [f.arg_name for f in found]
                 for col, found in view._filters._search_filters.items()}
    model = view.datamodel

    def value_field(col: str, opr: str) -> fields.Field:
        if model.is_relation(col):
            return Row(model.get_related_model(col))
        inner = Flag() if model.is_boolean(col) else Text(500)
        return Several(inner) if opr in LISTS else inner

    def typed(self, data, **kwargs):
        col, opr = data["col"], data["opr"]
        if opr not in operators.get(col, ()):
            raise ValidationError(_("This filter does not apply to %(column)s.", column=col),
                                  "opr")
        try:
            value = value_field(col, opr).deserialize(data["value"], "value", data)
        except ValidationError as exc:
            raise ValidationError(exc.messages, "value") from None
        data["value"] = value.id if model.is_relation(col) else value
        return data

    return FilterQuery.from_dict({
        "col": Choice(list(operators), required=True),
        "opr": Choice(sorted({o for ops in operators.values() for o in ops}), required=True),
        "value": fields.Raw(required=True, metadata=FILTER_VALUE),
        "typed": post_load(typed),
    }, name=f"{type(view).__name__}Filter")


def rest_queries(view) -> dict[str, type[Schema]]:
    """The declared `q` of `view`'s list, item and info endpoints, by method name."""
    name = type(view).__name__
    listed, shown = list(view.list_columns), list(view.show_columns)
    by_column = {"invalid": _l("%(field)s must be an object.")}
    return {
        "get_list": Query.from_dict({
            "filters": Several(fields.Nested(_filter_schema(view))),
            "order_column": Choice(list(view.order_columns)),
            "order_direction": Choice(["asc", "desc"]),
            "page": Whole(0, PAGE_MAX, strict=True),
            "page_size": Whole(1, 100, strict=True),
            "keys": Several(Choice(LIST_KEYS)),
            "columns": Several(Choice(listed)),
            "select_columns": Several(Choice(listed)),
        }, name=f"{name}ListQuery"),
        "get": Query.from_dict({
            "keys": Several(Choice(ITEM_KEYS)),
            "columns": Several(Choice(shown)),
            "select_columns": Several(Choice(shown)),
        }, name=f"{name}ItemQuery"),
        "info": Query.from_dict({
            "keys": Several(Choice(INFO_KEYS)),
            "add_columns": fields.Dict(keys=Choice(list(view.add_columns)),
                                       values=fields.Nested(Page), error_messages=by_column),
            "edit_columns": fields.Dict(keys=Choice(list(view.edit_columns)),
                                        values=fields.Nested(Page), error_messages=by_column),
        }, name=f"{name}InfoQuery"),
    }
