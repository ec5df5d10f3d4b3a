"""The staff webhooks API (/api/v1/webhook/): the body of an endpoint and the JSON it
answers (for the OpenAPI document)."""

from portal.schemas import Choice, Flag, Text
from portal.schemas.staff_api import Several, Strict
from portal.services.webhooks import DESCRIPTION_MAX, EVENTS, URL_MAX

MOMENT = {"type": ["string", "null"], "format": "date-time"}
EVENT_NAMES = list(EVENTS)


class WebhookWrite(Strict):
    """An endpoint; on update, a field left out keeps its value."""

    url = Text(URL_MAX, metadata={"format": "uri", "description":
                                  "http(s); on the public internet unless the operator "
                                  "allows private targets"})
    events = Several(Choice(EVENT_NAMES), metadata={"description": "The events it receives"})
    active = Flag(strict=True)
    description = Text(DESCRIPTION_MAX)
    regenerate_secret = Flag(strict=True, metadata={
        "description": "Update only: a new secret, answered once in `secret`"})


class WebhookCreate(WebhookWrite):
    """A new endpoint: its URL and events are required; it is active unless told."""

    url = Text(URL_MAX, required=True, metadata={"format": "uri"})
    events = Several(Choice(EVENT_NAMES), required=True)


ENDPOINT = {"type": "object", "required": ["id", "url", "events", "active"], "properties": {
    "id": {"type": "integer"}, "url": {"type": "string"},
    "events": {"type": "array", "items": {"type": "string", "enum": EVENT_NAMES}},
    "active": {"type": "boolean"}, "description": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}}}
DELIVERY = {"type": "object", "required": ["id", "event", "status", "attempts"], "properties": {
    "id": {"type": "integer"}, "event": {"type": "string", "enum": EVENT_NAMES},
    "event_id": {"type": "string"},
    "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
    "attempts": {"type": "integer"}, "response_code": {"type": ["integer", "null"]},
    "last_error": {"type": ["string", "null"]}, "created_at": MOMENT,
    "last_attempt_at": MOMENT, "next_attempt_at": MOMENT, "delivered_at": MOMENT}}
SECRET = {"type": "string", "description": "The signing secret: only in this answer"}
