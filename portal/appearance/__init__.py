"""A workspace portal's look, as plain functions that know nothing of requests or the
database: colour tokens with WCAG AA contrast (colors.py), custom CSS checked by a real
CSS parser (custom_css.py). Bad input raises `AppearanceError` with a message for the admin;
the settings document (portal.services) turns it into a field error."""


class AppearanceError(ValueError):
    """A value the portal cannot use, with a message the admin can act on."""
