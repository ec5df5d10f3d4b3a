"""Article Follow: customers subscribe to native articles; *Publish & Notify* emails every
subscriber who may still read the article (issue 14, part 4).

It works only when the workspace installed the Article Follow snap-in and turned
`features.article_subscriptions` on. Publish & Notify does not email at once: it starts an
`ArticleNotification` due ARTICLE_NOTIFY_DELAY_SECONDS later (a second one while it waits
joins it, its comment replacing the first), and the periodic sweep (portal.jobs.tasks)
turns due rows into one outbox email per subscriber, as ticket notifications do
(portal.services.notifications). Whether a subscriber may read the article is decided when
the emails are written (portal.services.article_access). Each email carries a one-click
unsubscribe (RFC 8058): a signed token naming workspace, article and contact.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import Article, ArticleNotification, ArticleSubscription, Contact, Workspace
from portal.models.base import utcnow
from portal.services import (
    article_access,
    articles,
    due,
    emails,
    portal_settings,
    snap_ins,
    workspaces,
)
from portal.services.errors import NotFound

SENDER = "Article Subscriber bot"
DELAY_SECONDS = 300
SALT = "article-unsubscribe"


def enabled(ws: Workspace) -> bool:
    return snap_ins.installed(ws, snap_ins.ARTICLE_FOLLOW) and bool(
        portal_settings.published(ws).features.article_subscriptions)


def offered(ws: Workspace, article: Article | None) -> bool:
    return article is not None and article.kind == "native" and enabled(ws)


def followable(ws: Workspace, reader: Contact | None, key) -> Article:
    """The article `reader` may subscribe to, or NotFound (not visible, not native, off)."""
    article = article_access.get_visible(ws, reader, key)
    if not offered(ws, article):
        raise NotFound()
    return article


def is_subscribed(ws: Workspace, article: Article, contact: Contact | None) -> bool:
    if contact is None:
        return False
    return db.session.scalar(select(ArticleSubscription.id).where(
        ArticleSubscription.workspace_id == ws.id, ArticleSubscription.article_id == article.id,
        ArticleSubscription.contact_id == contact.id)) is not None


def subscribe(ws: Workspace, article: Article, contact: Contact) -> None:
    if not is_subscribed(ws, article, contact):
        db.session.add(ArticleSubscription(workspace_id=ws.id, article_id=article.id,
                                           contact_id=contact.id))
    db.session.commit()


def unsubscribe(ws: Workspace, article_id: int, contact_id: int) -> bool:
    """Returns whether a subscription was removed."""
    done = db.session.execute(delete(ArticleSubscription).where(
        ArticleSubscription.workspace_id == ws.id, ArticleSubscription.article_id == article_id,
        ArticleSubscription.contact_id == contact_id))
    db.session.commit()
    return bool(done.rowcount)


def subscribers(ws: Workspace, article: Article) -> list[Contact]:
    return list(db.session.scalars(
        select(Contact).join(ArticleSubscription, ArticleSubscription.contact_id == Contact.id)
        .where(ArticleSubscription.workspace_id == ws.id,
               ArticleSubscription.article_id == article.id)
        .order_by(Contact.email)))


def pending(ws: Workspace, article: Article) -> ArticleNotification | None:
    return db.session.scalar(select(ArticleNotification).where(
        ArticleNotification.workspace_id == ws.id, ArticleNotification.article_id == article.id,
        ArticleNotification.sent_at.is_(None)).order_by(ArticleNotification.id))


def publish_notify(ws: Workspace, article: Article, comment: str | None,
                   author: str = "") -> ArticleNotification:
    """Publish the article (when it is a draft) and notify its subscribers after the delay;
    within the delay, a second call only replaces the comment."""
    if not offered(ws, article):
        raise NotFound()
    if article.status != "published":
        articles.set_status(ws, article, "published", author)
    comment = (comment or "").strip()
    row = pending(ws, article)
    if row is None:
        seconds = current_app.config.get("ARTICLE_NOTIFY_DELAY_SECONDS", DELAY_SECONDS)
        row = ArticleNotification(workspace_id=ws.id, article_id=article.id,
                                  due_at=utcnow() + timedelta(seconds=seconds))
        db.session.add(row)
    row.comment, row.requested_by = comment, author
    db.session.commit()
    return row


def send_due(now=None) -> int:
    """Turn every due Publish & Notify into outbox emails. Returns how many were written."""
    return due.handle_due(ArticleNotification, _send, 100, now)


def _send(notification_id: int) -> int:
    row = db.session.scalar(select(ArticleNotification).where(
        ArticleNotification.id == notification_id).with_for_update())
    if row is None or row.sent_at is not None:
        db.session.rollback()
        return 0
    row.sent_at = utcnow()
    ws = db.session.get(Workspace, row.workspace_id)
    article = db.session.get(Article, row.article_id)
    written = 0
    if article is not None and offered(ws, article):
        for contact in subscribers(ws, article):
            if _may_read(ws, contact, article):
                _email(ws, article, contact, row.comment)
                written += 1
    db.session.commit()
    return written


def _may_read(ws: Workspace, contact: Contact, article: Article) -> bool:
    return contact.active and article_access.get_visible(ws, contact, article.id) is not None


def article_url(ws: Workspace, article: Article, locale: str) -> str:
    return f"{workspaces.public_base(ws)}/{locale}/{ws.slug}/articles/{article.slug}"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(ws: Workspace, article: Article, contact: Contact) -> str:
    return _serializer().dumps([ws.id, article.id, contact.id])


def read_token(ws: Workspace, token: str) -> tuple[int, int]:
    """(article id, contact id) of a token made for `ws`, or NotFound."""
    try:
        ws_id, article_id, contact_id = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound() from None
    if ws_id != ws.id:
        raise NotFound()
    return int(article_id), int(contact_id)


def unsubscribe_url(ws: Workspace, article: Article, contact: Contact, locale: str) -> str:
    return (f"{workspaces.public_base(ws)}/{locale}/{ws.slug}/unsubscribe/"
            f"{unsubscribe_token(ws, article, contact)}")


def _email(ws: Workspace, article: Article, contact: Contact, comment: str) -> None:
    locale = contact.locale if contact.locale in ws.enabled_locales else ws.default_locale
    tr = article.translation(locale, ws.default_locale)
    title = tr.title if tr else article.slug
    unsubscribe = unsubscribe_url(ws, article, contact, locale)
    company = portal_settings.published(ws).appearance.company_name or ws.name
    emails.queue_email(
        ws, contact.email, "article_update", locale,
        lambda: _("[%(company)s] Update on Article – %(title)s", company=company,
                  title=title),
        from_name=SENDER,
        headers={"List-Unsubscribe": f"<{unsubscribe}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        title=title, comment=comment, url=article_url(ws, article, locale),
        unsubscribe_url=unsubscribe)
