"""A ticket form draft being edited: the JSON document the builder page posts back with
every operation, and what each operation does to it.

No web instance keeps a draft: the page carries it, the server applies one operation and
shows the page again, and only a save (portal.services.ticket_forms) stores anything.
Nothing here needs a request, so every operation is a plain function of its inputs.
"""

import json
from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal.forms.definition import problems
from portal.forms.editor import EditorError, editor_values, field_from_inputs, field_locales

MAX_UPLOAD = 1_000_000


def dump(doc) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def parse_draft(text: str):
    """The draft document, or raise ValueError with a message for the admin."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(_("The definition is not valid JSON: %(error)s", error=str(exc))) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("fields"), list) or not all(
            isinstance(f, dict) for f in doc["fields"]):
        raise ValueError(_("The definition must be an object with a list of fields."))
    return doc


def move(doc: dict, index: int, delta: int) -> None:
    fields = doc["fields"]
    target = index + delta
    if 0 <= index < len(fields) and 0 <= target < len(fields):
        fields[index], fields[target] = fields[target], fields[index]


def remove(doc: dict, index: int) -> dict | None:
    if 0 <= index < len(doc["fields"]):
        return doc["fields"].pop(index)
    return None


def put_field(doc: dict, index: int | None, field: dict) -> None:
    """Replace field `index` (or append when None); a renamed key is renamed in the
    conditions and option trees that refer to it."""
    fields = doc["fields"]
    if index is None or not 0 <= index < len(fields):
        fields.append(field)
        return
    old_key = fields[index].get("key")
    fields[index] = field
    if old_key and old_key != field["key"]:
        for other in fields:
            for ref in ("show_when", "options_by"):
                if isinstance(other.get(ref), dict) and other[ref].get("field") == old_key:
                    other[ref]["field"] = field["key"]



def to_int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def editing_from(raw: str):
    """The `editing` input: "new" (a field being added), a field's index, or None."""
    return "new" if raw == "new" else to_int(raw)


def field_at(doc: dict | None, editing) -> dict | None:
    if doc is not None and isinstance(editing, int) and 0 <= editing < len(doc["fields"]):
        return doc["fields"][editing]
    return None


def text_in(default_locale: str):
    """A translated text (`{"de-DE": ...}`) as the builder lists it: in the default language."""
    def text_of(text) -> str:
        if not isinstance(text, dict) or not text:
            return ""
        return text.get(default_locale) or text.get("en-US") or next(iter(text.values()))
    return text_of


def read_upload(raw: bytes) -> tuple[dict | None, list[str]]:
    """An imported .json file (at most MAX_UPLOAD bytes read plus one): the document, or
    the problems that keep it out of the draft."""
    try:
        if len(raw) > MAX_UPLOAD:
            raise ValueError(_("The file is larger than 1 MB."))
        doc = parse_draft(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, [_("The file is not UTF-8 text.")]
    except ValueError as exc:
        return None, [str(exc)]
    found = problems(doc)
    return (None, found) if found else (doc, [])


@dataclass
class Step:
    """What the builder shows after one operation: the draft, the field being edited with
    the editor's inputs, and any refusal."""

    draft_text: str
    editing: int | str | None = None
    editor: object = None
    editor_error: EditorError | None = None
    refused: list = field(default_factory=list)
    removed: str | None = None
    status: int = 200


def operate(ws, draft_text: str, op: str, editing, inputs) -> Step:
    """Apply the builder operation `op` (`add`, `edit:2`, `cancel`, `up:2`, `down:2`,
    `remove:2`, `apply`) to the posted draft; `inputs` are the editor's inputs."""
    name, _sep, arg = op.partition(":")
    index = to_int(arg)
    try:
        doc = parse_draft(draft_text)
    except ValueError as exc:
        return Step(draft_text, editing, inputs, refused=[str(exc)], status=422)
    if name == "add":
        return Step(draft_text, "new")
    if name == "edit" and index is not None:
        return Step(draft_text, index)
    if name in ("up", "down") and index is not None:
        move(doc, index, -1 if name == "up" else 1)
        return Step(dump(doc))
    if name == "remove" and index is not None:
        removed = remove(doc, index)
        return Step(dump(doc), removed=None if removed is None else removed.get("key", ""))
    if name == "apply" and editing is not None:
        try:
            new = field_from_inputs(inputs, doc, field_locales(ws, field_at(doc, editing)))
        except EditorError as exc:
            return Step(draft_text, editing, inputs, editor_error=exc, status=422)
        put_field(doc, editing if isinstance(editing, int) else None, new)
        return Step(dump(doc))
    if name == "cancel":
        return Step(draft_text)
    return Step(dump(doc), editing, inputs if editing is not None else None)


def page_state(ws, step: Step) -> dict:
    """What the builder page lists for `step`: the document and its problems, the field
    editor's languages and inputs, and the fields a condition may refer to."""
    doc, found = None, []
    try:
        doc = parse_draft(step.draft_text)
        found = problems(doc)
    except ValueError as exc:
        found = [str(exc)]
    editing_field = field_at(doc, step.editing)
    locales = field_locales(ws, editing_field)
    editor = step.editor
    if step.editing is not None and editor is None:
        editor = editor_values(editing_field or {"type": "text"}, locales)
    earlier = (doc or {"fields": []})["fields"]
    if isinstance(step.editing, int):
        earlier = earlier[:step.editing]
    return {"doc": doc, "problems": [p for p in found if p not in step.refused],
            "valid": doc is not None and not found, "locales": locales, "editor": editor,
            "earlier": earlier}
