"""The field types every request schema is declared with (and the portal settings
document, portal.services.portal_settings_schema). Each refuses a wrong value with a
translated message that names the field; `messages` names every refusal by its path and
`portal.schemas.parse` turns them into one `Invalid` (422). Path and query values arrive as
text, JSON bodies as JSON values.

A module of its own, below both portal.schemas and portal.services: portal.schemas imports
services (their errors, choices), and services that check a stored document use these
types too."""

import re

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from portal.models.base import ID_MAX, as_id

DIGITS = re.compile(r"[0-9]{1,20}")  # ASCII digits only: int() would also take "٣", " 1", "1_0"


class Field(fields.Field):
    """Base of our fields: translated `required`/`null` messages (`%(field)s` is filled in
    by `parse`, which knows the field's name)."""

    default_error_messages = {
        "required": _l("%(field)s is required."),
        "null": _l("%(field)s may not be null."),
        "validator_failed": _l("%(field)s is not valid."),
    }

    def label(self, attr: str | None) -> str:
        return self.data_key or self.name or attr or ""

    def refuse(self, key: str, default: str, attr: str | None) -> ValidationError:
        """The refusal `key`: the message given in `error_messages={key: ...}`, else `default`
        (already translated). A given message is a lazy text (may use `%(field)s`) or a
        function that returns the translated text."""
        custom = self.error_messages.get(key)
        if custom is None:
            return ValidationError(default)
        return ValidationError(message_text(custom, self.label(attr)))


def message_text(message, field: str) -> str:
    """A declared message as text: a lazy text is translated now, with `%(field)s` filled
    in; a function is called; anything else is already a text."""
    if isinstance(message, LazyString):
        return str(message) % {"field": field}
    if callable(message):
        return message()
    return str(message)


def _whole(value, strict: bool):
    """`value` as an int when it is a JSON integer (never a bool or a float) or, unless
    `strict`, a text of ASCII digits; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not strict and isinstance(value, str) and DIGITS.fullmatch(value):
        return int(value)
    return None


class Id(Field):
    """A row id or number (ticket numbers too): a whole number 1..ID_MAX, checked with
    `as_id`, the only id parser for request input. Bools, floats, negative, huge and
    non-numeric values are refused. `strict=True` (JSON bodies) refuses digit texts."""

    def __init__(self, *, strict: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.strict = strict
        self.metadata.setdefault("minimum", 1)
        self.metadata.setdefault("maximum", ID_MAX)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        number = _whole(value, self.strict)
        if number is None or as_id(number) is None:
            raise self.refuse("invalid", _(
                "%(field)s must be a whole number from %(low)s to %(high)s.",
                field=self.label(attr), low=1, high=ID_MAX), attr)
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Whole(Field):
    """A bounded whole number that is not an id (a page, a limit): `low`..`high`."""

    def __init__(self, low: int, high: int, *, strict: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.low, self.high, self.strict = low, high, strict
        self.metadata.setdefault("minimum", low)
        self.metadata.setdefault("maximum", high)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        number = _whole(value, self.strict)
        if number is None or not self.low <= number <= self.high:
            raise self.refuse("invalid", _(
                "%(field)s must be a whole number from %(low)s to %(high)s.",
                field=self.label(attr), low=self.low, high=self.high), attr)
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def clean_text(value: str) -> str:
    """`value` unless it holds what no database stores (NUL, lone surrogates)."""
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_("The text is not valid Unicode.")) from None
    return value


class Text(Field):
    """A JSON string (or a query value) a database can store: no NUL, valid Unicode, at most
    `max_length` characters (and at least `min_length`; `blank=False`: not only spaces).
    Refusals `invalid` (not a text), `too_long` and `too_short` can be reworded with
    `error_messages`."""

    def __init__(self, max_length: int | None = None, *, min_length: int = 0,
                 blank: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.max_length, self.min_length, self.blank = max_length, min_length, blank
        if max_length is not None:
            self.metadata.setdefault("maxLength", max_length)
        if min_length:
            self.metadata.setdefault("minLength", min_length)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        name = self.label(attr)
        if not isinstance(value, str):
            raise self.refuse("invalid", _("%(field)s must be a short text.", field=name), attr)
        clean_text(value)
        if self.max_length is not None and len(value) > self.max_length:
            raise self.refuse("too_long", _("%(field)s is too long.", field=name), attr)
        if len(value) < self.min_length or (not self.blank and not value.strip()):
            raise self.refuse("too_short", _("%(field)s is required.", field=name), attr)
        return value


class Choice(Field):
    """One of `choices` (texts); the refusal `invalid` can be reworded with `error_messages`."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = tuple(choices)
        self.metadata.setdefault("enum", list(self.choices))

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in self.choices:
            raise self.refuse("invalid", _("Choose one of the options."), attr)
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Flag(Field):
    """true or false: a JSON boolean, or in a query `true`/`false`/`1`/`0`."""

    TEXT = {"true": True, "1": True, "false": False, "0": False}

    def __init__(self, *, strict: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.strict = strict
        self.metadata.setdefault("type", "boolean")

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        if not self.strict and isinstance(value, str) and value.lower() in self.TEXT:
            return self.TEXT[value.lower()]
        raise self.refuse("invalid", _("%(field)s must be true or false.",
                                       field=self.label(attr)), attr)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Object(Field):
    """A JSON object (its values are checked by the service that reads them)."""

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        if not isinstance(value, dict):
            raise self.refuse("invalid", _("%(field)s must be a JSON object.",
                                           field=self.label(attr)), attr)
        _clean_values(value, "")
        return value


def storable(value) -> bool:
    """True unless a text anywhere in `value` (a JSON value) holds NUL or lone surrogates."""
    try:
        _clean_values(value, "")
    except ValidationError:
        return False
    return True


def _clean_values(value, path: str) -> None:
    """Refuse NUL and lone surrogates anywhere in `value`; the error names the key path
    (`parse` reports it as `<field>.<key>`)."""
    try:
        if isinstance(value, str):
            clean_text(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                clean_text(str(key))
                _clean_values(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for item in value:
                _clean_values(item, path)
    except ValidationError as exc:
        if path and not isinstance(exc.messages, dict):
            raise ValidationError({path: exc.messages}) from None
        raise


def _flatten(messages, prefix: str | None, out: dict) -> None:
    """{field: message} from marshmallow's nested messages; list indexes are dropped,
    object keys are joined with dots (`custom_fields.color`)."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                name = prefix
            elif key == "_schema":
                name = prefix or ""
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            _flatten(value, name, out)
        return
    if isinstance(messages, list | tuple):
        for item in messages:
            _flatten(item, prefix, out)
        return
    name = prefix or ""
    out.setdefault(name, message_text(messages, name))


def messages(exc: ValidationError) -> dict:
    """{field: message} of marshmallow's `exc`, in the schema's field order."""
    found: dict = {}
    _flatten(exc.messages, None, found)
    return found
