"""The emails the portal sends, rendered in the recipient's locale into the outbox.

Templates live in `themes/<theme>/templates/emails/` as a `.txt` and an `.html` pair. They
are rendered straight from the Jinja environment, without the portal's page context
(current contact, language links), so the same email renders in a request, a job or the
CLI. Flask-Babel's `force_locale` only takes effect when `g` holds something, which
`use_workspace` guarantees.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.i18n import babel_locale, direction, normalise
from portal.models import OutboxMessage, Workspace
from portal.services import outbox
from portal.tenancy import use_workspace


def _render(name: str, **context) -> str:
    return current_app.jinja_env.get_template(name).render(**context)


def queue_email(ws: Workspace, to: str, kind: str, locale: str, subject, *,
                from_name: str | None = None, headers: dict | None = None,
                **context) -> OutboxMessage:
    """Render `emails/<kind>.txt|.html` in `locale` and add it to the outbox. `subject` is
    a function called under that locale (so `_()` inside it translates). A locale the
    portal does not speak falls back to the workspace's default, so that Content-Language
    names the language the email is really in. The HTML part carries the locale's writing
    direction (`text_dir`, on <html> and <body>) and aligns its text to the start of the
    line (`text_start`: the physical side, which email clients understand better than
    `start`)."""
    locale = normalise(locale) or normalise(ws.default_locale) or "en-US"
    text_dir = direction(locale)
    with use_workspace(ws.id), force_locale(babel_locale(locale)):
        context.update(workspace=ws, locale=locale, text_dir=text_dir,
                       text_start="right" if text_dir == "rtl" else "left")
        return outbox.add(
            ws.id,
            to,
            subject(),
            _render(f"emails/{kind}.txt", **context),
            _render(f"emails/{kind}.html", **context),
            kind=kind,
            locale=locale,
            from_name=from_name,
            headers=headers,
        )


def sign_in_code(ws: Workspace, email: str, code: str, *, minutes: int,
                 locale: str) -> OutboxMessage:
    return queue_email(
        ws, email, "sign_in_code", locale,
        lambda: _("Your sign-in code for %(workspace)s: %(code)s", workspace=ws.name, code=code),
        code=code, minutes=minutes, email=email,
    )


def invitation(ws: Workspace, email: str, link: str, *, inviter: str, days: int,
               locale: str) -> OutboxMessage:
    """A colleague's invitation (portal.services.customer_account): a sign-in link."""
    return queue_email(
        ws, email, "invitation", locale,
        lambda: _("%(inviter)s invited you to %(workspace)s", inviter=inviter,
                  workspace=ws.name),
        link=link, inviter=inviter, days=days, email=email,
    )


def satisfaction_survey(ws: Workspace, email: str, locale: str, *, ticket, links: list,
                        url: str, days: int, change_days: int) -> OutboxMessage:
    """How satisfied is a reporter with a resolved ticket (portal.services.satisfaction):
    one signed link per score, each opening a page that asks them to confirm."""
    return queue_email(
        ws, email, "satisfaction", locale,
        lambda: _("[%(workspace)s] How did we do with ticket #%(number)s?", workspace=ws.name,
                  number=ticket.number),
        ticket=ticket, links=links, url=url, days=days, change_days=change_days,
    )
