"""Delivery of one outbox row: SMTP when PORTAL_SMTP_URL is set, else an `.eml` file in
OUTBOX_DIR (the embedded default, read with `flask --app app portal outbox`).

The message is multipart/alternative (text, then HTML), from the workspace's name at the
configured sender address, in the recipient's language (Content-Language). Its Message-ID
is derived from the row, so a resend after a crash carries the same id.
"""

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, Workspace
from portal.models.base import utcnow
from portal.services.outbox_reader import eml_path


def build(row: OutboxMessage) -> EmailMessage:
    cfg = current_app.config
    ws = db.session.scalar(select(Workspace).where(Workspace.id == row.workspace_id))
    default_name, sender = parseaddr(cfg["SMTP_FROM"])
    domain = sender.rpartition("@")[2] or "helpport.local"
    msg = EmailMessage()
    name = row.from_name or (ws.name if ws else default_name)
    msg["From"] = formataddr((name, sender))
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = f"<outbox-{row.id}.{int(row.created_at.timestamp())}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Helpport-Outbox-Id"] = str(row.id)
    for header, value in (row.headers or {}).items():  # List-Unsubscribe (RFC 8058)
        msg[header] = value
    msg.set_content(row.text_body)
    msg.add_alternative(row.html_body, subtype="html")
    msg["Content-Language"] = row.locale  # after the parts: set_content drops Content-*
    return msg


def send(row: OutboxMessage) -> str:
    """Deliver `row`; returns the Message-ID. Raises on any failure."""
    msg = build(row)
    url = current_app.config.get("SMTP_URL")
    if url:
        _send_smtp(url, msg)
    else:
        _write_eml(row, msg)
    return msg["Message-ID"]


def _write_eml(row: OutboxMessage, msg: EmailMessage) -> None:
    """Write to a temporary name and rename, so a reader never sees half a message."""
    path = eml_path(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".eml.tmp")
    tmp.write_bytes(bytes(msg))
    os.replace(tmp, path)


def _send_smtp(url: str, msg: EmailMessage) -> None:
    """`smtp://user:pass@host:port` (STARTTLS with `?starttls=1`) or `smtps://...`."""
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    timeout = current_app.config["SMTP_TIMEOUT"]
    if secure:
        smtp = smtplib.SMTP_SSL(parts.hostname, port, timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(parts.hostname, port, timeout=timeout)
    with smtp:
        if parse_qs(parts.query).get("starttls") == ["1"]:
            smtp.starttls(context=ssl.create_default_context())
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)
