"""Schemas of `GET /api/v1/workspaces/<slug>/portal` (portal/api/portal_info.py): the path,
the answer and the texts of the documented errors."""

from marshmallow import Schema, fields

from portal.fields import Choice
from portal.schemas.customer_articles import WorkspacePath  # noqa: F401  (the same path)
from portal.schemas.portal_settings import ACCESS, BANNER_LEVELS, TAB_KINDS, THEMES

ERRORS = {404: "No such workspace", 422: "The slug is not one a workspace can have"}


def _texts(description: str):
    return fields.Dict(keys=fields.String(), values=fields.String(),
                       metadata={"description": description})


def _address(description: str):
    return fields.String(allow_none=True, metadata={"description": description})


class Tokens(Schema):
    primary = fields.String(data_key="--color-primary")
    hover = fields.String(data_key="--color-primary-hover")
    on_primary = fields.String(data_key="--color-primary-contrast")
    focus = fields.String(data_key="--color-focus")


class Colors(Schema):
    light = fields.Nested(Tokens)
    dark = fields.Nested(Tokens)


class Tab(Schema):
    kind = Choice(TAB_KINDS)
    label = _texts("The tab's label by language (built-in tabs: empty for the default)")
    url = _address("A link tab's address")


class Banner(Schema):
    level = Choice(BANNER_LEVELS)
    text = _texts("Limited Markdown by language")
    starts_at = fields.String(allow_none=True)
    ends_at = fields.String(allow_none=True)


class Features(Schema):
    knowledge_base = Choice(ACCESS)
    tickets = Choice(ACCESS)
    ai_search = fields.Boolean()
    pdf_export = fields.Boolean()
    article_subscriptions = fields.Boolean()
    plug = fields.Boolean()
    seo = fields.Boolean()


class Locales(Schema):
    default = fields.String()
    enabled = fields.List(fields.String())


class Portal(Schema):
    name = fields.String(required=True)
    logo = _address("The logo for light backgrounds")
    logo_dark = _address("The logo for dark backgrounds")
    favicon = _address("The favicon")
    theme = Choice(THEMES)
    colors = fields.Nested(Colors, metadata={"description": "Colour tokens, WCAG AA checked"})
    header_tabs = fields.List(fields.Nested(Tab))
    hero = fields.Dict(metadata={"description": "welcome_text and search_placeholder by "
                                                "language"})
    footer = fields.Dict(metadata={"description": "social: [{network, url}], links: "
                                                  "[{label, url}]"})
    banner = fields.Nested(Banner, allow_none=True, metadata={
        "description": "The communication banner showing now, or null"})
    features = fields.Nested(Features)
    locales = fields.Nested(Locales)
