"""Query parameters of the portal's pages and of the custom admin pages.

A page's filter form leaves unset fields empty (`?account=&q=printer`), so `page_args`
treats an empty value as absent. A refusal is `Invalid`, as everywhere: the page shows its
message (and answers 422), or a 400 page where there is no form to show it next to."""

from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from portal.fields import Id, Text, Whole
from portal.models.base import ID_MAX
from portal.schemas.customer_tickets import ListArgs
from portal.schemas.parse import Input, parse, query_values
from portal.services.tickets import PAGE_SIZE

QUERY_MAX = 200


def page_args(schema, args=None) -> dict:
    """The query string (or `args`) through `schema`, empty values left out."""
    values = {}
    for key, value in query_values(schema, request.args if args is None else args).items():
        if isinstance(value, list):
            value = [item for item in value if item != ""]
        if value not in ("", []):
            values[key] = value
    return parse(schema, values)


# -- portal ---------------------------------------------------------------------------------

# /tickets: the customer API's list filters; the page shows PAGE_SIZE at a time
TICKET_LIST = ListArgs(exclude=("limit",))


class SearchArgs(Input):
    """/search and /search/suggest: the words (at most QUERY_MAX are used) and the mode
    (an unknown mode is the default one)."""

    q = Text(load_default="")
    mode = Text(20, load_default="hybrid")


class ArticleArgs(Input):
    """/articles/<slug>: `sq` is the logged search the reader came from."""

    sq = Id(error_messages={"invalid": _l("Unknown search.")})


# -- admin ----------------------------------------------------------------------------------

class QueueArgs(Input):
    """Tickets > Queue (the tickets service checks stages, priority, sort and cursor)."""

    stage = fields.List(Text(50), load_default=list)
    priority = Text(50)
    assignee = Id(error_messages={"invalid": _l("Choose a staff member from the list.")})
    account = Id(error_messages={"invalid": _l("Choose an account from the list.")})
    unassigned = Text(10, load_default="")
    q = Text(load_default="")
    sort = Text(50, load_default="updated")
    after = Text(500)
    limit = Whole(1, 100, load_default=PAGE_SIZE,
                  error_messages={"invalid": _l("Choose between 1 and 100 per page.")})


class AssigneeForm(Input):
    """The ticket page's assignee form: a staff member's id; empty unassigns."""

    assignee = Id(error_messages={"invalid": _l("Choose a staff member from the list.")})


class MemberForm(Input):
    """Settings > Groups > members: the contact to add or remove."""

    contact_id = Id(required=True)


class ExportArgs(Input):
    """Settings > Ticket form > export: a saved version (default the current one)."""

    version = Id()


class ArticleListArgs(Input):
    """Knowledge base > Articles: filters (an unknown status or kind shows every article)
    and the page."""

    directory = Id(error_messages={"invalid": _l("Choose a directory from the list.")})
    status = Text(20, load_default="")
    kind = Text(20, load_default="")
    page = Whole(1, ID_MAX, load_default=1)
