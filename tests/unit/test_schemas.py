"""The input layer: one range-checked id type, and every refusal as one `Invalid` (422,
`details.field` and `details.fields`) or, for a path id, `NotFound`."""

import pytest
from marshmallow import RAISE, fields

from portal.models.base import ID_MAX
from portal.schemas import (
    Choice,
    Flag,
    Id,
    Input,
    Object,
    Text,
    Whole,
    json_body,
    load_args,
    load_body,
    parse,
)
from portal.services.errors import Invalid, NotFound


class Ref(Input):
    contact_id = Id(strict=True, allow_none=True)


class Args(Input):
    account = Id()
    page = Whole(1, 10, load_default=1)
    stage = fields.List(Choice(("new", "open")))
    q = Text(20)
    internal = Flag()


class Body(Input):
    class Meta:
        unknown = RAISE

    title = Text(10, required=True, min_length=1)
    custom_fields = Object()


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), ("42", 42), (str(ID_MAX), ID_MAX), ("007", 7),
    ("0", None), ("-3", None), (str(ID_MAX + 1), None), ("1" * 30, None), ("9" * 5000, None),
    ("", None), ("4x", None), ("1.0", None), (" 1", None), ("1_0", None), ("٣", None),
    ("+1", None), ("true", None),
])
def test_id_from_text(raw, expected):
    if expected is None:
        with pytest.raises(Invalid) as refused:
            parse(Args, {"account": raw})
        assert refused.value.status == 422 and refused.value.code == "invalid"
        assert refused.value.details["field"] == "account"
        assert refused.value.message == (
            f"account must be a whole number from 1 to {ID_MAX}.")
    else:
        assert parse(Args, {"account": raw})["account"] == expected


@pytest.mark.parametrize("raw, ok", [
    (5, True), (None, True), (ID_MAX, True),
    (True, False), (False, False), (2.0, False), (2.5, False), (-1, False), (0, False),
    (2**31, False), (2**63, False), (10**400, False), ("5", False), ([5], False), ({}, False),
])
def test_id_in_a_json_body_is_a_json_integer(raw, ok):
    if ok:
        assert parse(Ref, {"contact_id": raw}) == {"contact_id": raw}
    else:
        with pytest.raises(Invalid) as refused:
            parse(Ref, {"contact_id": raw})
        assert refused.value.details == {
            "field": "contact_id", "fields": {"contact_id": refused.value.message}}


def test_a_path_id_that_no_row_can_have_is_not_found():
    with pytest.raises(NotFound) as refused:
        parse(Args, {"account": str(2**31)}, not_found="No such account.")
    assert refused.value.status == 404 and refused.value.message == "No such account."


def test_query_values_through_a_schema(app):
    url = "/x?page=3&stage=new&stage=open&q=ab&internal=true&other=%00"
    with app.test_request_context(url):
        assert load_args(Args) == {"page": 3, "stage": ["new", "open"], "q": "ab",
                                   "internal": True}
    with app.test_request_context("/x"):
        assert load_args(Args) == {"page": 1}
    for query, field in [("page=11", "page"), ("page=-1", "page"), ("stage=x", "stage"),
                         ("q=%00", "q"), ("q=" + "a" * 21, "q"), ("internal=maybe", "internal"),
                         ("account=99999999999999999999", "account")]:
        with app.test_request_context(f"/x?{query}"), pytest.raises(Invalid) as refused:
            load_args(Args)
        assert refused.value.details["field"] == field, query


def test_body_refusals_name_every_wrong_field(app):
    def post(data, content_type="application/json"):
        with app.test_request_context("/x", method="POST", data=data,
                                      content_type=content_type):
            return load_body(Body)

    assert post('{"title": "Hi", "custom_fields": {"a": [1, "b"]}}') == {
        "title": "Hi", "custom_fields": {"a": [1, "b"]}}
    with pytest.raises(Invalid) as refused:
        post('{"title": "", "custom_fields": {"color": "r\\u0000d"}, "extra": 1}')
    assert refused.value.details["fields"] == {
        "title": "title is required.",
        "custom_fields.color": "The text contains a NUL character.",
        "extra": "extra is not a known field.",
    }
    with pytest.raises(Invalid) as refused:
        post("{}")
    assert refused.value.details == {"field": "title",
                                      "fields": {"title": "title is required."}}
    with pytest.raises(Invalid) as refused:
        post('{"title": null}')
    assert refused.value.message == "title may not be null."
    with pytest.raises(Invalid) as refused:
        post('{"title": "\\ud800"}')
    assert refused.value.message == "The text is not valid Unicode."
    with pytest.raises(Invalid) as refused:
        post("[1]")
    assert refused.value.message == "The body must be a JSON object."


@pytest.mark.parametrize("data, content_type, status, code", [
    ("{", "application/json", 400, "malformed_json"),
    (b'"\xff"', "application/json", 400, "malformed_json"),
    ("{}", "text/plain", 415, "unsupported_media_type"),
    ("[" * 100_000, "application/json", 400, "malformed_json"),
])
def test_json_body_refusals(app, data, content_type, status, code):
    with app.test_request_context("/x", method="POST", data=data, content_type=content_type):
        with pytest.raises(Exception) as refused:
            json_body()
    assert (refused.value.status, refused.value.code) == (status, code)


def test_refusals_are_translated(app):
    with app.test_request_context("/x?account=-1"):
        from flask import g

        g.locale = "de"
        with pytest.raises(Invalid) as refused:
            load_args(Args)
        assert "ganze Zahl" in refused.value.message
        with pytest.raises(Invalid) as refused:
            parse(Body, {})
        assert refused.value.message == "title ist erforderlich."


def test_every_refusal_has_the_json_error_shape_under_the_api(client, acme):
    """Through a real API view: the same shape, status and code as every other refusal."""
    response = client.get("/api/v1/workspaces/acme/articles?page=99999999999999999999")
    assert response.status_code in (401, 404, 422)
    body = response.get_json()
    assert set(body) <= {"error", "message", "details"} and body["error"]
