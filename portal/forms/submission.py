"""Parsing a customer's answers: coerce form or JSON values, drop what the form hides, then
validate against the compiled schema with per-field messages. The same code serves pages
(HTML forms, no JavaScript needed) and the API."""

import json
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from portal.forms.compile import compile_schema


class Coerce(ValueError):
    pass


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date", raises=ValueError)
    def is_date(value):
        return not isinstance(value, str) or bool(date.fromisoformat(value))

    @checker.checks("email")
    def is_email(value):
        if not isinstance(value, str):
            return True
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return False
        return True

    @checker.checks("uri")
    def is_web_url(value):
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.netloc)

    return checker


FORMATS = _format_checker()


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FORMATS)


def validator_for(doc: dict) -> Draft202012Validator:
    return _validator(json.dumps(compile_schema(doc), sort_keys=True))


def _get(raw, key: str, multi: bool):
    if hasattr(raw, "getlist"):
        return raw.getlist(key) if multi else raw.get(key)
    return raw.get(key)


def _coerce(field: dict, value, from_json: bool = False):
    kind = field["type"]
    if value is None or value == "" or value == []:
        return None
    if kind == "number":
        if isinstance(value, bool):
            raise Coerce(_("Enter a number."))
        if isinstance(value, (int, float)):
            return value
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise Coerce(_("Enter a number.")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise Coerce(_("Enter a number."))
        return int(number) if number.is_integer() else number
    if kind == "checkbox":
        if isinstance(value, bool):
            return value or None
        return True if str(value).lower() in ("1", "true", "on", "yes") else None
    if kind == "multi_select":
        if isinstance(value, str) and from_json:
            raise Coerce(_("Choose from the list."))
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(i, str) for i in items):
            raise Coerce(_("Choose from the list."))
        items = [i for i in items if i]
        return list(dict.fromkeys(items)) or None
    if not isinstance(value, str) or "\x00" in value:
        raise Coerce(_("Enter text."))
    value = value.strip()
    return value or None


def visible(doc: dict, values: dict) -> set[str]:
    """Keys of the fields the customer sees, given the answers so far (in field order)."""
    shown: set[str] = set()
    for field in doc["fields"]:
        cond, dep = field.get("show_when"), field.get("options_by")
        if cond and not (cond["field"] in shown and values.get(cond["field"]) in cond["values"]):
            continue
        if dep and not (dep["field"] in shown and values.get(dep["field"]) in dep["map"]):
            continue
        shown.add(field["key"])
    return shown


MESSAGES = {
    "required": lambda: _("This field is required."),
    "enum": lambda: _("Choose one of the options."),
    "format": lambda: _("Enter a valid value."),
    "minimum": lambda: _("The number is too small."),
    "maximum": lambda: _("The number is too large."),
    "maxLength": lambda: _("The text is too long."),
    "minItems": lambda: _("Choose at least one option."),
    "type": lambda: _("Enter a valid value."),
}


def parse(doc: dict, raw) -> tuple[dict, dict]:
    """(clean values, errors by field key). Unknown keys in `raw` are ignored."""
    values, errors = {}, {}
    for field in doc["fields"]:
        try:
            value = _coerce(field, _get(raw, field["key"], field["type"] == "multi_select"),
                            from_json=not hasattr(raw, "getlist"))
        except Coerce as exc:
            errors[field["key"]] = str(exc)
            continue
        if value is not None:
            values[field["key"]] = value
    shown = visible(doc, values)
    values = {k: v for k, v in values.items() if k in shown}
    for error in validator_for(doc).iter_errors(values):
        key = _error_key(error, values)
        if key and key not in errors:
            errors[key] = MESSAGES.get(error.validator, MESSAGES["type"])()
    return values, errors


def _error_key(error, values: dict) -> str | None:
    if error.path:
        return str(error.path[0])
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in values]
        return missing[0] if missing else None
    for sub in error.context or []:
        key = _error_key(sub, values)
        if key:
            return key
    return None
