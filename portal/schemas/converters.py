"""`<id:name>` in a URL rule: a path segment read by `as_id`, the id parser the `Id` type
uses too.

Werkzeug's `<int:...>` hands any run of digits to the view, 2**63 and 10**30 included,
which overflow the database's integer once they reach a query. A segment `as_id` refuses
(huge, zero, or not ASCII digits) does not match the rule, so the URL is a 404 before any
view runs: on a page a themed 404, under /api the JSON one. (Not through the marshmallow
field: its refusal message is translated, and matching a URL runs before the request's
language is known.)"""

from urllib.parse import quote

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


PATH_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's default and path converters leave unquoted
MARKER = "0slug0"


def marked_urls(build, marker, fill):
    """`build(value)` (a URL built by url_for) for the many values of one answer or list:
    built once with `marker` in the value's place, then `fill(value)` put there (url_for
    per row or hit was ~4-10% of a list or search request). `build` itself when the
    marker is not found exactly once."""
    built, text = build(marker), str(marker)
    head, found, tail = built.partition(text)
    if not found or text in tail:
        return build
    return lambda value: f"{head}{fill(value)}{tail}"


def slug_urls(build):
    """`marked_urls` for a route's `<slug>` segment, quoted as its converter quotes it."""
    return marked_urls(build, MARKER, lambda slug: quote(slug, safe=PATH_SAFE))


def register_converters(app) -> None:
    """Before any rule is added: rules look their converters up when they are made."""
    app.url_map.converters["id"] = IdConverter
