"""What Flask-AppBuilder's generated pages say, in words a staff member reads.

FAB flashes "Added Row" / "Changed Row" / "Deleted Row" after a form and renders the empty
choice of an optional relation (a contact's account) as "__None". PortalAppBuilder applies
`use_plain_words` to every model view it registers, so pages added later get it too: the
messages name the item ("Account added.", from the view's own `show_title`) and the empty
choice reads "— none —", both translated.
"""

from flask_appbuilder.fields import QuerySelectField
from flask_babel import lazy_gettext as _l
from wtforms.fields.core import UnboundField

NO_CHOICE = _l("— none —")
FORMS = ("add_form", "edit_form", "search_form")


def item_name(view):
    """The `show_title` our own view class gives (e.g. _l("Account")), or None for FAB's
    own views, whose titles read "Show User"."""
    for cls in type(view).__mro__:
        if cls.__module__.startswith("flask_appbuilder"):
            return None
        if "show_title" in vars(cls):
            return vars(cls)["show_title"]
    return None


def use_plain_words(view) -> None:
    item = item_name(view)
    if item is None:
        view.add_row_message, view.edit_row_message = _l("Added."), _l("Saved.")
        view.delete_row_message = _l("Deleted.")
    else:
        view.add_row_message = _l("%(item)s added.", item=item)
        view.edit_row_message = _l("%(item)s saved.", item=item)
        view.delete_row_message = _l("%(item)s deleted.", item=item)
    for form in filter(None, (getattr(view, name, None) for name in FORMS)):
        for field in vars(form).values():
            if isinstance(field, UnboundField) and issubclass(field.field_class,
                                                               QuerySelectField):
                field.kwargs.setdefault("blank_text", NO_CHOICE)
