"""A workspace's uploaded logo and favicon (portal.services.portal_images): public, at URLs
that name their content, so browsers and proxies may keep them for a year."""

from flask import abort, make_response, request

from portal.services import portal_images, workspaces
from portal.web import root
from portal.web.look import YEAR


@root.get("/look/<slug>/images/<digest>.<ext>")
def look_image(slug: str, digest: str, ext: str):
    """Only `slug`'s own images: another workspace's digest is a 404 here."""
    ws = workspaces.by_slug(slug) if len(slug) <= 63 else None
    data = portal_images.stored(ws, digest, ext) if ws is not None else None
    if data is None:
        abort(404)
    response = make_response(data)
    response.mimetype = portal_images.CONTENT_TYPES[ext]
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(digest)
    return response.make_conditional(request)
