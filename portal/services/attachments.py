"""Ticket and comment attachments: size limit and type allow-list from workspace settings,
files stored by a random key (portal.storage: UPLOAD_DIR or object storage), served only to
who may see the ticket.

Size limits: each file at most `attachment_max_bytes` (10 MiB unless the workspace sets
less or more); a request at most MAX_FILES such files plus FORM_BYTES for the form's text
(`request_limit`, applied to the request before anything reads its body)."""

import re
import uuid
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from portal.extensions import db
from portal.models import Attachment, Comment, Ticket, Workspace
from portal.models.base import utcnow
from portal.services import filenames, portal_settings
from portal.services.errors import Invalid, NotFound, TooLarge
from portal.services.portal_settings_schema import ATTACHMENT_MAX_BYTES
from portal.storage import FileMissing, get_storage
from portal.tenancy import prepared

DEFAULT_MAX_BYTES = ATTACHMENT_MAX_BYTES  # tickets.attachment_max_bytes when not set
DEFAULT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".zip": "application/zip",
}
INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# how each binary type starts (matched at the first byte)
MAGIC = {
    "image/png": re.compile(re.escape(b"\x89PNG\r\n\x1a\n")),
    "image/jpeg": re.compile(rb"\xff\xd8\xff"),
    "image/gif": re.compile(rb"GIF8[79]a"),
    # RIFF, the chunk size (4 bytes), WEBP, then a VP8 (lossy), VP8L or VP8X chunk
    "image/webp": re.compile(rb"RIFF.{4}WEBPVP8[ LX]", re.DOTALL),
    "application/pdf": re.compile(rb"%PDF-"),
    "application/zip": re.compile(rb"PK(?:\x03\x04|\x05\x06)"),
}
MAX_FILES = 5
FORM_BYTES = 1024 * 1024  # the text fields next to the files


def limits(ws: Workspace) -> tuple[int, dict[str, str]]:
    settings = portal_settings.published(ws).tickets
    allowed = settings.attachment_extensions
    types = {ext: DEFAULT_TYPES[ext] for ext in allowed if ext in DEFAULT_TYPES} \
        if allowed else dict(DEFAULT_TYPES)
    return settings.attachment_max_bytes, types


def request_limit(ws: Workspace) -> int:
    """The largest request body a ticket or comment form of `ws` may send."""
    max_bytes, _types = limits(ws)
    return MAX_FILES * max_bytes + FORM_BYTES


def size_text(limit: int) -> str:
    """A limit in MB as the messages show it (10485760 -> "10")."""
    return f"{limit / 1024 / 1024:.1f}".removesuffix(".0")


def file_key(att: Attachment) -> str:
    """Where the file is stored (portal.storage), e.g. `7/<hex>`."""
    return f"{att.workspace_id}/{att.storage_key}"


def check(ws: Workspace, filename: str, data: bytes) -> str:
    """The content type of an acceptable file, or Invalid saying why not."""
    max_bytes, types = limits(ws)
    name = filenames.clean(filename or "")
    ext = Path(name).suffix.lower()
    if ext not in types:
        raise Invalid(_("%(name)s: this file type is not allowed.", name=name), field="files")
    if not data:
        raise Invalid(_("%(name)s is empty.", name=name), field="files")
    if len(data) > max_bytes:
        raise TooLarge(_("%(name)s is larger than %(size)s MB.", name=name,
                         size=size_text(max_bytes)), field="files")
    content_type = types[ext]
    signature = MAGIC.get(content_type)
    if signature is not None and not signature.match(data):
        raise Invalid(_("%(name)s does not look like a %(ext)s file.", name=name, ext=ext),
                      field="files")
    if content_type.startswith("text/"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(_("%(name)s is not a text file.", name=name), field="files") from None
    return content_type


def too_large(ws: Workspace) -> TooLarge:
    """The error for a request whose files were over `request_limit` as a whole."""
    max_bytes, _types = limits(ws)
    return TooLarge(_("The attachments are too large: at most %(count)s files of up to "
                      "%(size)s MB each. Your text is kept; please choose the files again.",
                      count=MAX_FILES, size=size_text(max_bytes)), field="files")


def check_all(ws: Workspace, files: list[tuple[str, bytes]]) -> list[tuple[str, bytes, str]]:
    if len(files) > MAX_FILES:
        raise Invalid(_("Attach at most %(count)s files.", count=MAX_FILES), field="files")
    return [(name, data, check(ws, name, data)) for name, data in files]


def store(ticket: Ticket, checked: list[tuple[str, bytes, str]],
          comment: Comment | None = None) -> list[Attachment]:
    """Write checked files and their rows (the caller commits)."""
    rows = []
    for name, data, content_type in checked:
        att = Attachment(workspace_id=ticket.workspace_id, ticket_id=ticket.id,
                         comment_id=comment.id if comment else None,
                         filename=filenames.clean(name), content_type=content_type, size=len(data),
                         storage_key=uuid.uuid4().hex, created_at=utcnow())
        get_storage().put(file_key(att), data, content_type)
        db.session.add(att)
        rows.append(att)
    db.session.flush()
    return rows


@lru_cache(maxsize=2)
def _for_ticket(include_internal: bool):
    ticket_id = bindparam("ticket_id")
    stmt = select(Attachment).where(Attachment.ticket_id == ticket_id)
    if not include_internal:
        public_comments = select(Comment.id).where(Comment.ticket_id == ticket_id,
                                                   Comment.public.is_(True))
        stmt = stmt.where((Attachment.comment_id.is_(None))
                          | Attachment.comment_id.in_(public_comments))
    return prepared(stmt.order_by(Attachment.id))


def for_ticket(ticket: Ticket, *, include_internal: bool) -> list[Attachment]:
    return list(db.session.scalars(_for_ticket(include_internal), {"ticket_id": ticket.id}))


def get(ticket: Ticket, attachment_id: int, *, include_internal: bool) -> Attachment:
    """An attachment `ticket`'s reader may see (the views then ask the storage for it)."""
    for att in for_ticket(ticket, include_internal=include_internal):
        if att.id == attachment_id:
            return att
    raise NotFound(_("No such file."))


def download(att: Attachment):
    """The file as a response: images inline, anything else as a download; NotFound when
    the stored file is gone."""
    try:
        return get_storage().download_response(file_key(att), filename=att.filename,
                                               content_type=att.content_type,
                                               as_attachment=not is_inline(att))
    except FileMissing:
        raise NotFound(_("No such file.")) from None


def is_inline(att: Attachment) -> bool:
    return att.content_type in INLINE
