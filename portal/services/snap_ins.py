"""Snap-ins: installable extensions, per workspace (issue 14, part 4). A workspace admin
installs or uninstalls them in the admin; a feature a snap-in provides has no effect until
it is installed, whatever the portal settings say. *Article Follow* is the first."""

from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import Workspace
from portal.services.errors import NotFound

ARTICLE_FOLLOW = "article_follow"
CATALOG = {
    ARTICLE_FOLLOW: (_l("Article Follow"),
                     _l("Customers subscribe to articles; Publish & Notify emails them "
                        "when an article changes.")),
}


def installed(ws: Workspace, key: str) -> bool:
    return key in (ws.snap_ins or [])


def listing(ws: Workspace) -> list[dict]:
    return [{"key": key, "name": str(name), "description": str(text),
             "installed": installed(ws, key)} for key, (name, text) in CATALOG.items()]


def set_installed(ws: Workspace, key: str, on: bool) -> None:
    if key not in CATALOG:
        raise NotFound()
    keys = [k for k in (ws.snap_ins or []) if k != key]
    ws.snap_ins = sorted([*keys, key] if on else keys)
    db.session.commit()
