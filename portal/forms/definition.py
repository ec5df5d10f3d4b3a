"""Checking a form definition: the JSON Schema in forms_schema/ plus the rules a schema
cannot say (unique keys, references to earlier fields, option values that exist)."""

import json
from functools import cache

from jsonschema import Draft202012Validator

from config import ROOT

SCHEMA_PATH = ROOT / "forms_schema" / "definition.schema.json"
DEFAULT_PATH = ROOT / "forms_schema" / "default.json"
SELECTS = ("single_select", "multi_select")


@cache
def definition_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def default_definition() -> dict:
    return json.loads(DEFAULT_PATH.read_text())


def option_values(field: dict) -> set[str]:
    """Every value a select field can take (all branches of dependent options)."""
    if "options" in field:
        return {o["value"] for o in field["options"]}
    values: set[str] = set()
    for options in field.get("options_by", {}).get("map", {}).values():
        values.update(o["value"] for o in options)
    return values


def problems(doc) -> list[str]:
    """Why `doc` is not a usable form definition; empty when it is."""
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {_say(e)}"
        for e in sorted(definition_validator().iter_errors(doc), key=lambda e: list(e.path))
    ]
    if errors:
        return errors
    seen: dict[str, dict] = {}
    for index, field in enumerate(doc["fields"]):
        where = f"fields/{index} ({field['key']})"
        if field["key"] in seen:
            errors.append(f"{where}: duplicate key")
        errors.extend(f"{where}: {p}" for p in _reference_problems(field, seen))
        errors.extend(f"{where}: {p}" for p in _value_problems(field))
        seen[field["key"]] = field
    return errors


def _say(error) -> str:
    if error.validator in ("oneOf", "not") and "options" in str(error.schema):
        return "a select field needs either options or options_by; other fields take neither"
    return error.message


def _reference_problems(field: dict, earlier: dict[str, dict]) -> list[str]:
    out = []
    cond = field.get("show_when")
    if cond:
        parent = earlier.get(cond["field"])
        if parent is None:
            out.append(f"show_when refers to {cond['field']!r}, which is not an earlier field")
        elif parent["type"] in SELECTS:
            unknown = [v for v in cond["values"] if v not in option_values(parent)]
            if unknown:
                out.append(f"show_when values {unknown} are not options of {parent['key']!r}")
        elif parent["type"] == "checkbox" and any(not isinstance(v, bool) for v in cond["values"]):
            out.append("show_when on a checkbox takes true or false")
    dep = field.get("options_by")
    if dep:
        parent = earlier.get(dep["field"])
        if parent is None:
            out.append(f"options_by refers to {dep['field']!r}, which is not an earlier field")
        elif parent["type"] != "single_select":
            out.append("options_by must refer to a single-select field")
        else:
            unknown = sorted(set(dep["map"]) - option_values(parent))
            if unknown:
                out.append(f"options_by keys {unknown} are not options of {parent['key']!r}")
    return out


def _value_problems(field: dict) -> list[str]:
    out = []
    branches = list(field.get("options_by", {}).get("map", {}).values())
    for options in [field.get("options", []), *branches]:
        values = [o["value"] for o in options]
        if len(values) != len(set(values)):
            out.append("option values must be unique")
    if "min" in field and "max" in field and field["min"] > field["max"]:
        out.append("min is greater than max")
    if ("min" in field or "max" in field) and field["type"] != "number":
        out.append("min and max apply to number fields only")
    if "max_length" in field and field["type"] not in ("text", "long_text"):
        out.append("max_length applies to text fields only")
    return out
