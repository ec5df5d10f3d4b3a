"""The portal's branding images (issue 12): the logo, the logo for dark backgrounds and the
favicon that workspace admins upload.

An upload is accepted only when Pillow recognises its *content* as PNG, JPEG, GIF or WebP
(an SVG can carry scripts and is refused, as is every other type, whatever the file name
says), within MAX_BYTES and its kind's pixel limits. The limits are checked against the
dimensions in the header before a single pixel is decoded, so a decompression bomb is
refused without being allocated; then the file is verified, opened again and decoded, and
written anew from its pixels alone: EXIF (camera, GPS), comments, colour profiles and text
chunks are dropped, the EXIF orientation is applied, transparency is kept. The output is
PNG, or WebP for a logo that was a JPEG photograph; an animation keeps its first frame.

The result is stored (portal.storage) under its content hash, so its URL
`/look/<slug>/images/<digest>.<ext>` never changes meaning and is cached for a year
(portal.web.look_images). The URL goes into the draft (portal_settings.set_image):
customers see it once the admin publishes. Stored images are kept when replaced or
cleared, since an earlier publish that names them may be restored.
"""

import hashlib
import io
import re
import struct
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps

from portal.models import Workspace
from portal.services import portal_settings
from portal.services.attachments import size_text
from portal.services.errors import Invalid
from portal.storage import FileMissing, get_storage

MAX_BYTES = 2 * 1024 * 1024

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")  # the only decoders Pillow may try
CONTENT_TYPES = {"png": "image/png", "webp": "image/webp"}
DIGEST = re.compile(r"[0-9a-f]{32}")
UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error,
              Image.DecompressionBombError, Image.DecompressionBombWarning)
SVG = re.compile(rb"^\s*(?:<\?xml|<!--|<!doctype\s+svg|<svg)", re.IGNORECASE)


def upload_limit() -> int:
    """The largest request body an image upload may send: the image and its multipart
    framing (the staff API and the settings page)."""
    return MAX_BYTES + 64 * 1024


@dataclass(frozen=True)
class Bounds:
    max_width: int
    max_height: int
    min_side: int = 16
    max_ratio: float | None = None  # longer side / shorter side


BOUNDS = {"logo": Bounds(2000, 1000), "logo_dark": Bounds(2000, 1000),
          "favicon": Bounds(512, 512, max_ratio=1.25)}
ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


def image_path(slug: str, digest: str, ext: str) -> str:
    return f"/look/{slug}/images/{digest}.{ext}"


def storage_key(ws_id: int, digest: str, ext: str) -> str:
    return f"look/{ws_id}/{digest}-{ext}"


def store_image(ws: Workspace, name: str, data: bytes, filename: str, author: str) -> str:
    """Check and re-encode `data` as the image `name` (logo, logo_dark, favicon), store it
    and put its URL into the draft; `Invalid` (field `name`) when it is refused. The caller
    commits."""
    if name not in BOUNDS:
        raise Invalid(_("Choose one of the options."), field="name")
    encoded, ext = clean_image(name, data, filename)
    digest = hashlib.sha256(encoded).hexdigest()[:32]
    key = storage_key(ws.id, digest, ext)
    storage = get_storage()
    if not storage.exists(key):
        storage.put(key, encoded, CONTENT_TYPES[ext])
    url = image_path(ws.slug, digest, ext)
    portal_settings.set_image(ws, name, url, author)
    return url


def clear_image(ws: Workspace, name: str, author: str) -> None:
    """The draft without the image `name` (the stored file stays: see above)."""
    if name not in BOUNDS:
        raise Invalid(_("Choose one of the options."), field="name")
    portal_settings.set_image(ws, name, "", author)


def stored(ws: Workspace, digest: str, ext: str) -> bytes | None:
    """The bytes of `ws`'s image, or None (another workspace's digest is None too)."""
    if not DIGEST.fullmatch(digest) or ext not in CONTENT_TYPES:
        return None
    try:
        with get_storage().open(storage_key(ws.id, digest, ext)) as handle:
            return handle.read(MAX_BYTES * 4)
    except FileMissing:
        return None


def clean_image(name: str, data: bytes, filename: str = "") -> tuple[bytes, str]:
    """(the re-encoded image, its extension) or `Invalid` naming the field `name`."""
    bounds = BOUNDS[name]
    if not data:
        raise Invalid(_("The file is empty."), field=name)
    if len(data) > MAX_BYTES:
        raise Invalid(too_large_text(), field=name)
    if SVG.match(data[:256]) or filename.lower().endswith((".svg", ".svgz")):
        raise Invalid(_("SVG images are not accepted: upload a PNG, JPEG, GIF or WebP "
                        "image."), field=name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        source_format = _check_header(name, bounds, data)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                image.seek(0)
                upright = ImageOps.exif_transpose(image)
                _check_size(name, bounds, *upright.size)  # a PNG's eXIf may turn it too
                alpha = upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or \
                    "transparency" in upright.info
                pixels = upright.convert("RGBA" if alpha else "RGB")
        except UNREADABLE:
            raise Invalid(_("The image cannot be read."), field=name) from None
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())  # no metadata at all
    out = io.BytesIO()
    if source_format == "JPEG" and name != "favicon":
        fresh.save(out, "WEBP", quality=90)
        return out.getvalue(), "webp"
    fresh.save(out, "PNG")
    return out.getvalue(), "png"


def too_large_text() -> str:
    """The refusal of an image over MAX_BYTES (the admin page says it of a body cut short)."""
    return _("The image is larger than %(size)s MB.", size=size_text(MAX_BYTES))


def _check_header(name: str, bounds: Bounds, data: bytes) -> str:
    """The format, once the header's type and dimensions are acceptable and the whole file
    verifies; nothing is decoded here."""
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            if image.format in ("JPEG", "WEBP") and image.getexif().get(0x0112) in ROTATED:
                width, height = height, width
            _check_size(name, bounds, width, height)
            image.verify()
            return image.format
    except Image.UnidentifiedImageError:
        raise Invalid(_("Upload a PNG, JPEG, GIF or WebP image."), field=name) from None
    except UNREADABLE:
        raise Invalid(_("The image cannot be read."), field=name) from None


def _check_size(name: str, bounds: Bounds, width: int, height: int) -> None:
    if width > bounds.max_width or height > bounds.max_height:
        raise Invalid(_("The image is %(found)s pixels; it may be at most %(limit)s.",
                        found=f"{width} × {height}",
                        limit=f"{bounds.max_width} × {bounds.max_height}"), field=name)
    if min(width, height) < bounds.min_side:
        raise Invalid(_("The image must be at least %(size)s pixels wide and high.",
                        size=bounds.min_side), field=name)
    if bounds.max_ratio and max(width, height) > bounds.max_ratio * min(width, height):
        raise Invalid(_("The favicon must be square, or nearly so."), field=name)
