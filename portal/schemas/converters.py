"""`<id:name>` in a URL rule: a path segment read by `as_id`, the id parser the `Id` type
uses too.

Werkzeug's `<int:...>` hands any run of digits to the view, 2**63 and 10**30 included,
which overflow the database's integer once they reach a query. A segment `as_id` refuses
(huge, zero, or not ASCII digits) does not match the rule, so the URL is a 404 before any
view runs: on a page a themed 404, under /api the JSON one. (Not through the marshmallow
field: its refusal message is translated, and matching a URL runs before the request's
language is known.)"""

from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as NoMatch

from portal.models.base import as_id


class IdConverter(BaseConverter):
    regex = r"[0-9]+"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = as_id(value)
        if number is None:
            raise NoMatch()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def register_converters(app) -> None:
    """Before any rule is added: rules look their converters up when they are made."""
    app.url_map.converters["id"] = IdConverter
