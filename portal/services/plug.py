"""The Plug widget (issue 15, section 1): whether it is on for a workspace, and which web
origins may call the customer API from a page embedding it: the workspace's allowlisted
domains (portal settings, domain.allowlist: an exact host or `*.domain`), over http or
https on any port, while the Plug toggle is on. The portal's own origin is always allowed
(portal.api.cors)."""

from urllib.parse import urlsplit

from portal.appearance.custom_css import host_patterns
from portal.models import Workspace
from portal.services import portal_settings


def enabled(ws: Workspace) -> bool:
    return bool(portal_settings.published(ws).features.plug)


def origin_host(origin: str | None) -> str | None:
    """The host of an `Origin` header (`scheme://host[:port]`), or None when it is not one
    (`null`, another scheme, a path)."""
    if not origin or len(origin) > 300:
        return None
    try:
        parts = urlsplit(origin)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or parts.path or parts.query:
        return None
    return host.lower().rstrip(".")


def allowed_origin(ws: Workspace, origin: str | None) -> bool:
    """Whether a page at `origin` may call `ws`'s customer API from the browser."""
    host = origin_host(origin)
    if host is None:
        return False
    settings = portal_settings.published(ws)
    if not settings.features.plug:
        return False
    exact, suffixes = host_patterns(settings.domain.allowlist)
    return host in exact or host.endswith(suffixes)
