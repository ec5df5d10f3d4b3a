"""Delivery: SMTP when PORTAL_SMTP_URL is set, else `.eml` files in the outbox folder."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app

from portal.extensions import db
from portal.models import OutboxMessage, Workspace
from portal.services.outbox_reader import eml_path


def build(row: OutboxMessage) -> EmailMessage:
    cfg = current_app.config
    ws = db.session.get(Workspace, row.workspace_id)
    msg = EmailMessage()
    sender_name, sender_addr = _split_from(cfg["SMTP_FROM"])
    msg["From"] = formataddr((ws.name if ws else sender_name, sender_addr))
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Message-ID"] = make_msgid(domain=sender_addr.split("@")[-1])
    msg["Content-Language"] = row.locale
    msg["X-Helpport-Outbox-Id"] = str(row.id)
    msg.set_content(row.text_body)
    msg.add_alternative(row.html_body, subtype="html")
    return msg


def _split_from(value: str) -> tuple[str, str]:
    if "<" in value:
        name, addr = value.split("<", 1)
        return name.strip(), addr.rstrip(">").strip()
    return "", value.strip()


def send(row: OutboxMessage) -> str:
    msg = build(row)
    url = current_app.config.get("SMTP_URL")
    if url:
        _send_smtp(url, msg)
    else:
        path = eml_path(row)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(msg))
    return msg["Message-ID"]


def _send_smtp(url: str, msg: EmailMessage) -> None:
    """`smtp://user:pass@host:port` (STARTTLS when `?starttls=1`) or `smtps://...`."""
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    cls = smtplib.SMTP_SSL if secure else smtplib.SMTP
    kwargs = {"context": ssl.create_default_context()} if secure else {}
    with cls(parts.hostname, port, timeout=30, **kwargs) as smtp:
        if "starttls=1" in (parts.query or ""):
            smtp.starttls(context=ssl.create_default_context())
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)
