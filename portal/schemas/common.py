"""Schemas shared by both APIs' documents."""

from marshmallow import Schema, fields


class Error(Schema):
    """Every refusal under /api: `{"error": <code>, "message": <text>, "details"?: {...}}`;
    `details.field` names the first wrong field, `details.fields` maps each to its message."""

    error = fields.String(required=True, metadata={"description": "A stable code"})
    message = fields.String(required=True, metadata={"description": "Human-readable, "
                                                                    "translated"})
    details = fields.Dict(metadata={"description": "`field`, `fields` and the like"})
