"""What every staff REST API schema shares (/api/v1/<resource>/ with a staff JWT and
`X-Workspace`): the path ids, typed lists and per-language texts, fields that turn an id into
a row of the current workspace, and the request and response pieces of the OpenAPI document.

The base types are portal.schemas' (`Id` is the only id parser); these only add what the
staff API needs on top of them.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, ValidationError, fields
from sqlalchemy import select

from portal.extensions import db
from portal.schemas import Choice, Field, Id, Input, Text
from portal.services.portal_settings import IMAGES
from portal.tenancy import current_workspace_id


class StaffPath(Input):
    """The ids and names in staff API paths; a value that names nothing is a 404, never a
    query."""

    pk = Id(metadata={"description": "The row's id"})
    number = Id(metadata={"description": "The ticket's number in the workspace"})
    revision_id = Id(metadata={"description": "The revision's id"})
    delivery_id = Id(metadata={"description": "The webhook delivery's id"})
    image = Choice(IMAGES, metadata={"description": "Which portal image: logo, logo_dark "
                                                    "(for dark backgrounds) or favicon"})


class Strict(Input):
    """A JSON body whose unknown keys are refused (`details.field` names the first)."""

    class Meta:
        unknown = RAISE


class Several(fields.List, Field):
    """A list of `inner` values (a repeated query parameter, a JSON array)."""

    default_error_messages = {"invalid": _l("%(field)s must be a list.")}


class PerLocale(fields.Dict, Field):
    """`{"en-US": "text", ...}`: texts by language code (the service keeps the languages it
    supports)."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(keys=fields.String(), values=Text(max_length), **kwargs)
        self.text = Text(max_length)

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        name = self.label(attr)
        if not isinstance(value, dict):
            raise ValidationError(_("%(field)s must be an object of texts by language code.",
                                    field=name))
        for code, text in value.items():
            if len(code) > 20:
                raise ValidationError(_("%(field)s: unknown language.", field=name))
            self.text.deserialize(text, f"{name}.{code}", value)
        return dict(value)


class Row(Id):
    """The id of a row of `model` in the current workspace, loaded as that row; an id of no
    such row (another workspace's too) is refused like a wrong value."""

    def __init__(self, model, **kwargs):
        super().__init__(strict=True, **kwargs)
        self.model = model

    def _deserialize(self, value, attr, data, **kwargs):
        key = super()._deserialize(value, attr, data, **kwargs)
        found = db.session.scalar(select(self.model).where(
            self.model.id == key, self.model.workspace_id == current_workspace_id()))
        if found is None:
            raise ValidationError(_("%(field)s names nothing in this workspace.",
                                    field=self.label(attr)))
        return found

    def _serialize(self, value, attr, obj, **kwargs):
        return value.id if value is not None else None


class Rows(Several):
    """A list of ids of rows of `model` in the current workspace, loaded as the rows."""

    def __init__(self, model, **kwargs):
        super().__init__(Row(model), **kwargs)


REASONS = {
    400: "The request is malformed (`bad_request`, `malformed_json`, `malformed_query`, "
         "`workspace_required`)",
    401: "No valid staff token (`unauthorized`)",
    403: "Not allowed in this workspace (`forbidden`, `unknown_workspace`)",
    404: "No such row in this workspace (`not_found`)",
    409: "The change conflicts with existing data (`conflict`)",
    413: "The body is too large (`request_entity_too_large`)",
    415: "The body is not JSON (`unsupported_media_type`)",
    422: "A value is wrong (`invalid`; `details.field` names it)",
}
WORKSPACE_HEADER = {
    "in": "header", "name": "X-Workspace", "required": True, "schema": {"type": "string"},
    "description": "The slug of the workspace the request acts in",
}


def refusals(codes) -> dict:
    """OpenAPI responses for the refusals `codes`, each with the one error body."""
    from portal.schemas import Error

    return {str(code): {"description": REASONS[code],
                        "content": {"application/json": {"schema": Error}}}
            for code in sorted(set(codes))}


def result(schema, *, many: bool = False, **extra) -> dict:
    """A JSON response body `{"result": <schema>}` (a list with `many`) plus `extra`
    properties."""
    item = {"type": "array", "items": schema} if many else schema
    return {"type": "object", "required": ["result"],
            "properties": {"result": item, **extra}}


MESSAGE = {"type": "object", "properties": {"message": {"type": "string"}}}
