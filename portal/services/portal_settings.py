"""A workspace's portal settings document (issue 12): read the live one, edit a draft,
publish, discard, restore an earlier publish.

- The **published** document is `Workspace.settings`. Every portal request reads the
  workspace row anyway (and on SQLite remembers it until the next commit:
  portal.sqlite_changes), so `published(ws)` costs no query. Its checked form is cached
  with Flask-Caching (in-process, or Redis shared by every instance) and kept parsed per
  process, keyed by the row's id, creation time and `content_version` (which every change
  of the row bumps, in its transaction): a publish is seen on every instance at once, and
  the changed `content_version` also keys the page cache.
- The **draft** is one PortalSettingsDraft row; customers never see it. Saving checks the
  whole document: the declared schema (portal.services.portal_settings_schema) and what
  needs more than one field (contrast of the accent colours, the custom CSS against the
  allowlist, a custom domain no other workspace has).
- Every **publish** is kept (PortalSettingsPublish: version, author, time) and can be
  restored into the draft.

Readers get a `Settings` view: attributes all the way down (`features.knowledge_base`),
every key present (defaults for what is missing, and for a stored value that is not valid
any more, logged once per process).
"""

import copy
import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from portal.appearance import AppearanceError, colors, custom_css
from portal.extensions import cache, db
from portal.fields import messages
from portal.i18n import SUPPORTED
from portal.models import PortalSettingsDraft, PortalSettingsPublish, Workspace
from portal.request_memo import forget, memo
from portal.services import portal_settings_schema as schema_module
from portal.services.errors import Conflict, NotFound, invalid
from portal.services.portal_settings_schema import HOST, MAX_LINKS, MAX_TABS, DocumentSchema
from portal.services.settings_view import Settings
from portal.tenancy import use_workspace

log = logging.getLogger(__name__)
SCHEMA = DocumentSchema()
CACHE_SECONDS = 3600  # a key names its version: never stale; older versions' entries expire
_parsed: dict[str, "Settings"] = {}  # this process's parsed documents, by cache key
IMAGES = ("logo", "logo_dark", "favicon")  # set by their upload endpoints, not by a PUT


def defaults() -> dict:
    return SCHEMA.load({})


def published(ws: Workspace) -> Settings:
    """The live settings of `ws` (the one accessor customers' pages and APIs read), through
    the cache (`_cached`), looked up once per request (a request asks several times;
    `_go_live` forgets it)."""
    state = inspect(ws)
    if state.modified or not state.persistent:  # a change not stored yet: what it holds now
        return _of(ws)
    return memo(("portal_settings", ws.id), lambda: _cached(ws))


def _of(ws: Workspace) -> Settings:
    return Settings(_live(ws))


def _live(ws: Workspace) -> dict:
    """The published document, its languages the workspace's."""
    document = repaired(ws.slug, ws.settings)
    document["locales"] = {"enabled": _enabled(ws), "default": ws.default_locale}
    return document


def _enabled(ws: Workspace) -> list[str]:
    """The workspace's enabled languages, its default among them (a platform admin may
    have changed the default alone: the portal offers it all the same)."""
    enabled = [c for c in ws.enabled_locales or [] if c in SUPPORTED]
    return enabled if ws.default_locale in enabled or ws.default_locale not in SUPPORTED \
        else [ws.default_locale, *enabled]


def _with_locales(ws: Workspace, document: dict) -> dict:
    """`document` with the workspace's languages where it names none."""
    locales = document.setdefault("locales", {})
    if locales.get("enabled") is None:
        locales["enabled"] = _enabled(ws)
    if locales.get("default") is None:
        locales["default"] = ws.default_locale
    locales["enabled"] = list(dict.fromkeys(locales["enabled"]))
    return document


def _cached(ws: Workspace) -> Settings:
    """The checked document of `ws`, cached by Flask-Caching (portal.extensions.cache:
    in-process by default, Redis with PORTAL_REDIS_URL, shared by every instance) and kept
    parsed in this process. The key names the row's id, creation time and
    `content_version`, which every change of the row bumps in its transaction: a publish
    changes the key every instance reads, so none can read the old entry, and `_go_live`
    deletes it. A Redis outage is a miss (portal.cache_backend): parsed again, no error."""
    key = _cache_key(ws)
    found = _parsed.get(key)
    if found is None:
        document = cache.get(key)
        if not isinstance(document, dict):
            document = _live(ws)
            cache.set(key, document, timeout=CACHE_SECONDS)
        if len(_parsed) >= 512:  # old versions: start again rather than track their age
            _parsed.clear()
        found = _parsed[key] = Settings(document)
    return found


def _cache_key(ws: Workspace) -> str:
    return (f"portal-settings:{_schema_mark()}:{ws.id}:{ws.created_at.isoformat()}:"
            f"{ws.content_version or 0}")


@lru_cache(maxsize=1)
def _schema_mark() -> str:
    """A digest of the schema's source: a release that changes it never reads a document
    an older one checked (the cache outlives a deploy on Redis)."""
    return hashlib.sha256(Path(schema_module.__file__).read_bytes()).hexdigest()[:12]


def repaired(slug: str, stored: dict) -> dict:
    """`stored` loaded through the schema, each value it refuses replaced by its default
    (logged): the column may hold what an older release or a hand-edited row put there."""
    data = stored if isinstance(stored, dict) else {}
    found: dict = {}
    for _attempt in range(50):
        try:
            loaded = SCHEMA.load(data)
            break
        except ValidationError as exc:
            found.update(messages(exc))
            data = _without(data, exc.messages) or {}
    else:
        loaded = defaults()
    if found:  # one line per stored text (published() keeps its result per text)
        log.warning("workspace %s: portal settings %s not valid; using defaults there",
                    slug, ", ".join(found))
    return loaded


def _without(data, errors):
    """`data` without the keys and list items that `errors` (marshmallow's) names; None
    (the whole part goes) when an error names a key that `data` does not have: a required
    one missing, or a rule across keys that removing one key cannot satisfy."""
    if not isinstance(errors, dict):
        return None
    if isinstance(data, list):
        kept = (item if i not in errors else _without(item, errors[i])
                for i, item in enumerate(data))
        return [item for item in kept if item is not None]
    if not isinstance(data, dict) or any(key not in data for key in errors):
        return None
    kept = {}
    for key, value in data.items():
        if key not in errors:
            kept[key] = value
        elif isinstance(value, dict | list) and (part := _without(value, errors[key])) \
                is not None:
            kept[key] = part
    return kept


# -- the staff side: draft, publish, discard, restore ----------------------------------

def overview(ws: Workspace) -> dict:
    """{"draft": the draft (the published document when there is none), "published",
    "version": the number of the last publish (0: never published), "has_draft"}."""
    row = _draft_row(ws)
    live = published(ws).as_dict()
    return {"draft": _draft_document(ws, row) if row is not None else live,
            "published": live, "version": version(ws), "has_draft": row is not None}


def draft(ws: Workspace) -> Settings:
    """What the live preview shows: the draft, else the published settings."""
    row = _draft_row(ws)
    return Settings(_draft_document(ws, row)) if row is not None else published(ws)


def _draft_document(ws: Workspace, row) -> dict:
    return _with_locales(ws, repaired(ws.slug, row.document))


def version(ws: Workspace) -> int:
    with use_workspace(ws.id):
        return db.session.scalar(select(func.coalesce(func.max(PortalSettingsPublish.version),
                                                      0))) or 0


def save_draft(ws: Workspace, document, author: str) -> dict:
    """Check the whole `document` and keep it as the draft (the images stay the draft's);
    `Invalid` with every wrong field otherwise. The caller commits."""
    current = draft(ws).appearance
    images = {name: current[name] for name in IMAGES}
    if isinstance(document, dict) and isinstance(document.get("appearance"), dict):
        document = {**document, "appearance": {**document["appearance"], **images}}
    checked = check(ws, document)
    checked["appearance"].update(images)
    _store_draft(ws, checked, author)
    return checked


def set_image(ws: Workspace, name: str, url: str, author: str) -> dict:
    """Put an uploaded image's URL into the draft (portal.services.portal_images)."""
    document = draft(ws).as_dict()
    document["appearance"][name] = url
    _store_draft(ws, document, author)
    return document


def publish(ws: Workspace, author: str) -> int:
    """Make the draft live: Workspace.settings and the custom domain, a new history
    entry. Without a draft there is nothing to publish (NotFound). The caller commits."""
    row = _draft_row(ws)
    if row is None:
        raise NotFound(_("There is no draft to publish."))
    document = check(ws, row.document)  # the world may have changed since it was saved
    number = version(ws) + 1
    _go_live(ws, document)
    with use_workspace(ws.id):
        db.session.add(PortalSettingsPublish(workspace_id=ws.id, version=number,
                                             document=document, published_by=author[:200]))
        db.session.delete(row)
        _flush_or_conflict()
    return number


def _flush_or_conflict() -> None:
    """Two admins publishing (or starting a draft) at once: the second is told, not failed
    (the unique version, or the one draft per workspace, refused its row)."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone else changed the portal settings at the same time; "
                         "reload and try again.")) from None


def discard(ws: Workspace) -> bool:
    """Drop the draft; False when there was none."""
    row = _draft_row(ws)
    if row is None:
        return False
    with use_workspace(ws.id):
        db.session.delete(row)
        db.session.flush()
    return True


def history(ws: Workspace) -> list[dict]:
    with use_workspace(ws.id):
        rows = db.session.scalars(select(PortalSettingsPublish)
                                  .order_by(PortalSettingsPublish.version.desc())).all()
    return [{"version": r.version, "published_by": r.published_by,
             "published_at": r.published_at} for r in rows]


def restore(ws: Workspace, number: int, author: str) -> dict:
    """Publish `number`'s document again as the draft (the admin then publishes it)."""
    with use_workspace(ws.id):
        row = db.session.scalar(select(PortalSettingsPublish)
                                .where(PortalSettingsPublish.version == number))
    if row is None:
        raise NotFound(_("There is no published version %(number)s.", number=number))
    document = repaired(ws.slug, row.document)
    _store_draft(ws, document, author)
    return document


def change(ws: Workspace, values: dict) -> Settings:
    """Set `values` ({"features.knowledge_base": "public", ...}) in the live document at
    once, checked as a publish is, without a history entry: for the command line, the
    platform's workspaces page and the demo. A pending draft gets the same values, so its
    publish does not undo them. The caller commits."""
    _go_live(ws, check(ws, _with_values(published(ws).as_dict(), values)))
    row = _draft_row(ws)
    if row is not None:
        row.document = check(ws, _with_values(repaired(ws.slug, row.document), values))
    return published(ws)


def _with_values(document: dict, values: dict) -> dict:
    for path, value in values.items():
        *parents, last = path.split(".")
        part = document
        for name in parents:
            part = part.setdefault(name, {})
        part[last] = value
    return document


def check(ws: Workspace, document) -> dict:
    """The whole `document` loaded through the schema and the checks across fields, or
    `Invalid` naming every wrong field (`appearance.accent_color`: ...)."""
    try:
        loaded = _with_locales(ws, SCHEMA.load(document if isinstance(document, dict) else None))
    except ValidationError as exc:
        raise invalid(messages(exc)) from None
    problems = _problems(ws, loaded)
    if problems:
        raise invalid(problems)
    return loaded


def _problems(ws: Workspace, doc: dict) -> dict:
    found = {}
    if not doc["locales"]["enabled"]:
        found["locales.enabled"] = _("Enable at least one language.")
    elif doc["locales"]["default"] not in doc["locales"]["enabled"]:
        found["locales.default"] = _("The default language must be one of the enabled ones.")
    look = doc["appearance"]
    try:
        colors.tokens(look["accent_color"], dark_accent=look["dark_accent_color"] or None)
    except AppearanceError as exc:
        found["appearance.accent_color"] = str(exc)
    tabs = look["header_tabs"]
    if len(tabs) > MAX_TABS:
        found["appearance.header_tabs"] = _("At most %(n)s header tabs.", n=MAX_TABS)
    for kind in ("knowledge_base", "tickets"):
        if sum(tab["kind"] == kind for tab in tabs) > 1:
            found["appearance.header_tabs"] = _("Each built-in tab may appear once.")
    footer = look["footer"]
    if len(footer["links"]) > MAX_LINKS or len(footer["social"]) > MAX_LINKS:
        found["appearance.footer"] = _("At most %(n)s links each.", n=MAX_LINKS)
    try:
        doc["custom_css"] = custom_css.check_css(doc["custom_css"], doc["domain"]["allowlist"],
                                                 gettext=_) if doc["custom_css"] else ""
    except AppearanceError as exc:
        found["custom_css"] = str(exc)
    domain = custom_domain_of(doc)
    if domain is False:
        found["domain.custom_portal_url"] = _(
            "Give only the address of the portal's host, such as https://help.example.com.")
    elif domain and domain in platform_hosts():
        found["domain.custom_portal_url"] = _(
            "This is the address of the portal itself; give your own domain.")
    elif domain and db.session.scalar(select(Workspace.id).where(
            Workspace.custom_domain == domain, Workspace.id != ws.id)) is not None:
        found["domain.custom_portal_url"] = _("Another workspace uses this domain.")
    return found


def platform_hosts() -> set[str]:
    """The host the portal itself answers on for every workspace (BASE_URL): no workspace
    may take it as its custom domain (its visitors would then see only that workspace)."""
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname
    return {host.lower()} if host else set()


def custom_domain_of(doc: dict):
    """The host of `domain.custom_portal_url`: None when empty, False when the address is
    more than a scheme and a host name (a path, a port, a user name)."""
    url = doc["domain"]["custom_portal_url"]
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username \
            or parts.port is not None or not HOST.match(host):
        return False
    return host


def _go_live(ws: Workspace, document: dict) -> None:
    """`document`, which `check` returned (its domain is a host no other workspace has),
    becomes the live one."""
    domain = custom_domain_of(document)
    if inspect(ws).persistent:
        cache.delete(_cache_key(ws))  # its key changes with the version the flush bumps
    ws.settings = copy.deepcopy(document)  # a new value: the JSON column sees the change
    ws.custom_domain = domain or None
    ws.enabled_locales = list(document["locales"]["enabled"])
    ws.default_locale = document["locales"]["default"]
    forget("kb_access", "kb_audiences", "portal_settings")


def _draft_row(ws: Workspace):
    with use_workspace(ws.id):
        return db.session.scalar(select(PortalSettingsDraft))


def _store_draft(ws: Workspace, document: dict, author: str) -> None:
    row = _draft_row(ws)
    with use_workspace(ws.id):
        if row is None:
            row = PortalSettingsDraft(workspace_id=ws.id)
            db.session.add(row)
        row.document = copy.deepcopy(document)
        row.updated_by = (author or "")[:200]
        _flush_or_conflict()
