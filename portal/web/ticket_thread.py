"""A customer's ticket page, the parts of it that only a public change of the ticket changes:
its public comments with their files, the original message's files and the public history
(tickets/_thread_parts.html), rendered once and kept per process.

The key is the ticket as its own row describes it, read on every request anyway: its id,
its creation time and `public_updated_at`, which `timeline.record` moves with every public
event (a public comment, its files, a stage or priority change). Comments, their files and
events are never edited in place (a removed ticket takes them along), so a key names one
content, on every instance. (Changes no public event follows: deleting a staff user sets
`author_staff_id` of their comments to NULL, and a contact or staff user may be renamed; a
kept rendering shows the badge or name as it was until the ticket's next public change.)
Customers see only public comments and events; every customer who may see the ticket
(portal.services.ticket_access, checked before this runs) sees the same parts, so they are
shared. The locale (its catalogue) and
the ticket page's URL (its files' are below it) complete the key; the template and the
catalogue are kept with an entry and checked, so a reloaded template or another app's
catalogue (tests build several) never reuses one.

On a miss the parts cost the comments, events and attachments statements and their
rendering (about a third of the page's CPU); on a hit none of them.
"""

import secrets
from collections import OrderedDict
from threading import Lock

from flask import current_app
from markupsafe import Markup

from portal import labels
from portal.i18n import CATALOGUE, _translations
from portal.services import attachments, timeline

TEMPLATE = "tickets/_thread_parts.html"
PARTS = ("latest", "older", "original_files", "history")
MAX_CHARS = 8_000_000  # kept in all (characters of HTML); the oldest used go first
MAX_ENTRY_CHARS = 500_000  # a longer conversation is rendered every time
CUT = secrets.token_hex(16)  # ends each part in the rendering; no text of a ticket holds it

_kept: OrderedDict = OrderedDict()  # key -> (template, catalogue, parts, size)
_size = 0
_lock = Lock()


def parts(ticket, page_url: str) -> dict[str, Markup]:
    """{part: HTML} of `ticket`'s public conversation for a customer (PARTS), from the
    process's cache when the ticket has not changed publicly since it was rendered.
    `page_url`: the ticket page's URL (its files' are below it, `/files/<id>`)."""
    template = current_app.jinja_env.get_template(TEMPLATE)
    catalogue = _translations()
    key = (ticket.workspace_id, ticket.id, ticket.created_at, ticket.public_updated_at,
           page_url, id(catalogue))
    with _lock:
        entry = _kept.get(key)
        if entry is not None and entry[0] is template and entry[1] is catalogue:
            _kept.move_to_end(key)
            return entry[2]
    rendered = render(ticket, template, catalogue, lambda file_id: f"{page_url}/files/{file_id:d}")
    _keep(key, (template, catalogue, rendered, sum(len(p) for p in rendered.values())))
    return rendered


def render(ticket, template, catalogue, file_url) -> dict[str, Markup]:
    """The parts from the database: public comments (newest first), their files, events."""
    files_by_comment: dict = {}
    for att in attachments.for_ticket(ticket, include_internal=False):
        files_by_comment.setdefault(att.comment_id, []).append(att)
    html = template.render({
        "comments": timeline.comments(ticket, include_internal=False),
        "history": timeline.events(ticket, include_internal=False),
        "files_by_comment": files_by_comment,
        "file_url": file_url,
        "is_inline": attachments.is_inline,
        **labels.tables(),
        "cut": CUT,
        CATALOGUE: catalogue,
    })
    cut = html.split(CUT)
    if len(cut) != len(PARTS) + 1:  # the template lost a cut (the marker is never shown)
        raise RuntimeError(f"{TEMPLATE}: expected {len(PARTS)} parts")
    return {name: Markup(text) for name, text in zip(PARTS, cut, strict=False)}


def _keep(key, entry) -> None:
    global _size
    if entry[3] > MAX_ENTRY_CHARS:
        return
    with _lock:
        old = _kept.pop(key, None)
        if old is not None:
            _size -= old[3]
        _kept[key] = entry
        _size += entry[3]
        while _size > MAX_CHARS and _kept:
            _size -= _kept.popitem(last=False)[1][3]


def clear() -> None:
    """Forget every kept conversation (tests)."""
    global _size
    with _lock:
        _kept.clear()
        _size = 0
