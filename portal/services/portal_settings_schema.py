"""The portal settings document (issue 12): one per workspace, declared here once. The
staff API loads a whole document through `DocumentSchema` (422 with every wrong field,
named by its path: `appearance.accent_color`), and readers get the stored one through the
same schema with defaults for what is missing (portal.services.portal_settings).

    {"features": {"knowledge_base": "off|private|public", "tickets": "off|private|public",
                  "banner": {"enabled", "level": "info|warning", "text": {locale: text},
                             "starts_at", "ends_at"},
                  "ai_search", "pdf_export", "article_subscriptions", "plug", "seo"},
     "appearance": {"theme": "light|dark|system", "company_name", "accent_color": "#rrggbb",
                    "dark_accent_color": "#rrggbb" | "", "logo", "logo_dark", "favicon",
                    "header_tabs": [{"kind": "knowledge_base|tickets|link",
                                     "label": {locale: text}, "url"}],
                    "hero": {"welcome_text": {locale: text},
                             "search_placeholder": {locale: text}},
                    "footer": {"social": [{"network", "url"}],
                               "links": [{"label": {locale: text}, "url"}]}},
     "custom_css": "...",
     "domain": {"custom_portal_url": "https://host" | "", "allowlist": [host, ...]},
     "tickets": {"attachment_max_bytes", "attachment_extensions", "reopen_window_days"},
     "locales": {"enabled": [locale, ...], "default": locale}}

`locales` is the workspace's languages (Workspace.enabled_locales and default_locale, which
a publish sets): readers always get the workspace's, and a document without them keeps them.

Image references (`logo`, `logo_dark`, `favicon`) are set by the image upload endpoints,
never by the document: a PUT keeps the draft's.
"""

import re
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from portal.fields import Choice, Flag, Text, Whole
from portal.i18n import SUPPORTED

ACCESS = ("off", "private", "public")
THEMES = ("light", "dark", "system")
BANNER_LEVELS = ("info", "warning")
TAB_KINDS = ("knowledge_base", "tickets", "link")
NETWORKS = ("facebook", "github", "instagram", "linkedin", "mastodon", "x", "youtube")
HOST = re.compile(r"^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# the theme's own accents (themes/default/static/portal.css, light and dark)
DEFAULT_ACCENT, DEFAULT_DARK_ACCENT = "#1f4fc4", "#8cb4ff"
EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
MAX_TABS = 8
MAX_LINKS = 12
CSS_MAX_CHARS = 100_000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def _default(schema):
    return lambda: schema().load({})


class Part(Schema):
    """A part of the document: an unknown key is refused (a typo must not be lost)."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": _l("%(field)s must be a JSON object."),
                      "unknown": _l("%(field)s is not a known setting.")}


class Localized(fields.Dict):
    """{locale: text} for the portal's locales; empty texts are dropped."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(keys=Choice(tuple(SUPPORTED)), values=Text(max_length),
                         load_default=dict, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        found = super()._deserialize(value, attr, data, **kwargs)
        return {code: text.strip() for code, text in found.items() if text.strip()}


class Url(Text):
    """An absolute http(s) address (or, with `paths`, a path on the portal)."""

    def __init__(self, max_length: int = 2000, *, paths: bool = False, blank_ok: bool = False,
                 **kwargs):
        super().__init__(max_length, **kwargs)
        self.paths, self.blank_ok = paths, blank_ok

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if value == "" and self.blank_ok:
            return value
        if re.match(r"^https?://[^\s/?#]+[^\s]*$", value, re.IGNORECASE):
            return value
        if self.paths and re.match(r"^/(?!/)[^\s]*$", value):
            return value
        raise ValidationError(_("%(field)s must be an address starting with https://.",
                                field=self.label(attr)))


class Extension(Text):
    """A file name extension as attachments compare them: ".pdf", lower case."""

    def __init__(self, **kwargs):
        super().__init__(11, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if not EXTENSION.match(value):
            raise ValidationError(_('Give file name extensions such as ".pdf".'))
        return value


class Host(Text):
    def __init__(self, **kwargs):
        super().__init__(253, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        candidate = value[2:] if value.startswith("*.") else value
        if not HOST.match(candidate):
            raise ValidationError(_("%(value)s is not a domain name such as cdn.example.com.",
                                    value=value[:80]))
        return value


class Color(Text):
    """A colour as `#rrggbb` (empty allowed with `blank_ok`: none)."""

    def __init__(self, *, blank_ok: bool = False, **kwargs):
        super().__init__(7, **kwargs)
        self.blank_ok = blank_ok

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if (value == "" and self.blank_ok) or COLOR.match(value):
            return value.lower()
        raise ValidationError(_("%(field)s must be a colour such as #1f4fc4.",
                                field=self.label(attr)))


class Moment(Text):
    """An ISO 8601 time with its offset, stored in UTC; empty for none."""

    def __init__(self, **kwargs):
        super().__init__(40, load_default=None, allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError(value)
            return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
        except (ValueError, OverflowError):  # year 1 or 9999 moved out of range by its zone
            raise ValidationError(_("%(field)s must be a date and time with its time zone, "
                                    "such as 2027-01-31T09:00:00Z.",
                                    field=self.label(attr))) from None


class Banner(Part):
    enabled = Flag(strict=True, load_default=False)
    level = Choice(BANNER_LEVELS, load_default="info")
    text = Localized(2000)
    starts_at = Moment()
    ends_at = Moment()

    @validates_schema
    def _order(self, data, **_kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError(_("The banner must end after it starts."), "ends_at")


class Features(Part):
    knowledge_base = Choice(ACCESS, load_default="private")
    tickets = Choice(ACCESS, load_default="private")
    banner = fields.Nested(Banner, load_default=_default(Banner))
    ai_search = Flag(strict=True, load_default=True)
    pdf_export = Flag(strict=True, load_default=False)
    article_subscriptions = Flag(strict=True, load_default=False)
    plug = Flag(strict=True, load_default=False)
    seo = Flag(strict=True, load_default=False)  # sitemaps, indexing (portal.services.seo)


class Tab(Part):
    kind = Choice(TAB_KINDS, required=True)
    label = Localized(40)
    url = Url(load_default="", blank_ok=True)

    @validates_schema
    def _link(self, data, **_kwargs):
        if data.get("kind") == "link":
            if not data.get("url"):
                raise ValidationError(_("A link tab needs an address."), "url")
            if not data.get("label"):
                raise ValidationError(_("A link tab needs a label."), "label")


class Hero(Part):
    welcome_text = Localized(200)
    search_placeholder = Localized(100)


class Social(Part):
    network = Choice(NETWORKS, required=True)
    url = Url(required=True)


class FooterLink(Part):
    label = Localized(60)
    url = Url(required=True, paths=True)


class Footer(Part):
    social = fields.List(fields.Nested(Social), load_default=list)
    links = fields.List(fields.Nested(FooterLink), load_default=list)


class Appearance(Part):
    theme = Choice(THEMES, load_default="system")
    company_name = Text(200, load_default="")
    accent_color = Color(load_default=DEFAULT_ACCENT)
    dark_accent_color = Color(blank_ok=True, load_default="")
    # images: http(s) addresses or portal paths only (they go into src attributes)
    logo = Url(300, paths=True, blank_ok=True, load_default="")
    logo_dark = Url(300, paths=True, blank_ok=True, load_default="")
    favicon = Url(300, paths=True, blank_ok=True, load_default="")
    header_tabs = fields.List(fields.Nested(Tab), load_default=lambda: [
        {"kind": "knowledge_base", "label": {}, "url": ""},
        {"kind": "tickets", "label": {}, "url": ""}])
    hero = fields.Nested(Hero, load_default=_default(Hero))
    footer = fields.Nested(Footer, load_default=_default(Footer))


class Domain(Part):
    custom_portal_url = Url(load_default="", blank_ok=True)
    allowlist = fields.List(Host(), load_default=list)


class Tickets(Part):
    attachment_max_bytes = Whole(1, 1024 ** 3, strict=True, load_default=ATTACHMENT_MAX_BYTES)
    attachment_extensions = fields.List(Extension(), load_default=list)
    reopen_window_days = Whole(0, 3650, strict=True, load_default=7)


class Locales(Part):
    """The portal's languages; a missing value means "as the workspace has them"."""
    enabled = fields.List(Choice(tuple(SUPPORTED)), load_default=None)
    default = Choice(tuple(SUPPORTED), load_default=None)


class DocumentSchema(Part):
    features = fields.Nested(Features, load_default=_default(Features))
    appearance = fields.Nested(Appearance, load_default=_default(Appearance))
    custom_css = Text(CSS_MAX_CHARS, load_default="")
    domain = fields.Nested(Domain, load_default=_default(Domain))
    tickets = fields.Nested(Tickets, load_default=_default(Tickets))
    locales = fields.Nested(Locales, load_default=_default(Locales))
