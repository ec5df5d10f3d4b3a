"""The portal settings document's schema under the input layer's name, for the staff API
and the OpenAPI document. It is declared in portal.services.portal_settings_schema: the
service that reads and checks stored documents uses it, and portal.services imports
nothing from portal.schemas (portal.schemas imports services: no package cycle)."""

from portal.services.portal_settings_schema import (
    ACCESS,
    ATTACHMENT_MAX_BYTES,
    BANNER_LEVELS,
    MAX_LINKS,
    MAX_TABS,
    NETWORKS,
    TAB_KINDS,
    THEMES,
    DocumentSchema,
)

__all__ = ["ACCESS", "ATTACHMENT_MAX_BYTES", "BANNER_LEVELS", "MAX_LINKS", "MAX_TABS",
           "NETWORKS", "TAB_KINDS", "THEMES", "DocumentSchema"]
