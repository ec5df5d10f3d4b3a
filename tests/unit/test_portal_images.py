"""Portal branding images (portal.services.portal_images): only PNG, JPEG, GIF and WebP by
content, within the size and pixel limits, refused before decoding when the header is out of
bounds, re-encoded without metadata, stored under their content hash per workspace."""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from portal.extensions import db
from portal.services import portal_images, portal_settings
from portal.services.errors import Invalid


def picture(fmt: str, size=(64, 64), mode="RGB", color=(200, 40, 40), **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **options)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refusal(name: str, data: bytes, filename: str = "") -> str:
    with pytest.raises(Invalid) as caught:
        portal_images.clean_image(name, data, filename)
    assert caught.value.details["field"] == name
    return caught.value.message


@pytest.mark.parametrize("fmt, out_format", [
    ("PNG", "PNG"), ("JPEG", "WEBP"), ("WEBP", "PNG"), ("GIF", "PNG")])
def test_each_accepted_type_is_re_encoded(fmt, out_format):
    data, ext = portal_images.clean_image("logo", picture(fmt, (300, 100)), "logo.bin")
    image = opened(data)
    assert image.format == out_format and ext == out_format.lower()
    assert image.size == (300, 100)
    red, green, blue = image.convert("RGB").getpixel((150, 50))
    assert red > 180 and green < 70 and blue < 70


def test_a_favicon_is_always_png():
    data, ext = portal_images.clean_image("favicon", picture("JPEG", (48, 48)))
    assert ext == "png" and opened(data).format == "PNG"


def test_metadata_is_dropped():
    exif = Image.Exif()
    exif[0x010E] = "secret camera description"  # ImageDescription
    exif[0x010F] = "SecretMaker"  # Make
    jpeg = picture("JPEG", (80, 40), exif=exif.tobytes(), comment=b"secret comment")
    assert b"secret" in jpeg
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret text chunk")
    png = picture("PNG", (80, 40), pnginfo=info, icc_profile=b"secret profile")
    for source in (jpeg, png):
        data, _ext = portal_images.clean_image("logo", source)
        image = opened(data)
        assert b"secret" not in data
        assert not image.getexif() and "comment" not in image.info
        assert not getattr(image, "text", {}) and "icc_profile" not in image.info


def test_the_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: shown 40 wide, 80 high
    data, _ext = portal_images.clean_image("logo", picture("JPEG", (80, 40), exif=exif.tobytes()))
    assert opened(data).size == (40, 80)


def test_transparency_is_kept():
    png = picture("PNG", (32, 32), mode="RGBA", color=(0, 0, 0, 0))
    data, ext = portal_images.clean_image("favicon", png)
    assert ext == "png" and opened(data).getpixel((0, 0))[3] == 0
    gif = io.BytesIO()
    Image.new("P", (32, 32), 0).save(gif, "GIF", transparency=0)
    data, _ext = portal_images.clean_image("logo", gif.getvalue())
    assert opened(data).mode == "RGBA" and opened(data).getpixel((5, 5))[3] == 0


@pytest.mark.parametrize("data, filename", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png"),
    (picture("PNG"), "logo.svg"),
])
def test_svg_is_refused(data, filename):
    assert "SVG" in refusal("logo", data, filename)


@pytest.mark.parametrize("data", [
    b"This is a text file, not a picture.\n",
    picture("BMP"), picture("TIFF"), picture("ICO", (32, 32)),
    b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
])
def test_anything_else_is_refused_whatever_its_name(data):
    message = refusal("logo", data, "logo.png")
    assert "PNG, JPEG, GIF or WebP" in message or "cannot be read" in message


def test_empty_and_too_large_files_are_refused():
    assert "empty" in refusal("logo", b"")
    too_large = b"\x89PNG\r\n\x1a\n" + b"\0" * portal_images.MAX_BYTES
    assert "2 MB" in refusal("logo", too_large)


@pytest.mark.parametrize("name, size, accepted", [
    ("logo", (2000, 1000), True), ("logo", (2001, 100), False), ("logo", (400, 1001), False),
    ("logo", (16, 16), True), ("logo", (200, 15), False),
    ("favicon", (512, 512), True), ("favicon", (513, 513), False), ("favicon", (15, 15), False),
    ("favicon", (60, 48), True), ("favicon", (64, 32), False),
])
def test_pixel_limits(name, size, accepted):
    data = picture("PNG", size)
    if accepted:
        assert opened(portal_images.clean_image(name, data)[0]).size == size
    else:
        assert "pixels" in refusal(name, data) or "square" in refusal(name, data)


def bomb(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` RGBA pixels, with one row of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * (width * 4 + 1)))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height", [(9000, 9000), (100_000, 100_000)])
def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch, width, height):
    def decoded(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    data = bomb(width, height)
    assert len(data) < 100_000
    message = refusal("logo", data)
    assert "pixels" in message or "cannot be read" in message


def test_stored_under_a_content_hash_per_workspace(acme, globex):
    png = picture("PNG", (120, 40))
    url = portal_images.store_image(acme, "logo", png, "logo.png", "Ann Admin")
    db.session.commit()
    digest, ext = url.rsplit("/", 1)[1].split(".")
    assert url == f"/look/acme/images/{digest}.{ext}" and ext == "png"
    assert opened(portal_images.stored(acme, digest, ext)).size == (120, 40)
    assert portal_images.stored(globex, digest, ext) is None
    assert portal_images.stored(acme, digest, "webp") is None
    assert portal_images.stored(acme, "../" + digest[3:], ext) is None
    assert portal_settings.draft(acme).appearance.logo == url
    assert portal_settings.published(acme).appearance.logo == ""
    assert portal_images.store_image(acme, "logo_dark", png, "x.png", "Ann") == url
    portal_images.clear_image(acme, "logo", "Ann Admin")
    assert portal_settings.draft(acme).appearance.logo == ""
    assert portal_settings.draft(acme).appearance.logo_dark == url
    with pytest.raises(Invalid):
        portal_images.store_image(acme, "banner", png, "logo.png", "Ann Admin")
