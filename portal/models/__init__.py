"""Models, one module per aggregate; importing this package registers them all."""

from portal.models import content_version  # noqa: F401  (bumps it on writes)
from portal.models.answer import KbAnswer
from portal.models.auth import CustomerSession, GuestTicketDraft, OneTimeCode, StaffSession
from portal.models.customer import Account, Contact, CustomerGroup, group_members
from portal.models.idempotency import IdempotencyKey
from portal.models.identity import AppToken, IdentityProvider, SpentToken
from portal.models.kb import (
    Article,
    ArticleRevision,
    ArticleTranslation,
    ArticleVote,
    Directory,
    SearchIndex,
    SearchQuery,
    SearchSynonym,
)
from portal.models.outbox import OutboxMessage
from portal.models.portal_settings import PortalSettingsDraft, PortalSettingsPublish
from portal.models.satisfaction import SatisfactionAnswer
from portal.models.subscription import ArticleNotification, ArticleSubscription
from portal.models.ticket import (
    Attachment,
    Comment,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketForm,
    TicketNotification,
    ticket_reporters,
)
from portal.models.webhook import WebhookDelivery, WebhookEndpoint
from portal.models.workspace import StaffMembership, Workspace

__all__ = [
    "AppToken",
    "IdentityProvider",
    "SpentToken",
    "Article",
    "KbAnswer",
    "ArticleRevision",
    "ArticleTranslation",
    "ArticleNotification",
    "ArticleSubscription",
    "SatisfactionAnswer",
    "ArticleVote",
    "Directory",
    "SearchIndex",
    "SearchQuery",
    "SearchSynonym",
    "Attachment",
    "Comment",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketForm",
    "TicketNotification",
    "ticket_reporters",
    "Account",
    "Contact",
    "CustomerGroup",
    "CustomerSession",
    "GuestTicketDraft",
    "IdempotencyKey",
    "OneTimeCode",
    "PortalSettingsDraft",
    "PortalSettingsPublish",
    "OutboxMessage",
    "StaffMembership",
    "StaffSession",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workspace",
    "group_members",
]
