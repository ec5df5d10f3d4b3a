"""A form definition compiled two ways: a JSON Schema (draft 2020-12) that every submission
is validated against, and the description the portal renders (labels in one locale)."""


SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _value_schema(field: dict) -> dict:
    kind = field["type"]
    if kind in ("text", "long_text"):
        schema = {"type": "string", "minLength": 1}
        if "max_length" in field:
            schema["maxLength"] = field["max_length"]
        return schema
    if kind == "number":
        schema = {"type": "number"}
        if "min" in field:
            schema["minimum"] = field["min"]
        if "max" in field:
            schema["maximum"] = field["max"]
        return schema
    if kind == "checkbox":
        return {"type": "boolean"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "email":
        return {"type": "string", "format": "email", "maxLength": 320}
    if kind == "url":
        return {"type": "string", "format": "uri", "maxLength": 2000}
    values = sorted({o["value"] for o in field.get("options", [])} | _all_dependent(field))
    if kind == "single_select":
        return {"type": "string", "enum": values}
    return {"type": "array", "items": {"enum": values}, "uniqueItems": True, "minItems": 1}


def _all_dependent(field: dict) -> set[str]:
    branches = field.get("options_by", {}).get("map", {}).values()
    return {o["value"] for opts in branches for o in opts}


def _has(key: str, values: list) -> dict:
    return {"properties": {key: {"enum": list(values)}}, "required": [key]}


def compile_schema(doc: dict) -> dict:
    """JSON Schema for the `custom_fields` object of a ticket.

    A conditional field must be absent unless its condition holds, and is required only
    when it holds; a dependent select takes only the options mapped from its parent's value.
    """
    properties, required, rules = {}, [], []
    for field in doc["fields"]:
        key = field["key"]
        properties[key] = _value_schema(field)
        cond = field.get("show_when")
        dep = field.get("options_by")
        if cond:
            then = {"required": [key]} if field.get("required") else {}
            rules.append({"if": _has(cond["field"], cond["values"]), "then": then,
                          "else": {"not": {"required": [key]}}})
        if dep:
            for parent_value, options in dep["map"].items():
                enum = [o["value"] for o in options]
                then = {"properties": {key: {"enum": enum} if field["type"] == "single_select"
                                       else {"items": {"enum": enum}}}}
                if field.get("required") and not cond:
                    then["required"] = [key]
                rules.append({"if": _has(dep["field"], [parent_value]), "then": then})
            rules.append({"if": {"not": _has(dep["field"], list(dep["map"]))},
                          "then": {"not": {"required": [key]}}})
        if field.get("required") and not cond and not dep:
            required.append(key)
    schema = {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "required": required,
    }
    if rules:
        schema["allOf"] = rules
    return schema


def localized(text: dict | None, locale: str, fallback: str = "en-US") -> str:
    if not text:
        return ""
    return text.get(locale) or text.get(fallback) or text.get("en-US") or next(iter(text.values()))


def describe(doc: dict, locale: str, fallback: str = "en-US") -> dict:
    """What the portal renders and what the form script needs to show, hide and re-populate
    fields, with every text in `locale`."""

    def opts(options):
        return [{"value": o["value"], "label": localized(o["label"], locale, fallback)}
                for o in options]

    fields = []
    for field in doc["fields"]:
        item = {
            "key": field["key"],
            "type": field["type"],
            "label": localized(field["label"], locale, fallback),
            "help": localized(field.get("help"), locale, fallback),
            "required": bool(field.get("required")),
        }
        for name in ("default", "min", "max", "max_length"):
            if name in field:
                item[name] = field[name]
        if "options" in field:
            item["options"] = opts(field["options"])
        if "options_by" in field:
            item["options_by"] = {
                "field": field["options_by"]["field"],
                "map": {k: opts(v) for k, v in field["options_by"]["map"].items()},
            }
        if "show_when" in field:
            item["show_when"] = dict(field["show_when"])
        fields.append(item)
    return {"title": localized(doc.get("title"), locale, fallback), "fields": fields}


def option_labels(description: dict) -> dict[str, dict[str, str]]:
    """{field key: {option value: label}} over every option of every select field."""
    labels: dict[str, dict[str, str]] = {}
    for field in description["fields"]:
        found = {o["value"]: o["label"] for o in field.get("options", [])}
        for options in field.get("options_by", {}).get("map", {}).values():
            found.update({o["value"]: o["label"] for o in options})
        if found:
            labels[field["key"]] = found
    return labels


def answer_rows(description: dict, values: dict, yes: str) -> list[tuple[str, str]]:
    """(label, text) for each answered field, in form order, options shown by their label."""
    labels = option_labels(description)
    rows = []
    for field in description["fields"]:
        value = values.get(field["key"])
        if value is None:
            continue
        names = labels.get(field["key"], {})
        if value is True:
            text = yes
        elif isinstance(value, list):
            text = ", ".join(names.get(v, str(v)) for v in value)
        else:
            text = names.get(value, str(value)) if isinstance(value, str) else str(value)
        rows.append((field["label"], text))
    return rows
