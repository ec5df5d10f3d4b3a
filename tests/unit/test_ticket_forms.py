"""Ticket form definitions: checking, compiling to JSON Schema, parsing submissions."""

import copy
import json

import pytest
from jsonschema import Draft202012Validator
from werkzeug.datastructures import MultiDict

from config import ROOT
from portal.forms.compile import compile_schema, describe
from portal.forms.definition import default_definition, problems
from portal.forms.submission import FORMATS, parse, visible

OPTION = {"value": "a", "label": {"en-US": "A"}}
EXAMPLE = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())


def test_shipped_definitions_are_valid():
    assert problems(default_definition()) == []
    assert problems(EXAMPLE) == []
    for path in (ROOT / "forms_schema/examples").glob("*.json"):
        assert problems(json.loads(path.read_text())) == [], path.name


def test_compiled_schema_is_valid_draft_2020_12():
    schema = compile_schema(EXAMPLE)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["fields"].append(copy.deepcopy(d["fields"][0])), "duplicate key"),
    (lambda d: d["fields"][3]["show_when"].update(field="nope"), "not an earlier field"),
    (lambda d: d["fields"][3]["show_when"].update(values=["gold"]), "not options of"),
    (lambda d: d["fields"][1]["options_by"]["map"].update(gold=[OPTION]), "not options of"),
    (lambda d: d["fields"][0].pop("options"), "needs either options or options_by"),
    (lambda d: d["fields"][4].update(options=[OPTION]), "other fields take neither"),
    (lambda d: d["fields"][0].update(type="colour"), "is not one of"),
    (lambda d: d["fields"][5].update(min=10, max=1), "min is greater than max"),
    (lambda d: d["fields"][0]["options"].append(dict(d["fields"][0]["options"][0])), "unique"),
    (lambda d: d["fields"][4].update(key="Bad Key"), "does not match"),
    (lambda d: d["fields"].insert(0, d["fields"].pop(1)), "not an earlier field"),
])
def test_broken_definitions_are_refused_with_a_reason(mutate, message):
    doc = copy.deepcopy(EXAMPLE)
    mutate(doc)
    found = problems(doc)
    assert found and any(message in p for p in found), found


def answers(**kw):
    base = {"category": "hardware", "subcategory": "laptop"}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def test_valid_submission_with_every_field_type():
    data, errors = parse(EXAMPLE, MultiDict([
        ("category", "hardware"), ("subcategory", "laptop"), ("item", "x1"), ("serial", "S-1"),
        ("affected_users", "12"), ("platforms", "linux"), ("platforms", "macos"),
        ("urgent", "on"), ("since", "2026-11-01"), ("contact_email", "ops@example.com"),
        ("screenshot_url", "https://example.com/s.png"), ("details", "It beeps."),
    ]))
    assert errors == {}
    assert data == {"category": "hardware", "subcategory": "laptop", "item": "x1", "serial": "S-1",
                    "affected_users": 12, "platforms": ["linux", "macos"], "urgent": True,
                    "since": "2026-11-01", "contact_email": "ops@example.com",
                    "screenshot_url": "https://example.com/s.png", "details": "It beeps."}


@pytest.mark.parametrize("field, value", [
    ("affected_users", "many"), ("affected_users", "0"), ("affected_users", "100001"),
    ("since", "2026-13-45"), ("contact_email", "not-an-email"), ("screenshot_url", "ftp://x"),
    ("screenshot_url", "javascript:alert(1)"), ("platforms", "beos"), ("details", "x" * 5001),
    ("category", "gold"),
])
def test_invalid_values_get_a_message_on_their_field(field, value):
    _data, errors = parse(EXAMPLE, answers(**{field: value}))
    assert field in errors, errors


def test_required_field_missing():
    _data, errors = parse(EXAMPLE, {})
    assert set(errors) == {"category"}
    _data, errors = parse(EXAMPLE, {"category": "hardware"})
    assert set(errors) == {"subcategory"}


def test_conditional_field_shows_and_is_required_only_when_its_condition_holds():
    _data, errors = parse(EXAMPLE, {"category": "billing", "subcategory": "invoice"})
    assert errors == {"order_number": "This field is required."}
    data, errors = parse(EXAMPLE, answers(order_number="A-1"))
    assert errors == {} and "order_number" not in data  # hidden: dropped, not an error


def test_dependent_options_follow_the_parent_value_three_levels_deep():
    data, errors = parse(EXAMPLE, answers(item="x1"))
    assert errors == {} and data["item"] == "x1"
    _data, errors = parse(EXAMPLE, answers(subcategory="invoice"))
    assert "subcategory" in errors  # invoice belongs to billing, not hardware
    _data, errors = parse(EXAMPLE, answers(item="laserjet"))
    assert "item" in errors  # laserjet belongs to printer, not laptop
    data, errors = parse(EXAMPLE, {"category": "billing", "subcategory": "refund",
                                   "order_number": "7", "item": "x1"})
    assert errors == {} and "item" not in data  # refund has no items: item hidden


def test_visibility_chains_through_hidden_parents():
    shown = visible(EXAMPLE, {"subcategory": "laptop"})
    assert "item" not in shown and "subcategory" not in shown


def test_unknown_keys_and_wrong_json_types_never_crash():
    data, errors = parse(EXAMPLE, {"category": ["hardware"], "subcategory": 5,
                                   "affected_users": True, "evil": "x"})
    assert set(errors) >= {"category", "subcategory", "affected_users"}
    assert "evil" not in data


def test_compiled_schema_alone_enforces_conditions_for_api_clients():
    validator = Draft202012Validator(compile_schema(EXAMPLE), format_checker=FORMATS)
    assert validator.is_valid({"category": "billing", "subcategory": "refund", "order_number": "1"})
    assert not validator.is_valid({"category": "billing", "subcategory": "refund"})
    assert not validator.is_valid({"category": "hardware", "subcategory": "laptop",
                                   "order_number": "1"})
    assert not validator.is_valid({"category": "hardware", "subcategory": "refund"})


def test_description_is_localized_with_fallback():
    described = describe(EXAMPLE, "de-DE")
    labels = {f["key"]: f["label"] for f in described["fields"]}
    assert labels["category"] == "Kategorie" and described["title"] == "Hardware-Support"
    item = next(f for f in described["fields"] if f["key"] == "item")
    assert item["options_by"]["map"]["laptop"][0]["label"] == "ThinkPad X1"  # en-US fallback
    assert next(f for f in described["fields"] if f["key"] == "order_number")["show_when"] == {
        "field": "category", "values": ["billing"]}


def test_json_multi_select_must_be_a_list_and_text_must_not_hold_nul():
    _data, errors = parse(EXAMPLE, answers(platforms="linux"))
    assert "platforms" in errors
    data, errors = parse(EXAMPLE, MultiDict([("category", "hardware"), ("subcategory", "laptop"),
                                             ("platforms", "linux")]))
    assert errors == {} and data["platforms"] == ["linux"]
    _data, errors = parse(EXAMPLE, answers(serial="a\x00b"))
    assert "serial" in errors
