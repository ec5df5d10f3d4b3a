"""A workspace's own settings (`Workspace.settings`, a JSON column), read through one typed,
frozen view and written through one validating setter.

Readers call `for_workspace(ws)` and get a `WorkspaceSettings` with every field set: a
missing key is its default, and so is a stored value of the wrong type or out of range
(logged once per process, never an error page: the column may hold what an older release
or a hand-edited row put there). Writers call `update(ws, **changes)`, which refuses a
bad value with `Invalid` and stores the JSON form; the caller commits.

To add a setting: a field with its default and a `_setting(check)` that says what a valid
value is. Deployment-wide settings are another thing: they live in config/."""

import json
import logging
import re
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache

from portal.models import Workspace
from portal.request_memo import forget
from portal.services.errors import Invalid

log = logging.getLogger(__name__)

KB_ACCESS = ("off", "private", "public")
EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")


def _one_of(*allowed):
    def check(value):
        if value not in allowed:
            raise ValueError(f"must be {', '.join(allowed[:-1])} or {allowed[-1]}")
        return value
    return check


def _flag(value):
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _whole(low: int, high: int):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value
    return check


def _extensions(value):
    if not isinstance(value, list | tuple) or not all(
            isinstance(ext, str) and EXTENSION.match(ext.lower()) for ext in value):
        raise ValueError('must be a list of file name extensions such as ".pdf"')
    return tuple(ext.lower() for ext in value)


def _image_url(value):
    if not isinstance(value, str) or not (
            value == "" or value.startswith(("https://", "http://", "/"))):
        raise ValueError("must be an http(s) address or a path")
    return value


def _setting(check, default):
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True)
class WorkspaceSettings:
    # who reads the knowledge base: off (nobody), private (signed-in customers), public
    kb_access: str = _setting(_one_of(*KB_ACCESS), "private")
    # customers may open tickets (portal and API); off: the pages and endpoints answer 404
    tickets_enabled: bool = _setting(_flag, True)
    # the largest attachment, in bytes (services.attachments)
    attachment_max_bytes: int = _setting(_whole(1, 1024 ** 3), 10 * 1024 * 1024)
    # file types customers may attach, e.g. (".pdf", ".png"); empty: every type we accept
    attachment_extensions: tuple[str, ...] = _setting(_extensions, ())
    # days after resolving or closing during which a customer may reopen a ticket
    reopen_window_days: int = _setting(_whole(0, 3650), 7)
    # the image shown instead of the workspace's name in the portal's header
    logo_url: str = _setting(_image_url, "")


DEFAULTS = WorkspaceSettings()
CHECKS = {f.name: f.metadata["check"] for f in fields(WorkspaceSettings)}


def for_workspace(ws: Workspace) -> WorkspaceSettings:
    """The typed settings of `ws` (defaults for what is missing or not valid)."""
    stored = ws.settings if isinstance(ws.settings, dict) else {}
    return _parse(ws.slug, json.dumps(stored, sort_keys=True, default=str))


@lru_cache(maxsize=256)
def _parse(slug: str, stored_json: str) -> WorkspaceSettings:
    """Cached by the stored text, so a bad value is logged once, not at every read."""
    stored = json.loads(stored_json)
    values = {}
    for name, check in CHECKS.items():
        if name not in stored:
            continue
        try:
            values[name] = check(stored[name])
        except ValueError as exc:
            log.warning("workspace %s: setting %s=%r %s; using the default %r",
                        slug, name, stored[name], exc, getattr(DEFAULTS, name))
    return replace(DEFAULTS, **values)


def update(ws: Workspace, **changes) -> WorkspaceSettings:
    """Validate and store `changes` (setting name -> value); the caller commits."""
    checked = {}
    for name, value in changes.items():
        check = CHECKS.get(name)
        if check is None:
            raise Invalid(f"unknown workspace setting {name!r}", field=name)
        try:
            checked[name] = check(value)
        except ValueError as exc:
            raise Invalid(f"{name.replace('_', ' ')} {exc}", field=name) from None
    stored = {**(ws.settings if isinstance(ws.settings, dict) else {})}
    stored.update({name: list(v) if isinstance(v, tuple) else v
                   for name, v in checked.items()})
    ws.settings = stored  # a new dict: the JSON column sees the change
    forget("kb_access", "kb_audiences")
    return for_workspace(ws)
