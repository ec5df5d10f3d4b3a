"""The emails the portal sends, rendered in the recipient's locale into the outbox."""

from flask import render_template
from flask_babel import gettext as _

from portal.models import Workspace
from portal.services import outbox


def sign_in_code(ws: Workspace, email: str, code: str, *, minutes: int, locale: str) -> None:
    subject = _("Your sign-in code for %(workspace)s: %(code)s", workspace=ws.name, code=code)
    ctx = {"workspace": ws, "code": code, "minutes": minutes, "email": email}
    outbox.add(
        ws.id,
        email,
        subject,
        render_template("emails/sign_in_code.txt", **ctx),
        render_template("emails/sign_in_code.html", **ctx),
        kind="sign_in_code",
        locale=locale,
    )
