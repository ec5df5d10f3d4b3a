"""The form builder's field editor: one field of a draft as editor inputs and back.

Labels and help are one input per language; options are one per line,
`value | label in language 1 | label in language 2`; an option tree is a `[parent value]`
line followed by that branch's options. A wrong input raises `EditorError` naming it.
"""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.forms.definition import SELECTS

TYPES = ("text", "long_text", "number", "single_select", "multi_select", "checkbox", "date",
         "email", "url")
TYPE_LABELS = {
    "text": _l("Text"), "long_text": _l("Long text"), "number": _l("Number"),
    "single_select": _l("Single select"), "multi_select": _l("Multi select"),
    "checkbox": _l("Checkbox"), "date": _l("Date"), "email": _l("Email"), "url": _l("URL"),
}
TEXT_TYPES = ("text", "long_text")


class EditorError(ValueError):
    """An editor input that cannot be read (a number that is not one, a malformed line)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


def field_locales(ws, field: dict | None = None) -> list[str]:
    """The workspace's languages, its default first, then any other a field already uses."""
    enabled = list(ws.enabled_locales or []) or [ws.default_locale]
    ordered = [ws.default_locale] + [code for code in enabled if code != ws.default_locale]
    for name in ("label", "help"):
        for code in ((field or {}).get(name) or {}):
            if code not in ordered:
                ordered.append(code)
    if (field or {}).get("options") or (field or {}).get("options_by"):
        for options in _all_option_lists(field):
            for option in options:
                ordered.extend(c for c in option.get("label", {}) if c not in ordered)
    return ordered


def _all_option_lists(field: dict) -> list[list]:
    lists = [field.get("options") or []]
    lists.extend((field.get("options_by") or {}).get("map", {}).values())
    return lists


def options_text(options: list, locales: list[str]) -> str:
    """One option a line: `value | label in locale 1 | label in locale 2`."""
    lines = []
    for option in options:
        labels = [option.get("label", {}).get(code, "") for code in locales]
        while labels and not labels[-1]:
            labels.pop()
        lines.append(" | ".join([option.get("value", ""), *labels]))
    return "\n".join(lines)


def parse_options(text: str, locales: list[str], name: str) -> list[dict]:
    options = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if not cells[0]:
            raise EditorError(name, _("Line %(number)d has no value.", number=number))
        if len(cells) - 1 > len(locales):
            raise EditorError(name, _("Line %(number)d has more labels than languages.",
                                      number=number))
        label = {code: text for code, text in zip(locales, cells[1:], strict=False) if text}
        options.append({"value": cells[0], "label": label or {locales[0]: cells[0]}})
    return options


def option_map_text(option_map: dict, locales: list[str]) -> str:
    """An option tree branch per parent value: a `[parent value]` line, then its options."""
    blocks = [f"[{parent}]\n{options_text(options, locales)}"
              for parent, options in option_map.items()]
    return "\n".join(blocks)


def parse_option_map(text: str, locales: list[str], name: str) -> dict:
    branches: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.fullmatch(r"\s*\[(.+)\]\s*", line)
        if header:
            current = header.group(1).strip()
            branches.setdefault(current, [])
        elif line.strip():
            if current is None:
                raise EditorError(name, _("Line %(number)d comes before any [parent value] "
                                          "line.", number=number))
            branches[current].append(line)
    return {parent: parse_options("\n".join(lines), locales, name)
            for parent, lines in branches.items()}


def _number(raw: str, name: str):
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise EditorError(name, _("Enter a number.")) from None
    return int(value) if value.is_integer() and "." not in raw and "e" not in raw.lower() \
        else value


def _typed_values(raw: str, kind: str | None, name: str) -> list:
    """Comma-separated values read as the parent field's type (checkbox: true/false)."""
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if kind == "checkbox":
        table = {"true": True, "yes": True, "on": True, "false": False, "no": False,
                 "off": False}
        if any(v.lower() not in table for v in values):
            raise EditorError(name, _("A checkbox takes true or false."))
        return [table[v.lower()] for v in values]
    if kind == "number":
        return [_number(v, name) for v in values]
    return values


def editor_values(field: dict, locales: list[str]) -> dict:
    """The editor's inputs filled in from `field`."""
    values = {"e_key": field.get("key", ""), "e_type": field.get("type", "text"),
              "e_required": "on" if field.get("required") else ""}
    for code in locales:
        values[f"e_label_{code}"] = (field.get("label") or {}).get(code, "")
        values[f"e_help_{code}"] = (field.get("help") or {}).get(code, "")
    for name in ("min", "max", "max_length"):
        values[f"e_{name}"] = "" if field.get(name) is None else str(field[name])
    default = field.get("default")
    if isinstance(default, bool):
        values["e_default"] = "true" if default else "false"
    elif isinstance(default, list):
        values["e_default"] = ", ".join(str(v) for v in default)
    else:
        values["e_default"] = "" if default is None else str(default)
    values["e_options"] = options_text(field.get("options") or [], locales)
    dep = field.get("options_by") or {}
    values["e_dep_field"] = dep.get("field", "")
    values["e_dep_map"] = option_map_text(dep.get("map") or {}, locales)
    cond = field.get("show_when") or {}
    values["e_show_field"] = cond.get("field", "")
    values["e_show_values"] = ", ".join(
        ("true" if v else "false") if isinstance(v, bool) else str(v)
        for v in cond.get("values", []))
    return values


def field_from_inputs(form, doc: dict, locales: list[str]) -> dict:
    """One field from the editor's inputs; only the settings its type takes are kept."""
    kind = form.get("e_type", "text")
    if kind not in TYPES:
        raise EditorError("e_type", _("Choose a field type."))
    field: dict = {"key": form.get("e_key", "").strip(), "type": kind}
    label = {code: form.get(f"e_label_{code}", "").strip() for code in locales}
    field["label"] = {code: text for code, text in label.items() if text} or {
        locales[0]: field["key"]}
    help_text = {code: form.get(f"e_help_{code}", "").strip() for code in locales}
    if any(help_text.values()):
        field["help"] = {code: text for code, text in help_text.items() if text}
    if form.get("e_required"):
        field["required"] = True
    if kind == "number":
        for name in ("min", "max"):
            value = _number(form.get(f"e_{name}", ""), f"e_{name}")
            if value is not None:
                field[name] = value
    if kind in TEXT_TYPES:
        value = _number(form.get("e_max_length", ""), "e_max_length")
        if value is not None:
            if not isinstance(value, int):
                raise EditorError("e_max_length", _("Enter a whole number."))
            field["max_length"] = value
    if kind in SELECTS:
        dep_field = form.get("e_dep_field", "").strip()
        if dep_field:
            field["options_by"] = {"field": dep_field, "map": parse_option_map(
                form.get("e_dep_map", ""), locales, "e_dep_map")}
        else:
            field["options"] = parse_options(form.get("e_options", ""), locales, "e_options")
    default = _default(form.get("e_default", "").strip(), kind)
    if default is not None:
        field["default"] = default
    show_field = form.get("e_show_field", "").strip()
    if show_field:
        parent = next((f for f in doc["fields"] if f.get("key") == show_field), {})
        field["show_when"] = {"field": show_field, "values": _typed_values(
            form.get("e_show_values", ""), parent.get("type"), "e_show_values")}
    return field


def _default(raw: str, kind: str):
    if not raw:
        return None
    if kind == "checkbox":
        return _typed_values(raw, "checkbox", "e_default")[0]
    if kind == "number":
        return _number(raw, "e_default")
    if kind == "multi_select":
        return [v.strip() for v in raw.split(",") if v.strip()]
    return raw
