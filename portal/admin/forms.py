"""WTForms validators and choices of the admin pages, over the rules of
portal.services.people (which the staff REST API applies too): a page shows a wrong field
next to the field, before anything is stored."""

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from portal.i18n import SUPPORTED
from portal.services import people
from portal.services.errors import Invalid

LOCALE_CHOICES = [SelectChoice("", _l("Workspace default"))] + [
    SelectChoice(code, label) for code, label in SUPPORTED.items()]
WORKSPACE_LOCALE_CHOICES = LOCALE_CHOICES[1:]


def valid_domains(form, field) -> None:
    try:
        people.parse_domains(field.data)
    except Invalid as exc:
        raise ValidationError(exc.message) from exc


def unique_in_workspace(model, column: str, message):
    def check(form, field) -> None:
        if people.taken(model, column, field.data, getattr(form, "_id", None)):
            raise ValidationError(str(message))

    return check


def valid_email(form, field) -> None:
    if not people.valid_email(field.data):
        raise ValidationError(_l("Enter a valid email address."))
