"""The bodies of the staff API's accounts, contacts and groups (FAB model APIs).

Each schema loads straight into the model row (FAB's `BaseModelSchema`): POST builds a new
row, PUT loads into the existing one (FAB first fills in the fields left out). Related rows
are given by id and must be rows of the current workspace. The rules that need the
database (unique names and emails, valid email domains) are checked by the API's hooks.
"""

from flask_appbuilder.api.schemas import BaseModelSchema
from flask_babel import gettext as _
from marshmallow import ValidationError

from portal.i18n import SUPPORTED
from portal.models import Account, Contact, CustomerGroup
from portal.schemas import Choice, Field, Flag, Text
from portal.schemas.staff_api import Row, Rows, Strict


class ModelWrite(Strict, BaseModelSchema):
    """A model row from a JSON object; unknown keys (`id`, `workspace_id`, ...) are refused."""


class Domains(Field):
    """Email domains: a list of texts, or one text separated by commas."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": "array", "items": {"type": "string",
                                                              "maxLength": 253}}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        name = self.label(attr)
        if not isinstance(value, str | list):
            raise ValidationError(_("%(field)s must be a list of texts.", field=name))
        for text in [value] if isinstance(value, str) else value:
            Text(2000).deserialize(text, name, data)
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class AccountWrite(ModelWrite):
    model_cls = Account

    name = Text(200, min_length=1, required=True)
    domains = Domains()


class ContactWrite(ModelWrite):
    model_cls = Contact

    email = Text(320, min_length=1, required=True)
    name = Text(200)
    locale = Choice(["", *SUPPORTED], allow_none=True)
    account = Row(Account, allow_none=True)
    verified = Flag(strict=True)
    active = Flag(strict=True)


class GroupWrite(ModelWrite):
    model_cls = CustomerGroup

    name = Text(100, min_length=1, required=True)
    description = Text(500)
    members = Rows(Contact)
