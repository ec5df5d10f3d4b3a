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


def slug_urls(build):
    """`build(slug)` (a URL of a route with a `<slug>` segment, built by url_for) for the
    many slugs of one answer: built once with a marker for the slug, and each slug put in its
    place, quoted as the route's converter quotes it (url_for per hit was ~4 % of a search
    request). `build` itself when the marker is not found exactly once."""
    built = build(MARKER)
    head, found, tail = built.partition(MARKER)
    if not found or MARKER in tail:
        return build
    return lambda slug: f"{head}{quote(slug, safe=PATH_SAFE)}{tail}"


def register_converters(app) -> None:
    """Before any rule is added: rules look their converters up when they are made."""
    app.url_map.converters["id"] = IdConverter
