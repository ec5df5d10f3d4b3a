"""The form builder's draft operations, without a request: each is a function of the
posted draft and the editor's inputs."""

import json
from types import SimpleNamespace

from portal.forms import draft
from portal.forms.definition import default_definition

WS = SimpleNamespace(default_locale="en-US", enabled_locales=["en-US", "de-DE"])


def text(doc) -> str:
    return draft.dump(doc)


def keys(step) -> list[str]:
    return [f["key"] for f in json.loads(step.draft_text)["fields"]]


TWO = {"fields": [{"key": "one", "type": "text", "label": {"en-US": "One"}},
                  {"key": "two", "type": "text", "label": {"en-US": "Two"}}]}


def test_move_and_remove_keep_everything_else():
    doc = TWO
    first, second = (f["key"] for f in doc["fields"][:2])
    moved = draft.operate(WS, text(doc), "down:0", None, {})
    assert keys(moved)[:2] == [second, first] and moved.editing is None
    removed = draft.operate(WS, moved.draft_text, "remove:0", None, {})
    assert removed.removed == second and second not in keys(removed)


def test_apply_renames_a_key_in_the_conditions_that_refer_to_it():
    doc = {"fields": [
        {"key": "kind", "type": "single_select", "label": {"en-US": "Kind"},
         "options": [{"value": "a", "label": {"en-US": "A"}}]},
        {"key": "detail", "type": "text", "label": {"en-US": "Detail"},
         "show_when": {"field": "kind", "values": ["a"]}}]}
    inputs = {"e_key": "sort", "e_type": "single_select", "e_label_en-US": "Sort",
              "e_options": "a | A\nb | B"}
    step = draft.operate(WS, text(doc), "apply", 0, inputs)
    result = json.loads(step.draft_text)
    assert step.status == 200 and keys(step) == ["sort", "detail"]
    assert result["fields"][1]["show_when"]["field"] == "sort"
    assert [o["value"] for o in result["fields"][0]["options"]] == ["a", "b"]


def test_a_wrong_editor_input_keeps_the_draft_and_the_inputs():
    doc = default_definition()
    inputs = {"e_key": "n", "e_type": "number", "e_min": "lots"}
    step = draft.operate(WS, text(doc), "apply", "new", inputs)
    assert step.status == 422 and step.editor_error.name == "e_min"
    assert step.draft_text == text(doc) and step.editor is inputs


def test_a_broken_draft_is_refused_with_why():
    step = draft.operate(WS, "{not json", "up:1", None, {})
    assert step.status == 422 and "not valid JSON" in step.refused[0]
    state = draft.page_state(WS, step)
    assert state["doc"] is None and not state["valid"]


def test_upload_rules():
    assert draft.read_upload(b"\xff\xfe")[1]
    assert draft.read_upload(b" " * (draft.MAX_UPLOAD + 1))[1]
    doc, found = draft.read_upload(text(default_definition()).encode())
    assert found == [] and doc == default_definition()
