"""Attachment limits (size, type allow-list, content sniffing) and who may download."""

import pytest

from portal.extensions import db
from portal.services import actors, attachments, portal_settings, timeline
from portal.services.errors import Invalid, NotFound
from portal.storage import get_storage
from portal.tenancy import use_workspace
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_allowed_files_are_stored_and_typed(acme):
    ticket = open_ticket(acme, make_contact(acme))
    with use_workspace(acme.id):
        checked = attachments.check_all(acme, [("shot.png", PNG), ("log.txt", b"line\n")])
        rows = attachments.store(ticket, checked)
        db.session.commit()
        assert [(r.filename, r.content_type, r.size) for r in rows] == [
            ("shot.png", "image/png", len(PNG)), ("log.txt", "text/plain", 5)]
        att = attachments.get(ticket, rows[0].id, include_internal=False)
        path = get_storage().path(attachments.file_key(att))  # the local backend's file
        assert path.read_bytes() == PNG and attachments.is_inline(att)


@pytest.mark.parametrize("name, data, reason", [
    ("evil.svg", b"<svg onload=alert(1)>", "not allowed"),
    ("run.exe", b"MZ", "not allowed"),
    ("fake.png", b"<html>", "does not look like"),
    ("empty.txt", b"", "is empty"),
    ("bin.txt", b"\xff\xfe\x00\x01", "not a text file"),
    ("../../etc/passwd.txt", b"x" * (10 * 1024 * 1024 + 1), "larger than"),
])
def test_refused_files_say_why(acme, name, data, reason):
    with pytest.raises(Invalid) as exc:
        attachments.check(acme, name, data)
    assert reason in exc.value.message


def test_workspace_settings_narrow_the_limits(acme):
    portal_settings.change(acme, {"tickets.attachment_max_bytes": 10,
                                   "tickets.attachment_extensions": [".txt"]})
    db.session.commit()
    with pytest.raises(Invalid):
        attachments.check(acme, "a.png", PNG)
    with pytest.raises(Invalid):
        attachments.check(acme, "a.txt", b"x" * 11)
    assert attachments.check(acme, "a.txt", b"ok") == "text/plain"


def test_too_many_files(acme):
    with pytest.raises(Invalid):
        attachments.check_all(acme, [(f"{i}.txt", b"x") for i in range(6)])


def test_files_on_internal_notes_are_staff_only(acme):
    contact = make_contact(acme)
    agent = make_staff("agent@acme.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, contact)
    with use_workspace(acme.id):
        note = timeline.add_comment(ticket, actors.staff(agent), "see log", public=False)
        (hidden,) = attachments.store(ticket, attachments.check_all(acme, [("x.txt", b"s")]), note)
        db.session.commit()
        assert attachments.for_ticket(ticket, include_internal=False) == []
        with pytest.raises(NotFound):
            attachments.get(ticket, hidden.id, include_internal=False)
        assert attachments.get(ticket, hidden.id, include_internal=True).id == hidden.id


WEBP = b"RIFF" + (26).to_bytes(4, "little") + b"WEBPVP8 " + b"\x00" * 18


@pytest.mark.parametrize("data", [
    b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24,  # a WAV file: RIFF, but not WebP
    b"RIFF" + b"\x00" * 40,
    b"<html><script>alert(1)</script>",
    WEBP[:12],  # the container without an image chunk
])
def test_webp_must_really_be_webp(acme, data):
    with pytest.raises(Invalid) as exc:
        attachments.check(acme, "photo.webp", data)
    assert "does not look like a .webp file" in exc.value.message


@pytest.mark.parametrize("chunk", [b"VP8 ", b"VP8L", b"VP8X"])
def test_real_webp_files_pass(acme, chunk):
    data = WEBP[:12] + chunk + WEBP[16:]
    assert attachments.check(acme, "photo.webp", data) == "image/webp"


@pytest.mark.parametrize("control", [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
    "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\x07", "\x1b", "\u2028", "\x00"])
def test_names_lose_bidi_and_other_control_characters(acme, control):
    ticket = open_ticket(acme, make_contact(acme))
    name = f"invoice{control}fdp.txt"
    with use_workspace(acme.id):
        (row,) = attachments.store(ticket, attachments.check_all(acme, [(name, b"text\n")]))
        db.session.commit()
        assert row.filename == "invoicefdp.txt"


def test_a_reversed_exe_is_refused_under_its_clean_name(acme):
    with pytest.raises(Invalid) as exc:
        attachments.check(acme, "invoice\u202efdp.exe", b"MZ")
    assert exc.value.message == "invoicefdp.exe: this file type is not allowed."


def test_names_keep_letters_of_every_language(acme):
    ticket = open_ticket(acme, make_contact(acme))
    with use_workspace(acme.id):
        rows = attachments.store(ticket, attachments.check_all(acme, [
            ("Rechnung März.txt", b"a"), ("فاتورة.txt", b"b"), ("請求書.txt", b"c"),
            ("a/b\\c.txt", b"d")]))
        assert [r.filename for r in rows] == ["Rechnung März.txt", "فاتورة.txt", "請求書.txt",
                                              "c.txt"]
