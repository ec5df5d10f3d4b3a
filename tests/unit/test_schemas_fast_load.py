"""`portal.schemas.parse._load`: a flat request schema's valid input is loaded without
marshmallow's `load` (its per-value validator chain), with the same result; every refusal
is still marshmallow's own. Checked on every request schema the portal declares."""

import importlib
import pkgutil

import pytest
from marshmallow import ValidationError, fields, post_load, validate

import portal.schemas
from portal.schemas import Input, Text, Whole
from portal.schemas.parse import _load, _plan

VALUES = ("", "1", "7", "0", "-3", "abc", "hybrid", "keyword", "en-US", "de-DE", "true",
          "x" * 300, " ", "a\x00b", None, 5, ["1", "2"])


def _request_schemas():
    for info in pkgutil.iter_modules(portal.schemas.__path__):
        importlib.import_module(f"portal.schemas.{info.name}")
    found, todo = [], list(Input.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _outcome(load, schema, data):
    try:
        return "ok", load(schema, data)
    except ValidationError as exc:
        return "refused", exc.messages


SCHEMAS = _request_schemas()


def test_the_search_arguments_take_the_direct_path():
    from portal.schemas.customer_articles import SearchArgs, WorkspacePath

    assert _plan(SearchArgs()) is not None and _plan(WorkspacePath()) is not None


@pytest.mark.parametrize("cls", SCHEMAS, ids=lambda c: c.__qualname__)
def test_every_request_schema_loads_as_marshmallow_does(app, cls):
    schema = cls()
    if _plan(schema) is None:  # model schemas (their own `load`), hooks: marshmallow's load
        return
    keys = [f.data_key or name for name, f in schema.load_fields.items()]
    inputs = [{}, {"unknown": "x"}]
    inputs += [{key: value} for key in keys for value in VALUES]
    inputs += [dict.fromkeys(keys, value) for value in VALUES]
    with app.test_request_context("/"):
        for data in inputs:
            assert _outcome(_load, schema, data) == \
                _outcome(lambda s, d: s.load(d), schema, data), (cls, data)


class Hooked(Input):
    q = Text(10)

    @post_load
    def shout(self, data, **_kwargs):
        return {k: v.upper() for k, v in data.items()}


class Validated(Input):
    n = Whole(1, 100, validate=validate.Range(max=10))


class Plain(Input):
    n = fields.Integer()


@pytest.mark.parametrize("cls", [Hooked, Validated, Plain])
def test_hooks_validators_and_other_fields_go_through_marshmallow(app, cls):
    assert _plan(cls()) is None
    with app.test_request_context("/"):
        if cls is Hooked:
            assert _load(cls(), {"q": "abc"}) == {"q": "ABC"}
        elif cls is Validated:
            with pytest.raises(ValidationError):
                _load(cls(), {"n": "50"})
        else:
            assert _load(cls(), {"n": "4"}) == {"n": 4}
